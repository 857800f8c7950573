"""The face-check gate (SPEC §4 stage 4, §6), with the default verifier: the start check starts
the clock (a black frame fails, a real picture passes), answers are refused after the hidden
mid-exam moment until a mid check passes, submission needs a submit check, the automatic
submission never waits; checks are recorded with their images; the verifier is replaceable."""

from __future__ import annotations

from datetime import timedelta

from server.models import AttemptStatus, ExamAttempt, FaceCheck, StoredFile
from server.services.exams import deadline_sweeper, face_gate
from server.services.exams.face_gate import FaceDecision
from tests.integration.attempt_support import (
    MP,
    begin,
    black_image,
    exam_world,
    expire,
    face_check,
    face_image,
    fresh_shape_cache,  # noqa: F401 (autouse fixture)
    save,
    start,
    stored_answers,
    utcnow,
    walk_keys,
)
from tests.integration.mp_support import pdf


def codes(r) -> tuple[int, str]:
    return r.status_code, r.json().get("code", "")


async def test_start_refused_until_a_start_check_passes(app, client):
    e = await exam_world()
    waiting = (await start(client, e)).json()
    aid = waiting["id"]
    assert waiting["gate"]["state"] == "awaiting_start_check" and waiting["gate"]["required"] == "start"
    assert waiting["paper"] is None
    r = await save(client, e, aid, 1, ["A"], 1)
    assert codes(r) == (409, "face_check_required") and r.json()["details"] == {"moment": "start"}
    assert codes(await client.post(f"{MP}/attempts/{aid}/submit", headers=e.headers)) == (409, "attempt_not_started")
    assert codes(await face_check(client, e, aid, "mid")) == (409, "face_check_required")
    dark = await face_check(client, e, aid, "start", black_image())
    assert dark.status_code == 200
    assert dark.json()["check"]["passed"] is False and dark.json()["check"]["decision"] == "covered"
    assert dark.json()["gate"]["state"] == "awaiting_start_check" and dark.json()["attempt"]["paper"] is None
    assert (await ExamAttempt.get(id=aid)).started_at is None
    ok = await face_check(client, e, aid, "start", face_image())
    assert ok.status_code == 200 and ok.json()["check"]["passed"] is True
    assert ok.json()["gate"]["state"] == "open" and ok.json()["attempt"]["clock_running"] is True
    assert len(ok.json()["attempt"]["paper"]["questions"]) == 50
    assert (await save(client, e, aid, 1, ["A"], 1)).status_code == 200
    assert codes(await face_check(client, e, aid, "start")) == (409, "face_check_not_due")
    rows = await FaceCheck.filter(attempt_id=aid).order_by("id")
    assert [(r.moment.value, r.passed, r.decision) for r in rows] == [("start", False, "covered"),
                                                                       ("start", True, "passed")]
    assert all(r.image_file_id for r in rows)
    assert await StoredFile.filter(purpose="face_check").count() == 2


async def test_face_check_input_refused(app, client):
    e = await exam_world()
    aid = (await start(client, e)).json()["id"]
    r = await face_check(client, e, aid, "start", pdf())
    assert codes(r) == (422, "invalid_image")
    assert codes(await face_check(client, e, aid, "selfie")) == (422, "invalid_moment")
    assert codes(await face_check(client, e, aid, "snapshot")) == (409, "face_check_required")  # not started
    r = await client.post(f"{MP}/attempts/{aid}/face-check", headers=e.headers, data={"moment": "start"})
    assert codes(r) == (422, "image_required")
    assert await FaceCheck.all().count() == 0


