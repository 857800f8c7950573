"""考核进度 and the review queues (scope, filters, masking, actions per row), 医师信息列表 with
the cycle status, and one assessment's record (numbers, history, scope)."""

from __future__ import annotations

import pytest
from tortoise import connections

from server.models import AssessmentStatus as S
from server.models import DelayStatus as D
from server.models import Department, Organisation, PhysicianLevel, PracticeCategory
from server.models import ExemptionStatus as X
from server.services.access import Role
from server.services.assessment import records
from tests.factories import auth, make_physician, make_world, token_for
from tests.integration.review_support import API, Driver, open_cycle


async def _world():
    w = await make_world()
    return w, await open_cycle(w.gx), await open_cycle(w.gz)


async def _at(client, w, cycle, status: S, org=None, **physician) -> Driver:
    d = await Driver.new(client, w, cycle, org, **physician)
    await d.main(status)
    return d


async def _list(client, token: str, **args):
    r = await client.get(f"{API}/assessments", headers=auth(token), params=args)
    assert r.status_code == 200, r.text
    return r.json()


def _ids(body: dict) -> set[int]:
    return {row["physician"]["id"] for row in body["data"]}


# --- scope ----------------------------------------------------------------------------------------


async def test_progress_scope_per_role(client):
    w, gx, gz = await _world()
    own = await _at(client, w, gx, S.INCLUDED, w.hospital2)
    assessor = await _at(client, w, gx, S.INCLUDED, w.hospital)
    xingning = await _at(client, w, gx, S.INCLUDED, w.hospital3)
    liuzhou = await _at(client, w, gx, S.INCLUDED, w.lz_hospital)
    guizhou = await Driver.new(client, w, gz, w.gz_hospital)
    await guizhou.assessment()
    hi2 = await _list(client, await token_for(w.hospital2))
    assert _ids(hi2) == {own.p.id} and hi2["count"] == 1
    ai = await _list(client, await token_for(w.hospital, Role.ASSESSMENT_INSTITUTION))
    assert _ids(ai) == {own.p.id, assessor.p.id}
    assert _ids(await _list(client, await token_for(w.qx_admin))) == {own.p.id, assessor.p.id}
    assert _ids(await _list(client, await token_for(w.nn_admin))) == {own.p.id, assessor.p.id, xingning.p.id}
    assert _ids(await _list(client, await token_for(w.gx_admin))) == {own.p.id, assessor.p.id, xingning.p.id,
                                                                      liuzhou.p.id}
    assert _ids(await _list(client, await token_for(w.gz_admin))) == {guizhou.p.id}
    assert _ids(await _list(client, await token_for(w.national))) == {own.p.id, assessor.p.id, xingning.p.id,
                                                                      liuzhou.p.id, guizhou.p.id}
    # an institution filter outside the scope finds nothing (never another institution's rows)
    assert (await _list(client, await token_for(w.hospital2), institution_id=w.hospital3.id))["count"] == 0


async def test_progress_refuses_physicians_and_industry(client):
    w, _, _ = await _world()
    r = await client.get(f"{API}/assessments", headers=auth(await token_for(w.industry)))
    assert r.status_code == 403 and r.json()["code"] == "wrong_role"


# --- filters -------------------------------------------------------------------------------------


async def test_progress_filters(client):
    w, gx, _ = await _world()
    dept = await Department.create(org=w.hospital2, name="心内科")
    a = await _at(client, w, gx, S.ENROLLED, name="王小明", phone="13912345678", practice_cert_no="P-001",
                  department=dept, category=PracticeCategory.TCM, level=PhysicianLevel.ASSISTANT)
    b = await _at(client, w, gx, S.ENROL_SUBMITTED, name="李大明")
    c = await _at(client, w, gx, S.INCLUDED, name="赵六")
    token = await token_for(w.gx_admin)

    async def ids(**args) -> set[int]:
        return _ids(await _list(client, token, **args))

    assert await ids(status="enrolled") == {a.p.id}
    assert await ids(status="enrolled,enrol_submitted") == {a.p.id, b.p.id}
    assert await ids(name="大明") == {b.p.id}
    assert await ids(name="明") == {a.p.id, b.p.id}
    assert await ids(id_number=c.p.id_number.lower()) == {c.p.id}
    assert await ids(id_number=c.p.id_number[:10]) == set()  # exact, not a prefix
    assert await ids(phone="13912345678") == {a.p.id}
    assert await ids(practice_cert_no="P-001") == {a.p.id}
    assert await ids(department_id=dept.id) == {a.p.id}
    assert await ids(category="tcm") == {a.p.id}
    assert await ids(level="assistant") == {a.p.id}
    assert await ids(procedure="general") == {a.p.id, b.p.id}
    assert await ids(institution_id=w.hospital2.id) == {a.p.id, b.p.id, c.p.id}
    assert await ids(exemption="none", status="included") == {c.p.id}
    r = await client.get(f"{API}/assessments", headers=auth(token), params={"status": "flying"})
    assert r.status_code == 422 and r.json()["code"] == "invalid_query"
    r = await client.get(f"{API}/assessments", headers=auth(token), params={"department_id": "x"})
    assert r.status_code == 422


