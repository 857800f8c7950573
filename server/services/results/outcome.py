"""The outcome of one physician's cycle (SPEC §4 stages 5-7; Guangxi schedule 评定首轮考核成绩,
复考与补考安排), and the sweep that settles the physicians who missed a round.

The rules themselves (pure, no I/O) are in verdict.py.

Sweep (``sweep``; every OUTCOME_SWEEP_SECONDS in the API process / each worker, at most once
across processes, or as the taskiq task ``dkt.outcome_sweep``), after a window has ended (plus
GRACE, so attempts running into the deadline are submitted first):
- 首轮考核 ended: 待参加测评 without an approved (or pending) delay → 完成测评 when the physician
  took part (any attempt) or had nothing left to take, else 未参加首轮考核 ⇒ 不合格 (``missed``);
- 再次考核 ended: 待再次考核 → 完成再次考核 when the physician took part, else 未参加再次考核 ⇒
  再次考核不合格 (``missed``, deregistration recommended); a delayed physician (首次考核 taken in
  the re-exam window) who took part → 完成测评. A delayed physician who never came is left
  as is: the state machine has no move for it (see the module's report).
Every move goes through ``transitions.transition`` as the system: idempotent (a row that moved on
is refused and skipped), one transaction per row.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from server.errors import DomainError
from server.models import (
    Assessment,
    AssessmentStatus,
    Cycle,
    DelayStatus,
)
from server.services.assessment import transitions
from server.services.exams import attempts
from server.services.platform.broker import broker
from server.services.platform.periodic import PeriodicJob
from server.services.results import judging
from server.services.results.verdict import nothing_to_take, took_part

log = logging.getLogger("server.outcome")
S = AssessmentStatus
GRACE = timedelta(minutes=10)
CHUNK = 500


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class SweepStats:
    finished_exams: int = 0
    missed_first_round: int = 0
    finished_reexam: int = 0
    missed_reexam: int = 0
    delayed_absent: int = 0  # delayed physicians who missed the re-exam window too (不合格)
    skipped: int = 0  # moved on meanwhile, or refused


async def _ids(cycle_id: int, status: AssessmentStatus, after: int) -> list[tuple[int, DelayStatus]]:
    return list(await Assessment.filter(cycle_id=cycle_id, status=status, id__gt=after).order_by("id")
                .limit(CHUNK).values_list("id", "delay"))


async def _move(assessment_id: int, action: str, stats: SweepStats, counter: str) -> None:
    try:
        await transitions.transition(actor=transitions.system_actor(), assessment_id=assessment_id, action=action,
                                  apply=judging.system_hook(action), data={"by": "outcome_sweep"})
    except DomainError as exc:
        stats.skipped += 1
        log.info("outcome sweep: assessment %s %s skipped (%s)", assessment_id, action, exc.code)
        return
    setattr(stats, counter, getattr(stats, counter) + 1)


async def _first_round(cycle: Cycle, stats: SweepStats, *, reexam_over: bool) -> None:
    last = 0
    while rows := await _ids(cycle.id, S.AWAITING_EXAM, last):
        for assessment_id, delay in rows:
            last = assessment_id
            if delay in (DelayStatus.HI_PENDING, DelayStatus.ADMIN_PENDING):
                continue  # 申请了延期考核: wait for the decision
            papers = await attempts.paper_results(assessment_id, purpose="first")
            came = took_part(papers) or nothing_to_take(papers)
            if delay == DelayStatus.APPROVED:
                if reexam_over and came:
                    await _move(assessment_id, "finish_exams", stats, "finished_exams")
                elif reexam_over:
                    await _move(assessment_id, "miss_delayed_exam", stats, "delayed_absent")
                continue
            if came:
                await _move(assessment_id, "finish_exams", stats, "finished_exams")
            else:
                await _move(assessment_id, "miss_first_round", stats, "missed_first_round")


async def _reexam(cycle: Cycle, stats: SweepStats) -> None:
    last = 0
    while rows := await _ids(cycle.id, S.REEXAM_LISTED, last):
        for assessment_id, _ in rows:
            last = assessment_id
            papers = await attempts.paper_results(assessment_id, purpose="reexam")
            if took_part(papers) or nothing_to_take(papers):
                await _move(assessment_id, "finish_reexam", stats, "finished_reexam")
            else:
                await _move(assessment_id, "miss_reexam", stats, "missed_reexam")


async def sweep(*, now: datetime | None = None) -> SweepStats:
    """Settle the rounds that have ended (idempotent: run it as often as you like)."""
    limit = (now or utcnow()) - GRACE
    stats = SweepStats()
    # compared here as instants, not in SQL: SQLite compares the stored text, and window ends written
    # with +08:00 and +00:00 offsets do not order as text (the sweep fired 8 hours late); cycles are few
    ended = [c for c in await Cycle.filter(exam_end__isnull=False).order_by("id") if c.exam_end < limit]
    for cycle in ended:
        reexam_over = cycle.reexam_end is not None and cycle.reexam_end < limit
        await _first_round(cycle, stats, reexam_over=reexam_over)
        if reexam_over:
            await _reexam(cycle, stats)
    if any(asdict(stats).values()):
        log.info("outcome sweep: %s", asdict(stats))
    return stats


@broker.task(task_name="dkt.outcome_sweep")
async def outcome_sweep() -> dict[str, int]:
    """The taskiq task (also usable from a scheduler): one sweep."""
    return asdict(await sweep())


_job = PeriodicJob("outcome", seconds_setting="OUTCOME_SWEEP_SECONDS", run=sweep)


async def maybe_run() -> SweepStats | None:
    """One sweep, unless another process ran one within OUTCOME_SWEEP_SECONDS."""
    return await _job.maybe_run()


async def start_background() -> None:
    """The periodic sweep of this process (see server/services/periodic.py)."""
    await _job.start()


async def stop_background() -> None:
    await _job.stop()
