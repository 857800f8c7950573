"""The verdict of one physician's cycle, as pure rules (SPEC §4 stages 5-7; Guangxi schedule
评定首轮考核成绩, 复考与补考安排). No I/O: unit-tested in tests/unit/test_outcome.py.

``first_round`` and ``reexam`` decide from the 工作成绩 / 职业道德 items,
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
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from server.models import DEFAULT_EXAM_SETTINGS, AssessmentStatus, ItemResult, PhysicianLevel
from server.schemas.common import Labelled
from server.schemas.judging import PaperScore, VerdictPreview
from server.services.exams.exam_rules import PaperResult  # one paper in attempts.paper_results

S = AssessmentStatus

PAPERS = ("humanities", "professional")
PAPER_LABELS = {"humanities": "人文医学", "professional": "业务水平"}
FAIL_REASONS = {"evaluation": "工作成绩、职业道德评定不合格", "exam": "测评成绩未达合格分数线",
                "missed": "未参加考核", "violation": "违纪不合格"}


Papers = dict[str, PaperResult]


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
        """For the history row's JSON data."""
        return {**asdict(self), "label": PAPER_LABELS.get(self.paper, self.paper)}

    def score(self) -> PaperScore:
        """For an answer."""
        return PaperScore(paper=self.paper, label=PAPER_LABELS.get(self.paper, self.paper), required=self.required,
                          exempt=self.exempt, attempts=self.attempts, max_attempts=self.max_attempts,
                          best_score=self.best_score, pass_line=self.pass_line, passed=self.passed)


@dataclass(frozen=True)
class Verdict:
    status: AssessmentStatus
    fail_reason: str  # "" when qualified
    papers: list[PaperVerdict] = field(default_factory=list)

    @property
    def qualified(self) -> bool:
        return self.status == S.QUALIFIED

    def scores(self) -> list[PaperScore]:
        return [p.score() for p in self.papers]

    def preview(self) -> VerdictPreview:
        """What 确认 would decide, for an answer."""
        return VerdictPreview(status=Labelled.of(self.status), fail_reason=self.fail_reason,
                              fail_reason_label=FAIL_REASONS.get(self.fail_reason, ""))

    def as_dict(self) -> dict[str, Any]:
        """For the history row's JSON data."""
        return {"status": self.status.value, "status_label": self.status.label, "fail_reason": self.fail_reason,
                "fail_reason_label": FAIL_REASONS.get(self.fail_reason, ""),
                "papers": [p.as_dict() for p in self.papers]}


def judge_papers(papers: Papers, lines: dict[str, float]) -> list[PaperVerdict]:
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
                papers: Papers, lines: dict[str, float]) -> Verdict:
    """成绩评定 (SPEC §4 stages 5-6): 合格 or 不合格 with its reason."""
    verdicts = judge_papers(papers, lines)
    if violation:
        return Verdict(S.FAILED, "violation", verdicts)
    if work != ItemResult.PASS or ethics != ItemResult.PASS:
        return Verdict(S.FAILED, "evaluation", verdicts)
    if any(v.passed is False for v in verdicts):
        return Verdict(S.FAILED, "exam", verdicts)
    return Verdict(S.QUALIFIED, "", verdicts)


def reexam(*, violation: bool, papers: Papers, lines: dict[str, float]) -> Verdict:
    """评定再次考核 (SPEC §4 stage 7): 合格 (no promotion) or 再次考核不合格."""
    verdicts = judge_papers(papers, lines)
    if violation:
        return Verdict(S.FINAL_FAILED, "violation", verdicts)
    if any(v.passed is False for v in verdicts):
        return Verdict(S.FINAL_FAILED, "exam", verdicts)
    return Verdict(S.QUALIFIED, "", verdicts)


def took_part(papers: Papers) -> bool:
    return any(int((r or {}).get("attempts") or 0) > 0 for r in papers.values())


def nothing_to_take(papers: Papers) -> bool:
    return not any((r or {}).get("required") and not (r or {}).get("exempt") for r in papers.values())


# --- the sweep ---------------------------------------------------------------------------------
