"""Saving answers (SPEC §5 "every answer is saved as it is given and survives a dropped
connection, an app restart, a device change and a server restart").

An answer is one ``exam_answer`` row per (attempt, position): the chosen letters, the client's
``seq`` and the time (``models.ExamAnswer``).
- Validated against the paper's shape stored on the attempt (position exists, letters exist for
  that question, single choice and judge exactly one) — no paper re-draw, no join; the shape is
  cached per process (it never changes).
- Ordered by the client's sequence number: an answer is stored only if its ``seq`` is higher than
  the one stored for that position (last write wins per question); a lower or equal one — a
  replay, or a late packet — is acknowledged with the stored state (``applied: false``).
- Refused with 409 ``attempt_closed`` after the deadline or the submission (an expired attempt is
  finalised on the spot), 409 ``face_check_required`` before the start check or while a mid-exam
  check is due.
- PostgreSQL, **group commit** (``DKT_EXAM_SAVE=group``, the default): each process gathers the
  saves that arrive while its previous batch is being committed and writes them in one statement
  (``GROUP_SAVE``: ``INSERT … SELECT … ON CONFLICT … DO UPDATE … WHERE seq < excluded.seq``
  joined to the attempts that are open, which it holds ``FOR KEY SHARE``). The statement is its
  own transaction, so each request is answered only after its batch's COMMIT is durable (fsync,
  synchronous_commit). ``FOR KEY SHARE`` conflicts with the ``FOR UPDATE`` of a submission
  (``attempts.finalise``) and of the face gate: a save either lands before the submission reads
  the answers, or sees the attempt submitted and is refused — never acknowledged and then lost.
  A batch holds one save per (attempt, position); a second one waits for the next batch.
  ``DKT_EXAM_SAVE=single`` writes each save on its own (benchmark comparison).
- SQLite (the embedded default) and offline batches on it: the attempt row is locked and the
  rows are upserted in one transaction.
- Individual saves are not written to the audit log (the hot path); every row carries its time.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from datetime import datetime

from tortoise import connections
from tortoise.transactions import in_transaction

from server.errors import Conflict, NotFound, ValidationFailed
from server.models import AttemptStatus, ExamAnswer, ExamAttempt
from server.schemas.exams_mp import AnswerItem, AnswerSaved, AnswersSaved, BatchSavedItem
from server.services.access import Actor
from server.services.cycles.papers import LETTERS
from server.services.exams import attempts, exam_rules
from server.services.exams import gate as face_gate
from server.services.exams.gate import closed
from server.services.platform.runtime import rt

SHAPE_CACHE_SIZE = 50_000
# A per-process LRU cache of each attempt's paper shape (immutable once drawn): saves skip a query.
_shapes: OrderedDict[int, tuple[int, tuple[str, ...]]] = OrderedDict()

GROUP_SAVE = """
WITH input AS (
    SELECT * FROM unnest($1::bigint[], $2::smallint[], $3::text[], $4::bigint[]) AS t(attempt_id, position, answer, seq)
), open AS MATERIALIZED (
    SELECT a.id, a.deadline FROM exam_attempt a
     WHERE a.id = ANY($1::bigint[]) AND a.status = 'in_progress' AND a.deadline > $5
       AND (a.mid_check_due_at IS NULL OR a.mid_check_due_at > $5)
       FOR KEY SHARE
), written AS (
    INSERT INTO exam_answer AS s (attempt_id, position, answer, seq, saved_at)
    SELECT i.attempt_id, i.position, i.answer, i.seq, $5 FROM input i JOIN open o ON o.id = i.attempt_id
        ON CONFLICT (attempt_id, position) DO UPDATE
       SET answer = excluded.answer, seq = excluded.seq, saved_at = excluded.saved_at
     WHERE s.seq < excluded.seq
    RETURNING s.attempt_id, s.position
)
SELECT i.attempt_id, i.position, o.deadline, w.attempt_id IS NOT NULL AS applied
  FROM input i LEFT JOIN open o ON o.id = i.attempt_id
  LEFT JOIN written w ON w.attempt_id = i.attempt_id AND w.position = i.position
