"""Saving answers (SPEC §5 "every answer is saved as it is given and survives a dropped
connection, an app restart, a device change and a server restart").

An answer is ``{position: {"answer": [letters], "seq": n, "at": iso}}`` on the attempt row.
- Validated against the paper's shape stored on the attempt (position exists, letters exist for
  that question, single choice and judge exactly one) — no paper re-draw, no join; the shape is
  cached per process (it never changes).
- Ordered by the client's sequence number: an answer is stored only if its ``seq`` is higher than
  the one stored for that position (last write wins per question); a lower or equal one — a
  replay, or a late packet — is acknowledged with the stored state (``applied: false``).
- Refused with 409 ``attempt_closed`` after the deadline or the submission (an expired attempt is
  finalised on the spot), 409 ``face_check_required`` before the start check or while a mid-exam
  check is due.
- PostgreSQL: one statement, ``UPDATE … SET answers = jsonb_set(…) WHERE id AND owner AND open
  AND before the deadline AND gate open AND stored seq < seq RETURNING deadline`` — atomic
  against a concurrent submission (which locks the row; the UPDATE then finds it submitted).
  Other databases, and batches: the row is locked (``SELECT … FOR UPDATE``) and rewritten.
  ``DKT_EXAM_SAVE=lock`` forces the locking path on PostgreSQL (benchmark comparison only).
- Individual saves are not written to the audit log (the hot path); every entry carries its time
  and the attempt's ``version`` counts the writes.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime
from typing import Any

import orjson
from tortoise import connections
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from server.errors import Conflict, NotFound, ValidationFailed
from server.models import AttemptStatus, ExamAttempt
from server.services.access import Actor
from server.services.cycles.papers import LETTERS
from server.services.exams import attempts, exam_rules
from server.services.exams import gate as face_gate
from server.services.exams.gate import closed
from server.services.platform.runtime import rt

SHAPE_CACHE_SIZE = 50_000
# A per-process LRU cache of each attempt's paper shape (immutable once drawn): saves skip a query.
_shapes: OrderedDict[int, tuple[int, tuple[str, ...]]] = OrderedDict()

ATOMIC_SAVE = """
UPDATE exam_attempt
   SET answers = jsonb_set(answers, ARRAY[$3::text], $4::jsonb, true), version = version + 1, last_saved_at = $5
 WHERE id = $1 AND physician_id = $2 AND status = 'in_progress' AND deadline > $5
   AND (mid_check_due_at IS NULL OR mid_check_due_at > $5)
   AND COALESCE((answers -> $3::text ->> 'seq')::bigint, -1) < $6
RETURNING deadline
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


def _ack(attempt: ExamAttempt | None, position: int, *, applied: bool, now: datetime,
         deadline: datetime | None = None) -> dict[str, Any]:
    entry = ((attempt.answers or {}) if attempt else {}).get(str(position)) or {}
    end = deadline if deadline is not None else (attempt.deadline if attempt else None)
    return {"saved": True, "applied": applied, "position": position, "seq": entry.get("seq"),
            "chosen": entry.get("answer"), "remaining_seconds": max(0, int((end - now).total_seconds())) if end else 0}


def _use_atomic() -> bool:
    return rt().settings.is_postgres and rt().settings.DKT_EXAM_SAVE != "lock"


# --- saving ---------------------------------------------------------------------------------------
async def save(*, actor: Actor, attempt_id: int, position: int, answer: list[str], seq: int) -> dict[str, Any]:
    """保存一题答案 (idempotent, ordered by ``seq``)."""
    letters = clean_answer(await shape_for(actor, attempt_id), position, answer)
    now = utcnow()
    entry = {"answer": letters, "seq": seq, "at": now.isoformat()}
    if _use_atomic():
        rows = await connections.get("default").execute_query_dict(  # fetch: RETURNING rows
            ATOMIC_SAVE, [attempt_id, actor.physician_id, str(position), orjson.dumps(entry).decode(), now, seq])
        if rows:
            return {"saved": True, "applied": True, "position": position, "seq": seq, "chosen": letters,
                    "remaining_seconds": max(0, int((rows[0]["deadline"] - now).total_seconds()))}
        attempt = await ExamAttempt.get_or_none(id=attempt_id)
        await _explain(actor, attempt, now)
        return _ack(attempt, position, applied=False, now=now)
    results, attempt = await _save_locked(actor, attempt_id, [(position, letters, seq)], now)
    return _ack(attempt, position, applied=results[0], now=now)


async def save_batch(*, actor: Actor, attempt_id: int, items: list[dict[str, Any]]) -> dict[str, Any]:
    """保存多题答案 (offline replay): every item validated first; each stored if its seq is newer."""
    shape = await shape_for(actor, attempt_id)
    cleaned = [(int(i["position"]), clean_answer(shape, int(i["position"]), i["answer"]), int(i["seq"]))
               for i in items]
    now = utcnow()
    applied, attempt = await _save_locked(actor, attempt_id, cleaned, now)
    stored = attempt.answers or {}
    return {"saved": True, "remaining_seconds": max(0, int((attempt.deadline - now).total_seconds())),
            "results": [{"position": pos, "applied": ok, "seq": (stored.get(str(pos)) or {}).get("seq"),
                         "chosen": (stored.get(str(pos)) or {}).get("answer")}
                        for (pos, _, _), ok in zip(cleaned, applied, strict=True)]}


async def _save_locked(actor: Actor, attempt_id: int, items: list[tuple[int, list[str], int]], now: datetime
                       ) -> tuple[list[bool], ExamAttempt]:
    """The locking path: lock the row, check, merge by seq, write once."""
    async with in_transaction() as conn:
        attempt = await ExamAttempt.filter(id=attempt_id).select_for_update().using_db(conn).first()
        if attempt is None or attempt.status == AttemptStatus.SUBMITTED or attempt.started_at is None \
                or now >= attempt.deadline or face_gate.answer_block(attempt, now):
            problem = attempt
        else:
            problem = None
            answers = dict(attempt.answers or {})
            applied = []
            for position, letters, seq in items:
                key = str(position)
                newer = int((answers.get(key) or {}).get("seq", -1)) < seq
                if newer:
                    answers[key] = {"answer": letters, "seq": seq, "at": now.isoformat()}
                applied.append(newer)
            if any(applied):
                attempt.answers = answers
                attempt.version += 1
                attempt.last_saved_at = now
                await ExamAttempt.filter(id=attempt.id).using_db(conn).update(
                    answers=answers, version=F("version") + 1, last_saved_at=now)
    if problem is not None or attempt is None:
        await _explain(actor, attempt, now)
        raise Conflict("答案保存失败，请重试", code="retry")  # not reached: _explain raises for these
    return applied, attempt
