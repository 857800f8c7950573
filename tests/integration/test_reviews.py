"""The reviewers' single moves: 参加考核, 上报考核名单, 确认考核医师名单, 评定, 复核, 医师信息修改,
免考 审核/复核, 延期 审批, 考核进度 驳回 — with their data, reasons and refusals."""

from __future__ import annotations

from server.models import (
    Assessment,
    AssessmentEvent,
    Cycle,
    HoldingReason,
    InboxMessage,
    ItemResult,
    Physician,
    RegistryStatus,
)
from server.models import AssessmentStatus as S
from server.models import DelayStatus as D
from server.models import ExemptionStatus as X
from server.models import ModificationStatus as M
from server.services.access import Role
from tests.factories import auth, make_physician, make_world, token_for
from tests.integration.review_support import API, EVALUATION, Driver, open_cycle, physician_move


async def _world():
    w = await make_world()
    cycle = await open_cycle(w.gx)
    return w, cycle


async def _driver(client, w, cycle, org=None) -> Driver:
    return await Driver.new(client, w, cycle, org)


async def _act(client, token: str, a_id: int, action: str, body: dict | None = None):
    return await client.post(f"{API}/assessments/{a_id}/actions/{action}", headers=auth(token), json=body or {})


def _actions(body: dict) -> set[str]:
    return {a["action"] for a in body["actions"]}


# --- 参加考核 / 取消参加考核 -------------------------------------------------------------------


async def test_include_creates_the_assessment_for_the_current_cycle(client):
    w, cycle = await _world()
    p = await make_physician(w.hospital2)
    r = await client.post(f"{API}/assessments/physicians/{p.id}/include", headers=auth(await token_for(w.hospital2)))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"]["value"] == "included" and body["cycle_id"] == cycle.id
    assert "cancel_include" in _actions(body) and "include" not in _actions(body)
    a = await Assessment.get(physician_id=p.id, cycle_id=cycle.id)
    assert a.active and a.institution_id == w.hospital2.id
    assert await AssessmentEvent.filter(assessment_id=a.id, action="include").count() == 1
    assert await InboxMessage.filter(physician_id=p.id, template="include").exists()


async def test_include_other_institutions_physician_refused(client):
    w, _ = await _world()
    p = await make_physician(w.hospital3)
    r = await client.post(f"{API}/assessments/physicians/{p.id}/include", headers=auth(await token_for(w.hospital2)))
    assert r.status_code == 403 and r.json()["code"] == "out_of_jurisdiction"
    assert not await Assessment.exists(physician_id=p.id)


async def test_include_holding_area_physician_refused(client):
    w, _ = await _world()
    p = await make_physician(w.hospital2, registry_status=RegistryStatus.HOLDING,
                             holding_reason=HoldingReason.RETIRED)
    r = await client.post(f"{API}/assessments/physicians/{p.id}/include", headers=auth(await token_for(w.hospital2)))
    assert r.status_code == 409 and r.json()["code"] == "physician_in_holding"


async def test_include_without_current_cycle_refused(client):
    w = await make_world()
    p = await make_physician(w.hospital2)
    r = await client.post(f"{API}/assessments/physicians/{p.id}/include", headers=auth(await token_for(w.hospital2)))
    assert r.status_code == 409 and r.json()["code"] == "cycle_not_found"


async def test_include_as_assessment_institution_wrong_role(client):
    w, _ = await _world()
    p = await make_physician(w.hospital)
    token = await token_for(w.hospital, Role.ASSESSMENT_INSTITUTION)
    r = await client.post(f"{API}/assessments/physicians/{p.id}/include", headers=auth(token))
    assert r.status_code == 403 and r.json()["code"] == "wrong_role"


async def test_cancel_include_then_include_again(client):
    w, cycle = await _world()
    d = await _driver(client, w, cycle)
    a = await d.main(S.ENROL_SUBMITTED)
    token = await token_for(w.hospital2)
    r = await client.post(f"{API}/assessments/physicians/{d.p.id}/cancel-include", headers=auth(token))
    assert r.status_code == 200, r.text
    assert r.json()["status"]["value"] == "not_included" and r.json()["id"] == a.id
    assert not (await Assessment.get(id=a.id)).active
    r = await client.post(f"{API}/assessments/physicians/{d.p.id}/include", headers=auth(token))
    assert r.status_code == 200 and r.json()["id"] == a.id