"""


def utcnow() -> datetime:
    return exam_rules.now()


# --- validation ---------------------------------------------------------------------------------
async def shape_for(actor: Actor, attempt_id: int) -> tuple[str, ...]:
    """The attempt's shape, from the process cache or the row; someone else's attempt: 404."""
    cached = _shapes.get(attempt_id)
    if cached is None:
        row = await ExamAttempt.filter(id=attempt_id).values_list("physician_id", "shape")
        if not row:
            raise NotFound("测评记录不存在", code="attempt_not_found")
        cached = (row[0][0], tuple(row[0][1] or ()))
        _shapes[attempt_id] = cached
        if len(_shapes) > SHAPE_CACHE_SIZE:
            _shapes.popitem(last=False)
    if cached[0] != actor.physician_id:
        raise NotFound("测评记录不存在", code="attempt_not_found")
    return cached[1]


def clean_answer(shape: tuple[str, ...], position: int, answer: list[str]) -> list[str]:
    """The letters chosen for one position, checked against the question: sorted, unique."""
    if not 1 <= position <= len(shape):
        raise ValidationFailed(f"第{position}题不在本试卷中（共{len(shape)}题）", code="invalid_position",
                               details={"position": position})
    kind, count = shape[position - 1][0], int(shape[position - 1][1:])
    allowed = LETTERS[:count]
    letters = [str(x).strip().upper() for x in answer]
    if not letters:
        raise ValidationFailed(f"第{position}题请选择答案", code="empty_answer", details={"position": position})
    if any(len(x) != 1 or x not in allowed for x in letters) or len(set(letters)) != len(letters):
        raise ValidationFailed(f"第{position}题的选项只能是{'、'.join(allowed)}（不可重复）", code="invalid_option",
                               details={"position": position})
    if kind in "SJ" and len(letters) != 1:
        label = "判断题" if kind == "J" else "单选题"
        raise ValidationFailed(f"第{position}题是{label}，只能选择一个选项", code="single_choice",
                               details={"position": position})
    return sorted(letters)


# --- why a save was not applied ---------------------------------------------------------------
async def _explain(actor: Actor, attempt: ExamAttempt | None, now: datetime) -> None:
    """Raise the reason an answer cannot be saved now (returns if it could be: a stale seq)."""
    if attempt is None or attempt.physician_id != actor.physician_id:
        raise NotFound("测评记录不存在", code="attempt_not_found")
    if attempt.status == AttemptStatus.SUBMITTED:
        raise closed()
    if attempt.started_at is None:
        raise face_gate.check_required("start")
    if attempts.expired(attempt, now):
        await attempts.finalise(attempt.id, auto=True, now=now)
        raise closed("考试时间已到，已按已保存的答案自动交卷")
    blocked = face_gate.answer_block(attempt, now)
    if blocked:
        raise face_gate.check_required(blocked)


def _remaining(deadline: datetime | None, now: datetime) -> int:
    return max(0, int((deadline - now).total_seconds())) if deadline else 0


async def _ack_stored(attempt_id: int, position: int, deadline: datetime | None, now: datetime) -> AnswerSaved:
    """A save not applied (its seq is not newer): acknowledged with what is stored."""
    stored = (await attempts.answers_of(attempt_id)).get(position)
    return AnswerSaved.model_construct(saved=True, applied=False, position=position,
                                       seq=stored["seq"] if stored else None,
                                       chosen=stored["answer"] if stored else None,
                                       remaining_seconds=_remaining(deadline, now))


# --- group commit (PostgreSQL) ---------------------------------------------------------------------
@dataclass
class _Save:
    attempt_id: int
    position: int
    letters: str
    seq: int
    future: asyncio.Future[tuple[bool, datetime | None]] | None = field(default=None, repr=False)


async def _write_group(saves: list[_Save]) -> dict[tuple[int, int], tuple[bool, datetime | None]]:
    """One statement (one transaction, one durable commit) for saves of distinct (attempt,
    position): per save, whether it was applied and the attempt's deadline (None: not open)."""
    rows = await connections.get("default").execute_query_dict(GROUP_SAVE, [
        [s.attempt_id for s in saves], [s.position for s in saves], [s.letters for s in saves],
        [s.seq for s in saves], utcnow()])
    return {(r["attempt_id"], r["position"]): (bool(r["applied"]), r["deadline"]) for r in rows}


