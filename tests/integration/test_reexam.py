"""再次考核 (SPEC §4 stage 7; seed: administration manual 2.2.9 再次考核管理; Guangxi 复考与补考安排):
the province confirms the re-exam list (确认 / 批量确认 / 一键确认) recording the suspension and
notifying; the physicians sit the re-exam; administrations judge it (确认 / 批量确认)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from server.models import Assessment, AssessmentEvent, Cycle, OutboxMessage
from server.models import AssessmentStatus as S
from server.services.results import outcome
from server.services.results.reexam import today
from tests.factories import auth, token_for, wait_for_job
from tests.integration.results_support import (
    act,
    act_batch,
    exam_world,
    messages,
    new_driver,
    outside_driver,
)
from tests.integration.review_support import API

CANDIDATES = f"{API}/reexam/candidates"
RESULTS = f"{API}/reexam/results"


async def test_reexam_list_is_confirmed_by_the_province_only(client):
    w, cycle = await exam_world()
    d = await new_driver(client, w, cycle)
    a = await d.judged(professional=40)
    assert a.status == S.FAILED
    city = await token_for(w.nn_admin)
    r = await client.get(CANDIDATES, headers=auth(city))  # 其他卫生行政机构可以查询名单
    assert r.status_code == 200, r.text
    [row] = r.json()["data"]
    assert row["id"] == a.id and row["fail_reason"] == "exam" and "*" in row["physician"]["id_number"]
    assert all(x["action"] != "admin_confirm_reexam" for x in row["actions"])
    r = await act(client, city, a.id, "admin_confirm_reexam")
    assert r.status_code == 409 and r.json()["code"] == "guard_failed", r.text
    assert "省级" in r.json()["message"]
    r = await client.post(f"{API}/reexam/confirm", headers=auth(city), json={"ids": [a.id]})
    assert r.status_code == 403 and r.json()["code"] == "province_only"
    for token in (await token_for(w.hospital2), await token_for(w.gz_admin)):
        r = await act(client, token, a.id, "admin_confirm_reexam")
        assert r.status_code == 403
    assert (await Assessment.get(id=a.id)).status == S.FAILED

    province = await token_for(w.gx_admin)
    r = await client.get(CANDIDATES, headers=auth(province))
    assert any(x["action"] == "admin_confirm_reexam" for x in r.json()["data"][0]["actions"])
    r = await act(client, province, a.id, "admin_confirm_reexam",
                  {"suspension_months": 4, "suspended_from": "2026-12-01"})
    assert r.status_code == 200 and r.json()["to_status"] == "reexam_listed", r.text
    a = await Assessment.get(id=a.id)
    assert a.suspension_months == 4 and a.suspended_from == date(2026, 12, 1)
    [msg] = await messages(d.p.id, "admin_confirm_reexam")
    assert msg.title == "再次考核通知" and "4个月" in msg.body and "2026-12-01" in msg.body
    assert await OutboxMessage.filter(recipient_type="physician", recipient_id=d.p.id,
                                      template="admin_confirm_reexam").count() == 2  # subscribe + SMS
    # 复考名单确认 to the physician's nearest administration (青秀区), not to the province itself
    staff = await OutboxMessage.filter(channel="wechat_template", template="reexam_list")
    assert [m.payload["count"] for m in staff] == [1]
    from server.models import StaffAccount

    assert staff[0].recipient_id == (await StaffAccount.get(org_id=w.qx_admin.id)).id


async def test_suspension_defaults_and_bounds(client):
    w, cycle = await exam_world()
    a = await (await new_driver(client, w, cycle)).judged(professional=40)
    province = await token_for(w.gx_admin)
    for months in (2, 7):
        r = await act(client, province, a.id, "admin_confirm_reexam", {"suspension_months": months})
        assert r.status_code == 422 and r.json()["code"] == "invalid_input", r.text
    r = await client.post(f"{API}/reexam/confirm", headers=auth(province), json={"ids": [a.id],
                                                                                 "suspension_months": 9})
    assert r.status_code == 422
    r = await client.post(f"{API}/reexam/confirm", headers=auth(province), json={"ids": [a.id]})
    assert r.status_code == 200 and r.json()["done"] == [a.id], r.text
    a = await Assessment.get(id=a.id)
    assert a.status == S.REEXAM_LISTED and a.suspension_months == 3 and a.suspended_from == today()


async def test_violation_is_never_put_on_the_reexam_list(client):
    w, cycle = await exam_world()
    a = await (await new_driver(client, w, cycle)).judged(professional=40)
    await Assessment.filter(id=a.id).update(violation=True, fail_reason="violation")  # 违纪不合格 (SPEC §6)
    province = await token_for(w.gx_admin)
    r = await act(client, province, a.id, "admin_confirm_reexam")
    assert r.status_code == 409 and r.json()["code"] == "guard_failed"
    assert "违纪" in r.json()["message"]
    r = await client.post(f"{API}/reexam/confirm", headers=auth(province), json={"ids": [a.id]})
    assert r.json()["done"] == [] and r.json()["failed"][0]["code"] == "guard_failed"
    r = await client.get(CANDIDATES, headers=auth(province))
    [row] = r.json()["data"]
    assert row["violation"] is True and all(x["action"] != "admin_confirm_reexam" for x in row["actions"])


async def test_one_click_confirm_takes_every_confirmable_row_of_the_province(client):
    w, cycle = await exam_world()
    a1 = await (await new_driver(client, w, cycle)).judged(professional=40)
    a2 = await (await outside_driver(client, w, cycle, w.lz_hospital)).main(S.FAILED)  # 柳州, 评定不合格
    violation = await (await new_driver(client, w, cycle)).main(S.FAILED)
    await Assessment.filter(id=violation.id).update(violation=True)
    qualified = await (await new_driver(client, w, cycle)).judged()
    city = await token_for(w.nn_admin)
    r = await client.post(f"{API}/reexam/confirm-all", headers=auth(city), json={})
    assert r.status_code == 403 and r.json()["code"] == "province_only"
    province = await token_for(w.gx_admin)
    r = await client.post(f"{API}/reexam/confirm-all", headers=auth(province), json={"suspension_months": 6})
    assert r.status_code == 202, r.text
    job = await wait_for_job(client, province, r.json()["id"])
    assert job["status"]["value"] == "succeeded", job
    assert job["succeeded"] == 2 and job["total"] == 2
    for a in (a1, a2):
        fresh = await Assessment.get(id=a.id)
        assert fresh.status == S.REEXAM_LISTED and fresh.suspension_months == 6
        assert await messages(a.physician_id, "admin_confirm_reexam")
    assert (await Assessment.get(id=violation.id)).status == S.FAILED
    assert (await Assessment.get(id=qualified.id)).status == S.QUALIFIED
    staff = await OutboxMessage.filter(channel="wechat_template", template="reexam_list").count()
    assert staff == 2  # 青秀区 and 柳州市 (城中区 has no administration of its own)


async def test_reexam_pass_is_qualified_without_promotion(client):
    w, cycle = await exam_world()
    d = await new_driver(client, w, cycle)
    a = await d.reexam_listed()
    r = await d.mp("GET", "/exams")
    papers = {p["paper_type"]["value"]: p for p in r.json()["papers"]}
    assert papers["humanities"]["required"] is False  # passed in the first round
    await d.sit("professional", 75)
    a = await d.assessment()
    assert a.status == S.REEXAM_DONE  # 完成再次考核 by the exam service
    county = await token_for(w.qx_admin)  # any administration in jurisdiction judges
    r = await client.get(f"{RESULTS}?procedure=general", headers=auth(county))
    [row] = r.json()["data"]
    assert row["preview"]["status"]["value"] == "qualified"
    assert next(p for p in row["papers"] if p["paper"] == "professional")["best_score"] == 75
    assert (await client.get(f"{RESULTS}?procedure=simple", headers=auth(county))).json()["count"] == 0
    for token in (await token_for(w.gz_admin), await token_for(w.lz_admin)):
        r = await act(client, token, a.id, "admin_judge_reexam")
        assert r.status_code == 403 and r.json()["code"] == "out_of_jurisdiction"
    r = await act(client, await token_for(w.hospital), a.id, "admin_judge_reexam")
    assert r.status_code == 403 and r.json()["code"] == "wrong_role"
    r = await act(client, county, a.id, "admin_judge_reexam")
    assert r.status_code == 200 and r.json()["to_status"] == "qualified", r.text
    a = await Assessment.get(id=a.id)
    assert a.status == S.QUALIFIED and a.no_promotion and not a.deregistration_recommended
    [msg] = await messages(d.p.id, "admin_judge_reexam")
    assert "不得评优和晋升" in msg.body
    r = await d.mp("GET", "/results")
    body = r.json()
    assert body["no_promotion"] is True and body["certificate"]["available"] is True
    assert {p["paper"]: p["best_score"] for p in body["reexam_papers"]}["professional"] == 75


async def test_reexam_fail_is_final_with_deregistration_recommended(client):
    w, cycle = await exam_world()
    d = await new_driver(client, w, cycle)
    a = await d.reexam_listed()
    await d.sit("professional", 45)
    r = await act(client, await token_for(w.gx_admin), a.id, "admin_judge_reexam")
    assert r.status_code == 200 and r.json()["to_status"] == "final_failed", r.text
    a = await Assessment.get(id=a.id)
    assert a.status == S.FINAL_FAILED and a.deregistration_recommended and not a.no_promotion
    assert a.fail_reason == "exam"
    [msg] = await messages(d.p.id, "admin_judge_reexam")
    assert "注销注册" in msg.body
    r = await d.mp("GET", "/results")
    assert r.json()["deregistration_recommended"] is True and r.json()["certificate"]["available"] is False


async def test_reexam_batch_judging_with_simple_and_general_rows(client):
    w, cycle = await exam_world(exam_settings={"humanities": {"max_attempts": 1}})
    general = await new_driver(client, w, cycle)
    await general.reexam_listed()
    await general.sit("professional", 90)
    simple = await new_driver(client, w, cycle, simple=True)
    sa = await simple.judged(humanities=40, professional=None)
    assert sa.status == S.FAILED
    province = await token_for(w.gx_admin)
    r = await client.post(f"{API}/reexam/confirm", headers=auth(province), json={"ids": [sa.id]})
    assert r.json()["done"] == [sa.id]
    await simple.sit("humanities", 30)
    listed = await (await new_driver(client, w, cycle)).reexam_listed()  # not sat yet
    county = await token_for(w.qx_admin)
    r = await client.get(f"{RESULTS}?procedure=simple", headers=auth(county))
    assert [x["id"] for x in r.json()["data"]] == [sa.id]
    ga = await general.assessment()
    r = await act_batch(client, county, [ga.id, sa.id, listed.id], "admin_judge_reexam")
    assert r.status_code == 200, r.text
    assert r.json()["done"] == [ga.id, sa.id]
    assert r.json()["failed"] == [{"id": listed.id, "code": "invalid_transition",
                                   "message": r.json()["failed"][0]["message"]}]
    assert (await Assessment.get(id=ga.id)).status == S.QUALIFIED
    assert (await Assessment.get(id=sa.id)).status == S.FINAL_FAILED


async def test_missed_reexam_is_final_after_the_window(client):
    w, cycle = await exam_world()
    a = await (await new_driver(client, w, cycle)).reexam_listed()
    assert (await outcome.sweep()).missed_reexam == 0
    past = datetime.now(UTC) - timedelta(hours=1)
    await Cycle.filter(id=cycle.id).update(exam_end=past - timedelta(days=1), reexam_end=past)
    stats = await outcome.sweep()
    assert stats.missed_reexam == 1
    a = await Assessment.get(id=a.id)
    assert a.status == S.FINAL_FAILED and a.fail_reason == "missed" and a.deregistration_recommended
    event = await AssessmentEvent.filter(assessment_id=a.id, action="miss_reexam").get()
    assert event.actor_type == "system"
    assert await messages(a.physician_id, "miss_reexam")
    assert (await outcome.sweep()).missed_reexam == 0


async def test_reexam_lists_are_for_administrations(client):
    w, _ = await exam_world()
    for token in (await token_for(w.hospital2), await token_for(w.hospital)):
        for url in (CANDIDATES, RESULTS):
            r = await client.get(url, headers=auth(token))
            assert r.status_code == 403, (url, r.text)