async def test_cancel_include_after_confirmation_refused(client):
    w, cycle = await _world()
    d = await _driver(client, w, cycle)
    await d.main(S.ENROLLED)
    r = await client.post(f"{API}/assessments/physicians/{d.p.id}/cancel-include",
                          headers=auth(await token_for(w.hospital2)))
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"


async def test_cancel_include_never_included_refused(client):
    w, _ = await _world()
    p = await make_physician(w.hospital2)
    r = await client.post(f"{API}/assessments/physicians/{p.id}/cancel-include",
                          headers=auth(await token_for(w.hospital2)))
    assert r.status_code == 409


# --- 上报考核名单 / 确认考核医师名单 --------------------------------------------------------------


async def test_hi_reject_enrolment_without_reason_refused(client):
    w, cycle = await _world()
    a = await (await _driver(client, w, cycle)).main(S.ENROL_SUBMITTED)
    r = await _act(client, await token_for(w.hospital2), a.id, "hi_reject_enrolment", {"reason": "  "})
    assert r.status_code == 422 and r.json()["code"] == "reason_required"
    assert (await Assessment.get(id=a.id)).status == S.ENROL_SUBMITTED


async def test_hi_reject_enrolment_keeps_reason(client):
    w, cycle = await _world()
    a = await (await _driver(client, w, cycle)).main(S.ENROL_SUBMITTED)
    r = await _act(client, await token_for(w.hospital2), a.id, "hi_reject_enrolment", {"reason": "执业范围填写有误"})
    assert r.status_code == 200, r.text
    assert r.json()["status"]["value"] == "enrol_returned" and r.json()["last_reason"] == "执业范围填写有误"
    event = await AssessmentEvent.get(assessment_id=a.id, action="hi_reject_enrolment")
    assert event.reason == "执业范围填写有误" and event.org_id == w.hospital2.id and event.role == "health_institution"


async def test_ai_confirm_enrolment_moves_to_enrolled(client):
    w, cycle = await _world()
    a = await (await _driver(client, w, cycle)).main(S.ENROL_REPORTED)
    r = await _act(client, await token_for(w.hospital, Role.ASSESSMENT_INSTITUTION), a.id, "ai_confirm_enrolment")
    assert r.status_code == 200 and r.json()["status"]["value"] == "enrolled"
    assert r.json()["actions"] == []  # nothing left for the assessment institution until 评定


async def test_ai_reject_enrolment_returns_to_the_institution(client):
    w, cycle = await _world()
    a = await (await _driver(client, w, cycle)).main(S.ENROL_REPORTED)
    token = await token_for(w.hospital, Role.ASSESSMENT_INSTITUTION)
    r = await _act(client, token, a.id, "ai_reject_enrolment")
    assert r.status_code == 422 and r.json()["code"] == "reason_required"
    r = await _act(client, token, a.id, "ai_reject_enrolment", {"reason": "不符合考核条件"})
    assert r.status_code == 200 and r.json()["status"]["value"] == "enrol_submitted"


async def test_unknown_action_not_found(client):
    w, cycle = await _world()
    a = await (await _driver(client, w, cycle)).main(S.INCLUDED)
    r = await _act(client, await token_for(w.hospital2), a.id, "teleport")
    assert r.status_code == 404 and r.json()["code"] == "unknown_action"


async def test_unexpected_field_refused(client):
    w, cycle = await _world()
    a = await (await _driver(client, w, cycle)).main(S.ENROL_SUBMITTED)
    r = await _act(client, await token_for(w.hospital2), a.id, "hi_approve_enrolment", {"status": "enrolled"})
    assert r.status_code == 422 and r.json()["code"] == "invalid_input"
    assert (await Assessment.get(id=a.id)).status == S.ENROL_SUBMITTED


# --- 评定工作成绩、职业道德 ----------------------------------------------------------------------