async def test_progress_side_flow_filters(client):
    w, gx, _ = await _world()
    exempt = await Driver.new(client, w, gx, w.hospital2)
    await exempt.side("exemption", X.AI_PENDING)
    delay = await Driver.new(client, w, gx, w.hospital2)
    await delay.side("delay", D.ADMIN_PENDING)
    token = await token_for(w.qx_admin)
    assert _ids(await _list(client, token, exemption="ai_pending")) == {exempt.p.id}
    assert _ids(await _list(client, token, delay="admin_pending")) == {delay.p.id}


async def test_progress_rows_masked_with_labels_and_actions(client):
    w, gx, _ = await _world()
    d = await _at(client, w, gx, S.ENROL_SUBMITTED, phone="13912345678")
    body = await _list(client, await token_for(w.hospital2))
    row = body["data"][0]
    assert row["physician"]["id_number"] != d.p.id_number and "*" in row["physician"]["id_number"]
    assert row["physician"]["phone"] == "139****5678"
    assert row["status"] == {"value": "enrol_submitted", "label": "待卫生机构审核"}
    assert row["institution"] == {"id": w.hospital2.id, "name": w.hospital2.name}
    assert {a["action"] for a in row["actions"]} == {"cancel_include", "hi_approve_enrolment", "hi_reject_enrolment"}
    assert (body["page"], body["size"]) == (1, 20)


async def test_progress_paging(client):
    w, gx, _ = await _world()
    for _ in range(5):
        await _at(client, w, gx, S.INCLUDED)
    token = await token_for(w.hospital2)
    first, second = await _list(client, token, size=2), await _list(client, token, size=2, page=3)
    assert first["count"] == 5 and len(first["data"]) == 2 and len(second["data"]) == 1
    r = await client.get(f"{API}/assessments", headers=auth(token), params={"size": 1000})
    assert r.status_code == 422


async def test_progress_query_count_does_not_grow_with_rows(client):
    w, gx, _ = await _world()
    token = await token_for(w.hospital, Role.ASSESSMENT_INSTITUTION)
    conn = connections.get("default")
    calls: list[str] = []
    originals = {name: getattr(conn, name) for name in ("execute_query", "execute_query_dict")}

    def counting(name):
        async def wrapper(*args, **kwargs):
            calls.append(name)
            return await originals[name](*args, **kwargs)
        return wrapper

    async def count_for(n: int) -> int:
        while (await _list(client, token, size=50))["count"] < n:
            await _at(client, w, gx, S.ENROL_REPORTED)
        calls.clear()
        for name in originals:
            setattr(conn, name, counting(name))
        try:
            body = await _list(client, token, size=50)
        finally:
            for name, fn in originals.items():
                setattr(conn, name, fn)
        assert len(body["data"]) == n and all(row["actions"] for row in body["data"])
        return len(calls)

    few = await count_for(2)
    many = await count_for(12)
    assert 0 < few <= 6 and many == few, (few, many)


# --- review queues -------------------------------------------------------------------------------


