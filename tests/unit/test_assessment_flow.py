"""Walks every row of the state-machine table (SPEC §4): the allowed actor passes; every
other role, an actor outside the jurisdiction, a closed window, a wrong starting state and
a failed guard are refused."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from server.errors import Forbidden, InvalidTransition, OutOfJurisdiction
from server.models import (
    AppealStatus,
    DelayStatus,
    ExemptionStatus,
    ItemResult,
    ModificationStatus,
    Procedure,
)
from server.models import AssessmentStatus as S
from server.services.access import Role
from server.services.assessment import flow

NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)
OPEN = (NOW - timedelta(days=1), NOW + timedelta(days=1))
CLOSED = (NOW - timedelta(days=10), NOW - timedelta(days=5))
ALL_ROLES = list(Role)


def ctx_for(t: flow.Transition, role: Role, **over) -> flow.Ctx:
    """A context in which `t` should be allowed for `role`."""
    status = sorted(t.main_in or t.source if t.flow != "main" else t.source, key=lambda s: s.value)[0]
    fields = {
        "status": status if t.flow == "main" else sorted(t.main_in or {S.ENROLLED}, key=lambda s: s.value)[0],
        "modification": ModificationStatus.NONE,
        "exemption": ExemptionStatus.NONE,
        "delay": DelayStatus.NONE,
    }
    if t.flow != "main":
        fields[flow.FLOW_FIELD_NAMES[t.flow]] = sorted(t.source, key=lambda s: s.value)[0]
    windows = {w: OPEN for w in ("enrol", "evaluation", "exam", "judging", "reexam")}
    extra: dict = {}
    if t.action == "miss_first_round":
        windows["exam"] = CLOSED  # the first round is over
    if t.action in ("miss_reexam", "miss_delayed_exam"):
        windows["reexam"] = CLOSED
    if t.action == "miss_delayed_exam":
        fields["delay"] = DelayStatus.APPROVED
    if t.action == "admin_confirm_reexam":
        extra["actor_is_province"] = True
    if t.action == "apply_appeal":
        extra["concluded_at"] = NOW - timedelta(days=1)  # the result came yesterday
    if t.action == "ai_change_result":
        extra["appeal"] = AppealStatus.PENDING
    base = flow.Ctx(
        role=role, in_scope=True, now=NOW, procedure=Procedure.GENERAL, windows=windows,
        delay_deadline=NOW + timedelta(days=3), exemption_open=True, **fields, **extra,
    )
    return replace(base, **over)


ROWS = [pytest.param(t, id=t.action) for t in flow.TRANSITIONS]


@pytest.mark.parametrize("t", ROWS)
def test_row_allowed_actor_passes(t):
    for role in t.roles:
        assert flow.refusal(t, ctx_for(t, role)) is None, (t.action, role)
        assert any(a["action"] == t.action for a in flow.available_actions(ctx_for(t, role)))


@pytest.mark.parametrize("t", ROWS)
def test_row_other_roles_refused(t):
    for role in ALL_ROLES:
        if role in t.roles:
            continue
        problem = flow.refusal(t, ctx_for(t, role))
        assert isinstance(problem, Forbidden) and problem.code == "wrong_role", (t.action, role)


@pytest.mark.parametrize("t", ROWS)
def test_row_outside_jurisdiction_refused(t):
    role = next(iter(t.roles))
    problem = flow.refusal(t, ctx_for(t, role, in_scope=False))
    assert isinstance(problem, OutOfJurisdiction), t.action
    assert all(a["action"] != t.action for a in flow.available_actions(ctx_for(t, role, in_scope=False)))


@pytest.mark.parametrize("t", [p for p in ROWS if p.values[0].window])
def test_row_closed_window_refused(t):
    role = next(iter(t.roles))
    windows = {w: OPEN for w in ("enrol", "evaluation", "exam", "judging", "reexam")}
    for closed in (CLOSED, (None, None)):
        problem = flow.refusal(t, ctx_for(t, role, windows={**windows, t.window: closed}))
        assert isinstance(problem, InvalidTransition) and problem.code == "window_closed", t.action


@pytest.mark.parametrize("t", ROWS)
def test_row_wrong_source_refused(t):
    role = next(iter(t.roles))
    enum = type(next(iter(t.source)))
    for status in enum:
        if status in t.source:
            continue
        over = {"status": status} if t.flow == "main" else {flow.FLOW_FIELD_NAMES[t.flow]: status}
        problem = flow.refusal(t, ctx_for(t, role, **over))
        assert isinstance(problem, InvalidTransition), (t.action, status)


@pytest.mark.parametrize("t", [p for p in ROWS if p.values[0].main_in is not None])
def test_side_flow_needs_main_status(t):
    role = next(iter(t.roles))
    for status in S:
        if status in t.main_in:
            continue
        problem = flow.refusal(t, ctx_for(t, role, status=status))
        assert isinstance(problem, InvalidTransition), (t.action, status)


def test_exemption_closed_refused():
    t = flow.BY_ACTION["apply_exemption"]
    problem = flow.refusal(t, ctx_for(t, Role.PHYSICIAN, exemption_open=False))
    assert isinstance(problem, InvalidTransition) and "免考申请未开放" in problem.message


def test_delay_after_deadline_refused():
    t = flow.BY_ACTION["apply_delay"]
    problem = flow.refusal(t, ctx_for(t, Role.PHYSICIAN, delay_deadline=NOW - timedelta(seconds=1)))
    assert isinstance(problem, InvalidTransition) and "延期申请截止" in problem.message


def test_evaluation_waits_for_modification():
    t = flow.BY_ACTION["hi_submit_evaluation"]
    problem = flow.refusal(t, ctx_for(t, Role.HEALTH_INSTITUTION, modification=ModificationStatus.SUBMITTED))
    assert isinstance(problem, InvalidTransition)


def test_review_either_item_fail_fails_cycle():
    assert flow.review_target(ItemResult.PASS, ItemResult.PASS) == S.AWAITING_EXAM
    assert flow.review_target(ItemResult.FAIL, ItemResult.PASS) == S.FAILED
    assert flow.review_target(ItemResult.PASS, ItemResult.FAIL) == S.FAILED


def test_unknown_action_refused():
    with pytest.raises(InvalidTransition):
        flow.check("teleport", flow.Ctx(status=S.INCLUDED))


def test_every_status_is_reachable():
    reached = {S.NOT_INCLUDED}
    for t in flow.TRANSITIONS:
        if t.flow == "main":
            reached.update(t.possible_targets())
    assert reached == set(S)


def test_delay_without_deadline_says_so():
    t = flow.BY_ACTION["apply_delay"]
    problem = flow.refusal(t, ctx_for(t, Role.PHYSICIAN, delay_deadline=None))
    assert isinstance(problem, InvalidTransition) and "未设置延期申请截止时间" in problem.message


def test_miss_first_round_only_after_the_window_and_without_delay():
    t = flow.BY_ACTION["miss_first_round"]
    ok = ctx_for(t, Role.SYSTEM)
    assert flow.refusal(t, ok) is None
    windows = {**ok.windows, "exam": OPEN}
    assert isinstance(flow.refusal(t, replace(ok, windows=windows)), InvalidTransition)
    assert isinstance(flow.refusal(t, replace(ok, delay=DelayStatus.APPROVED)), InvalidTransition)


def test_reexam_list_only_by_province_and_never_for_violations():
    t = flow.BY_ACTION["admin_confirm_reexam"]
    ok = ctx_for(t, Role.ADMINISTRATION)
    assert flow.refusal(t, ok) is None
    assert isinstance(flow.refusal(t, replace(ok, actor_is_province=False)), InvalidTransition)
    assert isinstance(flow.refusal(t, replace(ok, violation=True)), InvalidTransition)


def test_results_judged_in_judging_window_or_after_reexam_start_for_delays():
    t = flow.BY_ACTION["ai_confirm_results"]
    ok = ctx_for(t, Role.ASSESSMENT_INSTITUTION)
    assert flow.refusal(t, ok) is None
    closed = replace(ok, windows={**ok.windows, "judging": CLOSED})
    assert isinstance(flow.refusal(t, closed), InvalidTransition)
    assert flow.refusal(t, replace(closed, delay=DelayStatus.APPROVED)) is None
    future = (NOW + timedelta(days=1), NOW + timedelta(days=2))
    late = replace(closed, delay=DelayStatus.APPROVED, windows={**closed.windows, "reexam": future})
    assert isinstance(flow.refusal(t, late), InvalidTransition)


def test_delayed_physician_fails_only_after_missing_the_reexam_window():
    t = flow.BY_ACTION["miss_delayed_exam"]
    ok = ctx_for(t, Role.SYSTEM)
    assert flow.refusal(t, ok) is None
    assert isinstance(flow.refusal(t, replace(ok, delay=DelayStatus.NONE)), InvalidTransition)
    assert isinstance(flow.refusal(t, replace(ok, windows={**ok.windows, "reexam": OPEN})), InvalidTransition)


def test_appeal_after_30_days_or_on_a_violation_refused():
    t = flow.BY_ACTION["apply_appeal"]
    late = ctx_for(t, Role.PHYSICIAN, concluded_at=NOW - timedelta(days=30, seconds=1))
    problem = flow.refusal(t, late)
    assert isinstance(problem, InvalidTransition) and "30日内" in problem.message
    assert flow.refusal(t, ctx_for(t, Role.PHYSICIAN, concluded_at=NOW - timedelta(days=30))) is None
    problem = flow.refusal(t, ctx_for(t, Role.PHYSICIAN, violation=True))
    assert isinstance(problem, InvalidTransition) and "违纪" in problem.message
    problem = flow.refusal(t, ctx_for(t, Role.PHYSICIAN, appeal=AppealStatus.UPHELD))
    assert isinstance(problem, InvalidTransition)  # once only


def test_change_needs_a_pending_appeal():
    t = flow.BY_ACTION["ai_change_result"]
    for appeal in (AppealStatus.NONE, AppealStatus.UPHELD, AppealStatus.CHANGED):
        problem = flow.refusal(t, ctx_for(t, Role.ASSESSMENT_INSTITUTION, appeal=appeal))
        assert isinstance(problem, InvalidTransition) and "复核申请" in problem.message
