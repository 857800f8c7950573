"""The physician's side requests (SPEC §4): 申请修改 (name and ID number locked), 申请免考
(only while open, the right paper's reasons of this cycle, proofs required), 申请延期考核
(reason required, before the deadline). Every refusal leaves the assessment as it was."""

from __future__ import annotations

from datetime import date

from server.models import (
    Assessment,
    AssessmentEvent,
    Cycle,
    DelayStatus,
    ExemptionReason,
    ExemptionStatus,
    ModificationStatus,
    PaperType,
)
from server.services.access import Role
from server.services.assessment import transitions
from server.services.assessment.enrolment_rules import apply_pending
from tests.factories import auth, token_for
from tests.integration.mp_support import API, DAY, actions, enrolled, move, setup, state, upload_proof

M = ModificationStatus


# --- 申请修改 ----------------------------------------------------------------------------------------
async def test_modification_request_refused_before_enrolment(client):
    s = await setup()
    before = await state(s.assessment.id)
    r = await client.post(f"{API}/modification/request", headers=s.headers, json={})
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"
    assert await state(s.assessment.id) == before


async def test_modification_flow_with_locked_fields(client):
    s = await setup()
    a = await enrolled(client, s)
    r = await client.put(f"{API}/modification", headers=s.headers, json={"basic": {"ethnicity": "壮族"}})
    assert r.status_code == 409 and r.json()["code"] == "not_editable"
    r = await client.post(f"{API}/modification/request", headers=s.headers, json={"note": "学历有误"})
    assert r.status_code == 200, r.text
    assert r.json()["modification"]["value"] == "requested" and "request_modification" not in actions(r.json())
    event = await AssessmentEvent.filter(assessment_id=a.id, action="request_modification").first()
    assert event.data == {"note": "学历有误"}
    await move(a, "hi_allow_modification", s.w.hospital)
    body = (await client.get(f"{API}/enrolment", headers=s.headers)).json()
    assert body["mode"] == "modification"
    assert [st["editable"] for st in body["steps"]] == [True, True, True, False, False]
    before = await state(a.id)
    for bad in ({"basic": {"name": "新名字"}}, {"basic": {"id_number": "450103198001010011", "ethnicity": "壮族"}}):
        r = await client.put(f"{API}/modification", headers=s.headers, json=bad)
        assert r.status_code == 422 and r.json()["code"] == "read_only_field", r.text
        assert "姓名和证件号码不允许修改" in r.json()["message"]
    r = await client.put(f"{API}/modification", headers=s.headers, json={"procedure": {"procedure": "simple"}})
    assert r.status_code == 422
    r = await client.put(f"{API}/modification", headers=s.headers, json={"basic": {"email": "bad"}})
    assert r.status_code == 422 and r.json()["code"] == "invalid_input"
    assert await state(a.id) == before
    # nothing changed yet: 提交修改 refused
    r = await client.post(f"{API}/modification/submit", headers=s.headers)
    assert r.status_code == 422 and r.json()["code"] == "no_changes"
    assert await state(a.id) == before
    r = await client.put(f"{API}/modification", headers=s.headers, json={
        "basic": {"education": "硕士研究生"},
        "experience": {"practice_history": [{"institution": "兴宁区人民医院", "start_date": "2009-01-01"}]}})
    assert r.status_code == 200, r.text
    r = await client.put(f"{API}/modification", headers=s.headers, json={"basic": {"ethnicity": "壮族"}})
    pending = r.json()["pending_changes"]
    assert pending["basic"] == {"education": "硕士研究生", "ethnicity": "壮族"}
    assert "submit_modification" in actions(r.json())
    fresh = await Assessment.get(id=a.id)
    assert fresh.enrolment["basic"]["education"] == "本科"  # the enrolment itself is untouched
    merged = apply_pending(fresh.enrolment, fresh.pending_changes)
    assert merged["basic"]["education"] == "硕士研究生" and merged["basic"]["gender"] == "女"
    assert merged["experience"]["education"] == fresh.enrolment["experience"]["education"]
    body = (await client.get(f"{API}/enrolment", headers=s.headers)).json()
    assert body["steps"][0]["data"]["education"] == "硕士研究生" and body["steps"][0]["pending"]["ethnicity"] == "壮族"
    r = await client.post(f"{API}/modification/submit", headers=s.headers)
    assert r.status_code == 200 and r.json()["modification"]["value"] == "submitted"
    r = await client.put(f"{API}/modification", headers=s.headers, json={"basic": {"ethnicity": "汉族"}})
    assert r.status_code == 409 and r.json()["code"] == "not_editable"


