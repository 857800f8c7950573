"""报名 in the mini-program (SPEC §4 stage 1; seed manual 2.2.3): the home page, the five
steps saved as drafts with validation, read-only registry fields, the photo and proofs
checked by content, 提交信息 and its refusals, 重新选择考核程序, the record with history.
Every refusal leaves the assessment as it was (same version, no new history row)."""

from __future__ import annotations

import io

from PIL import Image

from server.models import (
    Assessment,
    AssessmentEvent,
    AssessmentStatus,
    Cycle,
    Department,
    ItemResult,
    Procedure,
    StoredFile,
)
from server.services.access import Role
from server.services.assessment import transitions
from server.services.platform.runtime import rt
from tests.factories import auth, make_physician, make_world, physician_token, token_for
from tests.integration.mp_support import (
    API,
    DAY,
    actions,
    enrolled,
    fill_enrolment,
    jpeg,
    make_open_cycle,
    move,
    pdf,
    png,
    png_bomb,
    setup,
    state,
    steps,
    upload_photo,
    upload_proof,
)

S = AssessmentStatus


# --- 首页 ----------------------------------------------------------------------------------------
async def test_home_without_cycle_or_assessment_shows_not_open(client):
    w = await make_world()
    p = await make_physician(w.hospital)
    token = await physician_token(p)
    r = await client.get(f"{API}/home", headers=auth(token))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["cycle"] is None and body["registration"] == {"open": False, "label": "未开通报名"}
    assert body["actions"] == []
    await make_open_cycle(w)
    body = (await client.get(f"{API}/home", headers=auth(token))).json()
    assert body["registration"]["label"] == "未开通报名" and body["cycle"]["name"] == "2024-2026周期"
    assert "尚未允许您参加本周期考核" in body["hint"] and body["assessment"] is None
    assert await Assessment.filter(physician_id=p.id).count() == 0  # reading creates nothing


async def test_home_not_included_row_still_not_open(client):
    s = await setup(include=False)
    body = (await client.get(f"{API}/home", headers=s.headers)).json()
    assert body["registration"]["label"] == "未开通报名" and body["stage"] is None and body["actions"] == []


async def test_home_after_include_shows_open_stage_hint_unread_and_actions(client):
    s = await setup()
    r = await client.get(f"{API}/home", headers=s.headers)
    body = r.json()
    assert body["registration"] == {"open": True, "label": "已开通报名"}
    assert body["stage"] == {"value": "included", "label": "已开通报名"}
    assert "我要报名" in body["hint"]
    assert body["unread_messages"] == 1  # 已开通报名 notice from the include move
    assert "submit_enrolment" in actions(body) and "apply_delay" in actions(body)
    enrol = next(wd for wd in body["cycle"]["windows"] if wd["key"] == "enrol")
    assert enrol["label"] == "报名" and enrol["open"] is True


async def test_home_after_rejection_shows_the_reason(client):
    s = await setup()
    await fill_enrolment(client, s)
    assert (await client.post(f"{API}/enrolment/submit", headers=s.headers)).status_code == 200
    await move(s.assessment, "hi_reject_enrolment", s.w.hospital, reason="照片不清晰")
    body = (await client.get(f"{API}/home", headers=s.headers)).json()
    assert body["stage"]["label"] == "报名信息被驳回" and body["last_reason"] == "照片不清晰"
    assert "submit_enrolment" in actions(body)


async def test_home_refuses_staff_and_anonymous(client):
    s = await setup()
    r = await client.get(f"{API}/home")
    assert r.status_code == 401
    r = await client.get(f"{API}/home", headers=auth(await token_for(s.w.hospital)))
    assert r.status_code == 403 and r.json()["code"] == "wrong_role"


async def test_home_refuses_unfinished_setup(client):
    s = await setup()
    token = await physician_token(s.physician, setup_done=False)
    r = await client.get(f"{API}/home", headers=auth(token))
    assert r.status_code == 403 and r.json()["code"] == "setup_required"


