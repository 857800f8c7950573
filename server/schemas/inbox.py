"""Shapes of the physician's 站内消息 (SPEC §7) in the mini-program."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from server.schemas.common import Out, Page, PageQuery


class MessageQuery(PageQuery):
    """?page=&size=&order=newest|unread (at most 50 a page)."""

    size: int = Field(default=20, ge=1, le=50, description="每页条数（1-50）")
    order: str = Field(default="newest", max_length=16, description="newest 最新在前 | unread 未读在前")


class MessageRow(Out):
    id: int
    template: str
    title: str
    body: str
    data: dict[str, Any] | None
    read: bool
    read_at: datetime | None
    created_at: datetime


class MessagePage(Page[MessageRow]):
    """One page of messages and the number unread."""

    unread: int


class MessageRead(MessageRow):
    """标为已读: the message and the number still unread."""

    unread: int


class AllRead(Out):
    updated: int
    unread: int