async def test_queues_follow_the_flow_table(client):
    w, gx, _ = await _world()
    submitted = await _at(client, w, gx, S.ENROL_SUBMITTED)
    reported = await _at(client, w, gx, S.ENROL_REPORTED)
    evaluated = await _at(client, w, gx, S.EVALUATED)
    enrolled = await _at(client, w, gx, S.ENROLLED)
    hi, ai = await token_for(w.hospital2), await token_for(w.hospital, Role.ASSESSMENT_INSTITUTION)
    assert _ids(await _list(client, hi, queue="enrolment_report")) == {submitted.p.id}
    assert _ids(await _list(client, hi, queue="evaluation")) == {enrolled.p.id}
    assert _ids(await _list(client, ai, queue="enrolment_confirm")) == {reported.p.id}
    review = await _list(client, ai, queue="review")
    assert _ids(review) == {evaluated.p.id}
    assert {a["action"] for a in review["data"][0]["actions"]} == {"ai_submit_review", "ai_reject_review"}
    r = await client.get(f"{API}/assessments", headers=auth(hi), params={"queue": "review"})
    assert r.status_code == 403 and r.json()["code"] == "wrong_role"
    r = await client.get(f"{API}/assessments", headers=auth(hi), params={"queue": "nope"})
    assert r.status_code == 422
    r = await client.get(f"{API}/assessments/queues", headers=auth(ai))
    assert {q["queue"] for q in r.json()["data"]} == {"enrolment_confirm", "review", "exemption_review", "results",
                                                  "appeal_review"}


async def test_delay_queue_for_administrations(client):
    w, gx, _ = await _world()
    d = await Driver.new(client, w, gx, w.hospital2)
    await d.side("delay", D.ADMIN_PENDING)
    body = await _list(client, await token_for(w.nn_admin), queue="delay_approval")
    assert _ids(body) == {d.p.id}
    assert {a["action"] for a in body["data"][0]["actions"]} >= {"admin_approve_delay", "admin_reject_delay"}
    assert (await _list(client, await token_for(w.lz_admin), queue="delay_approval"))["count"] == 0


# --- 医师信息列表 -----------------------------------------------------------------------------------


async def test_cycle_physicians_list_with_status(client):
    w, gx, _ = await _world()
    never = await make_physician(w.hospital2, name="未纳入")
    included = await _at(client, w, gx, S.INCLUDED)
    cancelled = await Driver.new(client, w, gx, w.hospital2)
    await cancelled.assessment()  # a row left at 未开通报名
    await make_physician(w.hospital3)
    token = await token_for(w.hospital2)
    r = await client.get(f"{API}/assessments/physicians", headers=auth(token))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["cycle"]["id"] == gx.id and body["count"] == 3
    rows = {row["id"]: row for row in body["data"]}
    assert rows[never.id]["status"]["value"] == "not_included" and rows[never.id]["assessment_id"] is None
    assert [a["action"] for a in rows[never.id]["actions"]] == ["include"]
    assert rows[included.p.id]["in_cycle"] and "cancel_include" in {a["action"] for a in rows[included.p.id]["actions"]}
    assert "*" in rows[never.id]["id_number"]
    r = await client.get(f"{API}/assessments/physicians", headers=auth(token), params={"status": "not_included"})
    assert {row["id"] for row in r.json()["data"]} == {never.id, cancelled.p.id}
    r = await client.get(f"{API}/assessments/physicians", headers=auth(token), params={"status": "included"})
    assert {row["id"] for row in r.json()["data"]} == {included.p.id}
    r = await client.get(f"{API}/assessments/physicians", headers=auth(token), params={"name": "未纳"})
    assert {row["id"] for row in r.json()["data"]} == {never.id}


async def test_cycle_physicians_list_only_for_institutions(client):
    w, _, _ = await _world()
    for token in (await token_for(w.gx_admin), await token_for(w.hospital, Role.ASSESSMENT_INSTITUTION)):
        r = await client.get(f"{API}/assessments/physicians", headers=auth(token))
        assert r.status_code == 403 and r.json()["code"] == "wrong_role"


# --- the record ---------------------------------------------------------------------------------------


async def _record(client, token: str, a_id: int):
    return await client.get(f"{API}/assessments/{a_id}", headers=auth(token))