async def test_modification_refused_for_staff(client):
    s = await setup()
    r = await client.post(f"{API}/modification/request", headers=auth(await token_for(s.w.hospital)), json={})
    assert r.status_code == 403 and r.json()["code"] == "wrong_role"


# --- 申请免考 ----------------------------------------------------------------------------------------
async def _reasons(cycle: Cycle) -> dict[PaperType, ExemptionReason]:
    return {
        PaperType.PROFESSIONAL: await ExemptionReason.create(cycle=cycle, paper=PaperType.PROFESSIONAL,
                                                             text="考核周期内获得省部级以上科技奖励"),
        PaperType.HUMANITIES: await ExemptionReason.create(cycle=cycle, paper=PaperType.HUMANITIES,
                                                           text="考核周期内年满60周岁"),
    }


async def test_exemption_closed_refused(client):
    s = await setup()
    a = await enrolled(client, s)  # 一般程序 → 业务水平
    reasons = await _reasons(s.cycle)
    body = (await client.get(f"{API}/exemption", headers=s.headers)).json()
    assert body["paper"]["label"] == "业务水平" and body["open"] is False and body["can_apply"] is False
    assert [x["text"] for x in body["reasons"]] == ["考核周期内获得省部级以上科技奖励"]
    proof = (await upload_proof(client, s)).json()["data"][0]["id"]
    before = await state(a.id)
    r = await client.post(f"{API}/exemption", headers=s.headers,
                          json={"reason_ids": [reasons[PaperType.PROFESSIONAL].id], "proof_ids": [proof]})
    assert r.status_code == 409 and r.json()["code"] == "guard_failed" and "未开放" in r.json()["message"]
    assert await state(a.id) == before


async def test_exemption_open_wrong_paper_and_foreign_reasons_refused_then_applied(client):
    s = await setup()
    a = await enrolled(client, s)
    reasons = await _reasons(s.cycle)
    await Cycle.filter(id=s.cycle.id).update(professional_exemption_open=True)
    other_cycle = await Cycle.create(province=s.w.gz, name="贵州2024-2026", start_date=date(2024, 1, 1),
                                     end_date=date(2026, 12, 31))
    foreign = await ExemptionReason.create(cycle=other_cycle, paper=PaperType.PROFESSIONAL, text="外省理由")
    body = (await client.get(f"{API}/exemption", headers=s.headers)).json()
    assert body["open"] is True and body["can_apply"] is True and "apply_exemption" in actions(body)
    proof = (await upload_proof(client, s)).json()["data"][0]["id"]
    before = await state(a.id)
    for reason_ids, proof_ids, status, code in (
        ([reasons[PaperType.HUMANITIES].id], [proof], 422, "invalid_reason"),
        ([foreign.id], [proof], 422, "invalid_reason"),
        ([reasons[PaperType.PROFESSIONAL].id], [], 422, "invalid_input"),
        ([reasons[PaperType.PROFESSIONAL].id], ["00000000-0000-0000-0000-000000000000"], 422, "invalid_proof"),
        ([], [proof], 422, "invalid_input"),
    ):
        r = await client.post(f"{API}/exemption", headers=s.headers,
                              json={"reason_ids": reason_ids, "proof_ids": proof_ids})
        assert r.status_code == status and r.json()["code"] == code, (reason_ids, proof_ids, r.text)
    assert await state(a.id) == before
    r = await client.post(f"{API}/exemption", headers=s.headers,
                          json={"reason_ids": [reasons[PaperType.PROFESSIONAL].id], "proof_ids": [proof],
                                "note": "附获奖证书"})
    assert r.status_code == 200, r.text
    assert r.json()["exemption"]["value"] == "hi_pending" and "apply_exemption" not in actions(r.json())
    fresh = await Assessment.get(id=a.id)
    assert fresh.exemption == ExemptionStatus.HI_PENDING
    assert fresh.exemption_data["paper"] == "professional" and fresh.exemption_data["proof_ids"] == [proof]
    assert fresh.exemption_data["reason_texts"] == ["考核周期内获得省部级以上科技奖励"]
    # pending: a second application is refused by the machine
    before = await state(a.id)
    r = await client.post(f"{API}/exemption", headers=s.headers,
                          json={"reason_ids": [reasons[PaperType.PROFESSIONAL].id], "proof_ids": [proof]})
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"
    assert await state(a.id) == before
    # 驳回补充材料: may apply again; 驳回禁止再次申请: may not
    await move(a, "hi_return_exemption", s.w.hospital, reason="证明材料不清晰")
    body = (await client.get(f"{API}/exemption", headers=s.headers)).json()
    assert body["status"]["label"] == "驳回需补充材料" and body["last_reason"] == "证明材料不清晰"
    assert body["can_apply"] is True and body["application"]["proofs"][0]["id"] == proof
    r = await client.post(f"{API}/exemption", headers=s.headers,
                          json={"reason_ids": [reasons[PaperType.PROFESSIONAL].id], "proof_ids": [proof]})
    assert r.status_code == 200, r.text
    await move(a, "hi_refuse_exemption", s.w.hospital, reason="不符合免考条件")
    before = await state(a.id)
    r = await client.post(f"{API}/exemption", headers=s.headers,
                          json={"reason_ids": [reasons[PaperType.PROFESSIONAL].id], "proof_ids": [proof]})
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"
    assert await state(a.id) == before