async def test_evaluation_stores_items_and_other_site_opinions(client):
    w, cycle = await _world()
    a = await (await _driver(client, w, cycle)).main(S.ENROLLED)
    body = {**EVALUATION, "ethics_result": "fail", "opinion": "  职业道德存在投诉  "}
    r = await _act(client, await token_for(w.hospital2), a.id, "hi_submit_evaluation", body)
    assert r.status_code == 200, r.text
    fresh = await Assessment.get(id=a.id)
    assert fresh.status == S.EVALUATED
    assert (fresh.work_result, fresh.ethics_result) == (ItemResult.PASS, ItemResult.FAIL)
    assert fresh.evaluation_opinion == "职业道德存在投诉"
    assert fresh.other_site_opinions == [{"org_name": "南宁市第二人民医院", "opinion": "表现良好"}]
    event = await AssessmentEvent.get(assessment_id=a.id, action="hi_submit_evaluation")
    assert event.data["ethics_result"] == "fail" and event.data["other_site_opinions"][0]["org_name"]


async def test_evaluation_missing_items_refused(client):
    w, cycle = await _world()
    a = await (await _driver(client, w, cycle)).main(S.ENROLLED)
    token = await token_for(w.hospital2)
    r = await _act(client, token, a.id, "hi_submit_evaluation", {"work_result": "pass"})
    assert r.status_code == 422 and r.json()["code"] == "invalid_input"
    assert "职业道德" in r.json()["message"]
    assert [d["field"] for d in r.json()["details"]] == ["ethics_result"]
    r = await _act(client, token, a.id, "hi_submit_evaluation", {"work_result": "good", "ethics_result": "pass"})
    assert r.status_code == 422
    r = await _act(client, token, a.id, "hi_submit_evaluation",
                   {**EVALUATION, "other_site_opinions": [{"org_name": "", "opinion": "x"}]})
    assert r.status_code == 422
    fresh = await Assessment.get(id=a.id)
    assert fresh.status == S.ENROLLED and fresh.work_result is None


async def test_evaluation_item_by_item_against_the_province_content(client):
    """The province's 编辑考核内容 items appear in the 评定 (合格/不合格 per item, a reason when 不合格) and in
    查看; the group result follows its items; a wrong count or a 不合格 without reason is refused."""
    w, cycle = await _world()
    a = await (await _driver(client, w, cycle)).main(S.ENROLLED)
    token = await token_for(w.hospital2)
    from server.models import DEFAULT_EVALUATION_ITEMS

    await Cycle.filter(id=cycle.id).update(evaluation_items=DEFAULT_EVALUATION_ITEMS)  # 编辑考核内容
    fresh_cycle = await Cycle.get(id=cycle.id)
    work_items = fresh_cycle.evaluation_items["work_performance"]
    ethics_items = fresh_cycle.evaluation_items["ethics"]
    good = [{"result": "pass"} for _ in work_items]
    bad_ethics = [{"result": "pass"} for _ in ethics_items[:-1]] + [{"result": "fail", "reason": "患者投诉两次"}]
    for items, overall in (({"work_performance": good, "ethics": bad_ethics}, "pass"),  # ethics item failed
                           ({"work_performance": good[:-1]}, "pass"),  # one item missing
                           ({"ethics": [{"result": "fail"} for _ in ethics_items]}, "fail")):  # no reason
        r = await _act(client, token, a.id, "hi_submit_evaluation", {**EVALUATION, "ethics_result": overall,
                                                                     "items": items})
        assert r.status_code == 422, (items, r.text)
    assert (await Assessment.get(id=a.id)).status == S.ENROLLED
    r = await _act(client, token, a.id, "hi_submit_evaluation",
                   {**EVALUATION, "ethics_result": "fail", "items": {"work_performance": good, "ethics": bad_ethics}})
    assert r.status_code == 200, r.text
    stored = (await Assessment.get(id=a.id)).evaluation_items
    assert [e["item"] for e in stored["ethics"]] == ethics_items
    assert stored["ethics"][-1] == {"item": ethics_items[-1], "result": "fail", "reason": "患者投诉两次"}
    record = (await client.get(f"/api/v1/admin/assessments/{a.id}", headers=auth(token))).json()
    assert record["evaluation"]["items"]["ethics"][-1]["reason"] == "患者投诉两次"
    assert record["evaluation"]["content"]["work_performance"] == work_items


