"""The exam's face gate as rules over the attempt (SPEC §6): which check is due, why a check is
refused, what the client shows. Pure but for the settings read through the runtime, and for
``bring_mid_check_forward`` (one row update when a submission comes before the mid moment).
The checks themselves (taking the picture, the verifier, the clock start) are in face_gate.py.
"""

from __future__ import annotations

import hashlib
import hmac
import random
from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from server.errors import Conflict
from server.models import AttemptStatus, ExamAttempt, FaceMoment
from server.schemas.exams_mp import FaceGate
from server.services.platform.runtime import rt

rng = random.SystemRandom()
SUBMIT_CHECK_VALID_SECONDS = 300
MID_RANGE = (0.25, 0.75)  # of the attempt's time on the clock


def closed(message: str = "本次测评已交卷，不能再修改答案") -> Conflict:
    return Conflict(message, code="attempt_closed")


# --- the gate, read from the attempt ----------------------------------------------------------
def check_required(moment: str) -> Conflict:
    label = FaceMoment(moment).label
    return Conflict(f"请先完成{label}（人脸识别）后再继续", code="face_check_required", details={"moment": moment})


def _due(attempt: ExamAttempt, now: datetime) -> bool:
    return attempt.mid_check_due_at is not None and attempt.mid_check_due_at <= now


def answer_block(attempt: ExamAttempt, now: datetime) -> str | None:
    """The check that must pass before answers are accepted: "start", "mid", or None."""
    if attempt.started_at is None:
        return "start"
    return "mid" if _due(attempt, now) else None


def mid_checks_missing(attempt: ExamAttempt) -> bool:
    """Drawn mid-exam checks not yet passed (or recorded for review)."""
    return (attempt.mid_passed or 0) < len(attempt.mid_moments or [])


async def bring_mid_check_forward(attempt_id: int, now: datetime) -> None:
    """The physician wants to submit before the mid moment: the mid check is due now."""
    async with in_transaction() as conn:
        attempt = await ExamAttempt.filter(id=attempt_id).select_for_update().using_db(conn).first()
        if attempt is None or attempt.status == AttemptStatus.SUBMITTED or not mid_checks_missing(attempt):
            return
        if attempt.mid_check_due_at is None or attempt.mid_check_due_at > now:
            attempt.mid_check_due_at = now
            attempt.version += 1
            await attempt.save(using_db=conn, update_fields=["mid_check_due_at", "version"])


def submit_check_ok(attempt: ExamAttempt, now: datetime) -> bool:
    at = attempt.submit_check_at
    return at is not None and now - at <= timedelta(seconds=SUBMIT_CHECK_VALID_SECONDS)


SNAPSHOT_RANGE = (0.1, 0.9)  # of the attempt's time on the clock
MAX_SNAPSHOTS_PER_ATTEMPT = 30


def snapshot_moments(attempt: ExamAttempt, count: int | None = None) -> list[datetime]:
    """The attempt's silent snapshot moments: random, chosen by the server (derived from the secret
    key, the attempt and its start, so nothing is stored or sent in advance)."""
    if attempt.started_at is None or attempt.deadline is None:
        return []
    if count is None:
        count = int(getattr(rt().settings, "FACE_SNAPSHOTS", 0))
    span = (attempt.deadline - attempt.started_at).total_seconds()
    if count <= 0 or span < 60:
        return []
    seed = hmac.new(rt().settings.SECRET_KEY.encode(), f"snapshot:{attempt.id}:{attempt.started_at.isoformat()}".encode(),
                    hashlib.sha256).digest()
    draw = random.Random(seed)
    low, high = SNAPSHOT_RANGE
    return sorted(attempt.started_at + timedelta(seconds=draw.uniform(low * span, high * span)) for _ in range(count))


def snapshot_due(attempt: ExamAttempt, now: datetime) -> bool:
    if attempt.status == AttemptStatus.SUBMITTED or (attempt.deadline is not None and now >= attempt.deadline):
        return False
    passed = sum(1 for m in snapshot_moments(attempt) if m <= now)
    return passed > (attempt.snapshots_taken or 0)


def gate_of(attempt: ExamAttempt, now: datetime) -> FaceGate:
    """What the client shows: the state and the check it must make now (the mid moments are
    never part of it). Built with model_construct (no validation): it is part of every attempt
    view and face check."""
    if attempt.status == AttemptStatus.SUBMITTED:
        state, required = "closed", None
    elif attempt.started_at is None:
        state, required = "awaiting_start_check", "start"
    elif _due(attempt, now):
        state, required = "awaiting_mid_check", "mid"
    else:
        state, required = "open", None
    return FaceGate.model_construct(
        state=state, required=required, start_check_passed=attempt.started_at is not None,
        mid_checks_passed=attempt.mid_passed, submit_check_passed=submit_check_ok(attempt, now),
        snapshot_due=snapshot_due(attempt, now))


def draw_mid_moments(started_at: datetime, deadline: datetime, count: int) -> list[datetime]:
    span = (deadline - started_at).total_seconds()
    if count <= 0 or span < 60:
        return []
    low, high = MID_RANGE
    return sorted(started_at + timedelta(seconds=rng.uniform(low * span, high * span)) for _ in range(count))


# --- a check --------------------------------------------------------------------------------------
def _not_due(message: str) -> Conflict:
    return Conflict(message, code="face_check_not_due")


def _refusal(attempt: ExamAttempt, moment: FaceMoment, now: datetime) -> Exception | None:
    """Why a check of this moment cannot be taken now."""
    if attempt.status == AttemptStatus.SUBMITTED:
        return closed()
    if moment == FaceMoment.START:
        return _not_due("已通过开考核验，无需重复核验") if attempt.started_at is not None else None
    if attempt.started_at is None:
        return check_required("start")
    if attempt.deadline is not None and now >= attempt.deadline:
        return closed("考试时间已到，已按已保存的答案自动交卷")
    if moment == FaceMoment.MID and not _due(attempt, now):
        return _not_due("当前无需进行考中核验")
    if moment == FaceMoment.SNAPSHOT and (attempt.snapshots_taken or 0) >= MAX_SNAPSHOTS_PER_ATTEMPT:
        return _not_due("本场考试的抓拍已足够，无需继续上传")
    return None


def replayed() -> Conflict:
    return Conflict("该照片已上传过，请使用摄像头重新拍摄", code="replayed_image")


def _mid_max_retries() -> int:
    return max(1, int(getattr(rt().settings, "FACE_MID_MAX_RETRIES", 3)))


