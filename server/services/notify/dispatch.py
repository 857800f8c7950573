"""The notification dispatcher: delivers the outbox and retries (SPEC §7 "retried until
delivered or definitively refused").

All state is in the ``outbox_message`` table, so a restart loses nothing:

1. **Claim** (one short transaction): due rows — status pending, ``next_attempt_at`` null or
   ≤ now — in id order, ``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL so several workers
   share the work without waiting on each other; each claimed row gets ``attempts + 1`` and a
   lease (``next_attempt_at = now + LEASE_SECONDS``) so no other dispatcher takes it meanwhile.
   A dispatcher that dies mid-way leaves leased rows that become due again when the lease ends.
2. **Send** outside the transaction (delivery.py), a few at a time.
3. **Record**: sent (``sent_at``); a definitive refusal → failed with the reason, at once;
   a retryable failure → ``next_attempt_at = now + backoff`` (exponential, capped, with jitter),
   or failed once OUTBOX_MAX_ATTEMPTS attempts are used up. A verification code is blanked
   from the payload as soon as its row is no longer pending.

How it runs (the same code in both modes):
- **kick**: ``kick(ids)`` (notify.py, sms.py) only records the ids and wakes a background
  "kicker" task of the process; after a short pause (the event's transaction commits) the kicker
  sends the taskiq task ``dkt.deliver_outbox`` — run in the API process by the in-memory broker
  (embedded default), or by any ``taskiq worker server.services.platform.broker:broker`` with TASK_BROKER=redis.
- **sweep**: every OUTBOX_SWEEP_SECONDS a loop delivers whatever is due (retries, rows whose
  kick was lost, rows left by a restart) and runs the hourly review-reminder scan. It runs in the
  API process on the in-memory broker, and in each worker process with TASK_BROKER=redis.
OUTBOX_AUTO_DISPATCH=false turns kicks and sweeps off (tests call ``dispatch_due`` directly).

Logs carry outbox ids, channels, templates and reasons — never payloads, codes, phones or openids.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from taskiq import InMemoryBroker
from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from server.models import OutboxMessage, OutboxStatus
from server.services.notify import delivery
from server.services.notify.sms import CODE_TEMPLATE
from server.services.platform.broker import broker
from server.services.platform.runtime import rt

log = logging.getLogger("server.dispatch")

LEASE_SECONDS = 300  # > the longest a batch can take (timeouts are seconds)
BATCH_SIZE = 100
CONCURRENCY = 10  # messages in flight per dispatcher
MAX_BATCHES = 50  # per run; the next kick or sweep goes on
KICK_PAUSE = 0.1  # seconds the kicker waits, so the event's transaction has committed
MAX_KICK_IDS = 1000
PENDING = OutboxStatus.PENDING


def utcnow() -> datetime:
    return datetime.now(UTC)


def backoff_seconds(attempts: int, *, base: float, cap: float, jitter: float | None = None) -> float:
    """The wait after the ``attempts``-th failed attempt: base·2^(attempts-1), capped, then
    "equal jitter" (between half and all of it) so retries of a burst spread out."""
    raw = min(float(cap), float(base) * 2 ** max(0, attempts - 1))
    return raw / 2 + (random.random() if jitter is None else jitter) * raw / 2


@dataclass
class DispatchStats:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0

    def add(self, other: DispatchStats) -> None:
        for k, v in asdict(other).items():
            setattr(self, k, getattr(self, k) + v)


def _due(now: datetime) -> Q:
    return Q(status=PENDING) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))


async def claim_due(*, now: datetime | None = None, limit: int = BATCH_SIZE) -> list[OutboxMessage]:
    """Take up to ``limit`` due rows for this dispatcher (attempts + 1, leased)."""
    now = now or utcnow()
    async with in_transaction() as conn:
        rows = await (OutboxMessage.filter(_due(now)).order_by("id").limit(limit)
                      .select_for_update(skip_locked=True).using_db(conn))
        if not rows:
            return []
        lease = now + timedelta(seconds=LEASE_SECONDS)
        await OutboxMessage.filter(id__in=[r.id for r in rows]).using_db(conn).update(
            attempts=F("attempts") + 1, next_attempt_at=lease)
    for r in rows:
        r.attempts += 1
        r.next_attempt_at = lease
    return rows


def _final_payload(msg: OutboxMessage) -> dict[str, Any] | None:
    """A verification code is not kept once its row is done (sent or failed)."""
    if msg.template == CODE_TEMPLATE and (msg.payload or {}).get("code"):
        return {**msg.payload, "code": ""}
    return None


async def _record(msg: OutboxMessage, **changes: Any) -> None:
    if changes.get("status") in (OutboxStatus.SENT, OutboxStatus.FAILED):
        blanked = _final_payload(msg)
        if blanked is not None:
            changes["payload"] = blanked
    # only while it is still ours (pending); never resurrect a finished row
    await OutboxMessage.filter(id=msg.id, status=PENDING).update(**changes)
    for k, v in changes.items():
        setattr(msg, k, v)


Outcome = Literal["sent", "retried", "failed"]


async def deliver_one(msg: OutboxMessage, *, now: datetime | None = None) -> Outcome:
    """Send one claimed row and record what happened (never raises)."""
    s = rt().settings
    if msg.attempts > s.OUTBOX_MAX_ATTEMPTS:  # claimed again and again without finishing (crashes)
        await _record(msg, status=OutboxStatus.FAILED, last_error="[interrupted] 多次投递中断，已停止重试")
        log.warning("outbox %s %s/%s failed: interrupted %s times", msg.id, msg.channel, msg.template, msg.attempts)
        return "failed"
    try:
        address = await delivery.send(msg)
    except delivery.DeliveryError as exc:
        error = exc
    except Exception as exc:  # a bug or an unexpected library error: retry, bounded
        log.exception("outbox %s %s/%s: unexpected error", msg.id, msg.channel, msg.template)
        error = delivery.Retryable("internal_error", f"内部错误（{type(exc).__name__}）")
    else:
        changes: dict[str, Any] = {"status": OutboxStatus.SENT, "sent_at": utcnow(), "last_error": ""}
        if address:
            changes["address"] = address[:64]
        await _record(msg, **changes)
        log.info("outbox %s %s/%s sent (attempt %s)", msg.id, msg.channel, msg.template, msg.attempts)
        return "sent"
    tried = {"address": error.address[:64]} if error.address else {}
    if not error.retryable:
        await _record(msg, status=OutboxStatus.FAILED, last_error=error.reason, **tried)
        log.info("outbox %s %s/%s refused: %s", msg.id, msg.channel, msg.template, error.reason)
        return "failed"
    if msg.attempts >= s.OUTBOX_MAX_ATTEMPTS:
        await _record(msg, status=OutboxStatus.FAILED,
                      last_error=f"{error.reason}（已尝试{msg.attempts}次，停止重试）", **tried)
        log.warning("outbox %s %s/%s failed after %s attempts: %s", msg.id, msg.channel, msg.template,
                    msg.attempts, error.reason)
        return "failed"
    wait = backoff_seconds(msg.attempts, base=s.OUTBOX_BACKOFF_SECONDS, cap=s.OUTBOX_BACKOFF_MAX_SECONDS)
    await _record(msg, next_attempt_at=(now or utcnow()) + timedelta(seconds=wait), last_error=error.reason, **tried)
    log.info("outbox %s %s/%s retry in %.0fs (attempt %s): %s", msg.id, msg.channel, msg.template, wait,
             msg.attempts, error.reason)
    return "retried"


async def dispatch_due(*, now: datetime | None = None, batch_size: int = BATCH_SIZE,
                       max_batches: int = MAX_BATCHES) -> DispatchStats:
    """Deliver what is due, batch after batch (one dispatcher; run several at once freely)."""
    total = DispatchStats()
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(msg: OutboxMessage) -> Outcome:
        async with gate:
            return await deliver_one(msg, now=now)

    for _ in range(max_batches):
        rows = await claim_due(now=now, limit=batch_size)
        if not rows:
            break
        outcomes = await asyncio.gather(*(one(m) for m in rows))
        total.add(DispatchStats(claimed=len(rows), sent=outcomes.count("sent"),
                                retried=outcomes.count("retried"), failed=outcomes.count("failed")))
        if len(rows) < batch_size:
            break
    return total


@broker.task(task_name="dkt.deliver_outbox")
async def deliver_outbox(ids: list[int] | None = None) -> dict[str, int]:
    """The taskiq task a kick sends: deliver what is due. ``ids`` (just queued) not yet visible
    (their transaction still committing) are waited for briefly; the sweep catches any others."""
    total = await dispatch_due()
    waiting = set(ids or [])
    for pause in (0.2, 0.5, 1.0):
        if not waiting:
            break
        seen = set(await OutboxMessage.filter(id__in=list(waiting)).values_list("id", flat=True))
        waiting -= seen
        if seen:
            total.add(await dispatch_due())
        if waiting:
            await asyncio.sleep(pause)
    return asdict(total)


# --- kick and sweep: background tasks of the process ------------------------------------
class _Background:
    def __init__(self, *, sweep: bool, also: Sequence[Callable[[], Awaitable[Any]]] = ()) -> None:
        self.also = tuple(also)
        self.ids: set[int] = set()
        self.wake = asyncio.Event()
        self.tasks = [asyncio.create_task(self._kicker(), name="outbox-kicker")]
        if sweep:
            self.tasks.append(asyncio.create_task(self._sweeper(), name="outbox-sweeper"))

    async def _kicker(self) -> None:
        while True:
            await self.wake.wait()
            await asyncio.sleep(KICK_PAUSE)
            self.wake.clear()
            ids, self.ids = sorted(self.ids)[:MAX_KICK_IDS], set()
            try:
                await deliver_outbox.kiq(ids)
            except Exception as exc:  # e.g. Redis down: the sweep delivers later
                log.warning("outbox kick not sent (%s); the sweep will deliver", type(exc).__name__)

    async def _sweeper(self) -> None:
        while True:
            await asyncio.sleep(max(1, rt().settings.OUTBOX_SWEEP_SECONDS))
            try:
                stats = await dispatch_due()
                if stats.claimed:
                    log.info("outbox sweep: %s", asdict(stats))
                for step in self.also:  # e.g. reminders.maybe_run (server/background.py)
                    await step()
            except Exception:
                log.exception("outbox sweep failed; trying again next time")

    async def stop(self) -> None:
        for t in self.tasks:
            t.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


# This process's kicker and sweeper (started and stopped by server/background.py).
_background: _Background | None = None


def kick(ids: Iterable[int] = ()) -> None:
    """Deliver soon. Safe inside a transaction: it only wakes the kicker (no task, no query)."""
    if _background is None:
        return
    try:
        if not rt().settings.OUTBOX_AUTO_DISPATCH:
            return
    except RuntimeError:
        return
    _background.ids.update(ids)
    _background.wake.set()


async def start_background(*, role: Literal["api", "worker"],
                           also: Sequence[Callable[[], Awaitable[Any]]] = ()) -> None:
    """Start the kicker, and the sweep where this process delivers: the API process on the
    in-memory broker, every worker process with TASK_BROKER=redis. ``also``: steps run after
    each sweep (the review reminders, which sit above dispatch: server/background.py)."""
    global _background
    await stop_background()
    sweep = rt().settings.OUTBOX_AUTO_DISPATCH and (role == "worker" or isinstance(broker, InMemoryBroker))
    _background = _Background(sweep=sweep, also=also)
    log.info("outbox dispatcher started (%s, sweep=%s)", role, sweep)


async def stop_background() -> None:
    global _background
    background, _background = _background, None
    if background is not None:
        await background.stop()
