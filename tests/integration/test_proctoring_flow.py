"""The 处理 row of the state-machine table (``admin_mark_violation``, SPEC §6), walked like
tests/integration/test_exam_flow_table.py walks the other exam rows.

From each source state (reached through earlier moves: real exams through the mini-program, the
reviewers through the console API — never a status written):
- every other role → 403 ``wrong_role`` (the physician too, straight at the runner);
- an administration outside the jurisdiction → 403 ``out_of_jurisdiction``; an unknown record → 404;
- the allowed administration → 不合格 with ``violation`` and ``fail_reason`` violation, one history
  row, one proctoring event, the physician's message;
- then once more → refused (``guard_failed``: already a violation), nothing changed.
Through the proctoring endpoint and through the generic action endpoint alike.
"""

from __future__ import annotations

import pytest

from server.errors import Forbidden
from server.models import Assessment, AssessmentEvent, ProctoringEvent
from server.models import AssessmentStatus as S
from server.services.access import Role
from server.services.assessment import flow
from tests.factories import auth, token_for
from tests.integration.proctoring_support import P
from tests.integration.results_support import (
    ExamDriver,
    act,
    exam_world,
    messages,
    new_driver,
    outside_driver,
)
from tests.integration.review_support import physician_move

ROW = flow.BY_ACTION["admin_mark_violation"]
REASON = {"reason": "抓拍照片显示多人沟通作答"}


async def _start(d: ExamDriver, source: S) -> Assessment:
    if source == S.AWAITING_EXAM:
        return await d.to_exams()
    if source == S.EXAMS_DONE:
        return await d.exams_done()
    if source == S.QUALIFIED:
        return await d.judged()
    if source == S.FAILED:
        return await d.judged(professional=40)
    a = await d.reexam_listed()
    if source == S.REEXAM_DONE:
        await d.sit("professional", 70)
        a = await d.assessment()
    return a


def test_the_row_is_what_the_seed_manual_says():
    assert ROW.roles == {Role.ADMINISTRATION} and ROW.needs_reason and ROW.target == S.FAILED
    assert ROW.source == {S.AWAITING_EXAM, S.EXAMS_DONE, S.QUALIFIED, S.FAILED, S.REEXAM_LISTED, S.REEXAM_DONE}
    assert not ROW.batch and ROW.window is None


async def _process(client, token: str, a_id: int, generic: bool, body: dict | None = None):
    if generic:
        return await act(client, token, a_id, ROW.action, body if body is not None else REASON)
    return await client.post(f"{P}/{a_id}/process", headers=auth(token),
                             json=body if body is not None else REASON)


# every source through the proctoring endpoint; two of them through the generic one (same hook)
CASES = [pytest.param(s, False, id=f"{s.value}-proctoring") for s in sorted(ROW.source, key=lambda s: s.value)] + [
    pytest.param(s, True, id=f"{s.value}-generic") for s in (S.AWAITING_EXAM, S.QUALIFIED)]


@pytest.mark.parametrize(("source", "generic"), CASES)
async def test_violation_row(client, source: S, generic: bool):
    w, cycle = await exam_world()
    d = await new_driver(client, w, cycle)
    a = await _start(d, source)
    assert a.status == source
    before = (await Assessment.get(id=a.id)).version
    # other roles
    others = {Role.HEALTH_INSTITUTION: await token_for(w.hospital2),
              Role.ASSESSMENT_INSTITUTION: await token_for(w.hospital, Role.ASSESSMENT_INSTITUTION)}
    for role, token in others.items():
        r = await _process(client, token, a.id, generic)
        assert r.status_code == 403 and r.json()["code"] == "wrong_role", (role.value, r.text)
    r = await _process(client, await token_for(w.industry), a.id, generic)
    assert r.status_code == 403
    with pytest.raises(Forbidden):
        await physician_move(d.p, a, ROW.action, reason="自己处理")
    # administrations outside the jurisdiction
    for org in (w.lz_admin, w.gz_admin):
        r = await _process(client, await token_for(org), a.id, generic)
        assert r.status_code == 403 and r.json()["code"] == "out_of_jurisdiction", (org.name, r.text)
        assert "status" not in r.json()
    assert (await _process(client, await token_for(w.qx_admin), 999999, generic)).status_code == 404
    r = await _process(client, await token_for(w.qx_admin), a.id, generic, body={})
    assert r.status_code == 422 and r.json()["code"] == "reason_required"
    assert (await Assessment.get(id=a.id)).version == before, "a refused move changed the record"
    # the allowed administration (the county of the institution)
    events = await AssessmentEvent.filter(assessment_id=a.id).count()
    r = await _process(client, await token_for(w.qx_admin), a.id, generic)
    assert r.status_code == 200, r.text
    fresh = await Assessment.get(id=a.id)
    assert fresh.status == S.FAILED and fresh.violation and fresh.fail_reason == "violation"
    assert fresh.concluded_at is not None
    assert await AssessmentEvent.filter(assessment_id=a.id).count() == events + 1
    last = await AssessmentEvent.filter(assessment_id=a.id).order_by("-id").first()
    assert (last.action, last.from_status, last.to_status) == (ROW.action, source.value, S.FAILED.value)
    assert last.org_id == w.qx_admin.id and last.reason == REASON["reason"]
    process = await ProctoringEvent.filter(assessment_id=a.id, action="process").all()
    assert len(process) == 1 and process[0].org_id == w.qx_admin.id
    assert process[0].data["from_status"] == source.value
    assert len(await messages(d.p.id, ROW.action)) == 1
    # already a violation: refused, nothing changed
    version = fresh.version
    r = await _process(client, await token_for(w.gx_admin), a.id, generic)
    assert r.status_code == 409 and r.json()["code"] == "guard_failed", r.text
    assert (await Assessment.get(id=a.id)).version == version


async def test_processing_is_refused_before_the_exam_stage(client):
    w, cycle = await exam_world()
    d = await new_driver(client, w, cycle)
    a = await d.main(S.ENROLLED)
    r = await client.post(f"{P}/{a.id}/process", headers=auth(await token_for(w.gx_admin)), json=REASON)
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"
    assert not (await Assessment.get(id=a.id)).violation


async def test_the_province_processes_anywhere_in_the_province(client):
    w, cycle = await exam_world()
    d = await outside_driver(client, w, cycle, w.lz_hospital)
    a = await d.to_exams()
    r = await client.post(f"{P}/{a.id}/process", headers=auth(await token_for(w.nn_admin)), json=REASON)
    assert r.status_code == 403 and r.json()["code"] == "out_of_jurisdiction"
    r = await client.post(f"{P}/{a.id}/process", headers=auth(await token_for(w.gx_admin)), json=REASON)
    assert r.status_code == 200 and (await Assessment.get(id=a.id)).violation
