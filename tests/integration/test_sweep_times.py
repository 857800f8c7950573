"""Times compare as instants on both databases (issue #11): a window whose end was stored with the
+08:00 offset (as the province's console sends it) is over one hour after it ended, not eight."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from server.models import Assessment, AssessmentStatus, Cycle, Procedure
from server.services.results import outcome
from tests.factories import make_physician, make_world

CST = timezone(timedelta(hours=8))


async def test_missed_first_round_sweep_fires_on_time(client):
    w = await make_world()
    now = datetime.now(UTC)
    ended = (now - timedelta(hours=1)).astimezone(CST)  # an hour ago, written in Beijing time
    cycle = await Cycle.create(province=w.gx, name="周期", start_date=now.date() - timedelta(days=400),
                               end_date=now.date() + timedelta(days=400), exam_start=ended - timedelta(days=20),
                               exam_end=ended)
    p = await make_physician(w.hospital)
    a = await Assessment.create(physician=p, cycle=cycle, institution=w.hospital, region_path=w.hospital.region_path,
                                status=AssessmentStatus.AWAITING_EXAM, active=True, procedure=Procedure.GENERAL)
    stats = await outcome.sweep(now=now)
    assert stats.missed_first_round == 1
    assert (await Assessment.get(id=a.id)).status == AssessmentStatus.FAILED


async def test_a_window_still_open_in_beijing_time_is_left_alone(client):
    w = await make_world()
    now = datetime.now(UTC)
    ends = (now + timedelta(hours=2)).astimezone(CST)
    cycle = await Cycle.create(province=w.gx, name="周期", start_date=now.date() - timedelta(days=400),
                               end_date=now.date() + timedelta(days=400), exam_start=ends - timedelta(days=20),
                               exam_end=ends)
    p = await make_physician(w.hospital)
    await Assessment.create(physician=p, cycle=cycle, institution=w.hospital, region_path=w.hospital.region_path,
                            status=AssessmentStatus.AWAITING_EXAM, active=True, procedure=Procedure.GENERAL)
    assert (await outcome.sweep(now=now)).missed_first_round == 0


async def test_an_attempt_ending_with_a_beijing_time_window_is_auto_submitted_on_time(client):
    """The deadline = the window's end (written +08:00): the deadline sweeper submits it once
    that instant has passed, not eight hours later."""
    from server.models import AttemptStatus, ExamAttempt
    from server.services.exams import deadline_sweeper
    from tests.integration.attempt_support import begin, exam_world

    now = datetime.now(UTC)
    e = await exam_world(exam_end=(now + timedelta(minutes=5)).astimezone(CST))
    aid = (await begin(client, e))["id"]
    row = await ExamAttempt.get(id=aid)
    assert abs((row.deadline - (now + timedelta(minutes=5))).total_seconds()) < 60  # the window's end
    assert (await deadline_sweeper.sweep_due(now=now + timedelta(minutes=4))).submitted == 0
    assert (await deadline_sweeper.sweep_due(now=now + timedelta(minutes=6))).submitted == 1
    assert (await ExamAttempt.get(id=aid)).status == AttemptStatus.SUBMITTED