class GroupCommit:
    """Per process: saves wait in a queue while a batch is committed; each flight takes every
    waiting save (one per (attempt, position), at most ``max_batch``) into the next statement.
    Module-level because it is per process by design (one queue per event loop)."""

    def __init__(self) -> None:
        self._queue: deque[_Save] = deque()
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._flights: list[asyncio.Task[None]] = []

    async def write(self, attempt_id: int, position: int, letters: str, seq: int) -> tuple[bool, datetime | None]:
        loop = asyncio.get_running_loop()
        if self._loop is not loop or not self._flights or any(t.done() for t in self._flights):
            self._start(loop)
        assert self._wake is not None
        future: asyncio.Future[tuple[bool, datetime | None]] = loop.create_future()
        self._queue.append(_Save(attempt_id, position, letters, seq, future))
        self._wake.set()
        return await future

    def _start(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._loop is not loop:
            self._queue.clear()  # a new event loop (tests): nothing of the old one can be answered
        for task in self._flights:
            task.cancel()
        self._loop, self._wake = loop, asyncio.Event()
        self._flights = [loop.create_task(self._fly(), name=f"answer-save-flight-{i}")
                         for i in range(rt().settings.EXAM_SAVE_FLIGHTS)]

    def _take(self) -> list[_Save]:
        limit = rt().settings.EXAM_SAVE_GROUP_MAX
        batch: list[_Save] = []
        seen: set[tuple[int, int]] = set()
        later: list[_Save] = []
        while self._queue and len(batch) < limit:
            save = self._queue.popleft()
            key = (save.attempt_id, save.position)
            (later if key in seen else batch).append(save)
            seen.add(key)
        self._queue.extendleft(reversed(later))
        return batch

    async def _fly(self) -> None:
        assert self._wake is not None
        while True:
            if not self._queue:
                self._wake.clear()
                await self._wake.wait()
            batch = self._take()
            if not batch:
                continue
            try:
                results = await _write_group(batch)
            except Exception as exc:  # the database failed: every request of the batch gets the error
                for save in batch:
                    if save.future is not None and not save.future.done():
                        save.future.set_exception(exc)
                continue
            for save in batch:
                if save.future is not None and not save.future.done():
                    save.future.set_result(results.get((save.attempt_id, save.position), (False, None)))

    async def close(self) -> None:
        for task in self._flights:
            task.cancel()
        self._flights = []
        self._loop = None


group_commit = GroupCommit()


def _use_sql() -> bool:
    return rt().settings.is_postgres


# --- saving ---------------------------------------------------------------------------------------
async def save(*, actor: Actor, attempt_id: int, position: int, answer: list[str], seq: int) -> AnswerSaved:
    """保存一题答案 (idempotent, ordered by ``seq``). The hot path: answers are built with
    model_construct (no validation; the values are the ones just checked and stored)."""
    letters = clean_answer(await shape_for(actor, attempt_id), position, answer)
    if _use_sql():
        if rt().settings.DKT_EXAM_SAVE == "group":
            applied, deadline = await group_commit.write(attempt_id, position, "".join(letters), seq)
        else:
            applied, deadline = (await _write_group([_Save(attempt_id, position, "".join(letters), seq)])).get(
                (attempt_id, position), (False, None))
        now = utcnow()
        if applied:
            return AnswerSaved.model_construct(saved=True, applied=True, position=position, seq=seq, chosen=letters,
                                               remaining_seconds=_remaining(deadline, now))
        if deadline is None:
            await _explain(actor, await ExamAttempt.get_or_none(id=attempt_id), now)
        return await _ack_stored(attempt_id, position, deadline, now)
    now = utcnow()
    results, attempt = await _save_locked(actor, attempt_id, [(position, letters, seq)], now)
    if results[0]:
        return AnswerSaved.model_construct(saved=True, applied=True, position=position, seq=seq, chosen=letters,
                                           remaining_seconds=_remaining(attempt.deadline, now))
    return await _ack_stored(attempt_id, position, attempt.deadline, now)


async def save_batch(*, actor: Actor, attempt_id: int, items: list[AnswerItem]) -> AnswersSaved:
    """保存多题答案 (offline replay): every item validated first; each stored if its seq is newer.
    Answered with model_construct (no validation), as ``save``."""
    shape = await shape_for(actor, attempt_id)
    cleaned = [(i.position, clean_answer(shape, i.position, i.answer), i.seq) for i in items]
    now = utcnow()
    applied, attempt = await _save_locked(actor, attempt_id, cleaned, now)
    stored = await attempts.answers_of(attempt_id)
    return AnswersSaved.model_construct(
        saved=True, remaining_seconds=_remaining(attempt.deadline, now),
        results=[BatchSavedItem.model_construct(position=pos, applied=ok,
                                                seq=stored[pos]["seq"] if pos in stored else None,
                                                chosen=stored[pos]["answer"] if pos in stored else None)
                 for (pos, _, _), ok in zip(cleaned, applied, strict=True)])


async def _save_locked(actor: Actor, attempt_id: int, items: list[tuple[int, list[str], int]], now: datetime
                       ) -> tuple[list[bool], ExamAttempt]:
    """The locking path: lock the attempt row, check it is open, upsert each newer answer."""
    async with in_transaction() as conn:
        attempt = await ExamAttempt.filter(id=attempt_id).select_for_update().using_db(conn).first()
        if attempt is None or attempt.status == AttemptStatus.SUBMITTED or attempt.started_at is None \
                or now >= attempt.deadline or face_gate.answer_block(attempt, now):
            problem = attempt
        else:
            problem = None
            rows = {r.position: r for r in await ExamAnswer.filter(
                attempt_id=attempt_id, position__in=[pos for pos, _, _ in items]).using_db(conn)}
            applied = []
            for position, letters, seq in items:
                row = rows.get(position)
                newer = row is None or row.seq < seq
                if newer and row is None:
                    rows[position] = await ExamAnswer.create(attempt_id=attempt_id, position=position,
                                                             answer="".join(letters), seq=seq, saved_at=now,
                                                             using_db=conn)
                elif newer and row is not None:
                    row.answer, row.seq, row.saved_at = "".join(letters), seq, now
                    await row.save(using_db=conn, update_fields=["answer", "seq", "saved_at"])
                applied.append(newer)
    if problem is not None or attempt is None:
        await _explain(actor, attempt, now)
        raise Conflict("答案保存失败，请重试", code="retry")  # not reached: _explain raises for these
    return applied, attempt
