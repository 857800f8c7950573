"""The exam-stage rows of the state-machine table (assessment_flow.TRANSITIONS, SPEC §4 stages 4-7),
walked like tests/integration/test_flow_table_api.py walks the others.

Each row starts from a state reached through earlier moves — the physician's papers are sat
through the mini-program, the reviewers act through the console API, the system's moves come
from the exam service and the outcome sweep (never a status written). Then:
- every role that may not make the move → 403 ``wrong_role`` (for the system's rows: every role,
  the physician too — no HTTP endpoint triggers them);
- the allowed role outside its jurisdiction → 403 ``out_of_jurisdiction``; an unknown record → 404;
- the row's guard or window not holding → refused (409), nothing changed;
- the allowed actor → it moves, to one of the row's targets, with one history row.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from server.errors import Forbidden, InvalidTransition, NotFound
from server.models import Assessment, AssessmentEvent, Cycle, Organisation
from server.models import AssessmentStatus as S
from server.models import DelayStatus as D
from server.schemas.reviews import ACTION_BODIES
from server.services.access import Role
from server.services.assessment import flow, transitions
from server.services.results import outcome
from tests.factories import auth, make_physician, physician_token, token_for
from tests.integration.results_support import ExamDriver, act, act_batch, exam_world, new_driver
from tests.integration.review_support import API, close_window, physician_move, reopen_window, staff_move
from tests.integration.test_flow_table_api import EXAM_ROWS

ROWS = {t.action: t for t in flow.TRANSITIONS if t.action in EXAM_ROWS}
STAFF = (Role.HEALTH_INSTITUTION, Role.ASSESSMENT_INSTITUTION, Role.ADMINISTRATION, Role.INDUSTRY_ORG)
HOUR = timedelta(hours=1)


async def _start(d: ExamDriver, action: str) -> Assessment:
    """The row's starting state, reached through earlier moves."""
    if action in ("finish_exams", "miss_first_round"):
        return await d.to_exams()
    if action == "miss_delayed_exam":
        a = await d.to_exams()
        await physician_move(d.p, a, "apply_delay", reason="外出进修")
        await staff_move(await d.hi(), a, "hi_approve_delay")
        await staff_move(await d.admin(), a, "admin_approve_delay")
        return await Assessment.get(id=a.id)
    if action == "ai_confirm_results":
        return await d.exams_done()
    if action == "admin_confirm_reexam":
        return await d.judged(professional=40)
    a = await d.reexam_listed()
    if action == "admin_judge_reexam":
        await d.sit("professional", 70)
        a = await d.assessment()
        assert a.status == S.REEXAM_DONE
    return a


async def _end(cycle: Cycle, window: str) -> None:
    past = datetime.now(UTC) - HOUR
    await Cycle.filter(id=cycle.id).update(**{f"{window}_start": past - timedelta(days=10), f"{window}_end": past})


async def _allowed_token(w, t: flow.Transition) -> str:
    if t.action == "admin_confirm_reexam":
        return await token_for(w.gx_admin)  # only the province
    return {Role.ASSESSMENT_INSTITUTION: await token_for(w.hospital, Role.ASSESSMENT_INSTITUTION),
            Role.ADMINISTRATION: await token_for(w.qx_admin)}[next(iter(t.roles))]


