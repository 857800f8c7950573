"""The outcome as a pure function (SPEC §4 stages 5-7; services/outcome.py)."""

from __future__ import annotations

from server.models import AssessmentStatus as S
from server.models import ItemResult, PhysicianLevel
from server.services.results import verdict

P, F = ItemResult.PASS, ItemResult.FAIL


def paper(best: float | None, *, required: bool = True, exempt: bool = False, passed: bool | None = None,
          attempts: int = 1) -> dict:
    return {"required": required, "exempt": exempt, "attempts": attempts if best is not None else 0,
            "max_attempts": 1, "best_score": best, "passed": passed, "finished": True}


LINES = verdict.pass_lines({}, PhysicianLevel.PHYSICIAN)


def test_pass_lines_default_and_assistant():
    assert LINES == {"humanities": 60.0, "professional": 60.0}
    assert verdict.pass_lines({}, PhysicianLevel.ASSISTANT) == {"humanities": 60.0, "professional": 55.0}
    own = {"professional": {"pass_score": 65, "pass_score_assistant": 50}}
    assert verdict.pass_lines(own, PhysicianLevel.ASSISTANT)["professional"] == 50.0
    assert verdict.pass_lines(own, PhysicianLevel.PHYSICIAN)["professional"] == 65.0


def test_qualified_when_everything_passes_exempt_and_not_required_skipped():
    v = verdict.first_round(work=P, ethics=P, violation=False, lines=LINES,
                            papers={"humanities": paper(60), "professional": paper(None, exempt=True)})
    assert (v.status, v.fail_reason) == (S.QUALIFIED, "")
    assert [p.passed for p in v.papers] == [True, None]
    v = verdict.first_round(work=P, ethics=P, violation=False, lines=LINES, papers={"humanities": paper(61)})
    assert v.qualified  # 简易程序: no 业务水平 at all


def test_failed_reasons_in_order():
    papers = {"humanities": paper(59.5), "professional": paper(90)}
    assert verdict.first_round(work=P, ethics=P, violation=False, papers=papers, lines=LINES).fail_reason == "exam"
    assert verdict.first_round(work=P, ethics=F, violation=False, papers=papers,
                               lines=LINES).fail_reason == "evaluation"
    assert verdict.first_round(work=None, ethics=P, violation=False, papers=papers,
                               lines=LINES).fail_reason == "evaluation"
    assert verdict.first_round(work=F, ethics=P, violation=True, papers=papers,
                               lines=LINES).fail_reason == "violation"
    missing = {"humanities": paper(80), "professional": paper(None)}
    assert verdict.first_round(work=P, ethics=P, violation=False, papers=missing, lines=LINES).status == S.FAILED


def test_a_pass_under_the_line_of_its_time_is_kept():
    papers = {"humanities": paper(62, passed=True)}
    raised = {"humanities": 65.0, "professional": 60.0}
    assert verdict.first_round(work=P, ethics=P, violation=False, papers=papers, lines=raised).qualified


def test_reexam_outcome():
    ok = {"humanities": paper(None, required=False), "professional": paper(70)}
    assert verdict.reexam(violation=False, papers=ok, lines=LINES).status == S.QUALIFIED
    bad = {"humanities": paper(None, required=False), "professional": paper(40)}
    v = verdict.reexam(violation=False, papers=bad, lines=LINES)
    assert (v.status, v.fail_reason) == (S.FINAL_FAILED, "exam")
    assert verdict.reexam(violation=True, papers=ok, lines=LINES).fail_reason == "violation"


def test_took_part_and_nothing_to_take():
    assert not verdict.took_part({"humanities": paper(None)})
    assert verdict.took_part({"humanities": paper(None), "professional": paper(10)})
    assert verdict.nothing_to_take({"humanities": paper(None, exempt=True)})
    assert not verdict.nothing_to_take({"humanities": paper(None)})
