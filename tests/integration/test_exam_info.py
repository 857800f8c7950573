"""考核详情 → 确认考核信息 before the 试卷列表 (seed manuals: 「点击【考核详情】》确认考核信息》点击【试卷列表】》
点击试卷【进入】」): the details shown, the list and 进入 refused until confirmed, confirming idempotent
and audited, and refused for another role, another physician's assessment and outside the exam stage."""

from __future__ import annotations

from server.models import Assessment, AssessmentStatus, AuditLog
from server.services.access import Role
from tests.factories import auth, token_for
from tests.integration.attempt_support import MP, exam_world, start

S = AssessmentStatus


async def test_details_then_confirm_then_list_and_start(client):
    e = await exam_world(confirmed=False)
    r = await client.get(f"{MP}/exams/info", headers=e.headers)
    assert r.status_code == 200, r.text
    info = r.json()
    p = await e.assessment.physician
    assert info["assessment_id"] == e.assessment.id and info["confirmed"] is False and info["exam_stage"] is True
    assert info["name"] == p.name and "*" in info["id_number"] and info["id_number"] != p.id_number
    assert info["institution"] == e.w.hospital.name
    assert info["category"]["label"] == "临床" and info["level"]["label"] == "执业医师"
    assert info["procedure"]["value"] == "simple" and info["window"]["label"] == "首轮考核"
    # the 试卷列表 and 进入 wait for 确认考核信息
    r = await client.get(f"{MP}/exams", headers=e.headers)
    assert r.status_code == 409 and r.json()["code"] == "exam_info_unconfirmed" and "确认考核信息" in r.json()["message"]
    r = await start(client, e)
    assert r.status_code == 409 and r.json()["code"] == "exam_info_unconfirmed"
    for _ in range(2):  # idempotent: one audit row
        r = await client.post(f"{MP}/exams/info/confirm", headers=e.headers, json={"assessment_id": e.assessment.id})
        assert r.status_code == 200, r.text
        assert r.json()["confirmed"] is True and r.json()["confirmed_at"]
    first = (await e.fresh()).exam_info_confirmed_at
    assert first is not None
    assert await AuditLog.filter(action="assessment.confirm_exam_info", target_id=str(e.assessment.id)).count() == 1
    r = await client.get(f"{MP}/exams", headers=e.headers)
    assert r.status_code == 200, r.text
    r = await start(client, e)
    assert r.status_code == 200, r.text
    assert (await e.fresh()).exam_info_confirmed_at == first


async def test_confirm_refused_for_staff_and_for_someone_elses_assessment(client):
    e = await exam_world(confirmed=False)
    other = await exam_world(w=e.w, banks=False, confirmed=False, n=7)
    r = await client.post(f"{MP}/exams/info/confirm", headers=auth(await token_for(e.w.hospital, Role.HEALTH_INSTITUTION)),
                          json={"assessment_id": e.assessment.id})
    assert r.status_code in (401, 403), r.text
    r = await client.post(f"{MP}/exams/info/confirm", headers=other.headers, json={"assessment_id": e.assessment.id})
    assert r.status_code == 404 and r.json()["code"] == "assessment_not_found"
    for bad in ({}, {"assessment_id": "x"}, {"assessment_id": e.assessment.id, "zz": 1}):
        r = await client.post(f"{MP}/exams/info/confirm", headers=e.headers, json=bad)
        assert r.status_code == 422, r.text
    assert (await e.fresh()).exam_info_confirmed_at is None
    assert (await Assessment.get(id=other.assessment.id)).exam_info_confirmed_at is None
    assert not await AuditLog.filter(action="assessment.confirm_exam_info").exists()


async def test_confirm_refused_outside_the_exam_stage(client):
    e = await exam_world(confirmed=False, status=S.EVALUATED)
    r = await client.get(f"{MP}/exams/info", headers=e.headers)
    assert r.status_code == 200 and r.json()["exam_stage"] is False
    r = await client.post(f"{MP}/exams/info/confirm", headers=e.headers, json={"assessment_id": e.assessment.id})
    assert r.status_code == 409 and r.json()["code"] == "not_exam_stage" and "不能确认考核信息" in r.json()["message"]
    assert (await e.fresh()).exam_info_confirmed_at is None
    # outside the exam stage the 试卷列表 is a record: shown without the confirmation
    r = await client.get(f"{MP}/exams", headers=e.headers)
    assert r.status_code == 200, r.text