# --- the five steps ------------------------------------------------------------------------------
async def test_enrolment_and_record_refused_before_include(client):
    s = await setup(include=False)
    for path in ("/enrolment", "/assessment", "/exemption"):
        r = await client.get(f"{API}{path}", headers=s.headers)
        assert r.status_code == 409 and r.json()["code"] == "enrolment_not_open", path


async def test_enrolment_view_marks_registry_fields_read_only(client):
    s = await setup()
    body = (await client.get(f"{API}/enrolment", headers=s.headers)).json()
    assert body["mode"] == "enrolment" and body["editable"] is True and body["complete"] is False
    basic, practice = body["steps"][0], body["steps"][1]
    assert [st["label"] for st in body["steps"]] == ["基本信息", "执业信息", "相关经历", "工作成绩、职业道德自评",
                                                    "选择考核程序"]
    assert basic["data"]["name"] == s.physician.name and basic["data"]["id_number"] == s.physician.id_number
    assert {"name", "id_number"} <= set(basic["read_only"])
    assert basic["data"]["gender"] == "女" and basic["data"]["birth_date"] == "1985-06-01"  # registry defaults
    assert practice["data"]["qualification_cert_no"] == "Q450103198506010021"
    assert practice["data"]["level"] == "physician" and practice["data"]["category"] == "clinical"
    assert {"qualification_cert_no", "practice_cert_no"} <= set(practice["read_only"])
    assert not {"category", "level"} & set(practice["read_only"])  # pickers the physician may correct
    assert {"value": "assistant", "label": "执业助理医师"} in body["pickers"]["level"]
    assert {"value": "dental", "label": "口腔"} in body["pickers"]["category"]
    assert "普通外科专业" in body["pickers"]["specialties"]["clinical"]
    assert practice["data"]["department_id"] == s.dept.id
    assert any(m["field"] == "photo" for m in body["missing"])
    assert body["simple_conditions"][0]["index"] == 0 and body["departments"][0]["name"] == "心内科"
    assert "submit_enrolment" in actions(body)


async def test_save_each_step_keeps_a_draft(client):
    s = await setup()
    for step, data in steps(s).items():
        r = await client.put(f"{API}/enrolment/{step}", headers=s.headers, json=data)
        assert r.status_code == 200, (step, r.text)
        assert [m["field"] for m in r.json()["missing"]] in ([], ["photo"]) and "actions" in r.json()
    a = await Assessment.get(id=s.assessment.id)
    assert set(a.enrolment) == {"basic", "practice", "experience", "self_assessment", "procedure"}
    assert a.enrolment["basic"]["ethnicity"] == "汉族" and a.status == S.INCLUDED
    body = (await client.get(f"{API}/enrolment", headers=s.headers)).json()
    assert [m["field"] for m in body["missing"]] == ["photo"]


async def test_save_partial_draft_is_allowed_and_reported_missing(client):
    s = await setup()
    r = await client.put(f"{API}/enrolment/basic", headers=s.headers, json={"ethnicity": "壮族"})
    assert r.status_code == 200, r.text
    missing = {m["field"] for m in r.json()["missing"]}
    assert {"education", "email", "photo"} <= missing and "gender" not in missing


