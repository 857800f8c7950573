"""监考管理 and 违纪处理记录 (SPEC §6; seed manuals: administration 2.2.8, health institution 2.2.9,
assessment institution 2.2.7): scoped lists with the lowest similarity, photos only for reviewers in
scope, 标记疑似作弊 / 撤销 / 处理, and the history."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from server.errors import Forbidden
from server.models import Assessment, AuditLog, FaceCheck, OutboxMessage, ProctoringEvent, ProctoringMark
from server.models import AssessmentStatus as S
from server.services.access import Role
from server.services.proctoring import cases
from tests.factories import account_of, auth, physician_token
from tests.integration.proctoring_support import P, add_checks, scene
from tests.integration.results_support import act, messages
from tests.integration.review_support import staff


@pytest.fixture
async def sc(client):
    return await scene(client)


# --- lists: scope, lowest similarity, filters ---------------------------------------------------------


async def test_list_shows_each_reviewer_only_its_scope(sc):
    a = sc.a
    expected = {
        "hi": {a["in_hi2"].id, a["in_hi2_b"].id},
        "ai": {a["in_hi2"].id, a["in_hi2_b"].id},  # w.hospital assesses hospital2 (and itself)
        "hi3": {a["xn"].id},
        "qx": {a["in_hi2"].id, a["in_hi2_b"].id},
        "nn": {a["in_hi2"].id, a["in_hi2_b"].id, a["xn"].id},
        "lz": {a["lz"].id},
        "gx": {a["in_hi2"].id, a["in_hi2_b"].id, a["xn"].id, a["lz"].id},
        "gz": {a["gz"].id},
    }
    for who, ids in expected.items():
        assert set(await sc.ids(who)) == ids, who
    assert a["idle"].id not in await sc.ids("gx")  # no exam attempt: not an examinee
    r = await sc.get("industry", "")
    assert r.status_code == 403 and r.json()["code"] == "wrong_role"


async def test_list_rows_carry_lowest_similarity_worst_decision_and_masked_id(sc):
    r = await sc.get("hi", "")
    body = r.json()
    assert body["count"] == 2
    rows = {row["id"]: row for row in body["data"]}
    row = rows[sc.a["in_hi2"].id]
    assert row["lowest_similarity"] == pytest.approx(0.55)
    assert row["checks"] == 4 and row["flagged_checks"] == 2  # review + no_face
    assert row["worst_decision"] == {"value": "review", "label": "待人工复核"}
    assert row["papers"] == [{"paper_type": {"value": "humanities", "label": row["papers"][0]["paper_type"]["label"]},
                              "purpose": row["papers"][0]["purpose"], "attempts": 1}]
    assert row["physician"]["name"] == sc.drivers["in_hi2"].p.name
    assert "*" in row["physician"]["id_number"] and row["physician"]["id_number"] != sc.drivers["in_hi2"].p.id_number
    assert row["suspected"] is False and row["violation"] is False
    assert row["actions"] == {"mark": True, "unmark": False, "process": False}  # HI: no 撤销 / 处理
    assert rows[sc.a["in_hi2_b"].id]["worst_decision"]["value"] == "low_similarity"
    gx = {row["id"]: row for row in (await sc.get("gx", "", size=100)).json()["data"]}
    assert gx[sc.a["in_hi2"].id]["actions"] == {"mark": True, "unmark": False, "process": True}
    assert gx[sc.a["lz"].id]["worst_decision"] == {"value": "covered", "label": "摄像头被遮挡"}


async def test_checks_recorded_for_review_count_as_flagged(sc):
    """A mid check that failed its retries is let through but recorded for review (face_gate)."""
    first = await FaceCheck.filter(attempt__assessment_id=sc.a["in_hi2"].id, decision="passed").first()
    await FaceCheck.filter(id=first.id).update(needs_review=True)  # FIXTURE
    row = next(x for x in (await sc.get("hi", "")).json()["data"] if x["id"] == sc.a["in_hi2"].id)
    assert row["flagged_checks"] == 3
    detail = (await sc.get("hi", f"/{sc.a['in_hi2'].id}")).json()
    assert [c["needs_review"] for c in detail["face_checks"]] == [True, False, False, False]


async def test_list_is_sorted_by_lowest_similarity_examinees_without_one_last(sc):
    await add_checks(sc.a["idle"], [(None, "no_face", False)])  # now an examinee, but no similarity
    assert await sc.ids("gx") == [sc.a["in_hi2_b"].id, sc.a["in_hi2"].id, sc.a["lz"].id, sc.a["xn"].id,
                                  sc.a["idle"].id]  # 0.30, 0.55, 0.77, 0.81, none
    assert await sc.ids("gx", sort="-similarity") == [sc.a["xn"].id, sc.a["lz"].id, sc.a["in_hi2"].id,
                                                      sc.a["in_hi2_b"].id, sc.a["idle"].id]
    r = await sc.get("gx", "", page=2, size=2)
    assert r.json()["count"] == 5 and [x["id"] for x in r.json()["data"]] == [sc.a["lz"].id, sc.a["xn"].id]


async def test_filter_by_lowest_similarity(sc):
    assert set(await sc.ids("gx", max_similarity="0.6")) == {sc.a["in_hi2"].id, sc.a["in_hi2_b"].id}
    assert await sc.ids("gx", max_similarity="0.5") == [sc.a["in_hi2_b"].id]
    assert await sc.ids("gx", max_similarity="0.3") == [sc.a["in_hi2_b"].id]  # ≤, not <
    assert await sc.ids("gx", max_similarity="0.29") == []
    assert set(await sc.ids("gx", max_similarity="1")) == set(await sc.ids("gx")) - {sc.a["idle"].id}
    for bad in ("1.5", "-0.1", "abc"):
        r = await sc.get("gx", "", max_similarity=bad)
        assert r.status_code == 422 and r.json()["code"] == "invalid_query", bad


async def test_filter_by_decision_suspected_institution_and_name(sc):
    assert await sc.ids("gx", decision="multiple_faces") == [sc.a["xn"].id]
    assert await sc.ids("gx", decision="camera_covered") == [sc.a["lz"].id]  # the placeholder's "covered"
    assert set(await sc.ids("gx", decision="review,low_similarity")) == {sc.a["in_hi2"].id, sc.a["in_hi2_b"].id}
    assert (await sc.get("gx", "", decision="nonsense")).status_code == 422
    assert await sc.ids("gx", institution_id=sc.w.lz_hospital.id) == [sc.a["lz"].id]
    assert await sc.ids("gx", name=sc.drivers["xn"].p.name) == [sc.a["xn"].id]
    assert await sc.ids("gx", id_number=sc.drivers["lz"].p.id_number) == [sc.a["lz"].id]
    assert (await sc.post("hi", f"/{sc.a['in_hi2'].id}/mark")).status_code == 200
    assert await sc.ids("gx", suspected="true") == [sc.a["in_hi2"].id]
    assert sc.a["in_hi2"].id not in await sc.ids("gx", suspected="false")
    assert await sc.ids("hi", institution_id=sc.w.lz_hospital.id) == []  # an outside filter finds nothing


# --- photos ---------------------------------------------------------------------------------------------


async def test_photos_are_served_only_to_reviewers_in_scope(sc, client):
    r = await sc.get("hi", f"/{sc.a['in_hi2'].id}")
    assert r.status_code == 200, r.text
    detail = r.json()
    checks = detail["face_checks"]
    assert [c["similarity"] for c in checks] == [0.92, 0.55, None, 0.71]
    assert checks[2]["decision"]["value"] == "no_face" and checks[2]["reason"] == "no_face原因"
    assert checks[0]["moment"]["value"] == "snapshot" and checks[0]["at"] and checks[0]["faces"] == 1
    url = checks[0]["image"]
    assert url.startswith(f"{P}/checks/") and "storage" not in url
    for who in ("hi", "ai", "qx", "nn", "gx"):
        img = await client.get(url, headers=auth(await sc.token(who)))
        assert img.status_code == 200 and img.headers["content-type"] == "image/jpeg", who
        assert "no-store" in img.headers["cache-control"]
        Image.open(io.BytesIO(img.content)).verify()
    for who in ("lz", "gz", "hi3"):
        img = await client.get(url, headers=auth(await sc.token(who)))
        assert img.status_code == 403 and img.json()["code"] == "out_of_jurisdiction", who
        assert (await sc.get(who, f"/{sc.a['in_hi2'].id}")).status_code == 403
    assert (await client.get(url, headers=auth(await sc.token("industry")))).status_code == 403
    assert (await client.get(url)).status_code == 401
    physician = await physician_token(sc.drivers["in_hi2"].p)  # the examinee's own session: not a reviewer
    assert (await client.get(url, headers=auth(physician))).status_code in (401, 403)
    assert (await sc.get("gx", "/checks/999999/image")).status_code == 404
    assert (await sc.get("gx", "/999999")).status_code == 404
    gz_check = await FaceCheck.filter(physician_id=sc.drivers["gz"].p.id).first()
    r = await sc.get("gx", f"/checks/{gz_check.id}/image")
    assert r.status_code == 403 and sc.drivers["gz"].p.name not in r.text


async def test_reference_photo_is_the_standard_photo_for_reviewers_in_scope(sc):
    r = await sc.get("hi", f"/{sc.a['in_hi2'].id}")
    assert r.json()["reference_photo"] == f"{P}/{sc.a['in_hi2'].id}/photo"
    img = await sc.get("qx", f"/{sc.a['in_hi2'].id}/photo")
    assert img.status_code == 200 and img.headers["content-type"] == "image/jpeg"
    assert (await sc.get("lz", f"/{sc.a['in_hi2'].id}/photo")).status_code == 403


async def test_a_real_sitting_appears_with_its_checks_and_images(sc, client):
    d = sc.drivers["idle"]
    assert sc.a["idle"].id not in await sc.ids("hi")
    await d.sit("humanities", 80)  # start, mid (asked for at 交卷) and submit checks through the mini-program
    assert sc.a["idle"].id in await sc.ids("hi")
    detail = (await sc.get("hi", f"/{sc.a['idle'].id}")).json()
    assert [c["moment"]["value"] for c in detail["face_checks"]] == ["start", "mid", "submit"]
    assert detail["checks"] == 3 and detail["papers"][0]["paper_type"]["value"] == "humanities"
    img = await client.get(detail["face_checks"][0]["image"], headers=auth(await sc.token("ai")))
    assert img.status_code == 200 and img.content[:2] == b"\xff\xd8"
    assert (await client.get(detail["face_checks"][0]["image"], headers=auth(await sc.token("lz")))).status_code == 403


# --- 标记疑似作弊 / 撤销 ------------------------------------------------------------------------------------


async def test_mark_by_each_reviewer_in_scope_and_idempotent(sc):
    for who, key in (("hi", "in_hi2"), ("ai", "in_hi2_b"), ("lz", "lz")):
        r = await sc.post(who, f"/{sc.a[key].id}/mark", {"note": "第3张照片疑似他人"})
        assert r.status_code == 200, (who, r.text)
        assert r.json()["suspected"] is True and r.json()["changed"] is True
        assert r.json()["marked"]["org"]["id"] and r.json()["marked"]["at"]
    again = await sc.post("qx", f"/{sc.a['in_hi2'].id}/mark")
    assert again.status_code == 200 and again.json()["changed"] is False
    assert again.json()["marked"]["role"]["value"] == "health_institution"  # the first mark stands
    assert await ProctoringEvent.filter(assessment_id=sc.a["in_hi2"].id).count() == 1
    assert await AuditLog.filter(action="proctoring.mark").count() == 3
    row = next(x for x in (await sc.get("hi", "")).json()["data"] if x["id"] == sc.a["in_hi2"].id)
    assert row["suspected"] and row["mark"]["marked"]["org"]["name"] == sc.w.hospital2.name
    assert row["actions"]["mark"] is False
    # an institution's mark alerts the administration (公众号模板消息 监考预警)
    alerts = await OutboxMessage.filter(template="proctoring_alert").values_list("recipient_id", flat=True)
    county = await account_of(sc.w.qx_admin)
    assert list(alerts) == [county.id, county.id]  # HI's and AI's marks in 青秀区; none for 柳州's own


async def test_mark_outside_scope_or_without_exam_is_refused(sc):
    r = await sc.post("ai", f"/{sc.a['xn'].id}/mark")  # 兴宁: not assigned to this assessment institution
    assert r.status_code == 403 and r.json()["code"] == "out_of_jurisdiction"
    assert (await sc.post("hi", f"/{sc.a['lz'].id}/mark")).status_code == 403
    assert (await sc.post("lz", f"/{sc.a['in_hi2'].id}/mark")).status_code == 403
    assert (await sc.post("gx", f"/{sc.a['gz'].id}/mark")).status_code == 403
    assert (await sc.post("industry", f"/{sc.a['in_hi2'].id}/mark")).status_code == 403
    assert (await sc.post("gx", "/999999/mark")).status_code == 404
    r = await sc.post("hi", f"/{sc.a['idle'].id}/mark")
    assert r.status_code == 409 and r.json()["code"] == "not_examinee"
    assert (await sc.post("hi", f"/{sc.a['in_hi2'].id}/mark", {"note": "x" * 300})).status_code == 422
    assert await ProctoringMark.filter(suspected=True).count() == 0


async def test_unmark_only_by_administrations_within_jurisdiction(sc):
    a = sc.a["in_hi2"]
    assert (await sc.post("hi", f"/{a.id}/mark")).status_code == 200
    for who in ("hi", "ai"):
        r = await sc.post(who, f"/{a.id}/unmark")
        assert r.status_code == 403 and r.json()["code"] == "wrong_role", who
    for who in ("lz", "gz"):
        r = await sc.post(who, f"/{a.id}/unmark")
        assert r.status_code == 403 and r.json()["code"] == "out_of_jurisdiction", who
    assert (await ProctoringMark.get(assessment_id=a.id)).suspected
    r = await sc.post("qx", f"/{a.id}/unmark", {"reason": "核实为本人"})  # the county of the institution
    assert r.status_code == 200 and r.json()["suspected"] is False and r.json()["changed"] is True
    assert r.json()["unmarked"]["org"]["id"] == sc.w.qx_admin.id
    again = await sc.post("qx", f"/{a.id}/unmark")
    assert again.status_code == 200 and again.json()["changed"] is False


async def test_unmark_service_refuses_institutions_even_behind_the_guard(sc):
    """The route guard allows administrations only; the service refuses the others by itself too."""
    assert (await sc.post("hi", f"/{sc.a['in_hi2'].id}/mark")).status_code == 200
    for actor in (await staff(sc.w.hospital2), await staff(sc.w.hospital, Role.ASSESSMENT_INSTITUTION)):
        with pytest.raises(Forbidden) as exc:
            await cases.unmark(actor=actor, assessment_id=sc.a["in_hi2"].id)
        assert exc.value.code == "wrong_role"
    assert (await ProctoringMark.get(assessment_id=sc.a["in_hi2"].id)).suspected


async def test_the_province_unmarks_across_the_province(sc):
    for key in ("lz", "xn", "in_hi2"):
        assert (await sc.post("gx", f"/{sc.a[key].id}/mark")).status_code == 200
    r = await sc.post("nn", f"/{sc.a['lz'].id}/unmark")  # 南宁 cannot reach 柳州
    assert r.status_code == 403 and r.json()["code"] == "out_of_jurisdiction"
    assert (await sc.post("nn", f"/{sc.a['xn'].id}/unmark")).status_code == 200  # a city: its counties
    for key in ("lz", "in_hi2"):
        r = await sc.post("gx", f"/{sc.a[key].id}/unmark")
        assert r.status_code == 200 and r.json()["changed"] is True, key
    assert await ProctoringMark.filter(suspected=True).count() == 0


# --- 处理 → 违纪不合格, 违纪处理记录, history -----------------------------------------------------------------


async def test_process_makes_the_result_a_violation_listed_and_without_reexam(sc, client):
    a = sc.a["in_hi2"]
    r = await sc.post("qx", f"/{a.id}/process")
    assert r.status_code == 422 and r.json()["code"] == "reason_required"
    r = await sc.post("qx", f"/{a.id}/process", {"reason": "抓拍照片显示他人代考"})
    assert r.status_code == 200, r.text
    assert r.json()["to_status"] == "failed" and r.json()["violation"] is True
    fresh = await Assessment.get(id=a.id)
    assert fresh.status == S.FAILED and fresh.violation and fresh.fail_reason == "violation"
    assert fresh.concluded_at is not None
    inbox = await messages(sc.drivers["in_hi2"].p.id, "admin_mark_violation")
    assert len(inbox) == 1 and "违纪不合格" in inbox[0].body and "他人代考" in inbox[0].body
    for who in ("qx", "hi", "ai", "gx"):
        v = (await sc.get(who, "/violations")).json()
        assert [x["id"] for x in v["data"]] == [a.id], who
        assert v["data"][0]["processed"]["reason"] == "抓拍照片显示他人代考"
        assert v["data"][0]["processed"]["org"]["name"] == sc.w.qx_admin.name
        assert v["data"][0]["processed"]["at"] and v["data"][0]["photos"] == f"{P}/{a.id}"
    for who in ("lz", "gz", "hi3"):
        assert (await sc.get(who, "/violations")).json()["data"] == [], who
    assert await sc.ids("gx", violation="true") == [a.id]
    # 再次考核: a violation never goes on the list
    r = await act(client, await sc.token("gx"), a.id, "admin_confirm_reexam")
    assert r.status_code == 409 and "违纪" in r.json()["message"]
    again = await sc.post("gx", f"/{a.id}/process", {"reason": "重复处理"})
    assert again.status_code == 409 and again.json()["code"] == "guard_failed"


async def test_process_is_refused_to_institutions_and_outside_administrations(sc):
    a = sc.a["in_hi2"]
    for who in ("hi", "ai"):
        r = await sc.post(who, f"/{a.id}/process", {"reason": "作弊"})
        assert r.status_code == 403 and r.json()["code"] == "wrong_role", who
    for who in ("lz", "gz"):
        r = await sc.post(who, f"/{a.id}/process", {"reason": "作弊"})
        assert r.status_code == 403 and r.json()["code"] == "out_of_jurisdiction", who
    assert not (await Assessment.get(id=a.id)).violation
    assert await ProctoringEvent.filter(action="process").count() == 0


async def test_history_records_every_mark_unmark_and_process_with_who_and_when(sc):
    a = sc.a["in_hi2"]
    assert (await sc.post("hi", f"/{a.id}/mark", {"note": "疑似"})).status_code == 200
    assert (await sc.post("qx", f"/{a.id}/unmark", {"reason": "误标"})).status_code == 200
    assert (await sc.post("ai", f"/{a.id}/mark")).status_code == 200
    assert (await sc.post("gx", f"/{a.id}/process", {"reason": "多人沟通作答"})).status_code == 200
    history = (await sc.get("hi", f"/{a.id}")).json()["history"]
    assert [h["action"]["value"] for h in history] == ["mark", "unmark", "mark", "process"]
    assert [h["org"]["id"] for h in history] == [sc.w.hospital2.id, sc.w.qx_admin.id, sc.w.hospital.id,
                                                 sc.w.gx_admin.id]
    assert [h["role"]["value"] for h in history] == ["health_institution", "administration",
                                                     "assessment_institution", "administration"]
    assert [h["reason"] for h in history] == ["疑似", "误标", "", "多人沟通作答"]
    assert all(h["created_at"] and h["actor_id"] for h in history)
    audit = set(await AuditLog.filter(target_id=str(a.id)).values_list("action", flat=True))
    assert {"proctoring.mark", "proctoring.unmark", "assessment.admin_mark_violation"} <= audit
