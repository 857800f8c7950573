"""Shapes of 操作日志 (the audit log)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from server.schemas.common import Out, PageQuery


class AuditLogQuery(PageQuery):
    """操作日志: filter by action prefix, target, time range."""

    action: str | None = Field(default=None, max_length=64, description="操作（前缀匹配）")
    target_type: str | None = Field(default=None, max_length=32, description="对象类型")
    target_id: str | None = Field(default=None, max_length=64, description="对象 id")
    since: datetime | None = Field(default=None, description="起（含），如2026-01-31T00:00:00+08:00")
    until: datetime | None = Field(default=None, description="止（不含）")


class AuditLogRow(Out):
    id: int
    actor_type: str = Field(description="staff | physician | system")
    actor_id: int | None
    org_id: int | None
    action: str
    target_type: str
    target_id: str | None
    before: Any
    after: Any
    ip: str | None
    created_at: datetime