async def test_evaluation_waits_for_pending_modification(client):
    w, cycle = await _world()
    a = await (await _driver(client, w, cycle)).side("modification", M.REQUESTED)
    r = await _act(client, await token_for(w.hospital2), a.id, "hi_submit_evaluation", EVALUATION)
    assert r.status_code == 409 and r.json()["code"] == "guard_failed"


async def test_reject_procedure_needs_reason(client):
    w, cycle = await _world()
    a = await (await _driver(client, w, cycle)).main(S.ENROLLED)
    token = await token_for(w.hospital2)
    r = await _act(client, token, a.id, "hi_reject_procedure")
    assert r.status_code == 422 and r.json()["code"] == "reason_required"
    r = await _act(client, token, a.id, "hi_reject_procedure", {"reason": "不符合简易程序条件"})
    assert r.status_code == 200 and r.json()["status"]["value"] == "procedure_returned"


# --- 复核 -------------------------------------------------------------------------------------------


async def test_review_submit_both_pass_goes_to_exams(client):
    w, cycle = await _world()
    a = await (await _driver(client, w, cycle)).main(S.EVALUATED)
    r = await _act(client, await token_for(w.hospital, Role.ASSESSMENT_INSTITUTION), a.id, "ai_submit_review",
                   {"opinion": "同意卫生机构评定意见"})
    assert r.status_code == 200, r.text
    assert r.json()["status"]["value"] == "awaiting_exam"
    review = (await Assessment.get(id=a.id)).review
    assert review["decision"] == "agree" and review["opinion"] == "同意卫生机构评定意见"
    assert review["org_id"] == w.hospital.id


async def test_review_submit_either_fail_fails_the_cycle(client):
    w, cycle = await _world()
    d = await _driver(client, w, cycle)
    a = await d.main(S.ENROLLED)
    await _act(client, await token_for(w.hospital2), a.id, "hi_submit_evaluation", {**EVALUATION, "work_result": "fail"})
    r = await _act(client, await token_for(w.hospital, Role.ASSESSMENT_INSTITUTION), a.id, "ai_submit_review")
    assert r.status_code == 200 and r.json()["status"]["value"] == "failed"
    assert not r.json()["actions"]


async def test_review_reject_records_disagreement(client):
    w, cycle = await _world()
    a = await (await _driver(client, w, cycle)).main(S.EVALUATED)
    token = await token_for(w.hospital, Role.ASSESSMENT_INSTITUTION)
    r = await _act(client, token, a.id, "ai_reject_review", {"work_agree": True, "ethics_agree": True, "reason": "x"})
    assert r.status_code == 422 and "不同意" in r.json()["message"]
    r = await _act(client, token, a.id, "ai_reject_review", {"work_agree": True, "ethics_agree": False})
    assert r.status_code == 422 and r.json()["code"] == "reason_required"
    r = await _act(client, token, a.id, "ai_reject_review", {"work_agree": False})
    assert r.status_code == 422 and r.json()["code"] == "invalid_input"
    r = await _act(client, token, a.id, "ai_reject_review",
                   {"work_agree": True, "ethics_agree": False, "reason": "职业道德评定依据不足"})
    assert r.status_code == 200, r.text
    fresh = await Assessment.get(id=a.id)
    assert fresh.status == S.ENROLLED
    assert fresh.review["decision"] == "reject" and fresh.review["work_agree"] is True
    assert fresh.review["ethics_agree"] is False and fresh.review["reason"] == "职业道德评定依据不足"
    event = await AssessmentEvent.get(assessment_id=a.id, action="ai_reject_review")
    assert event.data["ethics_agree"] is False


async def test_review_of_an_assessment_that_moved_on_conflicts(client):
    w, cycle = await _world()
    a = await (await _driver(client, w, cycle)).main(S.EVALUATED)
    token = await token_for(w.hospital, Role.ASSESSMENT_INSTITUTION)
    assert (await _act(client, token, a.id, "ai_submit_review")).status_code == 200
    r = await _act(client, token, a.id, "ai_reject_review",
                   {"work_agree": False, "ethics_agree": False, "reason": "迟到的驳回"})
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"
    assert await AssessmentEvent.filter(assessment_id=a.id, flow="main", action__startswith="ai_").count() == 2