async def _refusals(client, w, d: ExamDriver, a: Assessment, t: flow.Transition) -> None:
    before = (await Assessment.get(id=a.id)).version
    inside = {Role.HEALTH_INSTITUTION: await token_for(w.hospital2),
              Role.ASSESSMENT_INSTITUTION: await token_for(w.hospital, Role.ASSESSMENT_INSTITUTION),
              Role.ADMINISTRATION: await token_for(w.gx_admin), Role.INDUSTRY_ORG: await token_for(w.industry)}
    for role, token in inside.items():
        if role in t.roles:
            continue
        r = await act(client, token, a.id, t.action)
        assert r.status_code == 403 and r.json()["code"] == "wrong_role", (t.action, role.value, r.text)
        r = await act_batch(client, token, [a.id], t.action)
        assert r.status_code in (403, 422), (t.action, role.value, r.text)  # 422: not a batch move
        if r.status_code == 200:
            assert r.json()["done"] == []
    with pytest.raises(Forbidden):  # the physician: wrong role (the mini-program has no such path)
        await physician_move(d.p, a, t.action)
    await Organisation.filter(id=w.hospital3.id).update(is_assessment_institution=True)  # assigned nothing
    outside = {Role.ASSESSMENT_INSTITUTION: [await token_for(w.hospital3, Role.ASSESSMENT_INSTITUTION)],
               Role.ADMINISTRATION: [await token_for(w.gz_admin), await token_for(w.lz_admin)]}
    for role in t.roles & set(STAFF):
        for token in outside[role]:
            r = await act(client, token, a.id, t.action)
            assert r.status_code == 403 and r.json()["code"] == "out_of_jurisdiction", (t.action, r.text)
            assert "status" not in r.json()
        r = await act(client, await _allowed_token(w, t), 999999, t.action)
        assert r.status_code == 404, (t.action, r.text)
    if Role.SYSTEM in t.roles:
        assert t.action not in ACTION_BODIES  # no console body: the console cannot name it
    assert (await Assessment.get(id=a.id)).version == before, f"{t.action}: a refused move changed the record"


async def _guards(client, w, cycle: Cycle, d: ExamDriver, a: Assessment, t: flow.Transition) -> None:
    """The row's own condition (window / guard) refuses while it does not hold."""
    before = (await Assessment.get(id=a.id)).version
    system = transitions.system_actor()
    if t.action == "miss_first_round":
        assert (await outcome.sweep()).missed_first_round == 0  # the first round is still on
        with pytest.raises(InvalidTransition) as exc:
            await transitions.transition(actor=system, assessment_id=a.id, action=t.action)
        assert exc.value.code == "guard_failed" and "尚未结束" in exc.value.message
    elif t.action == "miss_delayed_exam":
        await _end(cycle, "exam")  # the first round is over, but a delayed physician waits for the re-exam
        assert (await outcome.sweep()).delayed_absent == 0
        with pytest.raises(InvalidTransition) as exc:
            await transitions.transition(actor=system, assessment_id=a.id, action=t.action)
        assert exc.value.code == "guard_failed"
    elif t.action == "miss_reexam":
        assert (await outcome.sweep()).missed_reexam == 0
        with pytest.raises(InvalidTransition) as exc:
            await transitions.transition(actor=system, assessment_id=a.id, action=t.action)
        assert exc.value.code == "guard_failed"
    elif t.action == "ai_confirm_results":
        await close_window(cycle, "judging")
        try:
            r = await act(client, await _allowed_token(w, t), a.id, t.action)
            assert r.status_code == 409 and r.json()["code"] == "guard_failed", r.text
        finally:
            await reopen_window(cycle, "judging")
    elif t.action == "admin_confirm_reexam":
        r = await act(client, await token_for(w.nn_admin), a.id, t.action)  # a city: not the province
        assert r.status_code == 409 and r.json()["code"] == "guard_failed", r.text
        await Assessment.filter(id=a.id).update(violation=True)
        try:
            r = await act(client, await _allowed_token(w, t), a.id, t.action)
            assert r.status_code == 409 and "违纪" in r.json()["message"], r.text
        finally:
            await Assessment.filter(id=a.id).update(violation=False)
    elif t.action in ("finish_exams", "finish_reexam"):
        # the exam service moves only once the required papers are complete
        if t.action == "finish_exams":
            await d.sit("humanities", 80)
            assert (await d.assessment()).status == S.AWAITING_EXAM
            before = (await Assessment.get(id=a.id)).version
    assert (await Assessment.get(id=a.id)).version == before, f"{t.action}: a refused move changed the record"


