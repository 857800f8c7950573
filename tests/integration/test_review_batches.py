"""批量 moves: the rows that may move do, the others are reported by row with their reason."""

from __future__ import annotations

from server.models import Assessment, AssessmentEvent
from server.models import AssessmentStatus as S
from server.services.access import Role
from tests.factories import auth, make_physician, make_world, token_for
from tests.integration.review_support import API, Driver, close_window, open_cycle


async def _world():
    w = await make_world()
    return w, await open_cycle(w.gx), await open_cycle(w.gz)


async def _at(client, w, cycle, status: S, org=None, **kw) -> Assessment:
    return await (await Driver.new(client, w, cycle, org)).main(status, **kw)


async def _batch(client, token: str, action: str, body: dict):
    return await client.post(f"{API}/assessments/batch/{action}", headers=auth(token), json=body)


def _codes(body: dict) -> dict[int, str]:
    return {f["id"]: f["code"] for f in body["failed"]}


async def test_batch_confirm_reports_rows_that_may_not_move(client):
    w, cycle, _ = await _world()
    ok1 = await _at(client, w, cycle, S.ENROL_REPORTED)
    ok2 = await _at(client, w, cycle, S.ENROL_REPORTED, org=w.hospital)
    moved_on = await _at(client, w, cycle, S.ENROLLED)
    unassigned = await _at(client, w, cycle, S.ENROL_REPORTED, org=w.hospital3)
    token = await token_for(w.hospital, Role.ASSESSMENT_INSTITUTION)
    ids = [ok1.id, moved_on.id, unassigned.id, 999999, ok2.id, ok1.id]
    r = await _batch(client, token, "ai_confirm_enrolment", {"ids": ids})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["done"] == [ok1.id, ok2.id]
    assert _codes(body) == {moved_on.id: "invalid_transition", unassigned.id: "out_of_jurisdiction",
                            999999: "not_found"}
    assert all(f["message"] for f in body["failed"])
    assert (await Assessment.get(id=ok1.id)).status == S.ENROLLED
    assert (await Assessment.get(id=unassigned.id)).status == S.ENROL_REPORTED
    assert await AssessmentEvent.filter(assessment_id=ok1.id, action="ai_confirm_enrolment").count() == 1
    assert await AssessmentEvent.filter(assessment_id=moved_on.id, action="ai_confirm_enrolment").count() == 1


async def test_batch_hi_approve_enrolment(client):
    w, cycle, _ = await _world()
    rows = [await _at(client, w, cycle, S.ENROL_SUBMITTED) for _ in range(3)]
    returned = await _at(client, w, cycle, S.ENROL_RETURNED)
    r = await _batch(client, await token_for(w.hospital2), "hi_approve_enrolment",
                     {"ids": [a.id for a in rows] + [returned.id]})
    assert r.status_code == 200
    assert r.json()["done"] == [a.id for a in rows] and _codes(r.json()) == {returned.id: "invalid_transition"}


async def test_batch_review_submit_decides_each_target(client):
    w, cycle, _ = await _world()
    passing = await _at(client, w, cycle, S.EVALUATED)
    failing = await _at(client, w, cycle, S.EVALUATED, work="fail")
    r = await _batch(client, await token_for(w.hospital, Role.ASSESSMENT_INSTITUTION), "ai_submit_review",
                     {"ids": [passing.id, failing.id]})
    assert r.status_code == 200 and r.json()["done"] == [passing.id, failing.id], r.text
    assert (await Assessment.get(id=passing.id)).status == S.AWAITING_EXAM
    failed = await Assessment.get(id=failing.id)
    assert failed.status == S.FAILED and failed.review["decision"] == "agree"


async def test_batch_not_supported_for_rejections(client):
    w, cycle, _ = await _world()
    a = await _at(client, w, cycle, S.ENROL_REPORTED)
    r = await _batch(client, await token_for(w.hospital, Role.ASSESSMENT_INSTITUTION), "ai_reject_enrolment",
                     {"ids": [a.id], "reason": "批量驳回"})
    assert r.status_code == 422 and r.json()["code"] == "batch_not_supported"
    assert (await Assessment.get(id=a.id)).status == S.ENROL_REPORTED


async def test_batch_wrong_role_refused_as_a_whole(client):
    w, cycle, _ = await _world()
    a = await _at(client, w, cycle, S.ENROL_REPORTED)
    r = await _batch(client, await token_for(w.hospital2), "ai_confirm_enrolment", {"ids": [a.id]})
    assert r.status_code == 403 and r.json()["code"] == "wrong_role"


async def test_batch_bad_input_refused(client):
    w, _, _ = await _world()
    token = await token_for(w.hospital2)
    r = await _batch(client, token, "hi_approve_enrolment", {"ids": []})
    assert r.status_code == 422
    r = await _batch(client, token, "hi_approve_enrolment", {"ids": list(range(1, 1002))})
    assert r.status_code == 422
    r = await _batch(client, token, "hi_approve_enrolment", {"ids": ["a"]})
    assert r.status_code == 422


async def test_batch_include_by_physician(client):
    w, cycle, _ = await _world()
    mine = [await make_physician(w.hospital2) for _ in range(2)]
    other = await make_physician(w.hospital3)
    already = await (await Driver.new(client, w, cycle)).main(S.INCLUDED)
    ids = [mine[0].id, other.id, 999999, already.physician_id, mine[1].id]
    r = await client.post(f"{API}/assessments/physicians/include", headers=auth(await token_for(w.hospital2)),
                          json={"physician_ids": ids})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["done"] == [mine[0].id, mine[1].id]
    assert _codes(body) == {other.id: "out_of_jurisdiction", 999999: "physician_not_found",
                            already.physician_id: "invalid_transition"}
    for p in mine:
        a = await Assessment.get(physician_id=p.id, cycle_id=cycle.id)
        assert a.status == S.INCLUDED and body["assessments"][str(p.id)] == a.id
    assert not await Assessment.exists(physician_id=other.id)


async def test_batch_cancel_include(client):
    w, cycle, _ = await _world()
    included = await (await Driver.new(client, w, cycle)).main(S.ENROL_RETURNED)
    confirmed = await (await Driver.new(client, w, cycle)).main(S.ENROLLED)
    never = await make_physician(w.hospital2)
    r = await client.post(f"{API}/assessments/physicians/cancel-include", headers=auth(await token_for(w.hospital2)),
                          json={"physician_ids": [included.physician_id, confirmed.physician_id, never.id]})
    assert r.status_code == 200
    assert r.json()["done"] == [included.physician_id]
    assert set(_codes(r.json())) == {confirmed.physician_id, never.id}
    assert (await Assessment.get(id=included.id)).status == S.NOT_INCLUDED


async def test_batch_include_window_closed_reported_by_row(client):
    w, cycle, _ = await _world()
    await close_window(cycle, "enrol")
    p = await make_physician(w.hospital2)
    r = await client.post(f"{API}/assessments/physicians/include", headers=auth(await token_for(w.hospital2)),
                          json={"physician_ids": [p.id]})
    assert r.status_code == 200 and _codes(r.json()) == {p.id: "window_closed"}
