"""The face-check gate of an exam attempt (SPEC §4 stage 4, §6) — the rules as data are in
gate.py, the verifiers (picture-only, or the real pipeline through ``rt().face``) in face_verify.py.

Rules (what is fair to physicians, and what refuses to go on):
- **start**: an attempt is created waiting for a start check; its clock starts only when a start
  check passes (``started_at``; ``deadline = min(now + duration, end of the window)``), so the
  time spent getting the camera right is not exam time. No questions are sent before.
- **mid**: when the clock starts the server draws ``mid_checks`` random moments (default 1) between
  25 % and 75 % of the attempt's time. They are stored on the attempt and never sent in advance.
  From a moment on, answers are refused with 409 ``face_check_required`` (moment ``mid``) until a
  mid check passes; the clock keeps running meanwhile (the server's clock never pauses).
- **submit**: submitting before the deadline needs a submit check passed within the last
  ``SUBMIT_CHECK_VALID_SECONDS``. The automatic submission at the deadline (sweeper, or a late
  submit) never waits for a check.
- A failed check is recorded (decision, reason, image) and the physician tries again; it is
  answered 200 with ``passed: false`` (it is an outcome, not an error). A check that is not due
  (a mid check before its moment, a second start check) is refused with ``face_check_not_due``.
- Every check's image is re-encoded (no EXIF) and kept as a StoredFile for review (§6).
- **snapshot** (随机抓拍): silent pictures at server-chosen random moments (``FACE_SNAPSHOTS``, drawn
  from the attempt and the secret key, never sent); ``gate.snapshot_due`` tells the client one is
  due. A snapshot never blocks the exam: it is judged, stored and recorded for review.
- A mid moment whose check failed ``FACE_MID_MAX_RETRIES`` times is recorded for review
  (``needs_review``) and the exam goes on.
- A picture already uploaded for this attempt (same sha256) is refused, 409 ``replayed_image``, and
  not counted: always for snapshots, for every moment with the real pipeline (``PipelineVerifier``).

The default verifier (``BasicImageVerifier``) only judges the picture: a real JPEG/PNG that is
not a black, blank or covered frame (mean brightness and contrast on a small grey thumbnail).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from datetime import datetime, timedelta
from typing import Any

from tortoise.transactions import in_transaction

from server.errors import Conflict, ValidationFailed
from server.models import Assessment, Cycle, ExamAttempt, FaceCheck, FaceMoment
from server.schemas.exams_mp import FaceCheckDone, FaceCheckOut, FaceCheckRow, FaceGateView
from server.services import audit
from server.services.access import Actor
from server.services.exams import attempts, exam_rules, face_verify
from server.services.exams.face_verify import FaceDecision, FaceVerifier  # noqa: F401 - re-exported
from server.services.exams.gate import (  # noqa: F401 - the gate's rules, re-exported for callers
    MAX_SNAPSHOTS_PER_ATTEMPT,
    MID_RANGE,
    SNAPSHOT_RANGE,
    SUBMIT_CHECK_VALID_SECONDS,
    _due,
    _mid_max_retries,
    _not_due,
    _refusal,
    answer_block,
    bring_mid_check_forward,
    check_required,
    closed,
    draw_mid_moments,
    gate_of,
    mid_checks_missing,
    replayed,
    rng,
    snapshot_due,
    snapshot_moments,
    submit_check_ok,
)
from server.services.platform import files

log = logging.getLogger("server.face_gate")
FACE_IMAGE_SIDE = 640


def get_verifier() -> FaceVerifier:
    """The verifier of this process: the real pipeline when a face checker was chosen at start-up
    (``rt().face``, server/background.py), else the picture-only BasicImageVerifier."""
    return face_verify.verifier()


async def _mid_failures(attempt_id: int, conn: Any) -> int:
    """Failed mid checks since the last mid moment was passed or recorded for review."""
    rows = await FaceCheck.filter(attempt_id=attempt_id, moment=FaceMoment.MID).order_by("-id").limit(50) \
        .using_db(conn).values_list("passed", "needs_review")
    count = 0
    for passed, review in rows:
        if passed or review:
            break
        count += 1
    return count


async def _start_clock(attempt: ExamAttempt, now: datetime, conn: Any) -> Cycle:
    """The start check passed: the clock starts now (the window read afresh)."""
    cycle = await Cycle.get(id=attempt.cycle_id).using_db(conn)
    assessment = await Assessment.get(id=attempt.assessment_id).using_db(conn)
    window = exam_rules.window_for(cycle, assessment, attempt.purpose)
    if not window.is_open(now):
        raise Conflict(f"不在{window.label}时间内，不能开始答题", code="window_closed")
    rules = exam_rules.rules_for(cycle, attempt.paper_type, None)
    assert window.end is not None
    attempt.started_at = now
    attempt.start_check_at = now
    attempt.window_end = exam_rules.local(window.end)
    # in the configured zone like every instant the exam code compares (SQLite compares the stored text;
    # a window end written with another offset made the deadline sweep misfire)
    attempt.deadline = exam_rules.local(min(now + timedelta(minutes=attempt.duration_minutes), window.end))
    moments = draw_mid_moments(now, attempt.deadline, rules.mid_checks)
    attempt.mid_moments = [m.isoformat() for m in moments]
    attempt.mid_check_due_at = moments[0] if moments else None
    return cycle


def _next_mid(attempt: ExamAttempt) -> datetime | None:
    moments = [datetime.fromisoformat(m) for m in attempt.mid_moments or []]
    return moments[attempt.mid_passed] if attempt.mid_passed < len(moments) else None


async def check(*, actor: Actor, attempt_id: int, moment: str, image: bytes) -> FaceCheckDone:
    """人脸核验 at start / mid / submit: judge the picture, keep it, and open the gate if passed.
    The answer is built with model_construct (no validation): the face-gate path."""
    try:
        which = FaceMoment(moment)
    except ValueError:
        raise ValidationFailed("核验时机应为 start、mid、submit 或 snapshot", code="invalid_moment") from None
    attempt = await attempts.mine(actor, attempt_id)
    now = exam_rules.now()
    if attempts.expired(attempt, now):
        await attempts.finalise(attempt.id, auto=True, now=now)
        attempt = await attempts.mine(actor, attempt_id)
    problem = _refusal(attempt, which, now)
    if problem is not None:
        raise problem
    digest = hashlib.sha256(image).hexdigest()
    verifier = get_verifier()
    replays_refused = which == FaceMoment.SNAPSHOT or bool(getattr(verifier, "refuse_replays", False))
    if replays_refused and await FaceCheck.filter(attempt_id=attempt.id, image_sha256=digest).exists():
        raise replayed()
    clean = await asyncio.to_thread(files.clean_image, image, max_side=FACE_IMAGE_SIDE, quality=82)
    decision = await verifier.verify(attempt=attempt, moment=which.value, image=clean.data)
    stored = await files.store(clean, purpose="face_check", original_name=f"face-{attempt.id}-{which.value}.jpg",
                               owner_physician_id=actor.physician_id)
    cycle: Cycle | None = None
    async with in_transaction() as conn:
        locked = await ExamAttempt.filter(id=attempt.id).select_for_update().using_db(conn).get()
        now = exam_rules.now()
        problem = _refusal(locked, which, now)
        if problem is not None:
            raise problem
        if replays_refused and await FaceCheck.filter(attempt_id=locked.id, image_sha256=digest).using_db(conn).exists():
            raise replayed()
        needs_review = decision.needs_review
        gate_passes = decision.passed
        reason = decision.reason
        if which == FaceMoment.MID and not decision.passed \
                and await _mid_failures(locked.id, conn) + 1 >= _mid_max_retries():
            needs_review = gate_passes = True  # a few retries, then a person decides; the exam goes on
            reason = f"{reason}（多次核验未通过，已记录并将由工作人员人工复核，可继续考试）"
        if which == FaceMoment.SNAPSHOT:
            needs_review = needs_review or not decision.passed
        row = await FaceCheck.create(attempt_id=locked.id, physician_id=locked.physician_id, moment=which,
                                     passed=decision.passed, decision=decision.decision[:32],
                                     reason=reason[:255], faces=decision.faces,
                                     similarity=decision.similarity, image_file_id=stored.id,
                                     image_sha256=digest, embedding=decision.embedding,
                                     pose=list(decision.pose) if decision.pose else None,
                                     needs_review=needs_review, using_db=conn)
        if which == FaceMoment.SNAPSHOT:
            locked.snapshots_taken = (locked.snapshots_taken or 0) + 1
            await locked.save(using_db=conn, update_fields=["snapshots_taken"])
        elif gate_passes:
            if which == FaceMoment.START:
                cycle = await _start_clock(locked, now, conn)
            elif which == FaceMoment.MID:
                locked.mid_passed += 1
                locked.mid_check_due_at = _next_mid(locked)
            else:
                locked.submit_check_at = now
            locked.version += 1
            await locked.save(using_db=conn, update_fields=[
                "started_at", "start_check_at", "window_end", "deadline", "mid_moments", "mid_check_due_at",
                "mid_passed", "submit_check_at", "version"])
        await audit.record(actor, f"face.check.{which.value}", "exam_attempt", locked.id, using_db=conn, after={
            "check_id": row.id, "passed": decision.passed, "decision": decision.decision, "needs_review": needs_review})
    out = await attempts.view(locked, now=now, cycle=cycle, with_paper=which == FaceMoment.START and decision.passed)
    return FaceCheckDone.model_construct(
        check=FaceCheckOut.model_construct(
            id=row.id, moment=attempts.labelled(which), passed=decision.passed, decision=decision.decision,
            reason=reason, faces=decision.faces, similarity=decision.similarity, needs_review=needs_review),
        gate=out.gate, attempt=out)


async def checks_of(*, actor: Actor, attempt_id: int) -> FaceGateView:
    """The gate state and the checks made so far (no images, no mid moments). Built with
    model_construct like the rest of the face gate."""
    attempt = await attempts.mine(actor, attempt_id)
    now = exam_rules.now()
    rows = await FaceCheck.filter(attempt_id=attempt.id).order_by("id")
    return FaceGateView.model_construct(
        attempt_id=attempt.id, gate=gate_of(attempt, now),
        checks=[FaceCheckRow.model_construct(
            id=r.id, moment=attempts.labelled(r.moment), passed=r.passed, decision=r.decision, reason=r.reason,
            faces=r.faces, similarity=r.similarity, needs_review=r.needs_review, at=r.created_at)
            for r in rows])
