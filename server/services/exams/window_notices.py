"""考核通知 (SPEC §7 "exam notice"; issue #12): when the province's 首轮考核 or 再次考核 window
opens, and `Cycle.notice_days_before_close` days before it closes, every physician who still has a
paper to take in it is told — in-app, WeChat subscribe message and SMS — exactly once.

Who still has a paper: 首轮考核 — 待参加测评 without an approved delay; 再次考核 — 待再次考核, and
待参加测评 with an approved delay (they take the exams in the re-exam window as a first attempt).
Exactly once: an `ExamWindowNotice` row per (cycle, window, moment, physician) is written in the
same transaction as the messages, under a unique key; a sweep that runs twice, concurrently or after
a restart, skips (or rolls back) what is already noticed. The sweep runs every
WINDOW_NOTICE_SWEEP_SECONDS in the API process / each worker (at most once per interval across
processes), and as the taskiq task ``dkt.window_notices``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q, Subquery
from tortoise.transactions import in_transaction

from server.models import Assessment, AssessmentStatus, Cycle, DelayStatus, ExamWindowNotice
from server.services.notify import notices
from server.services.platform.broker import broker
from server.services.platform.periodic import PeriodicJob

log = logging.getLogger("server.window_notices")
S = AssessmentStatus
CHUNK = 500

WINDOWS = {"exam": ("exam_start", "exam_end", "首轮考核"), "reexam": ("reexam_start", "reexam_end", "再次考核")}
MESSAGES = {
    "open": ("{label}已开始", "本周期定期考核{label}已开始，请于{end}前在定考通小程序中完成测评。"),
    "closing": ("{label}即将结束", "本周期定期考核{label}将于{end}结束，您尚有未完成的测评，请尽快参加。"),
}
CST = timedelta(hours=8)


@dataclass(frozen=True)
class Due:
    cycle: Cycle
    window: str
    moment: str
    end: datetime


def due_moments(cycle: Cycle, now: datetime) -> list[Due]:
    """The (window, moment) pairs of a cycle whose notice is due at `now` (pure)."""
    out = []
    for window, (start_f, end_f, _) in WINDOWS.items():
        start, end = getattr(cycle, start_f), getattr(cycle, end_f)
        if start is None or end is None or not start <= now < end:
            continue
        out.append(Due(cycle, window, "open", end))
        days = cycle.notice_days_before_close or 0
        if days > 0 and now >= end - timedelta(days=days):
            out.append(Due(cycle, window, "closing", end))
    return out


def candidates_q(window: str) -> Q:
    """Assessments that still have a paper to take in the window."""
    if window == "exam":
        return Q(status=S.AWAITING_EXAM) & ~Q(delay=DelayStatus.APPROVED)
    return Q(status=S.REEXAM_LISTED) | (Q(status=S.AWAITING_EXAM) & Q(delay=DelayStatus.APPROVED))


def _text(due: Due) -> tuple[str, str]:
    label = WINDOWS[due.window][2]
    end = (due.end.astimezone(UTC) + CST).strftime("%Y年%m月%d日 %H:%M")
    title, body = MESSAGES[due.moment]
    return title.format(label=label), body.format(label=label, end=end)


async def _send_chunk(due: Due, physician_ids: list[int]) -> int:
    title, body = _text(due)
    template = f"window_{due.window}_{due.moment}"
    try:
        async with in_transaction() as conn:
            await ExamWindowNotice.bulk_create(
                [ExamWindowNotice(cycle_id=due.cycle.id, window=due.window, moment=due.moment, physician_id=p)
                 for p in physician_ids], using_db=conn)
            for physician_id in physician_ids:
                await notices.physician_message(conn=conn, physician_id=physician_id, template=template,
                                                title=title, body=body,
                                                data={"cycle_id": due.cycle.id, "window": due.window})
    except IntegrityError:  # another sweep noticed some of them meanwhile: nothing written, next run retries
        log.info("window notices %s/%s: chunk raced with another sweep; left for the next run", due.window,
                 due.moment)
        return 0
    return len(physician_ids)


async def send_due(*, now: datetime | None = None) -> int:
    """One sweep: every due notice not yet sent; returns how many physicians were told."""
    now = now or datetime.now(UTC)
    sent = 0
    for cycle in await Cycle.filter(is_current=True):
        for due in due_moments(cycle, now):
            noticed = Subquery(ExamWindowNotice.filter(cycle_id=cycle.id, window=due.window, moment=due.moment)
                               .values("physician_id"))
            while True:
                ids = await Assessment.filter(candidates_q(due.window), cycle_id=cycle.id, active=True) \
                    .exclude(physician_id__in=noticed).order_by("physician_id").limit(CHUNK) \
                    .values_list("physician_id", flat=True)
                if not ids:
                    break
                done = await _send_chunk(due, list(ids))
                sent += done
                if done == 0:
                    break
    if sent:
        log.info("window notices: %d physicians told", sent)
    return sent


@broker.task(task_name="dkt.window_notices")
async def window_notices() -> int:
    """The taskiq task (also usable from a scheduler): one sweep."""
    return await send_due()


_job = PeriodicJob("window_notices", seconds_setting="WINDOW_NOTICE_SWEEP_SECONDS", run=send_due)


async def start_background() -> None:
    await _job.start()


async def stop_background() -> None:
    await _job.stop()
