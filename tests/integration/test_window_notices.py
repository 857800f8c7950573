"""考核通知 (issue #12): when 首轮考核 or 再次考核 opens, and N days before it closes, physicians who
still have a paper to take are told (in-app, subscribe message, SMS), exactly once each."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from server.models import (
    Assessment,
    AssessmentStatus,
    Cycle,
    DelayStatus,
    ExamWindowNotice,
    InboxMessage,
    OutboxMessage,
)
from server.services.exams import window_notices
from tests.factories import make_physician, make_world

S = AssessmentStatus
NOW = datetime(2026, 6, 10, 12, tzinfo=UTC)


async def _cycle(w, **windows) -> Cycle:
    return await Cycle.create(province=w.gx, name="2024-2026周期", start_date=date(2024, 1, 1),
                              end_date=date(2026, 12, 31), is_current=True, **windows)


async def _assessment(w, cycle, n: int, status: S, **extra) -> Assessment:
    p = await make_physician(w.hospital2, n=n, name=f"医师{n}", phone=f"1390000{n:04d}")
    return await Assessment.create(physician=p, cycle=cycle, institution_id=w.hospital2.id,
                                   region_path=w.hospital2.region_path, status=status, active=True, **extra)


def _told(messages, physician_id):
    return [m for m in messages if m.physician_id == physician_id]


async def test_first_round_open_tells_those_with_a_paper_once(client):
    w = await make_world()
    cycle = await _cycle(w, exam_start=NOW - timedelta(hours=1), exam_end=NOW + timedelta(days=20))
    waiting = await _assessment(w, cycle, 1, S.AWAITING_EXAM)
    done = await _assessment(w, cycle, 2, S.EXAMS_DONE)
    earlier = await _assessment(w, cycle, 3, S.ENROLLED)
    delayed = await _assessment(w, cycle, 4, S.AWAITING_EXAM, delay=DelayStatus.APPROVED)
    assert await window_notices.send_due(now=NOW) == 1
    inbox = await InboxMessage.all()
    assert [m.physician_id for m in inbox] == [waiting.physician_id]
    assert inbox[0].title == "首轮考核已开始" and "2026年06月30日 20:00" in inbox[0].body
    channels = sorted(await OutboxMessage.filter(recipient_id=waiting.physician_id).values_list("channel", flat=True))
    assert channels == ["sms", "wechat_subscribe"]
    for other in (done, earlier, delayed):
        assert not _told(inbox, other.physician_id)
    # again, and twice at once: nothing more (exactly once)
    assert await window_notices.send_due(now=NOW + timedelta(minutes=10)) == 0
    await asyncio.gather(window_notices.send_due(now=NOW), window_notices.send_due(now=NOW))
    assert await InboxMessage.all().count() == 1
    assert await ExamWindowNotice.all().count() == 1


async def test_closing_reminder_comes_n_days_before_the_end(client):
    w = await make_world()
    cycle = await _cycle(w, exam_start=NOW - timedelta(days=20), exam_end=NOW + timedelta(days=2),
                         notice_days_before_close=3)
    a = await _assessment(w, cycle, 1, S.AWAITING_EXAM)
    assert await window_notices.send_due(now=NOW) == 2  # the opening notice (never sent yet) and the reminder
    titles = sorted(await InboxMessage.filter(physician_id=a.physician_id).values_list("title", flat=True))
    assert titles == ["首轮考核即将结束", "首轮考核已开始"]
    cycle.notice_days_before_close = 0
    await cycle.save()
    b = await _assessment(w, cycle, 2, S.AWAITING_EXAM)
    assert await window_notices.send_due(now=NOW) == 1  # no reminder when the province turned it off
    assert await InboxMessage.filter(physician_id=b.physician_id).values_list("title", flat=True) == ["首轮考核已开始"]


async def test_reexam_window_tells_the_listed_and_the_delayed(client):
    w = await make_world()
    cycle = await _cycle(w, exam_start=NOW - timedelta(days=60), exam_end=NOW - timedelta(days=30),
                         reexam_start=NOW - timedelta(hours=2), reexam_end=NOW + timedelta(days=30))
    listed = await _assessment(w, cycle, 1, S.REEXAM_LISTED)
    delayed = await _assessment(w, cycle, 2, S.AWAITING_EXAM, delay=DelayStatus.APPROVED)
    missed = await _assessment(w, cycle, 3, S.AWAITING_EXAM)  # first round over, no delay: nothing to take
    assert await window_notices.send_due(now=NOW) == 2
    told = set(await InboxMessage.filter(title="再次考核已开始").values_list("physician_id", flat=True))
    assert told == {listed.physician_id, delayed.physician_id}
    assert not await InboxMessage.filter(physician_id=missed.physician_id).exists()


async def test_no_notice_for_a_closed_or_future_window_or_an_old_cycle(client):
    w = await make_world()
    cycle = await _cycle(w, exam_start=NOW + timedelta(days=1), exam_end=NOW + timedelta(days=30),
                         reexam_start=NOW - timedelta(days=30), reexam_end=NOW - timedelta(days=1))
    await _assessment(w, cycle, 1, S.AWAITING_EXAM)
    await _assessment(w, cycle, 2, S.REEXAM_LISTED)
    old = await _cycle(w, exam_start=NOW - timedelta(days=1), exam_end=NOW + timedelta(days=5))
    old.is_current = False
    await old.save()
    await _assessment(w, old, 3, S.AWAITING_EXAM)
    assert await window_notices.send_due(now=NOW) == 0
    assert await InboxMessage.all().count() == 0


def test_due_moments_is_pure_and_bounded():
    c = Cycle(exam_start=NOW, exam_end=NOW + timedelta(days=10), notice_days_before_close=3)
    assert [(d.window, d.moment) for d in window_notices.due_moments(c, NOW - timedelta(seconds=1))] == []
    assert [(d.window, d.moment) for d in window_notices.due_moments(c, NOW)] == [("exam", "open")]
    assert [(d.window, d.moment) for d in window_notices.due_moments(c, NOW + timedelta(days=7))] == [
        ("exam", "open"), ("exam", "closing")]
    assert window_notices.due_moments(c, NOW + timedelta(days=10)) == []
