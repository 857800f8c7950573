"""Every row of the state-machine table (assessment_flow.TRANSITIONS), through the HTTP API.

For each row the assessment is driven to each of the row's starting states through earlier
moves (never by writing a status), then the action is tried:
- as every role that may not make it → 403 ``wrong_role``;
- as the allowed role outside its jurisdiction → 403 ``out_of_jurisdiction`` (an unassigned
  assessment institution, another institution, another province's administration), and on a
  record that does not exist → 404;
- with the row's window closed → 409 ``window_closed``;
- as the allowed role → it moves, to one of the row's targets, with one history row.
Physician-only rows are made through the mini-program API (the physician can only name
their own record there; another physician naming this one is refused by the runner with
404); console users trying them through the console API get ``wrong_role``.
"""

from __future__ import annotations

from typing import Any

import pytest

from server.errors import NotFound
from server.models import Assessment, AssessmentEvent, Organisation
from server.models import AssessmentStatus as S
from server.services.access import Role
from server.services.assessment import flow
from tests.factories import auth, make_physician, make_world, physician_token, token_for
from tests.integration.review_support import (
    API,
    EVALUATION,
    Driver,
    close_window,
    open_cycle,
    physician_move,
    reopen_window,
)

# Preferred main status for side-flow rows, and the order in which main sources are tried.
MAIN_ORDER = (S.ENROLLED, S.INCLUDED, S.ENROL_SUBMITTED, S.ENROL_RETURNED, S.ENROL_REPORTED,
              S.PROCEDURE_RETURNED, S.EVALUATED, S.AWAITING_EXAM, S.FAILED, S.NOT_INCLUDED, S.LEFT)
STAFF = (Role.HEALTH_INSTITUTION, Role.ASSESSMENT_INSTITUTION, Role.ADMINISTRATION)


def starts(t: flow.Transition) -> list[tuple[S, Any]]:
    """Every (main status, side status) the row may start from; side rows on one main status."""
    if t.flow == "main":
        return [(s, None) for s in MAIN_ORDER if s in t.source]
    main = next(s for s in MAIN_ORDER if s in t.main_in)
    return [(main, s) for s in sorted(t.source, key=lambda s: s.value)]


def body_for(t: flow.Transition) -> dict[str, Any]:
    if t.action == "hi_submit_evaluation":
        return dict(EVALUATION)
    if t.action == "ai_reject_review":
        return {"work_agree": False, "ethics_agree": True, "reason": "工作成绩评定依据不足"}
    return {"reason": "测试理由"}


async def _setup(client, w, cycle, t: flow.Transition, main: S, side: Any) -> tuple[Driver, Assessment]:
    d = await Driver.new(client, w, cycle)
    a = await d.main(main) if side is None else await d.side(t.flow, side, main)
    if Role.PHYSICIAN in t.roles:
        await d.prepare(t.action)  # drafts and uploads: the move itself comes later
    return d, a


async def _tokens(w, p) -> tuple[dict[Role, str], dict[Role, list[str]]]:
    inside = {
        Role.HEALTH_INSTITUTION: await token_for(w.hospital2),
        Role.ASSESSMENT_INSTITUTION: await token_for(w.hospital, Role.ASSESSMENT_INSTITUTION),
        Role.ADMINISTRATION: await token_for(w.qx_admin),
        Role.INDUSTRY_ORG: await token_for(w.industry),
        Role.PHYSICIAN: await physician_token(p),
    }
    outside = {
        Role.HEALTH_INSTITUTION: [await token_for(w.hospital3), await token_for(w.hospital)],
        Role.ASSESSMENT_INSTITUTION: [await token_for(w.hospital3, Role.ASSESSMENT_INSTITUTION)],
        Role.ADMINISTRATION: [await token_for(w.gz_admin), await token_for(w.lz_admin)],
    }
    return inside, outside


async def _post(client, token: str, a_id: int, t: flow.Transition):
    return await client.post(f"{API}/assessments/{a_id}/actions/{t.action}", headers=auth(token), json=body_for(t))


