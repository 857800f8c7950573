"""Background jobs with visible progress (imports, exports, statistics) — SPEC §8
"long exports run in the background with visible progress".

A use case creates a `Job` row (`create_job`), then hands it to the queue (`enqueue`,
after its own transaction has committed). The taskiq task `run_job` loads the row,
marks it running, calls the handler registered for its `kind`, and marks it
succeeded or failed. Handlers report progress with `report_progress` and attach
their output with `attach_file` (result) / `attach_file(..., errors=True)` (error report).

Embedded default: the in-memory broker runs the task as an asyncio task of the API
process (the same event loop as the requests). With TASK_BROKER=redis the same task
runs in `taskiq worker` processes.

Who may see a job: the owner account's organisation, and administrations whose
jurisdiction contains that organisation — and, for an export, every exported row
(`params["scope_path"]`, see services.exports) (`get_job_for`).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from server.errors import DomainError, NotFound, ValidationFailed
from server.models import Job, JobStatus, Organisation, RegionLevel, StoredFile
from server.schemas.common import Labelled
from server.schemas.jobs import JobView
from server.services.access import Actor, Role
from server.services.platform import files
from server.services.platform.broker import broker

log = logging.getLogger("server.jobs")

JobHandler = Callable[[Job], Awaitable[None]]

# kind -> handler. A registry filled at import by the `job_handler` decorator (never changed after).
_HANDLERS: dict[str, JobHandler] = {}
# kind -> module that defines its handler, so a fresh worker process can find it.
HANDLER_MODULES: dict[str, str] = {
    "physician_import": "server.services.registry.importer",
    "institution_import": "server.services.registry.importer",
    "question_import": "server.services.cycles.question_import",
    "paper_draw": "server.services.cycles.papers",
}


def job_handler(kind: str) -> Callable[[JobHandler], JobHandler]:
    """Register the coroutine that does the work of jobs of this kind."""

    def decorator(fn: JobHandler) -> JobHandler:
        _HANDLERS[kind] = fn
        return fn

    return decorator


def _handler_for(kind: str) -> JobHandler | None:
    if kind not in _HANDLERS and kind in HANDLER_MODULES:
        importlib.import_module(HANDLER_MODULES[kind])
    return _HANDLERS.get(kind)


def now() -> datetime:
    return datetime.now(UTC)


async def create_job(*, actor: Actor, kind: str, params: dict[str, Any] | None = None, total: int = 0,
                     using_db: Any = None) -> Job:
    """A queued job owned by the actor's account and organisation."""
    return await Job.create(
        kind=kind, status=JobStatus.QUEUED, owner_account_id=actor.account_id, org_id=actor.org_id,
        params=params or {}, total=total, using_db=using_db,
    )


async def enqueue(job: Job) -> None:
    """Send the job to the queue. Call it outside any transaction: the in-memory broker
    starts an asyncio task that would otherwise inherit the transaction's context."""
    await run_job.kiq(str(job.id))


@broker.task(task_name="dkt.run_job")
async def run_job(job_id: str) -> None:
    """The taskiq task: run one job to its end (never raises)."""
    await execute(job_id)


async def execute(job_id: str | UUID) -> None:
    """Run a job in the current process (the task body; the benchmark calls it directly)."""
    job = await Job.get_or_none(id=job_id)
    if job is None or job.status != JobStatus.QUEUED:
        return
    handler = _handler_for(job.kind)
    if handler is None:
        await _finish(job, JobStatus.FAILED, f"未知的任务类型：{job.kind}")
        return
    # claim it: a message delivered twice must not run the work twice
    claimed = await Job.filter(id=job.id, status=JobStatus.QUEUED).update(status=JobStatus.RUNNING, started_at=now())
    if not claimed:
        return
    job.status = JobStatus.RUNNING
    try:
        await handler(job)
    except DomainError as exc:
        await _finish(job, JobStatus.FAILED, exc.message)
        return
    except Exception:  # a background job must end in a visible state, whatever happened
        log.exception("job %s (%s) failed", job.id, job.kind)
        await _finish(job, JobStatus.FAILED, "处理失败：服务器内部错误，请稍后重试或联系管理员")
        return
    await _finish(job, JobStatus.SUCCEEDED, None)


async def _finish(job: Job, status: JobStatus, message: str | None) -> None:
    changes: dict[str, Any] = {"status": status, "finished_at": now()}
    if message is not None:
        changes["message"] = message
    await Job.filter(id=job.id).update(**changes)