async def test_exemption_simple_procedure_is_for_humanities(client):
    s = await setup()
    await enrolled(client, s, simple=True)
    reasons = await _reasons(s.cycle)
    await Cycle.filter(id=s.cycle.id).update(professional_exemption_open=True)
    body = (await client.get(f"{API}/exemption", headers=s.headers)).json()
    assert body["paper"]["label"] == "人文医学" and body["open"] is False
    assert [x["id"] for x in body["reasons"]] == [reasons[PaperType.HUMANITIES].id]


async def test_exemption_refused_before_enrolment(client):
    s = await setup()
    await Cycle.filter(id=s.cycle.id).update(professional_exemption_open=True, humanities_exemption_open=True)
    before = await state(s.assessment.id)
    r = await client.post(f"{API}/exemption", headers=s.headers,
                          json={"reason_ids": [1], "proof_ids": ["00000000-0000-0000-0000-000000000000"]})
    assert r.status_code == 409
    assert await state(s.assessment.id) == before


# --- 申请延期考核 ------------------------------------------------------------------------------------
async def test_delay_applied_before_deadline(client):
    s = await setup()
    r = await client.post(f"{API}/delay", headers=s.headers, json={"reason": "  因公出国援外  "})
    assert r.status_code == 200, r.text
    assert r.json()["delay"]["value"] == "hi_pending" and "apply_delay" not in actions(r.json())
    fresh = await Assessment.get(id=s.assessment.id)
    assert fresh.delay == DelayStatus.HI_PENDING and fresh.delay_reason == "因公出国援外"
    event = await AssessmentEvent.get(assessment_id=fresh.id, action="apply_delay")
    assert event.reason == "因公出国援外" and event.role == Role.PHYSICIAN.value
    body = (await client.get(f"{API}/assessment", headers=s.headers)).json()
    assert body["delay_detail"]["status"]["label"] == "待卫生机构审批"


async def test_delay_after_deadline_refused(client):
    s = await setup()
    await Cycle.filter(id=s.cycle.id).update(delay_deadline=transitions.utcnow() - DAY)
    before = await state(s.assessment.id)
    r = await client.post(f"{API}/delay", headers=s.headers, json={"reason": "因病住院"})
    assert r.status_code == 409 and r.json()["code"] == "guard_failed"
    assert "截止" in r.json()["message"]
    assert await state(s.assessment.id) == before


async def test_delay_reason_required(client):
    s = await setup()
    before = await state(s.assessment.id)
    for body in ({}, {"reason": "   "}, {"reason": "长" * 501}):
        r = await client.post(f"{API}/delay", headers=s.headers, json=body)
        assert r.status_code == 422, (body, r.text)
    assert await state(s.assessment.id) == before


async def test_delay_not_included_refused(client):
    s = await setup(include=False)
    r = await client.post(f"{API}/delay", headers=s.headers, json={"reason": "因病住院"})
    assert r.status_code == 409 and r.json()["code"] == "enrolment_not_open"
    assert (await Assessment.get(id=s.assessment.id)).delay == DelayStatus.NONE
