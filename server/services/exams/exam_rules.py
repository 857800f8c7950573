"""The rules of 参加测评 (SPEC §4 stage 4, §5; seed manual 2.2.5), without side effects.

- Papers: 简易程序 one 人文医学 paper; 一般程序 人文医学 first, then 业务水平. An approved 免考
  skips the procedure's exempted paper (``workflow.exemption_paper``).
- Per paper, from the cycle's exam settings over the defaults: minutes, questions, attempts,
  pass line (执业助理医师: ``pass_score_assistant`` where the paper has one — 55 for 业务水平),
  ``show_score`` (whether the physician sees the score; default true).
- An attempt scoring at or above the pass line ends the paper; 业务水平 opens only once 人文医学
  is passed (or exempted); no more than ``max_attempts`` started attempts.
- Purpose and window: 待参加测评 → first round, in the 首轮考核 window — or in the 再次考核
  window when a delay (延期考核) was approved, as a first attempt; 待再次考核 → re-exam, in the
  再次考核 window. A re-exam covers the papers not passed in the first round.
- An attempt counts as used once its clock has started (the start face check passed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict

from tortoise import timezone

from server.models import (
    Assessment,
    AssessmentStatus,
    AttemptStatus,
    Cycle,
    DelayStatus,
    ExamAttempt,
    ExemptionStatus,
    PaperPurpose,
    PaperType,
    PhysicianLevel,
    Procedure,
)
from server.schemas.exams_mp import ExamWindow
from server.services.assessment.transitions import exemption_paper
from server.services.cycles.paper_plans import exam_settings

S = AssessmentStatus
PAPER_ORDER = (PaperType.HUMANITIES, PaperType.PROFESSIONAL)
PURPOSE_OF_STATUS = {S.AWAITING_EXAM: PaperPurpose.FIRST, S.REEXAM_LISTED: PaperPurpose.REEXAM}
FINISH_ACTION = {PaperPurpose.FIRST: "finish_exams", PaperPurpose.REEXAM: "finish_reexam"}


def now() -> datetime:
    """The current time in the configured time zone (Asia/Shanghai). Every time the exam code
    stores or compares is in it, so SQLite (which compares the stored text) orders them right."""
    return timezone.localtime()


def local(value: datetime | None) -> datetime | None:
    return None if value is None else timezone.localtime(value)


@dataclass(frozen=True)
class PaperRules:
    paper_type: PaperType
    duration_minutes: int
    question_count: int
    max_attempts: int
    pass_line: int
    show_score: bool
    mid_checks: int


def rules_for(cycle: Cycle | None, paper_type: PaperType, level: PhysicianLevel | None) -> PaperRules:
    """The paper's parameters for this physician (SPEC §3 defaults under the province's settings)."""
    s: dict[str, int] = exam_settings(cycle, paper_type)
    line = s.get("pass_score", 60)
    if level == PhysicianLevel.ASSISTANT and s.get("pass_score_assistant") is not None:
        line = s["pass_score_assistant"]
    return PaperRules(paper_type=paper_type, duration_minutes=int(s["duration_minutes"]),
                      question_count=int(s["question_count"]), max_attempts=max(1, int(s["max_attempts"])),
                      pass_line=int(line), show_score=bool(s.get("show_score", True)),
                      mid_checks=max(0, int(s.get("mid_checks", 1))))


@dataclass(frozen=True)
class Window:
    key: str
    label: str
    start: datetime | None
    end: datetime | None

    def is_open(self, now: datetime) -> bool:
        return bool(self.start and self.end and self.start <= now <= self.end)

    def as_view(self, now: datetime) -> ExamWindow:
        return ExamWindow(name=self.key, label=self.label, start=self.start, end=self.end, open=self.is_open(now))


def window_for(cycle: Cycle, assessment: Assessment, purpose: PaperPurpose) -> Window:
    """首轮考核; 再次考核 for a re-exam or for a physician whose delay was approved."""
    if purpose == PaperPurpose.REEXAM:
        return Window("reexam", "再次考核", cycle.reexam_start, cycle.reexam_end)
    if assessment.delay == DelayStatus.APPROVED:
        return Window("reexam", "延期考核（再次考核时间）", cycle.reexam_start, cycle.reexam_end)
    return Window("exam", "首轮考核", cycle.exam_start, cycle.exam_end)


def purpose_of(assessment: Assessment) -> PaperPurpose | None:
    return PURPOSE_OF_STATUS.get(assessment.status)


def involved_papers(procedure: Procedure | None) -> list[PaperType]:
    """简易程序: 人文医学 only; 一般程序 (or not chosen): 人文医学 then 业务水平."""
    return [PaperType.HUMANITIES] if procedure == Procedure.SIMPLE else list(PAPER_ORDER)


def exempt_paper(assessment: Assessment) -> PaperType | None:
    if assessment.exemption != ExemptionStatus.APPROVED:
        return None
    return exemption_paper(assessment.procedure)


class PaperResult(TypedDict):
    """One paper's results as 成绩评定 reads them (``attempts.paper_results``)."""

    required: bool
    exempt: bool
    attempts: int
    max_attempts: int
    best_score: float | None
    passed: bool | None
    finished: bool