async def test_stale_version_conflicts(client):
    w, cycle = await _world()
    a = await (await _driver(client, w, cycle)).main(S.ENROL_SUBMITTED)
    token = await token_for(w.hospital2)
    r = await _act(client, token, a.id, "hi_approve_enrolment", {"version": a.version - 1})
    assert r.status_code == 409 and r.json()["code"] == "stale_version"
    r = await _act(client, token, a.id, "hi_approve_enrolment", {"version": a.version})
    assert r.status_code == 200 and r.json()["version"] == a.version + 1


# --- 医师信息修改 --------------------------------------------------------------------------------


async def test_confirm_modification_applies_the_physicians_edits(client):
    w, cycle = await _world()
    d = await _driver(client, w, cycle)
    a = await d.side("modification", M.SUBMITTED)  # 执业范围 → 外科专业, 学历 → 硕士研究生 (mini-program)
    before = await Assessment.get(id=a.id)
    assert before.enrolment["practice"]["practice_scope"] == "内科专业"
    r = await _act(client, await token_for(w.hospital2), a.id, "hi_confirm_modification")
    assert r.status_code == 200, r.text
    assert r.json()["modification"]["value"] == "none"
    fresh = await Assessment.get(id=a.id)
    assert fresh.pending_changes == {}
    assert fresh.enrolment["practice"]["practice_scope"] == "外科专业"
    assert fresh.enrolment["practice"]["title"] == before.enrolment["practice"]["title"]  # merged, not replaced
    assert fresh.enrolment["basic"]["education"] == "硕士研究生"
    assert fresh.enrolment["basic"]["email"] == before.enrolment["basic"]["email"]


async def test_confirm_modification_never_changes_name_or_id(client):
    w, cycle = await _world()
    d = await _driver(client, w, cycle)
    a = await d.side("modification", M.ALLOWED)
    forged = {"basic": {"name": "张冒名", "id_number": "450103199001011234", "education": "硕士研究生"},
              "practice": {"practice_cert_no": "P-FORGED", "practice_scope": "外科专业"}, "name": "李冒名"}

    async def forge(row, conn):  # pending edits the mini-program would refuse, e.g. from old data
        row.pending_changes = forged

    await physician_move(d.p, a, "submit_modification", apply=forge)
    r = await _act(client, await token_for(w.hospital2), a.id, "hi_confirm_modification")
    assert r.status_code == 200, r.text
    fresh = await Assessment.get(id=a.id)
    assert fresh.pending_changes == {} and "name" not in fresh.enrolment
    assert "name" not in fresh.enrolment["basic"] and "id_number" not in fresh.enrolment["basic"]
    assert "practice_cert_no" not in fresh.enrolment["practice"]
    assert fresh.enrolment["basic"]["education"] == "硕士研究生"
    assert fresh.enrolment["practice"]["practice_scope"] == "外科专业"
    physician = await Physician.get(id=d.p.id)
    assert (physician.name, physician.id_number, physician.practice_cert_no) == (
        d.p.name, d.p.id_number, d.p.practice_cert_no)
    event = await AssessmentEvent.get(assessment_id=a.id, action="hi_confirm_modification")
    assert sorted(event.data["ignored"]) == ["basic.id_number", "basic.name", "name", "practice.practice_cert_no"]
    record = (await client.get(f"{API}/assessments/{a.id}", headers=auth(await token_for(w.hospital2)))).json()
    assert record["physician"]["name"] == d.p.name and record["physician"]["id_number"] == d.p.id_number


async def test_return_modification_keeps_the_edits_for_the_physician(client):
    w, cycle = await _world()
    a = await (await _driver(client, w, cycle)).side("modification", M.SUBMITTED)
    r = await _act(client, await token_for(w.hospital2), a.id, "hi_return_modification", {"reason": "请补充说明"})
    assert r.status_code == 200 and r.json()["modification"]["value"] == "allowed"
    assert (await Assessment.get(id=a.id)).pending_changes


