"""Shapes of the staff's outbox view (通知记录) and its 重发."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from server.models import OutboxChannel, OutboxStatus
from server.schemas.common import Labelled, Out, PageQuery


class OutboxQuery(PageQuery):
    """通知记录 → 查询."""

    channel: OutboxChannel | None = Field(default=None, description="渠道")
    status: OutboxStatus | None = Field(default=None, description="状态")
    kind: str | None = Field(default=None, max_length=64, description="通知类型（模板名）")
    physician_id: int | None = Field(default=None, gt=0, description="医师")
    created_from: datetime | None = Field(default=None, description="起始时间")
    created_to: datetime | None = Field(default=None, description="截止时间")


class Recipient(Out):
    type: str = Field(description="physician 医师 | staff 机构账号")
    id: int | None
    name: str | None
    address: str = Field(description="手机号码或微信 openid（脱敏）")


class OutboxRow(Out):
    """One notification: what, to whom, how, and whether it arrived."""

    id: int
    kind: str = Field(description="通知类型（模板名）")
    title: str = Field(description="通知标题")
    channel: Labelled[OutboxChannel]
    recipient: Recipient
    status: Labelled[OutboxStatus]
    attempts: int
    last_error: str
    created_at: datetime
    sent_at: datetime | None
    next_attempt_at: datetime | None