async def test_record_has_everything_and_history(client):
    w, gx, _ = await _world()
    d = await Driver.new(client, w, gx, w.hospital2, phone="13912345678")
    a = await d.main(S.EVALUATED)
    r = await _record(client, await token_for(w.hospital, Role.ASSESSMENT_INSTITUTION), a.id)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"]["label"] == "待考核机构复核" and body["procedure"]["value"] == "general"
    assert [s["step"] for s in body["enrolment"]] == ["basic", "practice", "experience", "self_assessment",
                                                      "procedure"]
    assert body["self_assessment"]["ethics"] == "遵守医德规范。"
    assert body["enrolment"][1]["data"]["practice_scope"] == "内科专业"
    assert body["evaluation"]["work_result"]["label"] == "合格"
    assert body["evaluation"]["other_site_opinions"][0]["org_name"] == "南宁市第二人民医院"
    assert body["evaluation"]["done"]["org"]["name"] == w.hospital2.name
    history = body["history"]
    assert [h["action"]["value"] for h in history] == ["include", "submit_enrolment", "hi_approve_enrolment",
                                                       "ai_confirm_enrolment", "hi_submit_evaluation"]
    confirm = history[3]
    assert confirm["org"]["name"] == w.hospital.name and confirm["role"]["label"] == "考核机构"
    assert confirm["from_status"]["label"] == "待考核机构确认" and confirm["to_status"]["label"] == "待卫生机构评定"
    assert history[1]["actor_name"] == d.p.name and history[1]["role"]["label"] == "医师"
    assert {x["action"] for x in body["actions"]} == {"ai_submit_review", "ai_reject_review"}
    # the assessment institution sees numbers masked
    assert body["numbers_masked"] and body["physician"]["id_number"] != d.p.id_number
    assert body["physician"]["phone"] == "139****5678" and d.p.id_number not in r.text


def test_numbers_inside_enrolment_copies_are_masked():
    masked = records.mask_numbers({"basic": {"id_number": "450103198506010021", "phone": "13912345678",
                                             "email": "a@b.cn"}, "list": [{"phone": "13800000000"}]})
    assert masked == {"basic": {"id_number": "4501************21", "phone": "139****5678", "email": "a@b.cn"},
                      "list": [{"phone": "138****0000"}]}


@pytest.mark.parametrize("who", ["hi", "admin"])
async def test_record_full_numbers_for_institution_and_administration(client, who):
    w, gx, _ = await _world()
    d = await Driver.new(client, w, gx, w.hospital2, phone="13912345678")
    a = await d.main(S.ENROLLED)
    token = await token_for(w.hospital2 if who == "hi" else w.nn_admin)
    body = (await _record(client, token, a.id)).json()
    assert not body["numbers_masked"]
    assert body["physician"]["id_number"] == d.p.id_number and body["physician"]["phone"] == "13912345678"


async def test_record_outside_scope_refused_without_data(client):
    w, gx, _ = await _world()
    a = await (await _at(client, w, gx, S.ENROLLED)).assessment()
    await Organisation.filter(id=w.hospital3.id).update(is_assessment_institution=True)
    for token in (await token_for(w.hospital3), await token_for(w.hospital3, Role.ASSESSMENT_INSTITUTION),
                  await token_for(w.gz_admin), await token_for(w.lz_admin), await token_for(w.hospital)):
        r = await _record(client, token, a.id)
        assert r.status_code == 403 and r.json()["code"] == "out_of_jurisdiction"
        assert set(r.json()) <= {"code", "message", "details"}
    r = await _record(client, await token_for(w.gx_admin), 999999)
    assert r.status_code == 404
    r = await _record(client, await token_for(w.industry), a.id)
    assert r.status_code == 403 and r.json()["code"] == "wrong_role"


async def test_record_history_labels_the_runners_own_rows(client):
    w, gx, _ = await _world()
    d = await Driver.new(client, w, gx)
    a = await d.side("exemption", X.HI_PENDING)
    hi = await token_for(w.hospital2)
    r = await client.post(f"{API}/assessments/{a.id}/actions/hi_reject_procedure", headers=auth(hi),
                          json={"reason": "不符合简易程序条件"})
    assert r.status_code == 200, r.text
    history = (await _record(client, hi, a.id)).json()["history"]
    reset = next(h for h in history if h["action"]["value"] == "reset")
    assert reset["action"]["label"] == "申请随之撤销"
    assert reset["flow"]["label"] == "免考申请" and reset["to_status"]["label"] == "未申请"