async def _refusals(client, w, cycle, d: Driver, a: Assessment, t: flow.Transition) -> None:
    inside, outside = await _tokens(w, d.p)
    before = (await Assessment.get(id=a.id)).version
    for role, token in inside.items():
        if role in t.roles:
            continue
        r = await _post(client, token, a.id, t)
        assert r.status_code == 403 and r.json()["code"] == "wrong_role", (t.action, role.value, r.text)
    for role in t.roles & set(STAFF):
        for token in outside[role]:
            r = await _post(client, token, a.id, t)
            assert r.status_code == 403 and r.json()["code"] == "out_of_jurisdiction", (t.action, r.text)
            assert "status" not in r.json()
        r = await client.post(f"{API}/assessments/999999/actions/{t.action}", headers=auth(inside[role]),
                              json=body_for(t))
        assert r.status_code == 404, (t.action, r.text)
    if Role.PHYSICIAN in t.roles:
        other = await make_physician(w.hospital2)
        with pytest.raises(NotFound):
            await physician_move(other, a, t.action)
    if t.window:
        await close_window(cycle, t.window)
        try:
            if Role.PHYSICIAN in t.roles:
                r = await d.fire(t.action)
                assert r.status_code == 409 and r.json()["code"] == "window_closed", (t.action, r.text)
            else:
                role = next(iter(t.roles))
                r = await _post(client, inside[role], a.id, t)
                assert r.status_code == 409 and r.json()["code"] == "window_closed", (t.action, r.text)
        finally:
            await reopen_window(cycle, t.window)
    assert (await Assessment.get(id=a.id)).version == before, f"{t.action}: a refused move changed the record"


async def _allowed(client, w, d: Driver, a: Assessment, t: flow.Transition) -> None:
    events = await AssessmentEvent.filter(assessment_id=a.id).count()
    if Role.PHYSICIAN in t.roles:
        r = await d.fire(t.action)  # through the mini-program API
        assert r.status_code == 200, (t.action, r.text)
    else:
        role = next(iter(t.roles))
        token = {Role.HEALTH_INSTITUTION: await token_for(w.hospital2),
                 Role.ASSESSMENT_INSTITUTION: await token_for(w.hospital, Role.ASSESSMENT_INSTITUTION),
                 Role.ADMINISTRATION: await token_for(w.qx_admin)}[role]
        r = await _post(client, token, a.id, t)
        assert r.status_code == 200, (t.action, r.text)
        body = r.json()
        assert body["id"] == a.id and isinstance(body["actions"], list)
    fresh = await Assessment.get(id=a.id)
    assert getattr(fresh, flow.FLOW_FIELD_NAMES[t.flow]) in t.possible_targets(), t.action
    assert await AssessmentEvent.filter(assessment_id=a.id).count() == events + 1
    last = await AssessmentEvent.filter(assessment_id=a.id).order_by("-id").first()
    assert last.action == t.action


# Rows of stages 4-7 (exams, 成绩评定, 再次考核) start from states only the exam service
# reaches; they are walked through the API in tests/integration/test_exam_flow_table.py.
EXAM_STAGE = {S.AWAITING_EXAM, S.EXAMS_DONE, S.QUALIFIED, S.FAILED, S.REEXAM_LISTED, S.REEXAM_DONE}
# 复核申请's rows start from a result and are walked in tests/integration/test_appeals.py.
APPEAL_ROWS = {t.action for t in flow.TRANSITIONS if t.flow == "appeal"} | {"ai_change_result"}
EXAM_ROWS = {t.action for t in flow.TRANSITIONS
             if t.flow == "main" and (Role.SYSTEM in t.roles or t.source <= EXAM_STAGE)} - APPEAL_ROWS
WORKFLOW_ROWS = [t for t in flow.TRANSITIONS if t.action not in EXAM_ROWS | APPEAL_ROWS]


@pytest.mark.parametrize("t", [pytest.param(t, id=t.action) for t in WORKFLOW_ROWS])
async def test_row_through_api(client, t: flow.Transition):
    w = await make_world()
    await Organisation.filter(id=w.hospital3.id).update(is_assessment_institution=True)  # assigned nothing
    cycle = await open_cycle(w.gx)
    for i, (main, side) in enumerate(starts(t)):
        d, a = await _setup(client, w, cycle, t, main, side)
        if i == 0:
            await _refusals(client, w, cycle, d, a, t)
        await _allowed(client, w, d, a, t)


def test_every_row_has_a_start():
    for t in WORKFLOW_ROWS:
        assert starts(t), t.action
