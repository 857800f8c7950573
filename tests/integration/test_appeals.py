"""复核申请 (issue #12 "appeals"): within 30 days of the result, once, reason + proofs; the assessment
institution 维持 or 变更; a change moves the result through the state machine with history, voids the
notice number already issued (the verification page says so) and the physician is told."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from server.models import (
    AppealStatus,
    Assessment,
    AssessmentEvent,
    AssessmentStatus,
    Certificate,
    Cycle,
    InboxMessage,
    Procedure,
)
from server.services.access import Role
from server.services.results import certificates
from tests.factories import auth, make_physician, make_world, physician_token, token_for
from tests.integration.mp_support import pdf, staff_actor

S = AssessmentStatus
MP = "/api/v1/mp"
ADMIN = "/api/v1/admin/assessments"


async def _result(w, status: S, *, days_ago: float = 1, **extra):
    cycle = await Cycle.get_or_none(province=w.gx, is_current=True) or await Cycle.create(
        province=w.gx, name="2024-2026周期", start_date=date(2024, 1, 1), end_date=date(2026, 12, 31), is_current=True)
    p = await make_physician(w.hospital2, phone="13912345678", phone_verified=True)
    a = await Assessment.create(physician=p, cycle=cycle, institution=w.hospital2, region_path=w.hospital2.region_path,
                                status=status, active=True, procedure=Procedure.GENERAL,
                                concluded_at=datetime.now(UTC) - timedelta(days=days_ago), **extra)
    return p, a, {"authorization": f"Bearer {await physician_token(p)}"}


async def _proof(client, headers) -> str:
    r = await client.post(f"{MP}/uploads", headers=headers, files={"file": ("p.pdf", pdf(), "application/pdf")})
    assert r.status_code == 201, r.text
    return r.json()["data"][0]["id"]


async def test_apply_then_uphold(client):
    w = await make_world()
    p, a, headers = await _result(w, S.FAILED, fail_reason="evaluation")
    r = await client.get(f"{MP}/appeal", headers=headers)
    assert r.status_code == 200 and r.json()["can_apply"] is True and r.json()["status"]["value"] == "none"
    proof = await _proof(client, headers)
    r = await client.post(f"{MP}/appeal", headers=headers, json={"reason": "评定有误，附科室证明", "proof_ids": [proof]})
    assert r.status_code == 200, r.text
    assert r.json()["status"]["value"] == "pending" and r.json()["proof_ids"] == [proof]
    again = await client.post(f"{MP}/appeal", headers=headers, json={"reason": "再次申请"})
    assert again.status_code == 409  # once only
    # the queue of the assessment institution in charge lists it
    ai = await token_for(w.hospital, Role.ASSESSMENT_INSTITUTION)
    r = await client.get("/api/v1/admin/assessments?queue=appeal_review", headers=auth(ai))
    assert r.status_code == 200 and [row["id"] for row in r.json()["data"]] == [a.id]
    # the health institution may read it, not decide
    hi = await token_for(w.hospital2)
    r = await client.post(f"{ADMIN}/{a.id}/appeal/decision", headers=auth(hi), json={"decision": "uphold", "reason": "x"})
    assert r.status_code == 403
    r = await client.post(f"{ADMIN}/{a.id}/appeal/decision", headers=auth(ai),
                          json={"decision": "uphold", "reason": "经核实，评定无误"})
    assert r.status_code == 200, r.text
    assert r.json()["status"]["value"] == "upheld" and r.json()["result"]["value"] == "failed"
    fresh = await Assessment.get(id=a.id)
    assert fresh.status == S.FAILED and fresh.appeal == AppealStatus.UPHELD
    assert await InboxMessage.filter(physician_id=p.id, title="复核结果：维持原考核结果").exists()
    actions = await AssessmentEvent.filter(assessment_id=a.id).values_list("action", flat=True)
    assert list(actions) == ["apply_appeal", "ai_uphold_result"]


async def test_change_voids_the_notice_and_moves_the_result(client):
    w = await make_world()
    p, a, headers = await _result(w, S.QUALIFIED)
    ai_actor = await staff_actor(w.hospital, Role.ASSESSMENT_INSTITUTION)
    old = await certificates.ensure_certificate(ai_actor, a)
    r = await client.post(f"{MP}/appeal", headers=headers, json={"reason": "成绩计算有误"})
    assert r.status_code == 200, r.text
    ai = await token_for(w.hospital, Role.ASSESSMENT_INSTITUTION)
    r = await client.post(f"{ADMIN}/{a.id}/appeal/decision", headers=auth(ai),
                          json={"decision": "change", "reason": "复核发现业务水平成绩录入错误"})
    assert r.status_code == 200, r.text
    assert r.json()["status"]["value"] == "changed" and r.json()["result"]["value"] == "failed"
    fresh = await Assessment.get(id=a.id)
    assert fresh.status == S.FAILED and fresh.fail_reason == "appeal"
    assert not await Certificate.filter(assessment_id=a.id).exists()
    r = await client.get(f"/verify/{old.token}", headers={"accept": "application/json"})
    assert "已作废" in r.text and old.number in r.text
    events = await AssessmentEvent.filter(assessment_id=a.id).order_by("id").values_list("flow", "action", "to_status")
    assert ("appeal", "appeal_closed", "changed") in events and ("main", "ai_change_result", "failed") in events
    assert await InboxMessage.filter(physician_id=p.id, title="复核结果：考核结果变更为不合格").exists()


async def test_change_to_qualified_gets_a_new_notice(client):
    w = await make_world()
    p, a, headers = await _result(w, S.FAILED, fail_reason="exam")
    assert (await client.post(f"{MP}/appeal", headers=headers, json={"reason": "阅卷有误"})).status_code == 200
    ai = await token_for(w.hospital, Role.ASSESSMENT_INSTITUTION)
    r = await client.post(f"{ADMIN}/{a.id}/appeal/decision", headers=auth(ai),
                          json={"decision": "change", "reason": "复核后成绩合格"})
    assert r.status_code == 200 and r.json()["result"]["value"] == "qualified"
    fresh = await Assessment.get(id=a.id)
    assert fresh.status == S.QUALIFIED and fresh.fail_reason == ""
    cert = await certificates.ensure_certificate(await staff_actor(w.hospital, Role.ASSESSMENT_INSTITUTION), fresh)
    assert cert.number.startswith("DKT-")


async def test_late_violation_outside_and_without_appeal_are_refused(client):
    w = await make_world()
    p, a, headers = await _result(w, S.FAILED, days_ago=31)
    r = await client.post(f"{MP}/appeal", headers=headers, json={"reason": "晚了"})
    assert r.status_code == 409 and "30日内" in r.json()["message"]
    assert (await client.get(f"{MP}/appeal", headers=headers)).json()["can_apply"] is False
    p2, a2, headers2 = await _result(w, S.FAILED, violation=True, fail_reason="violation")
    r = await client.post(f"{MP}/appeal", headers=headers2, json={"reason": "不服"})
    assert r.status_code == 409
    r = await client.post(f"{MP}/appeal", headers=headers2, json={"reason": ""})
    assert r.status_code == 422
    p3, a3, headers3 = await _result(w, S.QUALIFIED)
    ai = await token_for(w.hospital, Role.ASSESSMENT_INSTITUTION)
    r = await client.post(f"{ADMIN}/{a3.id}/appeal/decision", headers=auth(ai), json={"decision": "change", "reason": "x"})
    assert r.status_code == 409  # no appeal pending: no change
    assert (await Assessment.get(id=a3.id)).status == S.QUALIFIED
    gz_ai = w.gz_hospital
    gz_ai.is_assessment_institution = True
    await gz_ai.save()
    r = await client.post(f"{ADMIN}/{a3.id}/appeal/decision", headers=auth(await token_for(gz_ai, Role.ASSESSMENT_INSTITUTION)),
                          json={"decision": "uphold", "reason": "x"})
    assert r.status_code in (403, 404)


def test_every_appeal_row_is_walked_here():
    from server.services.assessment import flow
    from tests.integration.test_flow_table_api import APPEAL_ROWS

    assert APPEAL_ROWS == {"apply_appeal", "ai_uphold_result", "ai_change_result"}
    assert {t.action for t in flow.TRANSITIONS if t.flow == "appeal"} <= APPEAL_ROWS


async def test_decisions_refuse_every_other_staff_role(client):
    w = await make_world()
    p, a, headers = await _result(w, S.FAILED)
    assert (await client.post(f"{MP}/appeal", headers=headers, json={"reason": "不服"})).status_code == 200
    for org, role in ((w.hospital2, Role.HEALTH_INSTITUTION), (w.gx_admin, Role.ADMINISTRATION),
                      (w.industry, Role.INDUSTRY_ORG)):
        for decision in ("uphold", "change"):
            r = await client.post(f"{ADMIN}/{a.id}/appeal/decision", headers=auth(await token_for(org, role)),
                                  json={"decision": decision, "reason": "x"})
            assert r.status_code == 403 and r.json()["code"] == "wrong_role", (role, decision)
    r = await client.post(f"{ADMIN}/{a.id}/appeal/decision", headers=headers, json={"decision": "uphold", "reason": "x"})
    assert r.status_code in (401, 403)
    assert (await Assessment.get(id=a.id)).appeal == AppealStatus.PENDING


async def test_the_whole_record_shows_attempts_outcome_and_notice_numbers(client):
    """考核进度 → 查看 (issue #12): each paper's attempts and scores, the outcome and 不合格原因, the
    notice's number and verification link, and the numbers voided on 复核."""
    from server.models import ExamAttempt, Paper, PaperPurpose

    w = await make_world()
    p, a, headers = await _result(w, S.QUALIFIED)
    paper = await Paper.create(assessment_id=a.id, physician=p, cycle_id=a.cycle_id, paper_type="humanities")
    await ExamAttempt.create(assessment_id=a.id, physician=p, cycle_id=a.cycle_id, paper=paper, paper_type="humanities",
                             purpose=PaperPurpose.FIRST, duration_minutes=60, window_end=datetime.now(UTC),
                             status="submitted", score=86, pass_line=60, passed=True)
    ai_actor = await staff_actor(w.hospital, Role.ASSESSMENT_INSTITUTION)
    cert = await certificates.ensure_certificate(ai_actor, a)
    token = await token_for(w.gx_admin)
    body = (await client.get(f"{ADMIN}/{a.id}", headers=auth(token))).json()
    assert body["attempts"][0]["score"] == 86 and body["attempts"][0]["paper_type"]["value"] == "humanities"
    assert body["outcome"]["status"]["value"] == "qualified"
    assert body["certificate"]["number"] == cert.number and body["certificate"]["verify_url"].endswith(cert.token)
    assert body["history"] is not None and body["voided_certificates"] == []
    # a change on 复核 voids the number; the record shows it and the 不合格原因
    assert (await client.post(f"{MP}/appeal", headers=headers, json={"reason": "有误"})).status_code == 200
    ai = await token_for(w.hospital, Role.ASSESSMENT_INSTITUTION)
    r = await client.post(f"{ADMIN}/{a.id}/appeal/decision", headers=auth(ai), json={"decision": "change", "reason": "更正"})
    assert r.status_code == 200
    body = (await client.get(f"{ADMIN}/{a.id}", headers=auth(token))).json()
    assert body["certificate"] is None and [v["number"] for v in body["voided_certificates"]] == [cert.number]
    assert body["outcome"]["fail_reason_label"] == "复核变更为不合格"
    assert (await client.get(f"{ADMIN}/{a.id}", headers=auth(await token_for(w.gz_admin)))).status_code in (403, 404)