async def test_save_step_validation_errors(client):
    s = await setup()
    before = await state(s.assessment.id)
    cases = [
        ("basic", {"gender": "未知"}, "invalid_input"),
        ("basic", {"email": "not-an-email"}, "invalid_input"),
        ("basic", {"birth_date": "2999-01-01"}, "invalid_input"),
        ("basic", {"nickname": "x"}, "invalid_input"),
        ("practice", {"employment": "兼职"}, "invalid_input"),
        ("experience", {"education": [{"school": "", "education": "本科"}]}, "invalid_input"),
        ("experience", {"education": [{"school": "某大学", "education": "本科", "start_date": "2010-01-01",
                                       "end_date": "2005-01-01"}]}, "invalid_input"),
        ("self_assessment", {"ethics": "很" * 1001}, "invalid_input"),
        ("procedure", {"procedure": "fast"}, "invalid_input"),
        ("procedure", {}, "invalid_input"),
        ("unknown", {}, "unknown_step"),
    ]
    for step, body, code in cases:
        r = await client.put(f"{API}/enrolment/{step}", headers=s.headers, json=body)
        assert r.status_code == 422, (step, body, r.text)
        assert r.json()["code"] == code, (step, body, r.json())
        assert any("\u4e00" <= ch <= "\u9fff" for ch in r.json()["message"]), r.json()
    assert await state(s.assessment.id) == before


async def test_save_step_refuses_foreign_department_condition_and_proof(client):
    s = await setup()
    other_dept = await Department.create(org=s.w.hospital2, name="外科")
    r = await client.put(f"{API}/enrolment/practice", headers=s.headers, json={"department_id": other_dept.id})
    assert r.status_code == 422 and r.json()["code"] == "invalid_department"
    r = await client.put(f"{API}/enrolment/procedure", headers=s.headers,
                         json={"procedure": "simple", "conditions": [7]})
    assert r.status_code == 422 and r.json()["code"] == "invalid_condition"
    # a proof uploaded by somebody else
    other = await setup_other_physician(client, s)
    r = await client.put(f"{API}/enrolment/procedure", headers=s.headers,
                         json={"procedure": "simple", "conditions": [0], "proof_ids": [other]})
    assert r.status_code == 422 and r.json()["code"] == "invalid_proof"
    assert (await Assessment.get(id=s.assessment.id)).enrolment == {}


async def setup_other_physician(client, s) -> str:
    p2 = await make_physician(s.w.hospital)
    a2 = await transitions.ensure_assessment(physician=p2, cycle=s.cycle)
    await move(a2, "include", s.w.hospital)
    r = await client.post(f"{API}/uploads", headers=auth(await physician_token(p2)),
                          files={"file": ("p.pdf", pdf(), "application/pdf")})
    assert r.status_code == 201, r.text
    return r.json()["data"][0]["id"]


async def test_read_only_fields_refused(client):
    s = await setup()
    before = await state(s.assessment.id)
    for step, body in (("basic", {"name": "改名"}), ("basic", {"id_number": "450103198001010011"}),
                       ("practice", {"practice_cert_no": "X1"}),
                       ("practice", {"qualification_cert_no": "Q1", "title": "无"})):
        r = await client.put(f"{API}/enrolment/{step}", headers=s.headers, json=body)
        assert r.status_code == 422 and r.json()["code"] == "read_only_field", (body, r.text)
    assert await state(s.assessment.id) == before


async def test_category_and_level_corrected_while_editable_and_audited(client):
    from server.models import AuditLog, Physician
    s = await setup()
    r = await client.put(f"{API}/enrolment/practice", headers=s.headers,
                         json={"category": "dental", "level": "assistant", "specialties": ["口腔正畸专业"]})
    assert r.status_code == 200, r.text
    assert r.json()["data"]["category"] == "dental" and r.json()["data"]["level"] == "assistant"
    p = await Physician.get(id=s.physician.id)
    assert p.category.value == "dental" and p.level.value == "assistant"  # the papers follow the physician
    log = await AuditLog.filter(action="physician.correct_practice", target_id=str(p.id)).get()
    assert log.before == {"category": "clinical", "level": "physician"}
    assert log.after == {"category": "dental", "level": "assistant"}
    practice = (await client.get(f"{API}/enrolment", headers=s.headers)).json()["steps"][1]
    assert practice["data"]["specialties"] == ["口腔正畸专业"] and practice["data"]["level"] == "assistant"
    # not editable any more (提交信息 done / 申请修改): refused, nothing changed
    a = await Assessment.get(id=s.assessment.id)
    a.status = S.ENROL_SUBMITTED
    await a.save(update_fields=["status"])
    r = await client.put(f"{API}/enrolment/practice", headers=s.headers, json={"level": "physician"})
    assert r.status_code == 409 and r.json()["code"] == "not_editable"
    r = await client.put(f"{API}/modification", headers=s.headers, json={"practice": {"level": "physician"}})
    assert r.status_code == 422 and r.json()["code"] == "read_only_field" and "医师级别仅可在报名阶段修改" in r.json()["message"]
    assert (await Physician.get(id=p.id)).level.value == "assistant"


