"""The deadline sweeper (SPEC §5 "at the deadline it is submitted automatically with what was
saved"): submits every attempt whose deadline has passed.

All state is in the ``exam_attempt`` table (status, deadline), so a restart loses nothing: the
first sweep after start-up submits whatever expired while the server was down.

- **Claim** one due attempt at a time — ``status = in_progress AND deadline <= now``, oldest
  deadline first, ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL — and finalise it in the same
  transaction (``attempts.finalise_locked``: score, store, 完成测评 when complete). Several
  sweepers (each API worker, each taskiq worker) share the work without waiting on each other,
  and a physician's own late submit simply finds it submitted. CONCURRENCY claims run at once.
- **Where it runs** (as ``dispatch`` does): in the API process on the in-memory broker (embedded
  default), in every ``taskiq worker`` process with TASK_BROKER=redis; every SWEEP_SECONDS, the
  first time shortly after start-up. OUTBOX_AUTO_DISPATCH=false turns the background scans off
  (tests call ``sweep_due`` directly).
- Independently of the sweeper, an expired attempt is finalised on the spot whenever its
  physician touches it (resume, save, face check, submit).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Literal

from tortoise.transactions import in_transaction

from server.errors import DomainError
from server.models import AttemptStatus, ExamAttempt
from server.services.exams import attempts, exam_rules
from server.services.platform.broker import broker
from server.services.platform.runtime import rt

log = logging.getLogger("server.exam_sweeper")
SWEEP_SECONDS = 5
FIRST_SWEEP_SECONDS = 1.0
CONCURRENCY = 2  # claims at once per process (each holds a pooled connection)
MAX_PER_SWEEP = 5000


@dataclass
class SweepStats:
    submitted: int = 0
    failed: int = 0


async def _claim_and_submit(now: datetime) -> bool | None:
    """Finalise one due attempt: True done, None nothing due, False failed (logged)."""
    attempt_id = None
    try:
        async with in_transaction() as conn:
            attempt = await (ExamAttempt.filter(status=AttemptStatus.IN_PROGRESS, deadline__lte=now)
                             .order_by("deadline", "id").limit(1).select_for_update(skip_locked=True)
                             .using_db(conn).first())
            if attempt is None:
                return None
            attempt_id = attempt.id
            await attempts.finalise_locked(attempt, conn=conn, auto=True, now=now)
        return True
    except DomainError as exc:
        log.warning("exam sweep: attempt %s not submitted (%s)", attempt_id, exc.code)
    except Exception:
        log.exception("exam sweep: attempt %s not submitted", attempt_id)
    return False


async def sweep_due(*, now: datetime | None = None, limit: int = MAX_PER_SWEEP,
                    concurrency: int = CONCURRENCY) -> SweepStats:
    """Submit every attempt past its deadline (up to ``limit``); safe to run anywhere, any time."""
    now = exam_rules.local(now) if now is not None else exam_rules.now()  # compared as text on SQLite: one zone
    stats = SweepStats()
    budget = limit

    async def worker() -> None:
        nonlocal budget
        failures = 0
        while budget > 0 and failures < 3:
            budget -= 1
            done = await _claim_and_submit(now)
            if done is None:
                return
            if done:
                stats.submitted += 1
            else:
                stats.failed += 1
                failures += 1

    await asyncio.gather(*(worker() for _ in range(max(1, concurrency))))
    if stats.submitted or stats.failed:
        log.info("exam sweep: %s", asdict(stats))
    return stats


# --- the background loop of a process ---------------------------------------------------------
# This process's sweeper task (started and stopped by server/background.py).
_task: asyncio.Task[None] | None = None


async def _loop(first: float, every: float) -> None:
    await asyncio.sleep(first)
    while True:
        try:
            await sweep_due()
        except Exception:
            log.exception("exam sweep failed; trying again next time")
        await asyncio.sleep(every)


async def start_background(*, role: Literal["api", "worker"], force: bool = False,
                           every: float = SWEEP_SECONDS) -> bool:
    """Start the sweep where this process does background work: the API process on the
    in-memory broker, every worker process with TASK_BROKER=redis. Returns whether it runs."""
    global _task
    from taskiq import InMemoryBroker

    await stop_background()
    here = role == "worker" or isinstance(broker, InMemoryBroker)
    if not force and not (here and rt().settings.OUTBOX_AUTO_DISPATCH):
        return False
    _task = asyncio.create_task(_loop(min(FIRST_SWEEP_SECONDS, every), every), name="exam-sweeper")
    log.info("exam deadline sweeper started (%s, every %ss)", role, every)
    return True


async def stop_background() -> None:
    global _task
    task, _task = _task, None
    if task is not None:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