async def test_mid_moment_blocks_answers_until_a_mid_check_passes(app, client):
    e = await exam_world()
    view = await begin(client, e)
    aid = view["id"]
    row = await ExamAttempt.get(id=aid)
    assert len(row.mid_moments) == 1 and row.mid_check_due_at is not None
    span = (row.deadline - row.started_at).total_seconds()
    offset = (row.mid_check_due_at - row.started_at).total_seconds()
    assert 0.25 * span <= offset <= 0.75 * span
    assert not walk_keys(view) & {"mid_moments", "mid_check_due_at"}
    assert codes(await face_check(client, e, aid, "mid")) == (409, "face_check_not_due")
    assert (await save(client, e, aid, 1, ["A"], 1)).status_code == 200
    # the hidden moment arrives
    await ExamAttempt.filter(id=aid).update(mid_check_due_at=utcnow() - timedelta(seconds=1))
    r = await save(client, e, aid, 2, ["A"], 2)
    assert codes(r) == (409, "face_check_required") and r.json()["details"] == {"moment": "mid"}
    r = await client.put(f"{MP}/attempts/{aid}/answers", headers=e.headers,
                         json={"answers": [{"position": 2, "answer": ["A"], "seq": 2}]})
    assert codes(r) == (409, "face_check_required")
    gate = (await client.get(f"{MP}/attempts/{aid}/face-gate", headers=e.headers)).json()["gate"]
    assert gate["state"] == "awaiting_mid_check" and gate["required"] == "mid"
    failed = await face_check(client, e, aid, "mid", black_image())
    assert failed.json()["check"]["passed"] is False and failed.json()["gate"]["required"] == "mid"
    assert codes(await save(client, e, aid, 2, ["A"], 2)) == (409, "face_check_required")
    passed = await face_check(client, e, aid, "mid")
    assert passed.json()["check"]["passed"] is True and passed.json()["gate"]["state"] == "open"
    assert passed.json()["attempt"]["paper"] is None  # the client already has the questions
    assert (await save(client, e, aid, 2, ["A"], 2)).status_code == 200
    row = await ExamAttempt.get(id=aid)
    assert row.mid_passed == 1 and row.mid_check_due_at is None and set(await stored_answers(aid)) == {"1", "2"}


async def test_several_mid_moments_each_need_a_check(app, client):
    e = await exam_world(settings={"humanities": {"mid_checks": 2}})
    aid = (await begin(client, e))["id"]
    row = await ExamAttempt.get(id=aid)
    assert len(row.mid_moments) == 2
    past = [(utcnow() - timedelta(seconds=s)).isoformat() for s in (20, 10)]
    await ExamAttempt.filter(id=aid).update(mid_moments=past, mid_check_due_at=utcnow() - timedelta(seconds=20))
    assert (await face_check(client, e, aid, "mid")).json()["gate"]["required"] == "mid"  # the second is due too
    assert (await face_check(client, e, aid, "mid")).json()["gate"]["state"] == "open"
    assert (await save(client, e, aid, 1, ["A"], 1)).status_code == 200


async def test_submitting_before_the_mid_moment_asks_for_the_mid_check_first(app, client):
    """The mid-exam check cannot be skipped by submitting early (issue #11)."""
    e = await exam_world()
    aid = (await begin(client, e))["id"]
    row = await ExamAttempt.get(id=aid)
    assert row.mid_moments and row.mid_check_due_at > utcnow()  # the drawn moment has not come
    assert (await face_check(client, e, aid, "submit")).json()["check"]["passed"]
    r = await client.post(f"{MP}/attempts/{aid}/submit", headers=e.headers)
    assert codes(r) == (409, "face_check_required") and r.json()["details"] == {"moment": "mid"}
    assert (await ExamAttempt.get(id=aid)).status.value == "in_progress"
    assert (await client.get(f"{MP}/attempts/{aid}/face-gate", headers=e.headers)).json()["gate"]["required"] == "mid"
    assert (await face_check(client, e, aid, "mid", black_image())).json()["check"]["passed"] is False
    assert codes(await client.post(f"{MP}/attempts/{aid}/submit", headers=e.headers)) == (409, "face_check_required")
    assert (await face_check(client, e, aid, "mid")).json()["check"]["passed"]
    r = await client.post(f"{MP}/attempts/{aid}/submit", headers=e.headers)
    assert r.status_code == 200 and r.json()["status"]["value"] == "submitted"
    assert (await ExamAttempt.get(id=aid)).mid_passed == 1


