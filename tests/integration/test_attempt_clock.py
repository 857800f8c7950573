"""The server's clock and nothing lost (SPEC §5): remaining time computed on the server, the
window's end capping the deadline, resuming on another device, a simulated server restart, the
deadline sweeper (also as a background loop), late submits, concurrent starts and saves racing
a submission (PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from server.models import AssessmentStatus, AttemptStatus, ExamAttempt
from server.services.exams import answer_saves, attempts, deadline_sweeper, face_gate
from tests.conftest import BACKEND
from tests.factories import auth, physician_token
from tests.integration.attempt_support import (
    MP,
    answer_share,
    begin,
    exam_world,
    expire,
    face_check,
    fresh_shape_cache,  # noqa: F401 (autouse fixture)
    key_of,
    save,
    start,
    stored_answers,
    utcnow,
)

S = AssessmentStatus


async def test_clock_starts_at_start_check_and_runs_on_the_server(app, client):
    e = await exam_world()
    r = await start(client, e)
    waiting = r.json()
    assert waiting["clock_running"] is False and waiting["started_at"] is None and waiting["deadline"] is None
    assert waiting["remaining_seconds"] == 3600  # what the physician will get
    row = await ExamAttempt.get(id=waiting["id"])
    assert row.started_at is None and row.deadline is None
    view = await begin(client, e)
    row = await ExamAttempt.get(id=view["id"])
    assert row.deadline - row.started_at == timedelta(minutes=60)
    assert 3595 <= view["remaining_seconds"] <= 3600 and view["clock_running"] is True
    assert len(view["paper"]["questions"]) == 50


async def test_deadline_capped_by_window_end(app, client):
    end = utcnow() + timedelta(minutes=20)
    e = await exam_world(exam_end=end)
    assert 1190 <= (await start(client, e)).json()["remaining_seconds"] <= 1200
    view = await begin(client, e)
    row = await ExamAttempt.get(id=view["id"])
    assert abs((row.deadline - end).total_seconds()) < 1e-3
    assert 1190 <= view["remaining_seconds"] <= 1200


async def test_resume_on_another_device_same_answers_less_time(app, client):
    e = await exam_world()
    aid = (await begin(client, e))["id"]
    key = await key_of(aid)
    for pos in (1, 2, 3):
        assert (await save(client, e, aid, pos, key[pos - 1], pos)).status_code == 200
    # 40 seconds pass (moved on the server's clock), the phone dies; the physician logs in on a tablet
    row = await ExamAttempt.get(id=aid)
    await ExamAttempt.filter(id=aid).update(started_at=row.started_at - timedelta(seconds=40),
                                            deadline=row.deadline - timedelta(seconds=40))
    tablet = auth(await physician_token(await e.assessment.physician))
    r = await client.get(f"{MP}/attempts/{aid}", headers=tablet)
    assert r.status_code == 200, r.text
    view = r.json()
    assert {k: v["chosen"] for k, v in view["saved_answers"].items()} == {str(p): key[p - 1] for p in (1, 2, 3)}
    assert 3550 <= view["remaining_seconds"] <= 3560 and view["paper"]["question_count"] == 50
    again = await start(client, e, headers=tablet)  # 进入 on the tablet: the same attempt
    assert again.json()["id"] == aid and again.json()["saved_answers"] == view["saved_answers"]
    r = await save(client, e, aid, 4, key[3], 4, headers=tablet)
    assert r.status_code == 200 and (await stored_answers(aid))["4"]["answer"] == key[3]


async def test_server_restart_loses_nothing(app, client):
    e = await exam_world()
    aid = (await begin(client, e))["id"]
    await answer_share(client, e, aid, 0.6)
    before = (await client.get(f"{MP}/attempts/{aid}", headers=e.headers)).json()
    # a restart: the process caches are gone and the background loop starts over; state is in the DB
    answer_saves._shapes.clear()
    await deadline_sweeper.stop_background()
    after = (await client.get(f"{MP}/attempts/{aid}", headers=e.headers)).json()
    assert after["saved_answers"] == before["saved_answers"] and len(after["saved_answers"]) == 50
    assert after["remaining_seconds"] <= before["remaining_seconds"]
    assert (await save(client, e, aid, 1, after["saved_answers"]["1"]["chosen"], 2)).status_code == 200


async def test_sweeper_submits_expired_attempt_with_saved_answers(app, client):
    e = await exam_world()
    aid = (await begin(client, e))["id"]
    await answer_share(client, e, aid, 0.7)
    waiting = (await start(client, await exam_world(w=e.w, banks=False))).json()  # never started: never swept
    assert (await deadline_sweeper.sweep_due()).submitted == 0
    await expire(aid)
    stats = await deadline_sweeper.sweep_due()
    assert (stats.submitted, stats.failed) == (1, 0)
    row = await ExamAttempt.get(id=aid)
    assert row.status == AttemptStatus.SUBMITTED and row.auto_submitted and row.score == 70.0 and row.passed
    assert row.open_slot is None and len(await stored_answers(aid)) == 50
    assert (await e.fresh()).status == S.EXAMS_DONE
    assert (await deadline_sweeper.sweep_due()).submitted == 0  # nothing twice
    assert (await ExamAttempt.get(id=waiting["id"])).status == AttemptStatus.IN_PROGRESS
    view = (await client.get(f"{MP}/attempts/{aid}", headers=e.headers)).json()
    assert view["result"]["auto_submitted"] is True and view["remaining_seconds"] == 0


async def test_sweeper_background_loop_after_restart(app, client):
    e = await exam_world()
    aid = (await begin(client, e))["id"]
    await save(client, e, aid, 1, ["A"], 1)
    await expire(aid, seconds=600)  # expired while the server was down
    assert await deadline_sweeper.start_background(role="api", force=True, every=0.05)
    try:
        for _ in range(100):
            if (await ExamAttempt.get(id=aid)).status == AttemptStatus.SUBMITTED:
                break
            await asyncio.sleep(0.05)
    finally:
        await deadline_sweeper.stop_background()
    row = await ExamAttempt.get(id=aid)
    assert row.status == AttemptStatus.SUBMITTED and row.auto_submitted and (await stored_answers(aid))["1"]["answer"] == ["A"]


async def test_late_submit_finalises_without_a_face_check(app, client):
    e = await exam_world()
    aid = (await begin(client, e))["id"]
    await answer_share(client, e, aid, 0.8)
    await expire(aid)
    r = await client.post(f"{MP}/attempts/{aid}/submit", headers=e.headers)
    assert r.status_code == 200, r.text
    assert r.json()["result"] == {"score": 80.0, "score_visible": True, "passed": True, "pass_line": 60,
                                  "auto_submitted": True}
    again = await client.post(f"{MP}/attempts/{aid}/submit", headers=e.headers)
    assert again.json()["result"] == r.json()["result"] and again.json()["submitted_at"] == r.json()["submitted_at"]


async def test_answer_after_deadline_refused_and_finalised(app, client):
    e = await exam_world()
    aid = (await begin(client, e))["id"]
    await save(client, e, aid, 1, ["B"], 1)
    await expire(aid)
    r = await save(client, e, aid, 2, ["B"], 2)
    assert r.status_code == 409 and r.json()["code"] == "attempt_closed"
    row = await ExamAttempt.get(id=aid)
    assert row.status == AttemptStatus.SUBMITTED and set(await stored_answers(aid)) == {"1"} and row.auto_submitted
    r = await client.put(f"{MP}/attempts/{aid}/answers", headers=e.headers,
                         json={"answers": [{"position": 3, "answer": ["A"], "seq": 3}]})
    assert r.status_code == 409 and r.json()["code"] == "attempt_closed"


async def test_resume_after_deadline_shows_the_result(app, client):
    e = await exam_world()
    aid = (await begin(client, e))["id"]
    await expire(aid)
    view = (await client.get(f"{MP}/attempts/{aid}", headers=e.headers)).json()
    assert view["status"]["value"] == "submitted" and view["result"]["score"] == 0.0 and view["paper"] is None


@pytest.mark.skipif(BACKEND != "postgres", reason="row locks and concurrent transactions: PostgreSQL only "
                    "(SQLite serialises every transaction)")
async def test_two_devices_starting_at_once_get_one_attempt(app, client):
    e = await exam_world()
    tokens = [auth(await physician_token(await e.assessment.physician)) for _ in range(6)]
    results = await asyncio.gather(*(start(client, e, headers=h) for h in tokens))
    assert all(r.status_code == 200 for r in results), [r.text for r in results]
    assert len({r.json()["id"] for r in results}) == 1
    assert await ExamAttempt.all().count() == 1


@pytest.mark.skipif(BACKEND != "postgres", reason="concurrent saves racing a submission: PostgreSQL only")
async def test_saves_racing_submission_lose_no_acknowledged_answer(app, client):
    e = await exam_world()
    aid = (await begin(client, e))["id"]
    await face_gate.bring_mid_check_forward(aid, utcnow())  # the mid check, done before 交卷
    assert (await face_check(client, e, aid, "mid")).json()["check"]["passed"]
    r = await face_check(client, e, aid, "submit")
    assert r.json()["check"]["passed"]
    acked: dict[str, tuple[int, list[str]]] = {}

    async def saver(pos: int) -> None:
        for seq in range(1, 6):
            r = await save(client, e, aid, pos, ["A"] if seq % 2 else ["B"], seq)
            if r.status_code == 200 and r.json()["applied"]:
                acked[str(pos)] = (seq, r.json()["chosen"])
            elif r.status_code != 200:
                assert r.json()["code"] == "attempt_closed", r.text
                return

    async def submitter() -> None:
        await asyncio.sleep(0.05)
        r = await client.post(f"{MP}/attempts/{aid}/submit", headers=e.headers)
        assert r.status_code == 200, r.text

    await asyncio.gather(*(saver(p) for p in range(1, 31)), submitter())
    row = await ExamAttempt.get(id=aid)
    assert row.status == AttemptStatus.SUBMITTED
    for pos, (seq, chosen) in acked.items():
        assert (await stored_answers(aid))[pos]["seq"] >= seq and ((await stored_answers(aid))[pos]["seq"] > seq or (await stored_answers(aid))[pos]["answer"] == chosen)
    assert acked  # some saves made it before the submission


async def test_paper_results_count_only_started_attempts(app, client):
    e = await exam_world()
    await start(client, e)  # waiting for the start check: not an attempt used
    results = await attempts.paper_results(e.assessment.id)
    assert results["humanities"]["attempts"] == 0 and results["humanities"]["finished"] is False
    assert await attempts.papers_complete(e.assessment.id) is False