async def _allowed(client, w, cycle: Cycle, d: ExamDriver, a: Assessment, t: flow.Transition) -> None:
    events = await AssessmentEvent.filter(assessment_id=a.id).count()
    if t.action == "finish_exams":
        await d.sit("professional", 70)  # 完成测评 by the exam service
    elif t.action == "finish_reexam":
        await d.sit("professional", 70)  # 完成再次考核 by the exam service
    elif t.action == "miss_first_round":
        await _end(cycle, "exam")
        assert (await outcome.sweep()).missed_first_round == 1
    elif t.action == "miss_reexam":
        await _end(cycle, "exam")
        await _end(cycle, "reexam")
        assert (await outcome.sweep()).missed_reexam == 1
    elif t.action == "miss_delayed_exam":
        await _end(cycle, "reexam")
        assert (await outcome.sweep()).delayed_absent == 1
    else:
        r = await act(client, await _allowed_token(w, t), a.id, t.action)
        assert r.status_code == 200, (t.action, r.text)
        assert r.json()["id"] == a.id and isinstance(r.json()["actions"], list)
    fresh = await Assessment.get(id=a.id)
    assert fresh.status in t.possible_targets(), (t.action, fresh.status)
    assert await AssessmentEvent.filter(assessment_id=a.id).count() == events + 1
    last = await AssessmentEvent.filter(assessment_id=a.id).order_by("-id").first()
    assert last.action == t.action
    if Role.SYSTEM in t.roles:
        assert last.actor_type == "system" and last.role == Role.SYSTEM.value


@pytest.mark.parametrize("action", sorted(set(ROWS) - {"admin_mark_violation"}))
async def test_exam_row(client, action: str):
    t = ROWS[action]
    w, cycle = await exam_world()
    d = await new_driver(client, w, cycle)
    a = await _start(d, action)
    await _refusals(client, w, d, a, t)
    await _guards(client, w, cycle, d, a, t)
    await _allowed(client, w, cycle, d, a, t)


def test_every_exam_row_is_walked():
    assert set(ROWS) - {"admin_mark_violation"} == {  # 处理 is walked in test_proctoring_flow.py
        "finish_exams", "miss_first_round", "miss_delayed_exam", "ai_confirm_results",
        "admin_confirm_reexam", "finish_reexam", "miss_reexam", "admin_judge_reexam"}
    for t in ROWS.values():
        assert t.roles in ({Role.SYSTEM}, {Role.ASSESSMENT_INSTITUTION}, {Role.ADMINISTRATION}), t.action


async def test_system_rows_have_no_http_endpoint(client, app):
    """No console or mini-program route makes the system's moves, whoever calls."""
    w, cycle = await exam_world()
    d = await new_driver(client, w, cycle)
    a = await d.to_exams()
    tokens = [await token_for(w.hospital2), await token_for(w.hospital, Role.ASSESSMENT_INSTITUTION),
              await token_for(w.gx_admin), await physician_token(d.p)]
    for t in ROWS.values():
        if Role.SYSTEM not in t.roles:
            continue
        for token in tokens:
            r = await client.post(f"{API}/assessments/{a.id}/actions/{t.action}", headers=auth(token), json={})
            assert r.status_code in (401, 403), (t.action, r.text)
    for route in app.router.routes:
        assert not any(t.action in route.path for t in ROWS.values() if Role.SYSTEM in t.roles), route.path
    assert (await Assessment.get(id=a.id)).status == S.AWAITING_EXAM


async def test_delayed_physician_is_not_missed_and_takes_the_reexam_window(client):
    """延期考核 approved: 未参加首轮考核 does not apply; the papers are taken in the 再次考核 window."""
    w, cycle = await exam_world()
    d = await new_driver(client, w, cycle)
    a = await d.side("delay", D.ADMIN_PENDING, S.AWAITING_EXAM)
    await staff_move(await d.admin(), a, "admin_approve_delay")
    await _end(cycle, "exam")
    with pytest.raises(InvalidTransition) as exc:
        await transitions.transition(actor=transitions.system_actor(), assessment_id=a.id, action="miss_first_round")
    assert "延期" in exc.value.message
    assert (await outcome.sweep()).missed_first_round == 0
    await d.sit("humanities", 70)
    await d.sit("professional", 70)
    assert (await d.assessment()).status == S.EXAMS_DONE
    other = await make_physician(w.hospital2)
    with pytest.raises(NotFound):  # another physician never reaches this record
        await physician_move(other, a, "finish_exams")