@dataclass
class PaperState:
    """One paper of one purpose: its attempts and what they add up to."""

    paper_type: PaperType
    rules: PaperRules
    required: bool
    exempt: bool
    attempts: list[ExamAttempt]

    @property
    def started(self) -> list[ExamAttempt]:
        return [a for a in self.attempts if a.started_at is not None]

    @property
    def submitted(self) -> list[ExamAttempt]:
        return [a for a in self.attempts if a.status == AttemptStatus.SUBMITTED]

    @property
    def open_attempt(self) -> ExamAttempt | None:
        return next((a for a in self.attempts if a.status == AttemptStatus.IN_PROGRESS), None)

    @property
    def best_score(self) -> float | None:
        scores = [a.score for a in self.submitted if a.score is not None]
        return max(scores) if scores else None

    @property
    def passed(self) -> bool | None:
        if not self.submitted:
            return None
        return any(a.passed for a in self.submitted)

    @property
    def attempts_left(self) -> int:
        return max(0, self.rules.max_attempts - len(self.started))

    @property
    def finished(self) -> bool:
        """Nothing more can happen: not required, exempted, passed, or every attempt used."""
        if not self.required or self.exempt or self.passed:
            return True
        return self.attempts_left == 0 and self.open_attempt is None

    @property
    def failed(self) -> bool:
        return self.required and not self.exempt and self.finished and not self.passed

    def as_result(self) -> PaperResult:
        """The shape of ``attempts.paper_results`` (used by 成绩评定)."""
        return {"required": self.required, "exempt": self.exempt, "attempts": len(self.started),
                "max_attempts": self.rules.max_attempts, "best_score": self.best_score,
                "passed": self.passed if self.required and not self.exempt else None,
                "finished": self.finished}


async def paper_states(assessment: Assessment, cycle: Cycle, level: PhysicianLevel | None,
                       purpose: PaperPurpose, *, conn: Any = None) -> dict[PaperType, PaperState]:
    """Each paper the procedure involves, with its attempts of this purpose."""
    rows = await ExamAttempt.filter(assessment_id=assessment.id).using_db(conn).order_by("attempt_no")
    exempt = exempt_paper(assessment)
    passed_first = {a.paper_type for a in rows if a.purpose == PaperPurpose.FIRST and a.passed}
    out: dict[PaperType, PaperState] = {}
    for paper_type in involved_papers(assessment.procedure):
        is_exempt = paper_type == exempt
        required = not is_exempt
        if purpose == PaperPurpose.REEXAM and paper_type in passed_first:
            required = False  # passed in the first round: not taken again
        out[paper_type] = PaperState(paper_type, rules_for(cycle, paper_type, level), required, is_exempt,
                                     [a for a in rows if a.paper_type == paper_type and a.purpose == purpose])
    return out


def complete(states: dict[PaperType, PaperState]) -> bool:
    """The exams of this purpose are over: every required paper finished, or one failed for good
    (业务水平 cannot follow a failed 人文医学)."""
    return all(s.finished for s in states.values()) or any(s.failed for s in states.values())


def start_refusal(assessment: Assessment, states: dict[PaperType, PaperState], paper_type: PaperType,
                  window: Window, now: datetime) -> tuple[str, str] | None:
    """Why this paper cannot be started now: (code, Chinese message), or None."""
    if purpose_of(assessment) is None:
        return "not_exam_stage", f"当前考核状态（{assessment.status.label}）不能参加测评"
    state = states.get(paper_type)
    if state is None:
        return "paper_not_required", f"{assessment.procedure.label if assessment.procedure else '本考核程序'}无需参加{paper_type.label}测评"
    if state.exempt:
        return "paper_exempt", f"{paper_type.label}已免考，无需参加测评"
    if not state.required:
        return "paper_not_required", f"{paper_type.label}已在首轮考核中合格，无需再次考核"
    if state.passed:
        return "already_passed", f"{paper_type.label}测评已合格，无需再次答题"
    if not window.is_open(now):
        return "window_closed", f"不在{window.label}时间内，不能参加测评"
    for earlier in PAPER_ORDER[: PAPER_ORDER.index(paper_type)]:
        prior = states.get(earlier)
        if prior is not None and prior.required and not prior.passed:
            return "prerequisite_not_met", f"请先通过{earlier.label}测评，再参加{paper_type.label}测评"
    if state.open_attempt is None and state.attempts_left == 0:
        return "no_attempts_left", f"{paper_type.label}的{state.rules.max_attempts}次答题机会已用完"
    other = next((s.open_attempt for t, s in states.items() if t != paper_type and s.open_attempt), None)
    if other is not None:
        return "another_exam_open", f"请先完成正在进行的{other.paper_type.label}测评"
    return None


def paper_status(state: PaperState, refusal: tuple[str, str] | None) -> tuple[str, str]:
    """What the 试卷列表 shows for one paper: (value, label)."""
    if state.exempt:
        return "exempt", "免考"
    if not state.required:
        return "not_required", "无需参加"
    if state.passed:
        return "passed", "已合格"
    open_attempt = state.open_attempt
    if open_attempt is not None:
        return ("in_progress", "答题中") if open_attempt.started_at else ("awaiting_start", "待开考核验")
    if state.finished:
        return "failed", "不合格（答题次数已用完）"
    if refusal and refusal[0] == "prerequisite_not_met":
        return "locked", "未解锁"
    if state.submitted:
        return "retry", "未合格，可再次答题"
    return "not_started", "未参加"