async def test_category_level_and_specialties_are_checked_against_the_lists(client):
    s = await setup()
    before = await state(s.assessment.id)
    for body, words in (({"category": "surgery"}, "执业类别取值无效"), ({"level": "chief"}, "医师级别取值无效"),
                        ({"specialties": ["心脏外科手术专家"]}, "从事专业「心脏外科手术专家」不在临床类别的专业列表中"),
                        ({"category": "dental", "specialties": ["普通外科专业"]}, "不在口腔类别的专业列表中")):
        r = await client.put(f"{API}/enrolment/practice", headers=s.headers, json=body)
        assert r.status_code == 422 and words in r.json()["message"], (body, r.text)
    assert await state(s.assessment.id) == before
    from server.models import Physician
    assert (await Physician.get(id=s.physician.id)).category.value == "clinical"
    # a category corrected after the specialties were picked: 提交信息 asks to pick again
    r = await client.put(f"{API}/enrolment/practice", headers=s.headers, json={"specialties": ["普通外科专业"]})
    assert r.status_code == 200, r.text
    r = await client.put(f"{API}/enrolment/practice", headers=s.headers, json={"category": "tcm"})
    assert any("与执业类别不符" in m["label"] for m in r.json()["missing"]), r.text


async def test_report_2000_characters_ok_2001_refused(client):
    s = await setup()
    proof = (await upload_proof(client, s)).json()["data"][0]["id"]
    body = {"procedure": "simple", "conditions": [0], "proof_ids": [proof], "report": "述" * 2000}
    r = await client.put(f"{API}/enrolment/procedure", headers=s.headers, json=body)
    assert r.status_code == 200, r.text
    before = await state(s.assessment.id)
    r = await client.put(f"{API}/enrolment/procedure", headers=s.headers, json={**body, "report": "述" * 2001})
    assert r.status_code == 422 and "述职报告不能超过2000字" in r.json()["message"], r.text
    assert await state(s.assessment.id) == before


# --- photo and proofs ------------------------------------------------------------------------------
async def test_photo_jpeg_accepted_and_exif_dropped(client):
    s = await setup()
    original = jpeg(exif=True)
    assert b"SecretCamMaker" in original
    r = await upload_photo(client, s, original)
    assert r.status_code == 201, r.text
    a = await Assessment.get(id=s.assessment.id)
    assert str(a.photo_file_id) == r.json()["file_id"]
    stored = await StoredFile.get(id=a.photo_file_id)
    assert stored.purpose == "photo" and stored.owner_physician_id == s.physician.id
    data = await rt().storage.read(stored.key)
    assert b"SecretCamMaker" not in data and b"SecretArtist" not in data
    assert not dict(Image.open(io.BytesIO(data)).getexif())
    r = await client.get(f"{API}/enrolment/photo", headers=s.headers)
    assert r.status_code == 200 and r.content == data


async def test_photo_png_named_jpg_handled_by_content(client):
    s = await setup()
    r = await upload_photo(client, s, png(), name="photo.jpg")
    assert r.status_code == 201, r.text
    assert r.json()["content_type"] == "image/jpeg"