async def test_submit_needs_a_recent_submit_check(app, client):
    e = await exam_world()
    aid = (await begin(client, e))["id"]
    await ExamAttempt.filter(id=aid).update(mid_passed=len((await ExamAttempt.get(id=aid)).mid_moments))
    r = await client.post(f"{MP}/attempts/{aid}/submit", headers=e.headers)
    assert codes(r) == (409, "face_check_required") and r.json()["details"] == {"moment": "submit"}
    assert (await face_check(client, e, aid, "submit", black_image())).json()["check"]["passed"] is False
    assert codes(await client.post(f"{MP}/attempts/{aid}/submit", headers=e.headers)) == (409, "face_check_required")
    assert (await face_check(client, e, aid, "submit")).json()["gate"]["submit_check_passed"] is True
    await ExamAttempt.filter(id=aid).update(submit_check_at=utcnow() - timedelta(minutes=6))  # too old
    assert codes(await client.post(f"{MP}/attempts/{aid}/submit", headers=e.headers)) == (409, "face_check_required")
    await face_check(client, e, aid, "submit")
    r = await client.post(f"{MP}/attempts/{aid}/submit", headers=e.headers)
    assert r.status_code == 200 and r.json()["status"]["value"] == "submitted"
    assert r.json()["result"]["auto_submitted"] is False and r.json()["gate"]["state"] == "closed"


async def test_automatic_submission_never_waits_for_a_check(app, client):
    e = await exam_world()
    aid = (await begin(client, e))["id"]
    await save(client, e, aid, 1, ["A"], 1)
    await ExamAttempt.filter(id=aid).update(mid_check_due_at=utcnow() - timedelta(minutes=1))  # mid check pending
    await expire(aid)
    assert (await deadline_sweeper.sweep_due()).submitted == 1
    row = await ExamAttempt.get(id=aid)
    assert row.status == AttemptStatus.SUBMITTED and row.auto_submitted and row.submit_check_at is None
    other = await exam_world(w=e.w, banks=False)
    aid2 = (await begin(client, other))["id"]
    await expire(aid2)
    r = await client.post(f"{MP}/attempts/{aid2}/submit", headers=other.headers)  # late: no check needed
    assert r.status_code == 200 and r.json()["result"]["auto_submitted"] is True
    assert codes(await face_check(client, other, aid2, "submit")) == (409, "attempt_closed")


async def test_verifier_is_replaceable(app, client, monkeypatch):
    class Strict:
        def __init__(self) -> None:
            self.calls: list[tuple[int, str]] = []

        async def verify(self, *, attempt, moment: str, image: bytes) -> FaceDecision:
            self.calls.append((attempt.id, moment))
            return FaceDecision(False, "low_similarity", "与本人标准照片相似度过低", faces=1, similarity=0.31)

    e = await exam_world()
    aid = (await start(client, e)).json()["id"]
    strict = Strict()
    monkeypatch.setattr(face_gate, "get_verifier", lambda: strict)
    r = await face_check(client, e, aid, "start")
    assert r.json()["check"] == {"id": r.json()["check"]["id"], "moment": {"value": "start", "label": "开考核验"},
                                 "passed": False, "decision": "low_similarity", "reason": "与本人标准照片相似度过低",
                                 "faces": 1, "similarity": 0.31, "needs_review": False}
    assert strict.calls == [(aid, "start")]
    row = await FaceCheck.get(attempt_id=aid)
    assert (row.faces, row.similarity, row.passed) == (1, 0.31, False)
    checks = (await client.get(f"{MP}/attempts/{aid}/face-gate", headers=e.headers)).json()["checks"]
    assert [c["decision"] for c in checks] == ["low_similarity"]
