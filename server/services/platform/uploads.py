"""The start of every Excel import (SPEC §1 导入医师/机构, §5 导入试题): check the upload, keep it,
queue the background job that reads it. Nothing is created for a bad file."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from tortoise.transactions import in_transaction

from server.errors import PayloadTooLarge, ValidationFailed
from server.models import Job
from server.services import audit
from server.services.access import Actor
from server.services.platform import files, jobs
from server.services.platform.excel import open_rows
from server.services.platform.runtime import rt

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def start_upload_job(*, actor: Actor, kind: str, data: bytes, filename: str, params: dict[str, Any],
                           check_headers: Callable[[list[str]], object],
                           audit_after: dict[str, Any] | None = None) -> Job:
    """The upload's size (MAX_IMPORT_BYTES) and headers checked, the file stored, one job of
    ``kind`` created with ``params`` (plus file_id and filename) and audited as ``<kind>.start``."""
    limit = rt().settings.MAX_IMPORT_BYTES
    if len(data) > limit:
        raise PayloadTooLarge(f"导入文件不能超过{limit // (1024 * 1024)}MB", code="file_too_large")
    if not data:
        raise ValidationFailed("文件为空", code="empty_file")
    headers, _ = await asyncio.to_thread(open_rows, data)
    check_headers(headers)
    stored = await files.store(files.CleanFile(data, XLSX, ".xlsx"), purpose="import", original_name=filename or "",
                               owner_org_id=actor.org_id, owner_account_id=actor.account_id)
    async with in_transaction() as conn:
        job = await jobs.create_job(actor=actor, kind=kind, using_db=conn,
                                    params={"file_id": str(stored.id), "filename": filename, **params})
        await audit.record(actor, f"{kind}.start", "job", job.id, after={"filename": filename, **(audit_after or {})},
                           using_db=conn)
    await jobs.enqueue(job)
    return job
