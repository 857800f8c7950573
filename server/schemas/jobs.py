"""Shapes of the background jobs (imports, exports, statistics): progress and the job list."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from server.models import JobStatus
from server.schemas.common import In, Labelled, Out, PageQuery


class JobQuery(PageQuery):
    """本机构的后台任务; ?kind= narrows to one kind (e.g. import_physicians)."""

    kind: str | None = Field(default=None, max_length=32, description="任务类型")


class JobView(Out):
    """One job with its progress (follow it at /jobs/<id>; files at /jobs/<id>/result and /errors)."""

    id: str
    kind: str
    status: Labelled[JobStatus]
    finished: bool
    total: int
    processed: int
    succeeded: int
    failed: int
    percent: int = Field(description="进度（0-100）")
    message: str | None
    outcome: Any = Field(default=None, description="任务结果摘要（按任务类型）")
    has_result: bool
    has_errors: bool
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class UploadQuery(In):
    """A file sent as the raw request body names itself here (a multipart `file` carries its name)."""

    filename: str = Field(default="", max_length=255, description="文件名（仅当请求体为文件本身时）")