async def test_refuse_modification_drops_pending_edits(client):
    w, cycle = await _world()
    a = await (await _driver(client, w, cycle)).side("modification", M.REQUESTED)
    token = await token_for(w.hospital2)
    r = await _act(client, token, a.id, "hi_refuse_modification")
    assert r.status_code == 422 and r.json()["code"] == "reason_required"
    r = await _act(client, token, a.id, "hi_refuse_modification", {"reason": "信息无误，无需修改"})
    assert r.status_code == 200 and r.json()["modification"]["value"] == "none"
    assert (await Assessment.get(id=a.id)).pending_changes == {}


# --- 免考 / 延期 / 考核进度 驳回 ------------------------------------------------------------------


async def test_exemption_hi_submit_then_ai_approve(client):
    w, cycle = await _world()
    a = await (await _driver(client, w, cycle)).side("exemption", X.HI_PENDING)
    r = await _act(client, await token_for(w.hospital2), a.id, "hi_submit_exemption")
    assert r.status_code == 200 and r.json()["exemption"]["value"] == "ai_pending"
    r = await _act(client, await token_for(w.hospital, Role.ASSESSMENT_INSTITUTION), a.id, "ai_approve_exemption")
    assert r.status_code == 200 and r.json()["exemption"]["value"] == "approved"


async def test_exemption_refused_forbids_reapplying(client):
    w, cycle = await _world()
    d = await _driver(client, w, cycle)
    a = await d.side("exemption", X.AI_PENDING)
    r = await _act(client, await token_for(w.hospital, Role.ASSESSMENT_INSTITUTION), a.id, "ai_refuse_exemption",
                   {"reason": "不符合免考条件"})
    assert r.status_code == 200 and r.json()["exemption"]["value"] == "refused"
    await d.prepare("apply_exemption")
    r = await d.fire("apply_exemption")
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"
    assert (await Assessment.get(id=a.id)).exemption == X.REFUSED


async def test_exemption_returned_may_reapply(client):
    w, cycle = await _world()
    d = await _driver(client, w, cycle)
    a = await d.side("exemption", X.HI_PENDING)
    r = await _act(client, await token_for(w.hospital2), a.id, "hi_return_exemption", {"reason": "请补充证明材料"})
    assert r.status_code == 200 and r.json()["exemption"]["value"] == "returned"
    await d.physician("apply_exemption")
    assert (await Assessment.get(id=a.id)).exemption == X.HI_PENDING


async def test_delay_needs_institution_then_administration(client):
    w, cycle = await _world()
    a = await (await _driver(client, w, cycle)).side("delay", D.HI_PENDING)
    admin = await token_for(w.nn_admin)
    r = await _act(client, admin, a.id, "admin_approve_delay")
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"
    r = await _act(client, await token_for(w.hospital2), a.id, "hi_approve_delay")
    assert r.status_code == 200 and r.json()["delay"]["value"] == "admin_pending"
    r = await _act(client, await token_for(w.gz_admin), a.id, "admin_approve_delay")
    assert r.status_code == 403 and r.json()["code"] == "out_of_jurisdiction"
    r = await _act(client, admin, a.id, "admin_approve_delay")
    assert r.status_code == 200 and r.json()["delay"]["value"] == "approved"


async def test_admin_reject_to_leave_and_to_procedure(client):
    w, cycle = await _world()
    admin = await token_for(w.gx_admin)
    a = await (await _driver(client, w, cycle)).main(S.AWAITING_EXAM)
    r = await _act(client, admin, a.id, "admin_reject_to_procedure")
    assert r.status_code == 422 and r.json()["code"] == "reason_required"
    r = await _act(client, admin, a.id, "admin_reject_to_procedure", {"reason": "考核程序选择有误"})
    assert r.status_code == 200 and r.json()["status"]["value"] == "procedure_returned"
    r = await _act(client, admin, a.id, "admin_reject_to_leave", {"reason": "已调离本省"})
    assert r.status_code == 200 and r.json()["status"]["value"] == "left"
    assert not (await Assessment.get(id=a.id)).active
    assert await InboxMessage.filter(physician_id=a.physician_id, template="admin_reject_to_leave").exists()
