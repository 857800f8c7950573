"""成绩评定 and the first-round outcome (SPEC §4 stages 5-6; seed: assessment institution
简易程序成绩评定 / 一般程序成绩评定 确认 / 批量确认; Guangxi 评定首轮考核成绩, 首轮考核不合格认定).

Physicians sit their papers through the mini-program (services/attempts.py makes 完成测评);
the assessment institution confirms through the console API; the outcome is computed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from server.models import Assessment, AssessmentEvent, Cycle, Organisation, PhysicianLevel
from server.models import AssessmentStatus as S
from server.models import DelayStatus as D
from server.services.access import Role
from server.services.results import outcome
from tests.factories import auth, token_for
from tests.integration.results_support import (
    act,
    act_batch,
    ai_token,
    exam_world,
    messages,
    new_driver,
    outside_driver,
)
from tests.integration.review_support import API, close_window, staff_move

JUDGING = f"{API}/results/judging"


async def test_confirm_results_qualified_when_work_ethics_and_every_paper_pass(client):
    w, cycle = await exam_world()
    d = await new_driver(client, w, cycle)
    a = await d.exams_done(humanities=80, professional=70)
    r = await act(client, await ai_token(w), a.id, "ai_confirm_results")
    assert r.status_code == 200, r.text
    assert r.json()["to_status"] == "qualified"
    a = await Assessment.get(id=a.id)
    assert a.status == S.QUALIFIED and a.fail_reason == "" and a.concluded_at is not None
    event = await AssessmentEvent.filter(assessment_id=a.id, action="ai_confirm_results").get()
    papers = {p["paper"]: p for p in event.data["verdict"]["papers"]}
    assert papers["humanities"]["best_score"] == 80 and papers["professional"]["best_score"] == 70
    [msg] = await messages(d.p.id, "ai_confirm_results")
    assert msg.title == "考核结果：合格" and "通知书" in msg.body


async def test_confirm_results_failed_exam_with_reason(client):
    w, cycle = await exam_world()
    d = await new_driver(client, w, cycle)
    a = await d.exams_done(humanities=80, professional=50)  # 业务水平: one attempt only
    r = await act(client, await ai_token(w), a.id, "ai_confirm_results")
    assert r.status_code == 200 and r.json()["to_status"] == "failed", r.text
    a = await Assessment.get(id=a.id)
    assert a.status == S.FAILED and a.fail_reason == "exam"
    [msg] = await messages(d.p.id, "ai_confirm_results")
    assert msg.title == "考核结果：不合格" and "测评成绩未达合格分数线" in msg.body


async def test_confirm_results_humanities_failed_for_good_stops_before_professional(client):
    w, cycle = await exam_world(exam_settings={"humanities": {"max_attempts": 2}})
    d = await new_driver(client, w, cycle)
    await d.to_exams()
    await d.sit("humanities", 40)
    await d.sit("humanities", 50)
    a = await d.assessment()
    assert a.status == S.EXAMS_DONE  # 业务水平 cannot follow a failed 人文医学
    r = await act(client, await ai_token(w), a.id, "ai_confirm_results")
    assert r.json()["to_status"] == "failed"
    assert (await Assessment.get(id=a.id)).fail_reason == "exam"


async def test_simple_procedure_needs_humanities_only(client):
    w, cycle = await exam_world()
    d = await new_driver(client, w, cycle, simple=True)
    a = await d.exams_done(humanities=60, professional=None)  # the pass line itself
    token = await ai_token(w)
    r = await client.get(f"{JUDGING}?procedure=simple", headers=auth(token))
    assert r.status_code == 200, r.text
    [row] = r.json()["data"]
    assert row["id"] == a.id and row["preview"]["status"]["value"] == "qualified"
    assert "*" in row["physician"]["id_number"]
    paper = {p["paper"]: p for p in row["papers"]}
    assert paper["humanities"]["passed"] is True and paper["humanities"]["pass_line"] == 60
    assert "professional" not in paper or paper["professional"]["passed"] is None
    assert any(x["action"] == "ai_confirm_results" for x in row["actions"])
    r = await client.get(f"{JUDGING}?procedure=general", headers=auth(token))
    assert r.json()["count"] == 0
    r = await act(client, token, a.id, "ai_confirm_results")
    assert r.json()["to_status"] == "qualified"


async def test_exempted_paper_is_skipped(client):
    w, cycle = await exam_world()
    d = await new_driver(client, w, cycle)
    a = await d.exams_done(humanities=76, professional=None, exempt=True)  # 一般程序: 业务水平 免考
    r = await act(client, await ai_token(w), a.id, "ai_confirm_results")
    assert r.json()["to_status"] == "qualified", r.text
    event = await AssessmentEvent.filter(assessment_id=a.id, action="ai_confirm_results").get()
    professional = next(p for p in event.data["verdict"]["papers"] if p["paper"] == "professional")
    assert professional["exempt"] is True and professional["passed"] is None


async def test_assistant_pass_line_is_55(client):
    w, cycle = await exam_world()
    assistant = await new_driver(client, w, cycle, level=PhysicianLevel.ASSISTANT)
    physician = await new_driver(client, w, cycle)
    a1 = await assistant.judged(professional=57)
    a2 = await physician.judged(professional=57)
    assert a1.status == S.QUALIFIED
    assert a2.status == S.FAILED and a2.fail_reason == "exam"


async def test_lowered_pass_line_at_judging_counts(client):
    w, cycle = await exam_world()
    d = await new_driver(client, w, cycle)
    a = await d.exams_done(professional=58)
    await Cycle.filter(id=cycle.id).update(exam_settings={"professional": {"pass_score": 58}})
    r = await act(client, await ai_token(w), a.id, "ai_confirm_results")
    assert r.json()["to_status"] == "qualified"


async def test_violation_is_failed_with_its_reason(client):
    w, cycle = await exam_world()
    d = await new_driver(client, w, cycle)
    a = await d.exams_done()
    await Assessment.filter(id=a.id).update(violation=True)  # 违纪不合格 (proctoring, SPEC §6)
    r = await act(client, await ai_token(w), a.id, "ai_confirm_results")
    assert r.json()["to_status"] == "failed"
    assert (await Assessment.get(id=a.id)).fail_reason == "violation"


async def test_evaluation_failure_records_its_reason(client):
    w, cycle = await exam_world()
    d = await new_driver(client, w, cycle)
    a = await d.main(S.FAILED)  # 复核 提交 with 工作成绩 不合格
    assert a.fail_reason == "evaluation" and a.concluded_at is not None


async def test_confirm_results_outside_the_judging_window_is_refused(client):
    w, cycle = await exam_world()
    d = await new_driver(client, w, cycle)
    a = await d.exams_done()
    await close_window(cycle, "judging")
    r = await act(client, await ai_token(w), a.id, "ai_confirm_results")
    assert r.status_code == 409 and r.json()["code"] == "guard_failed", r.text
    assert "成绩评定" in r.json()["message"]
    assert (await Assessment.get(id=a.id)).status == S.EXAMS_DONE


async def test_confirm_results_by_wrong_roles_and_outside_refused(client):
    w, cycle = await exam_world()
    d = await new_driver(client, w, cycle)
    a = await d.exams_done()
    for token in (await token_for(w.hospital2), await token_for(w.gx_admin)):
        r = await act(client, token, a.id, "ai_confirm_results")
        assert r.status_code == 403 and r.json()["code"] == "wrong_role"
        r = await client.get(JUDGING, headers=auth(token))
        assert r.status_code == 403
    await Organisation.filter(id=w.hospital3.id).update(is_assessment_institution=True)  # not assigned a's
    outsider = await token_for(w.hospital3, Role.ASSESSMENT_INSTITUTION)
    r = await act(client, outsider, a.id, "ai_confirm_results")
    assert r.status_code == 403 and r.json()["code"] == "out_of_jurisdiction"
    r = await client.get(JUDGING, headers=auth(outsider))
    assert r.status_code == 200 and r.json()["count"] == 0
    r = await client.get(f"{JUDGING}?procedure=bogus", headers=auth(await ai_token(w)))
    assert r.status_code == 422 and r.json()["code"] == "invalid_query"
    assert (await Assessment.get(id=a.id)).status == S.EXAMS_DONE


async def test_batch_confirm_with_mixed_rows(client):
    w, cycle = await exam_world()
    passing = await (await new_driver(client, w, cycle)).exams_done()
    failing = await (await new_driver(client, w, cycle)).exams_done(professional=30)
    waiting = await (await new_driver(client, w, cycle)).to_exams()
    outside = await (await outside_driver(client, w, cycle)).to_exams()
    r = await act_batch(client, await ai_token(w), [passing.id, failing.id, waiting.id, outside.id, 999999],
                        "ai_confirm_results")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["done"] == [passing.id, failing.id]
    codes = {f["id"]: f["code"] for f in body["failed"]}
    assert codes == {waiting.id: "invalid_transition", outside.id: "out_of_jurisdiction", 999999: "not_found"}
    assert (await Assessment.get(id=passing.id)).status == S.QUALIFIED
    failed = await Assessment.get(id=failing.id)
    assert failed.status == S.FAILED and failed.fail_reason == "exam"


# --- 未参加首轮考核 (the sweep) -----------------------------------------------------------------


async def _end_first_round(cycle: Cycle) -> None:
    past = datetime.now(UTC) - timedelta(hours=1)
    await Cycle.filter(id=cycle.id).update(exam_start=past - timedelta(days=10), exam_end=past)


async def test_missed_first_round_fails_only_after_the_exam_window(client):
    w, cycle = await exam_world()
    absent = await (await new_driver(client, w, cycle)).to_exams()
    partial_d = await new_driver(client, w, cycle)
    await partial_d.to_exams()
    await partial_d.sit("humanities", 80)  # took part, never sat 业务水平
    stats = await outcome.sweep()
    assert stats.missed_first_round == 0 and (await Assessment.get(id=absent.id)).status == S.AWAITING_EXAM
    await _end_first_round(cycle)
    stats = await outcome.sweep()
    assert stats.missed_first_round == 1 and stats.finished_exams == 1
    a = await Assessment.get(id=absent.id)
    assert a.status == S.FAILED and a.fail_reason == "missed" and a.concluded_at is not None
    event = await AssessmentEvent.filter(assessment_id=a.id, action="miss_first_round").get()
    assert event.actor_type == "system" and event.role == "system"
    [msg] = await messages(absent.physician_id, "miss_first_round")
    assert "未参加本周期首轮考核" in msg.body
    partial = await partial_d.assessment()
    assert partial.status == S.EXAMS_DONE
    r = await act(client, await ai_token(w), partial.id, "ai_confirm_results")
    assert r.json()["to_status"] == "failed"
    assert (await outcome.sweep()).missed_first_round == 0  # idempotent


async def test_missed_first_round_not_with_an_approved_or_pending_delay(client):
    w, cycle = await exam_world()
    approved_d = await new_driver(client, w, cycle)
    approved = await approved_d.side("delay", D.ADMIN_PENDING, S.AWAITING_EXAM)
    await staff_move(await approved_d.admin(), approved, "admin_approve_delay")
    pending = await (await new_driver(client, w, cycle)).side("delay", D.ADMIN_PENDING, S.AWAITING_EXAM)
    await _end_first_round(cycle)
    stats = await outcome.sweep()
    assert stats.missed_first_round == 0
    for a in (approved, pending):
        assert (await Assessment.get(id=a.id)).status == S.AWAITING_EXAM


async def test_delayed_physician_is_judged_after_the_reexam_window_exams(client):
    w, cycle = await exam_world()
    d = await new_driver(client, w, cycle)
    a = await d.side("delay", D.ADMIN_PENDING, S.AWAITING_EXAM)
    await staff_move(await d.admin(), a, "admin_approve_delay")
    await _end_first_round(cycle)
    await close_window(cycle, "judging")  # the first round's judging is over too
    await d.sit("humanities", 90)  # 以首次考核的形式 in the 再次考核 window
    await d.sit("professional", 65)
    a = await d.assessment()
    assert a.status == S.EXAMS_DONE
    r = await act(client, await ai_token(w), a.id, "ai_confirm_results")
    assert r.status_code == 200 and r.json()["to_status"] == "qualified", r.text
    a = await Assessment.get(id=a.id)
    assert a.status == S.QUALIFIED and not a.no_promotion  # a first attempt, not a re-exam


async def test_exam_progress_export_shows_who_took_each_paper(client):
    """考试进展导出 (administration 2.2.10 (2)): 已参加 / 未参加 per paper, from the attempts."""
    from tests.integration.test_exports import export_rows

    w, cycle = await exam_world()
    await (await new_driver(client, w, cycle, name="未考医师")).to_exams()
    half = await new_driver(client, w, cycle, name="半程医师")
    await half.to_exams()
    await half.sit("humanities", 40)
    await (await new_driver(client, w, cycle, name="考完医师")).exams_done(humanities=80, professional=50)
    rows = await export_rows(client, await token_for(w.gx_admin), "exam_progress")
    by_name = {r[0]: r[-2:] for r in rows}
    assert by_name == {"未考医师": ("未参加", "未参加"), "半程医师": ("已参加（未合格）", "未参加"),
                       "考完医师": ("已参加（合格）", "已参加（未合格）")}