async def report_progress(
    job: Job, *, total: int | None = None, processed: int | None = None, succeeded: int | None = None,
    failed: int | None = None, message: str | None = None,
) -> None:
    """Store the counters the console polls (each argument left None is kept)."""
    changes = {k: v for k, v in {"total": total, "processed": processed, "succeeded": succeeded,
                                 "failed": failed, "message": message}.items() if v is not None}
    for name, value in changes.items():
        setattr(job, name, value)
    if changes:
        await Job.filter(id=job.id).update(**changes)


async def set_outcome(job: Job, outcome: dict[str, Any]) -> None:
    """A small summary (counts) kept in params["outcome"] and shown with the job."""
    job.params = {**(job.params or {}), "outcome": outcome}
    await Job.filter(id=job.id).update(params=job.params)


async def attach_file(job: Job, data: bytes, *, filename: str, errors: bool = False,
                      content_type: str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet") -> None:
    """Keep a generated file as the job's result (or its error report)."""
    stored = await files.store_generated(
        data, purpose="error_report" if errors else "job_result", filename=filename, content_type=content_type,
        owner_org_id=job.org_id, owner_account_id=job.owner_account_id,
    )
    if errors:
        job.error_file_id = stored.id
        await Job.filter(id=job.id).update(error_file_id=stored.id)
    else:
        job.result_file_id = stored.id
        await Job.filter(id=job.id).update(result_file_id=stored.id)


# --- reading ------------------------------------------------------------------------
async def get_job_for(*, actor: Actor, job_id: str) -> Job:
    """The job, if the actor's organisation owns it or an administration's jurisdiction
    contains the owner. Anything else is "not found" (job ids are not secrets to guess at,
    but their existence outside one's scope is nobody's business)."""
    try:
        UUID(job_id)
    except ValueError:
        raise NotFound("任务不存在", code="job_not_found") from None
    job = await Job.get_or_none(id=job_id)
    if job is None or job.org_id is None:
        raise NotFound("任务不存在", code="job_not_found")
    if job.org_id == actor.org_id:
        return job
    if actor.role == Role.ADMINISTRATION:
        org = await Organisation.get_or_none(id=job.org_id)
        # an export keeps the region prefix covering its rows (services.exports): an assessment
        # institution's assigned institutions may lie outside the administration containing it
        rows_path = (job.params or {}).get("scope_path")
        if org is not None and org.region_path.startswith(actor.region_path) and (
                not rows_path or rows_path.startswith(actor.region_path)):
            return job
    raise NotFound("任务不存在", code="job_not_found")


def percent(job: Job) -> int:
    if job.status == JobStatus.SUCCEEDED:
        return 100
    if not job.total:
        return 0
    return min(99, int(job.processed * 100 / job.total))


def job_view(job: Job) -> JobView:
    return JobView(
        id=str(job.id),
        kind=job.kind,
        status=Labelled.of(job.status),
        finished=job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED),
        total=job.total,
        processed=job.processed,
        succeeded=job.succeeded,
        failed=job.failed,
        percent=percent(job),
        message=job.message,
        outcome=(job.params or {}).get("outcome"),
        has_result=job.result_file_id is not None,
        has_errors=job.error_file_id is not None,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
    )


async def list_jobs(*, actor: Actor, page_no: int, size: int, kind: str | None = None) -> tuple[list[Job], int]:
    """任务列表: the jobs of the actor's own organisation, newest first."""
    qs = Job.filter(org_id=actor.org_id)
    if kind:
        qs = qs.filter(kind=kind)
    count = await qs.count()
    rows = await qs.order_by("-created_at").offset((page_no - 1) * size).limit(size)
    return rows, count


async def job_file(*, actor: Actor, job_id: str, errors: bool) -> files.Download:
    """The job's result (or error report), to stream."""
    job = await get_job_for(actor=actor, job_id=job_id)
    file_id = job.error_file_id if errors else job.result_file_id
    stored = await StoredFile.get_or_none(id=file_id) if file_id else None
    if stored is None:
        raise NotFound("该任务没有错误报告" if errors else "该任务没有结果文件", code="job_file_missing")
    return files.download(stored, stored.original_name or "result.xlsx")


async def job_actor(job: Job, *, missing: str = "任务所属机构不存在") -> Actor:
    """The actor a background job acts as: its owner organisation in the role it was started in."""
    org = await Organisation.get_or_none(id=job.org_id).prefetch_related("region")
    if org is None:
        raise ValidationFailed(missing, code="org_missing")
    return Actor(kind="staff", role=Role(job.params["role"]), token="", account_id=job.owner_account_id,
                 org_id=org.id, region_id=org.region_id, region_path=org.region_path,
                 region_level=RegionLevel(org.region.level), ip=job.params.get("ip"))