async def test_photo_bad_files_refused(client):
    s = await setup()
    before = await state(s.assessment.id)
    for data, code in ((b"just some text, not an image", "invalid_image"), (png_bomb(), "image_too_large"),
                       (jpeg(600, 400), "photo_not_portrait"), (jpeg(40, 56), "photo_too_small")):
        r = await upload_photo(client, s, data)
        assert r.status_code == 422 and r.json()["code"] == code, (code, r.text)
    assert await state(s.assessment.id) == before
    assert await StoredFile.filter(purpose="photo").count() == 0


async def test_proof_exe_renamed_jpg_refused_pdf_and_image_accepted(client):
    s = await setup()
    r = await upload_proof(client, s, b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200, name="proof.jpg")
    assert r.status_code == 422 and r.json()["code"] == "invalid_image"
    r = await client.post(f"{API}/uploads", headers=s.headers,
                          files=[("file", ("a.pdf", pdf(), "application/pdf")), ("file", ("b.png", png(), "image/png"))])
    assert r.status_code == 201, r.text
    rows = r.json()["data"]
    assert [x["content_type"] for x in rows] == ["application/pdf", "image/jpeg"]
    r = await client.get(f"{API}/uploads/{rows[0]['id']}", headers=s.headers)
    assert r.status_code == 200 and r.content == pdf()
    other = await make_physician(s.w.hospital)
    r = await client.get(f"{API}/uploads/{rows[0]['id']}", headers=auth(await physician_token(other)))
    assert r.status_code == 404
    r = await client.get(f"{API}/uploads/not-a-uuid", headers=s.headers)
    assert r.status_code == 404


async def test_proof_too_large_refused(client):
    s = await setup()
    big = b"%PDF-1.4\n" + b"0" * (rt().settings.MAX_UPLOAD_BYTES + 10) + b"\n%%EOF\n"
    r = await upload_proof(client, s, big)
    assert r.status_code == 413 and r.json()["code"] == "file_too_large"


async def test_photo_refused_after_submit(client):
    s = await setup()
    await fill_enrolment(client, s)
    assert (await client.post(f"{API}/enrolment/submit", headers=s.headers)).status_code == 200
    before = await state(s.assessment.id)
    r = await upload_photo(client, s)
    assert r.status_code == 409 and r.json()["code"] == "not_editable"
    r = await client.put(f"{API}/enrolment/basic", headers=s.headers, json={"ethnicity": "壮族"})
    assert r.status_code == 409 and r.json()["code"] == "not_editable"
    assert await state(s.assessment.id) == before


# --- 提交信息 ----------------------------------------------------------------------------------------
async def test_submit_incomplete_refused_with_missing_fields(client):
    s = await setup()
    await fill_enrolment(client, s, photo=False)
    before = await state(s.assessment.id)
    r = await client.post(f"{API}/enrolment/submit", headers=s.headers)
    assert r.status_code == 422 and r.json()["code"] == "enrolment_incomplete"
    assert [d["field"] for d in r.json()["details"]] == ["photo"]
    assert await state(s.assessment.id) == before


async def test_submit_incomplete_simple_lists_every_missing_field(client):
    s = await setup()
    await client.put(f"{API}/enrolment/procedure", headers=s.headers, json={"procedure": "simple"})
    r = await client.post(f"{API}/enrolment/submit", headers=s.headers)
    assert r.status_code == 422
    fields = {(d["step"], d["field"]) for d in r.json()["details"]}
    assert {("procedure", "conditions"), ("procedure", "proof_ids"), ("procedure", "report"),
            ("self_assessment", "professional_level"), ("basic", "photo"), ("experience", "education")} <= fields
    assert "选择考核程序" in r.json()["message"]


