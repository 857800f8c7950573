"""再次考核管理 (SPEC §4 stage 7; seed: administration manual 2.2.9; Guangxi schedule 复考与补考安排).

- 确认再次考核名单: the 不合格 physicians in the caller's jurisdiction (every administration may
  look; only the province confirms — the state machine's ``_province_only`` guard). 确认 / 批量确认
  (``confirm``) and 一键确认 (``start_confirm_all``: every confirmable row of the province's current
  cycle, as a background job with progress) record the suspension (暂停执业 3-6 months, default 3,
  from a date, default today) and move the row to 待再次考核; each physician gets the 再次考核通知
  (站内消息, subscribe message, SMS: notices.PHYSICIAN_MESSAGES) and the administrations concerned
  (the nearest one of each physician's institution) a 复考名单确认 template message with the count.
  违纪不合格 rows are listed but never confirmed (``_no_violation`` guard).
- 评定简易程序再次考核 / 评定一般程序再次考核 (``results_list``): 再次考核待评定 rows with the
  re-exam scores, judged with 确认 / 批量确认 (``admin_judge_reexam``, hooks in judging.py).
"""

from __future__ import annotations

from datetime import date, timedelta, timezone

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from server.errors import Forbidden
from server.models import Assessment, AssessmentStatus, Cycle, Job
from server.schemas.common import BatchFailure, BatchResult
from server.schemas.judging import ResultRow
from server.services import audit
from server.services.access import Actor, Role, physician_scope_q
from server.services.assessment import progress, transitions
from server.services.platform import jobs
from server.services.platform.jobs import job_actor
from server.services.results import judging
from server.services.results.reexam_notices import notify_administrations, today  # noqa: F401 - re-exported

S = AssessmentStatus
CST = timezone(timedelta(hours=8))
CHUNK = 1000  # transitions.batch takes at most 1000 rows
JOB_KIND = "reexam_confirm_all"


def _ensure_administration(actor: Actor) -> None:
    if actor.role != Role.ADMINISTRATION:
        raise Forbidden("仅卫生行政机构可进行再次考核管理", code="wrong_role")


def _ensure_province(actor: Actor) -> None:
    _ensure_administration(actor)
    if not actor.is_province:
        raise Forbidden("只有省级卫生行政机构可以确认再次考核名单", code="province_only")


# --- lists --------------------------------------------------------------------------------------------


async def candidates(*, actor: Actor, filters: progress.ProgressFilters, page_no: int, size: int
                     ) -> tuple[list[ResultRow], int]:
    """确认再次考核名单: 不合格 rows in jurisdiction (violations shown, never confirmable)."""
    _ensure_administration(actor)
    return await judging.result_rows(actor, statuses=[S.FAILED], filters=filters, page_no=page_no, size=size,
                                     purpose=None)


async def results_list(*, actor: Actor, procedure: str | None, filters: progress.ProgressFilters, page_no: int,
                       size: int) -> tuple[list[ResultRow], int]:
    """评定简易程序再次考核 (simple) / 评定一般程序再次考核 (general): rows with re-exam scores."""
    _ensure_administration(actor)
    proc = judging.procedure_arg(procedure)
    filters.procedure = proc.value if proc else None
    return await judging.result_rows(actor, statuses=[S.REEXAM_DONE], filters=filters, page_no=page_no,
                                     size=size, purpose="reexam")


# --- 确认 / 批量确认 / 一键确认 ------------------------------------------------------------------------


async def confirm(*, actor: Actor, ids: list[int], months: int = 3, start: date | None = None
                  ) -> BatchResult:
    """确认 / 批量确认: each row its own move; rows that may not move are reported by row."""
    _ensure_province(actor)
    result = await transitions.batch(actor=actor, assessment_ids=ids, action="admin_confirm_reexam",
                                  apply_for=judging.batch_hook_for(actor, "admin_confirm_reexam",
                                                                   months=months, start=start))
    await notify_administrations(actor=actor, assessment_ids=result.done)
    return result.public()


async def _confirmable_q(actor: Actor, cycle_id: int | None) -> Q:
    cycle_ids = [cycle_id] if cycle_id is not None else list(
        await Cycle.filter(is_current=True).values_list("id", flat=True))
    return (await physician_scope_q(actor)) & Q(cycle_id__in=cycle_ids, status=S.FAILED.value, violation=False)


async def start_confirm_all(*, actor: Actor, months: int = 3, start: date | None = None,
                            cycle_id: int | None = None) -> Job:
    """一键确认: every confirmable 不合格 row of the province (current cycle), in the background."""
    _ensure_province(actor)
    total = await Assessment.filter(await _confirmable_q(actor, cycle_id)).count()
    params = {"role": actor.role.value, "ip": actor.ip, "months": months,
              "start": start.isoformat() if start else None, "cycle_id": cycle_id, "scope_path": actor.region_path}
    async with in_transaction() as conn:
        job = await jobs.create_job(actor=actor, kind=JOB_KIND, params=params, total=total, using_db=conn)
        await audit.record(actor, "reexam.confirm_all", "job", job.id, after={"months": months, "total": total},
                           using_db=conn)
    await jobs.enqueue(job)
    return job


@jobs.job_handler(JOB_KIND)
async def run_confirm_all(job: Job) -> None:
    actor = await job_actor(job)
    p = job.params or {}
    start = date.fromisoformat(p["start"]) if p.get("start") else None
    q = await _confirmable_q(actor, p.get("cycle_id"))
    ids = list(await Assessment.filter(q).order_by("id").values_list("id", flat=True))
    done: list[int] = []
    failed: list[BatchFailure] = []
    await jobs.report_progress(job, total=len(ids), processed=0, message="正在确认再次考核名单")
    for i in range(0, len(ids), CHUNK):
        result = await transitions.batch(actor=actor, assessment_ids=ids[i:i + CHUNK], action="admin_confirm_reexam",
                                      apply_for=judging.batch_hook_for(actor, "admin_confirm_reexam",
                                                                       months=int(p.get("months") or 3),
                                                                       start=start))
        done += result.done
        failed += result.failed
        await jobs.report_progress(job, processed=min(len(ids), i + CHUNK), succeeded=len(done),
                                   failed=len(failed))
    await notify_administrations(actor=actor, assessment_ids=done)
    await jobs.set_outcome(job, {"done": len(done), "failed": [f.model_dump(mode="json") for f in failed[:100]]})
    await jobs.report_progress(job, message=f"已确认{len(done)}人，未确认{len(failed)}人")
