"""The outcome of one physician's cycle (SPEC §4 stages 5-7; Guangxi schedule 评定首轮考核成绩,
复考与补考安排), and the sweep that settles the physicians who missed a round.

Pure part (no I/O): ``first_round`` and ``reexam`` decide from the 工作成绩 / 职业道德 items,
the 违纪 flag and each paper's results (``attempts.paper_results``) against the pass lines:

- 合格 when work performance, ethics and every required, not exempted paper pass;
- 不合格 otherwise, with the reason: ``violation`` (违纪不合格) before ``evaluation`` (either item
  不合格) before ``exam`` (a required paper without a score at or above its pass line);
- a paper passes when an attempt passed under the line in force when it was sat, or its best score
  reaches the pass line of the cycle's exam settings now, for the physician's level (执业助理医师:
  ``pass_score_assistant`` where the paper has one, 55 for 业务水平) — the reviewer confirms
  against the province's lines (成绩评定); a line changed later never takes a pass away.
- 再次考核: every required re-exam paper passed ⇒ 合格 (no promotion or awards this cycle); else
  再次考核不合格 (deregistration recommended).

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
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from server.models import (
    DEFAULT_EXAM_SETTINGS,
    Assessment,
    AssessmentStatus,
    Cycle,
    DelayStatus,
    ItemResult,
    PhysicianLevel,
)
from server.services.platform.broker import broker
from server.services.platform.periodic import PeriodicJob

log = logging.getLogger("server.outcome")
S = AssessmentStatus
PAPERS = ("humanities", "professional")
PAPER_LABELS = {"humanities": "人文医学", "professional": "业务水平"}
FAIL_REASONS = {"evaluation": "工作成绩、职业道德评定不合格", "exam": "测评成绩未达合格分数线",
                "missed": "未参加考核", "violation": "违纪不合格"}
GRACE = timedelta(minutes=10)
CHUNK = 500


# --- pure: the decision ------------------------------------------------------------------------


def pass_line(settings: dict[str, Any], level: PhysicianLevel | None) -> float:
    """A paper's pass line for the physician's level (SPEC §3: 60; 执业助理医师 55 for 业务水平)."""
    if level == PhysicianLevel.ASSISTANT and settings.get("pass_score_assistant") is not None:
        return float(settings["pass_score_assistant"])
    return float(settings.get("pass_score", 60))


def pass_lines(exam_settings: dict[str, Any] | None, level: PhysicianLevel | None) -> dict[str, float]:
    """Each paper's pass line: the cycle's exam settings over the defaults."""
    own = exam_settings or {}
    return {p: pass_line({**DEFAULT_EXAM_SETTINGS[p], **(own.get(p) or {})}, level) for p in PAPERS}


@dataclass(frozen=True)
class PaperVerdict:
    paper: str
    required: bool
    exempt: bool
    attempts: int
    max_attempts: int | None
    best_score: float | None
    pass_line: float
    passed: bool | None  # None: not required or exempted (does not count)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "label": PAPER_LABELS.get(self.paper, self.paper)}


@dataclass(frozen=True)
class Verdict:
    status: AssessmentStatus
    fail_reason: str  # "" when qualified
    papers: list[PaperVerdict] = field(default_factory=list)

    @property
    def qualified(self) -> bool:
        return self.status == S.QUALIFIED

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status.value, "status_label": self.status.label, "fail_reason": self.fail_reason,
                "fail_reason_label": FAIL_REASONS.get(self.fail_reason, ""),
                "papers": [p.as_dict() for p in self.papers]}


def judge_papers(papers: dict[str, dict[str, Any]], lines: dict[str, float]) -> list[PaperVerdict]:
    """Each paper against its pass line; papers not required or exempted do not count."""
    out = []
    for name in PAPERS:
        r = papers.get(name) or {}
        required, exempt = bool(r.get("required")), bool(r.get("exempt"))
        best = r.get("best_score")
        line = lines.get(name, 60.0)
        counts = required and not exempt
        # passed under the line in force when it was sat (the attempt's own flag), or at the line now
        passed = (bool(r.get("passed")) or (best is not None and float(best) >= line)) if counts else None
        out.append(PaperVerdict(name, required, exempt, int(r.get("attempts") or 0), r.get("max_attempts"),
                                None if best is None else float(best), line, passed))
    return out


def first_round(*, work: ItemResult | None, ethics: ItemResult | None, violation: bool,
                papers: dict[str, dict[str, Any]], lines: dict[str, float]) -> Verdict:
    """成绩评定 (SPEC §4 stages 5-6): 合格 or 不合格 with its reason."""
    verdicts = judge_papers(papers, lines)
    if violation:
        return Verdict(S.FAILED, "violation", verdicts)
    if work != ItemResult.PASS or ethics != ItemResult.PASS:
        return Verdict(S.FAILED, "evaluation", verdicts)
    if any(v.passed is False for v in verdicts):
        return Verdict(S.FAILED, "exam", verdicts)
    return Verdict(S.QUALIFIED, "", verdicts)


def reexam(*, violation: bool, papers: dict[str, dict[str, Any]], lines: dict[str, float]) -> Verdict:
    """评定再次考核 (SPEC §4 stage 7): 合格 (no promotion) or 再次考核不合格."""
    verdicts = judge_papers(papers, lines)
    if violation:
        return Verdict(S.FINAL_FAILED, "violation", verdicts)
    if any(v.passed is False for v in verdicts):
        return Verdict(S.FINAL_FAILED, "exam", verdicts)
    return Verdict(S.QUALIFIED, "", verdicts)


def took_part(papers: dict[str, dict[str, Any]]) -> bool:
    return any(int((r or {}).get("attempts") or 0) > 0 for r in papers.values())


def nothing_to_take(papers: dict[str, dict[str, Any]]) -> bool:
    return not any((r or {}).get("required") and not (r or {}).get("exempt") for r in papers.values())


# --- the sweep ---------------------------------------------------------------------------------


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
    from server.errors import DomainError
    from server.services.assessment import transitions
    from server.services.results import judging

    try:
        await transitions.transition(actor=transitions.system_actor(), assessment_id=assessment_id, action=action,
                                  apply=judging.system_hook(action), data={"by": "outcome_sweep"})
    except DomainError as exc:
        stats.skipped += 1
        log.info("outcome sweep: assessment %s %s skipped (%s)", assessment_id, action, exc.code)
        return
    setattr(stats, counter, getattr(stats, counter) + 1)


async def _first_round(cycle: Cycle, stats: SweepStats, *, reexam_over: bool) -> None:
    from server.services.exams import attempts

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
    from server.services.exams import attempts

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