async def test_submit_complete_moves_to_review(client):
    s = await setup()
    await fill_enrolment(client, s, simple=True)
    r = await client.post(f"{API}/enrolment/submit", headers=s.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"]["value"] == "enrol_submitted" and body["procedure"]["label"] == "简易程序"
    assert "submit_enrolment" not in actions(body)
    a = await Assessment.get(id=s.assessment.id)
    assert a.status == S.ENROL_SUBMITTED and a.procedure == Procedure.SIMPLE and len(a.submitted_hash) == 64
    assert a.enrolment["basic"]["gender"] == "女"
    assert await AssessmentEvent.filter(assessment_id=a.id, action="submit_enrolment").count() == 1


async def test_submit_outside_enrol_window_refused(client):
    s = await setup()
    await fill_enrolment(client, s)
    now = transitions.utcnow()
    await Cycle.filter(id=s.cycle.id).update(enrol_start=now - 3 * DAY, enrol_end=now - DAY)
    before = await state(s.assessment.id)
    r = await client.post(f"{API}/enrolment/submit", headers=s.headers)
    assert r.status_code == 409 and r.json()["code"] == "window_closed", r.text
    assert await state(s.assessment.id) == before
    body = (await client.get(f"{API}/home", headers=s.headers)).json()
    assert "submit_enrolment" not in actions(body) and "不在报名时间内" in body["hint"]


async def test_double_submit_second_refused(client):
    s = await setup()
    await fill_enrolment(client, s)
    assert (await client.post(f"{API}/enrolment/submit", headers=s.headers)).status_code == 200
    before = await state(s.assessment.id)
    r = await client.post(f"{API}/enrolment/submit", headers=s.headers)
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"
    assert await state(s.assessment.id) == before


async def test_resubmit_after_rejection_needs_a_change(client):
    s = await setup()
    await fill_enrolment(client, s)
    assert (await client.post(f"{API}/enrolment/submit", headers=s.headers)).status_code == 200
    await move(s.assessment, "hi_reject_enrolment", s.w.hospital, reason="请补充执业经历")
    before = await state(s.assessment.id)
    r = await client.post(f"{API}/enrolment/submit", headers=s.headers)
    assert r.status_code == 422 and r.json()["code"] == "no_changes"
    assert await state(s.assessment.id) == before
    r = await client.put(f"{API}/enrolment/experience", headers=s.headers, json={
        **steps(s)["experience"], "practice_history": [{"institution": "南宁市第一人民医院", "start_date": "2008-08-01"}]})
    assert r.status_code == 200, r.text
    r = await client.post(f"{API}/enrolment/submit", headers=s.headers)
    assert r.status_code == 200 and r.json()["status"]["value"] == "enrol_submitted"


async def test_submit_by_other_physician_does_not_touch_this_one(client):
    s = await setup()
    await fill_enrolment(client, s)
    before = await state(s.assessment.id)
    other = await make_physician(s.w.hospital)
    r = await client.post(f"{API}/enrolment/submit", headers=auth(await physician_token(other)))
    assert r.status_code == 409 and r.json()["code"] == "enrolment_not_open"
    assert await state(s.assessment.id) == before


# --- 重新选择考核程序 ----------------------------------------------------------------------------------
async def test_resubmit_procedure_after_rejection(client):
    s = await setup()
    a = await enrolled(client, s, simple=True)
    r = await client.post(f"{API}/procedure/resubmit", headers=s.headers, json={"procedure": "general"})
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"
    await move(a, "hi_reject_procedure", s.w.hospital, reason="不符合简易程序条件")
    body = (await client.get(f"{API}/home", headers=s.headers)).json()
    assert body["last_reason"] == "不符合简易程序条件" and "resubmit_procedure" in actions(body)
    before = await state(a.id)
    r = await client.post(f"{API}/procedure/resubmit", headers=s.headers,
                          json={"procedure": "simple", "conditions": [0], "report": "x"})
    assert r.status_code == 422 and r.json()["code"] == "procedure_incomplete"
    assert await state(a.id) == before
    r = await client.post(f"{API}/procedure/resubmit", headers=s.headers, json={"procedure": "general"})
    assert r.status_code == 200, r.text
    fresh = await Assessment.get(id=a.id)
    assert fresh.status == S.ENROLLED and fresh.procedure == Procedure.GENERAL
    assert fresh.enrolment["procedure"] == {"procedure": "general"}


# --- 考核进度 --------------------------------------------------------------------------------------
async def test_record_shows_results_after_review_and_history_without_people(client):
    s = await setup()
    a = await enrolled(client, s)
    r = await client.get(f"{API}/assessment", headers=s.headers)
    body = r.json()
    assert body["evaluation"] is None and body["status"]["label"] == "待卫生机构评定"

    async def evaluate(x, conn):
        x.work_result, x.ethics_result, x.evaluation_opinion = ItemResult.PASS, ItemResult.PASS, "表现良好"

    await move(a, "hi_submit_evaluation", s.w.hospital, apply=evaluate)
    assert (await client.get(f"{API}/assessment", headers=s.headers)).json()["evaluation"] is None

    async def review(x, conn):
        x.review = {"decision": "agree", "opinion": "同意", "org_id": s.w.hospital.id, "reviewer_account_id": 42,
                    "reviewer_name": "张三"}
        return S.AWAITING_EXAM

    await move(a, "ai_submit_review", s.w.hospital, Role.ASSESSMENT_INSTITUTION, apply=review)
    body = (await client.get(f"{API}/assessment", headers=s.headers)).json()
    ev = body["evaluation"]
    assert ev["work_result"]["label"] == "合格" and ev["ethics_result"]["label"] == "合格"
    assert ev["opinion"] == "表现良好"
    assert ev["review"] == {"decision": "agree", "opinion": "同意", "organisation": s.w.hospital.name}
    assert "人文医学" in body["hint"]
    labels = [(h["action"], h["actor"], h["organisation"]) for h in body["history"]]
    assert labels[0] == ("include", "卫生机构", s.w.hospital.name)
    assert ("submit_enrolment", "本人", "") in labels
    assert ("ai_submit_review", "考核机构", s.w.hospital.name) in labels
    text = r.text + str(body)
    assert "张三" not in text and "actor_id" not in text and "reviewer" not in text


# --- 保存 is a partial update (issue #11) ------------------------------------------------------------
async def test_saving_two_halves_of_a_step_keeps_both(client):
    s = await setup()
    r = await client.put(f"{API}/enrolment/basic", headers=s.headers, json={"gender": "女", "ethnicity": "壮族"})
    assert r.status_code == 200, r.text
    r = await client.put(f"{API}/enrolment/basic", headers=s.headers,
                         json={"education": "硕士研究生", "email": "doctor@example.com"})
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert (data["gender"], data["ethnicity"], data["education"], data["email"]) == (
        "女", "壮族", "硕士研究生", "doctor@example.com")
    body = (await client.get(f"{API}/enrolment", headers=s.headers)).json()
    basic = next(step for step in body["steps"] if step["step"] == "basic")["data"] if "steps" in body else None
    stored = (await Assessment.get(id=s.assessment.id)).enrolment["basic"]
    assert stored["ethnicity"] == "壮族" and stored["email"] == "doctor@example.com"
    if basic is not None:
        assert basic["ethnicity"] == "壮族" and basic["education"] == "硕士研究生"
    # a value sent again replaces only itself; an explicit null clears it
    r = await client.put(f"{API}/enrolment/basic", headers=s.headers, json={"email": None})
    assert r.status_code == 200 and r.json()["data"]["ethnicity"] == "壮族"
    assert (await Assessment.get(id=s.assessment.id)).enrolment["basic"].get("email") is None


async def test_choosing_another_procedure_drops_the_old_ones_fields(client):
    s = await setup()
    r = await client.put(f"{API}/enrolment/procedure", headers=s.headers,
                         json={"procedure": "simple", "conditions": [0], "report": "述职报告"})
    assert r.status_code == 200, r.text
    r = await client.put(f"{API}/enrolment/procedure", headers=s.headers, json={"report": "修改后的述职报告"})
    assert (await Assessment.get(id=s.assessment.id)).enrolment["procedure"]["conditions"] == [0]
    r = await client.put(f"{API}/enrolment/procedure", headers=s.headers, json={"procedure": "general"})
    assert r.status_code == 200, r.text
    stored = (await Assessment.get(id=s.assessment.id)).enrolment["procedure"]
    assert stored == {"procedure": "general"}


# --- clear words (issue #11) ------------------------------------------------------------------------
async def test_first_login_refusal_names_what_is_missing(client):
    s = await setup()
    from server.models import Physician as P
    from tests.factories import physician_token as token_of

    await P.filter(id=s.physician.id).update(phone_verified=False)
    for must_change, needs_phone, words, missing in (
            (True, True, "修改密码、绑定手机", ["change_password", "bind_phone"]),
            (False, True, "绑定手机", ["bind_phone"])):
        token = await token_of(s.physician, setup_done=False)
        from server.services.accounts import sessions

        data = await sessions.load_session(token)
        data.update(must_change_password=must_change, needs_phone=needs_phone)
        await sessions.end_all_sessions(sessions.physician_subject(s.physician.id))
        token = await sessions.create_session(sessions.physician_subject(s.physician.id), data)
        r = await client.get(f"{API}/home", headers=auth(token))
        assert r.status_code == 403 and r.json()["code"] == "setup_required"
        assert words in r.json()["message"] and r.json()["details"]["missing"] == missing


async def test_uploads_that_are_not_images_name_the_accepted_types(client):
    s = await setup()
    r = await upload_photo(client, s, b"just some text, not an image", "photo.jpg")
    assert r.status_code == 422 and "仅支持 JPG、PNG 格式的图片" in r.json()["message"]
    r = await upload_proof(client, s, b"MZ\x90\x00 not a proof", "proof.jpg")
    assert r.status_code == 422 and r.json()["message"] == "仅支持 JPG、PNG 格式的图片或 PDF 文件"


async def test_self_assessment_includes_the_practice_conduct_record(client):
    """The 自评 includes 执业行为记录 (the seeds: 完成执业行为记录、工作成绩、职业道德自评): required at 提交信息."""
    s = await setup()
    await fill_enrolment(client, s)
    r = await client.put(f"{API}/enrolment/self_assessment", headers=s.headers, json={"practice_conduct": None})
    assert r.status_code == 200 and r.json()["complete"] is False
    r = await client.post(f"{API}/enrolment/submit", headers=s.headers)
    assert r.status_code == 422 and r.json()["code"] == "enrolment_incomplete"
    assert "工作成绩、职业道德自评" in r.json()["message"]
    assert any(d.get("field") == "practice_conduct" for d in r.json()["details"])
    r = await client.put(f"{API}/enrolment/self_assessment", headers=s.headers,
                         json={"practice_conduct": "本周期无不良执业行为记录。"})
    assert r.status_code == 200
    assert (await client.post(f"{API}/enrolment/submit", headers=s.headers)).status_code == 200


async def test_validation_messages_name_fields_in_chinese(client):
    """A refused step names the field in Chinese, never an English identifier (issue #11)."""
    import re

    s = await setup()
    cases = [("basic", {"ethnicity": "火星族"}), ("basic", {"email": "not-an-email"}), ("basic", {"gender": "X"}),
             ("basic", {"unknown_field": 1}), ("practice", {"title_date": "not-a-date"}),
             ("self_assessment", {"ethics": "很" * 1001}), ("procedure", {"procedure": "fast"})]
    for step, body in cases:
        r = await client.put(f"{API}/enrolment/{step}", headers=s.headers, json=body)
        assert r.status_code == 422, (step, body, r.text)
        message = r.json()["message"]
        assert not re.search(r"[A-Za-z_]{3,}", message), (step, body, message)
    r = await client.put(f"{API}/enrolment/basic", headers=s.headers, json={"ethnicity": "维吾尔族"})
    assert r.status_code == 200
