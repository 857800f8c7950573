"""Timed exam attempts (SPEC §4 stage 4, §5, §9): start, resume, submit, and the automatic
submission at the deadline. Rules in ``exam_rules.py``; answers in ``answer_saves.py``;
the face checks in ``face_gate.py``; the deadline sweep in ``exam_sweeper.py``.

- **Start** (试卷列表 → 进入): refused with a stable code outside the window, before the
  prerequisites, with no attempts left, after a pass, without 人脸信息采集授权. The paper is
  drawn with ``papers.draw_paper`` (idempotent; usually drawn before the window opens). The
  assessment row is locked while the attempt is created and ``open_slot`` is unique, so two
  devices starting at once get the same attempt; an open attempt is resumed, never doubled.
- **The clock** is the server's: it starts when the start face check passes (``face_gate``) —
  the time a physician needs to get the camera right is not exam time — and ends at
  ``deadline = min(start + duration, end of the window)``. Clients get ``remaining_seconds``
  computed on the server and never send elapsed time.
- **Submit** is idempotent (a second call returns the stored result). Before the deadline it
  needs a passed submit face check; at or after the deadline it finalises with what was saved,
  never refused (``auto_submitted``), and so does the sweeper. Scoring (``papers.score``) and
  pass/fail (the pass line stored when the attempt began) happen in the same transaction as the
  submission, and so does 完成测评 / 完成再次考核 (``transitions.transition`` as the system) when the
  physician's required papers are complete (all passed or exempted, or one failed for good).
- The correct answers and per-question correctness never leave the server: a physician sees
  the score (if the province's ``show_score`` allows) and whether the attempt passed.
"""

from __future__ import annotations

import logging
from datetime import datetime
from enum import Enum
from typing import Any, TypedDict

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from server.errors import Conflict, DomainError, NotFound
from server.models import (
    Assessment,
    AttemptStatus,
    Cycle,
    ExamAnswer,
    ExamAttempt,
    FaceConsent,
    Paper,
    PaperPurpose,
    PaperType,
    Physician,
    Question,
    QuestionType,
)
from server.schemas.common import Choice, Labelled
from server.schemas.exams_mp import (
    AttemptResult,
    AttemptView,
    ExamList,
    ExamPaperRow,
    FaceConsentGiven,
    SavedAnswer,
)
from server.services import audit
from server.services.access import Actor
from server.services.assessment import transitions
from server.services.assessment.physician_view import require_mine
from server.services.cycles import papers
from server.services.exams import exam_info, exam_rules
from server.services.exams import gate as face_gate

log = logging.getLogger("server.attempts")
SHAPE_CODES = {QuestionType.SINGLE.value: "S", QuestionType.MULTIPLE.value: "M", QuestionType.JUDGE.value: "J"}
SUBMITTED = AttemptStatus.SUBMITTED


def utcnow() -> datetime:
    return exam_rules.now()


def slot(assessment_id: int, purpose: PaperPurpose) -> str:
    return f"{assessment_id}:{purpose.value}"


def remaining_seconds(attempt: ExamAttempt, now: datetime) -> int:
    """Seconds left on the server's clock (0 once submitted or past the deadline)."""
    if attempt.status == SUBMITTED or attempt.deadline is None:
        return 0
    return max(0, int((attempt.deadline - now).total_seconds()))


def expired(attempt: ExamAttempt, now: datetime) -> bool:
    return attempt.status != SUBMITTED and attempt.deadline is not None and now >= attempt.deadline


def labelled(value: Enum) -> Labelled:
    """``{value, label}`` without validation (the attempt view is on the exam-start path)."""
    return Labelled[type(value)].model_construct(value=value, label=value.label)  # type: ignore[index,attr-defined]


class StoredAnswer(TypedDict):
    """One saved answer as read from ``exam_answer``: the display letters, the client's seq, the time."""

    answer: list[str]
    seq: int
    at: datetime


# --- the results other modules read (成绩评定, 再次考核) ------------------------------------------
async def _states(assessment: Assessment, purpose: PaperPurpose, *, conn: Any = None
                  ) -> dict[PaperType, exam_rules.PaperState]:
    cycle = await Cycle.get(id=assessment.cycle_id).using_db(conn)
    level = (await Physician.filter(id=assessment.physician_id).using_db(conn).values_list("level", flat=True))[0]
    return await exam_rules.paper_states(assessment, cycle, level, purpose, conn=conn)


async def paper_results(assessment_id: int, *, purpose: str = "first") -> dict[str, exam_rules.PaperResult]:
    """Each paper the physician's procedure involves ("humanities", and "professional" for the
    general procedure): {required, exempt, attempts (started), max_attempts, best_score, passed
    (None when not taken, exempted or not required), finished}."""
    assessment = await Assessment.get_or_none(id=assessment_id)
    if assessment is None:
        raise NotFound("考核记录不存在", code="assessment_not_found")
    states = await _states(assessment, PaperPurpose(purpose))
    return {paper_type.value: state.as_result() for paper_type, state in states.items()}


async def papers_complete(assessment_id: int, *, purpose: str = "first") -> bool:
    """Whether the exams of this purpose are over: every required paper passed or exempted, or one
    failed with no attempt left."""
    assessment = await Assessment.get_or_none(id=assessment_id)
    if assessment is None:
        raise NotFound("考核记录不存在", code="assessment_not_found")
    return exam_rules.complete(await _states(assessment, PaperPurpose(purpose)))


# --- views --------------------------------------------------------------------------------------
async def shape_of(paper: Paper) -> list[str]:
    """Per position: the question type's letter and the number of options ("S5", "M4", "J2")."""
    kinds = dict(await Question.filter(id__in=list(paper.question_ids)).values_list("id", "qtype"))
    return [f"{SHAPE_CODES[str(kinds[qid])]}{len(order)}"
            for qid, order in zip(paper.question_ids, paper.option_orders, strict=True)]


async def answers_of(attempt_id: int, *, conn: Any = None) -> dict[int, StoredAnswer]:
    """The stored answers of an attempt (``exam_answer`` rows): position → chosen letters, seq, time."""
    rows = await ExamAnswer.filter(attempt_id=attempt_id).using_db(conn).order_by("position").values_list(
        "position", "answer", "seq", "saved_at")
    return {pos: {"answer": list(letters), "seq": seq, "at": at} for pos, letters, seq, at in rows}


def saved_answers(stored: dict[int, StoredAnswer]) -> dict[str, SavedAnswer]:
    """The saved answers as the client shows them: position → chosen letters, seq, time
    (model_construct: on the exam-start path, values straight from the database)."""
    return {str(pos): SavedAnswer.model_construct(chosen=e["answer"], seq=e["seq"], at=exam_rules.local(e["at"]))
            for pos, e in sorted(stored.items())}


async def view(attempt: ExamAttempt, *, now: datetime | None = None, cycle: Cycle | None = None,
               assessment: Assessment | None = None, with_paper: bool = True) -> AttemptView:
    """One attempt for its physician: the clock, the gate, saved answers; the questions while it
    runs; the result once submitted. Never an answer key or per-question correctness.
    Built with model_construct (no validation): it answers exam start, resume, submit and every
    face check, and its values come straight from the attempt row."""
    now = now or utcnow()
    cycle = cycle or await Cycle.get(id=attempt.cycle_id)
    rules = exam_rules.rules_for(cycle, attempt.paper_type, None)
    running = attempt.status == AttemptStatus.IN_PROGRESS and attempt.started_at is not None
    if attempt.started_at is None and attempt.status != SUBMITTED:
        assessment = assessment or await Assessment.get(id=attempt.assessment_id)
        window = exam_rules.window_for(cycle, assessment, attempt.purpose)
        left_in_window = int((window.end - now).total_seconds()) if window.end else 0
        remaining = max(0, min(attempt.duration_minutes * 60, left_in_window))
    else:
        remaining = remaining_seconds(attempt, now)
    stored = await answers_of(attempt.id)
    paper = await papers.client_view(await Paper.get(id=attempt.paper_id)) if running and with_paper else None
    result = None
    if attempt.status == SUBMITTED:
        result = AttemptResult.model_construct(
            score=attempt.score if rules.show_score else None, score_visible=rules.show_score,
            passed=attempt.passed, pass_line=attempt.pass_line, auto_submitted=attempt.auto_submitted)
    return AttemptView.model_construct(
        id=attempt.id, paper_type=labelled(attempt.paper_type), purpose=labelled(attempt.purpose),
        attempt_no=attempt.attempt_no, status=labelled(attempt.status), clock_running=running,
        duration_minutes=attempt.duration_minutes, question_count=len(attempt.shape),
        started_at=exam_rules.local(attempt.started_at), deadline=exam_rules.local(attempt.deadline),
        submitted_at=exam_rules.local(attempt.submitted_at),
        remaining_seconds=remaining, server_time=now, gate=face_gate.gate_of(attempt, now),
        saved_answers=saved_answers(stored), answered_count=len(stored),
        paper=paper, result=result,
    )


async def mine(actor: Actor, attempt_id: int) -> ExamAttempt:
    """The caller's own attempt; anyone else's is not found."""
    attempt = await ExamAttempt.get_or_none(id=attempt_id, physician_id=actor.physician_id)
    if attempt is None:
        raise NotFound("测评记录不存在", code="attempt_not_found")
    return attempt


async def resume(*, actor: Actor, attempt_id: int) -> AttemptView:
    """Resume on any device: saved answers and the remaining time. An attempt past its deadline
    (the sweeper not there yet) is finalised first."""
    attempt = await mine(actor, attempt_id)
    now = utcnow()
    if expired(attempt, now):
        attempt = await finalise(attempt.id, auto=True, now=now)
    return await view(attempt, now=now)


# --- 人脸信息采集授权 -------------------------------------------------------------------------------
async def give_consent(*, actor: Actor) -> FaceConsentGiven:
    """人脸信息采集授权 for the current cycle (seed manual 2.2.5), once; idempotent."""
    physician, cycle, _ = await require_mine(actor)
    consent = await FaceConsent.get_or_none(physician_id=physician.id, cycle_id=cycle.id)
    if consent is None:
        try:
            async with in_transaction() as conn:
                consent = await FaceConsent.create(physician_id=physician.id, cycle_id=cycle.id,
                                                   ip=(actor.ip or "")[:64] or None, using_db=conn)
                await audit.record(actor, "face.consent", "cycle", cycle.id, using_db=conn)
        except IntegrityError:
            consent = await FaceConsent.get(physician_id=physician.id, cycle_id=cycle.id)
    return FaceConsentGiven(consented=True, consented_at=consent.consented_at)


# --- start ----------------------------------------------------------------------------------------
def refuse(refusal: tuple[str, str]) -> Conflict:
    return Conflict(refusal[1], code=refusal[0])


async def start(*, actor: Actor, paper_type: PaperType) -> AttemptView:
    """进入 a paper: the open attempt if there is one (any device), else a new one waiting for the
    start face check (its clock starts when that check passes)."""
    physician, cycle, assessment = await require_mine(actor)
    purpose = exam_rules.purpose_of(assessment)
    if purpose is None:
        raise Conflict(f"当前考核状态（{assessment.status.label}）不能参加测评", code="not_exam_stage")
    exam_info.require_confirmed(assessment)
    now = utcnow()
    states = await exam_rules.paper_states(assessment, cycle, physician.level, purpose)
    state = states.get(paper_type)
    current = state.open_attempt if state else None
    if current is not None and current.started_at is not None:
        return await resume(actor=actor, attempt_id=current.id)
    window = exam_rules.window_for(cycle, assessment, purpose)
    refusal = exam_rules.start_refusal(assessment, states, paper_type, window, now)
    if refusal:
        raise refuse(refusal)
    if current is not None:
        return await view(current, now=now, cycle=cycle, assessment=assessment)
    assert state is not None
    if not await FaceConsent.exists(physician_id=physician.id, cycle_id=cycle.id):
        raise Conflict("首次参加测评前，请先进行人脸信息采集授权", code="face_consent_required")
    attempt_no = max((a.attempt_no for a in state.attempts), default=0) + 1
    paper = await papers.draw_paper(assessment=assessment, paper_type=paper_type, attempt_no=attempt_no,
                                    purpose=purpose, actor=actor)
    shape = await shape_of(paper)
    key = slot(assessment.id, purpose)
    created: ExamAttempt | None = None
    try:
        async with in_transaction() as conn:
            locked = await Assessment.filter(id=assessment.id).select_for_update().using_db(conn).get()
            if not await ExamAttempt.filter(open_slot=key).using_db(conn).exists():
                fresh = await exam_rules.paper_states(locked, cycle, physician.level, purpose, conn=conn)
                refusal = exam_rules.start_refusal(locked, fresh, paper_type,
                                                   exam_rules.window_for(cycle, locked, purpose), now)
                if refusal:
                    raise refuse(refusal)
                if max((a.attempt_no for a in fresh[paper_type].attempts), default=0) + 1 != attempt_no:
                    raise Conflict("测评状态已变化，请刷新后重试", code="retry")
                created = await ExamAttempt.create(
                    assessment_id=assessment.id, physician_id=physician.id, cycle_id=cycle.id, paper_id=paper.id,
                    paper_type=paper_type, purpose=purpose, attempt_no=attempt_no, open_slot=key,
                    duration_minutes=state.rules.duration_minutes, window_end=exam_rules.local(window.end) if window.end else window.end, shape=shape,
                    pass_line=state.rules.pass_line, using_db=conn)
                await audit.record(actor, "exam_attempt.create", "exam_attempt", created.id, using_db=conn, after={
                    "assessment_id": assessment.id, "paper_type": paper_type.value, "purpose": purpose.value,
                    "attempt_no": attempt_no})
    except IntegrityError:
        created = None  # another device created it a moment ago: use that one
    attempt = created or await ExamAttempt.get_or_none(open_slot=key)
    if attempt is None:
        raise Conflict("测评状态已变化，请刷新后重试", code="retry")
    if attempt.paper_type != paper_type:
        raise Conflict(f"请先完成正在进行的{attempt.paper_type.label}测评", code="another_exam_open")
    return await view(attempt, now=now, cycle=cycle, assessment=assessment)


# --- submit and finalise ------------------------------------------------------------------------
async def submit(*, actor: Actor, attempt_id: int) -> AttemptView:
    """交卷: idempotent. Before the deadline every drawn mid-exam check must have passed (or been
    recorded for review) — submitting before its moment asks for it now — and then a passed submit
    face check is needed; at or after the deadline it finalises with what was saved (never refused,
    never waiting for a face)."""
    attempt = await mine(actor, attempt_id)
    now = utcnow()
    if attempt.status != SUBMITTED:
        if attempt.started_at is None:
            raise Conflict("尚未开始答题（请先完成开考人脸核验）", code="attempt_not_started")
        late = expired(attempt, now)
        if not late and face_gate.mid_checks_missing(attempt):
            # a submission cannot skip the mid-exam check: its moment is brought forward to now
            await face_gate.bring_mid_check_forward(attempt.id, now)
            raise face_gate.check_required("mid")
        if not late and not face_gate.submit_check_ok(attempt, now):
            raise face_gate.check_required("submit")
        attempt = await finalise(attempt.id, auto=late, actor=actor, now=now)
    return await view(attempt, now=now, with_paper=False)


async def finalise(attempt_id: int, *, auto: bool, actor: Actor | None = None, now: datetime | None = None
                   ) -> ExamAttempt:
    """Submit one attempt with what was saved (no-op if already submitted)."""
    async with in_transaction() as conn:
        attempt = await ExamAttempt.filter(id=attempt_id).select_for_update().using_db(conn).first()
        if attempt is None:
            raise NotFound("测评记录不存在", code="attempt_not_found")
        await finalise_locked(attempt, conn=conn, auto=auto, actor=actor, now=now)
    return attempt


async def finalise_locked(attempt: ExamAttempt, *, conn: Any, auto: bool, actor: Actor | None = None,
                          now: datetime | None = None) -> bool:
    """Inside the caller's transaction, the attempt row locked: score, store, and move the
    assessment on when its papers are complete. False if it was submitted already."""
    if attempt.status == SUBMITTED:
        return False
    if attempt.started_at is None:
        raise Conflict("尚未开始答题（请先完成开考人脸核验）", code="attempt_not_started")
    now = now or utcnow()
    paper = await Paper.get(id=attempt.paper_id).using_db(conn)
    stored = await answers_of(attempt.id, conn=conn)
    score, _ = await papers.score(paper, {str(pos): e["answer"] for pos, e in stored.items()})
    attempt.status = SUBMITTED
    attempt.open_slot = None
    attempt.submitted_at = now
    attempt.auto_submitted = auto
    attempt.score = score
    attempt.passed = score >= (attempt.pass_line if attempt.pass_line is not None else 60)
    attempt.version += 1
    await attempt.save(using_db=conn, update_fields=["status", "open_slot", "submitted_at", "auto_submitted",
                                                     "score", "passed", "version"])
    await audit.record(actor, "exam_attempt.auto_submit" if auto else "exam_attempt.submit", "exam_attempt",
                       attempt.id, using_db=conn, after={"score": score, "passed": attempt.passed,
                                                         "answered": len(stored)})
    await finish_if_complete(attempt.assessment_id, attempt.purpose, conn=conn)
    return True


async def finish_if_complete(assessment_id: int, purpose: PaperPurpose, *, conn: Any = None) -> bool:
    """完成测评 / 完成再次考核 (as the system) when this purpose's required papers are complete."""
    assessment = await Assessment.get(id=assessment_id).using_db(conn)
    if exam_rules.purpose_of(assessment) != purpose:
        return False
    if not exam_rules.complete(await _states(assessment, purpose, conn=conn)):
        return False
    try:
        await transitions.transition(actor=transitions.system_actor(), assessment_id=assessment_id,
                                  action=exam_rules.FINISH_ACTION[purpose], data={"by": "exam_submission"})
    except DomainError as exc:  # moved on meanwhile (e.g. an administration's 驳回)
        log.info("assessment %s: %s not made (%s)", assessment_id, exam_rules.FINISH_ACTION[purpose], exc.code)
        return False
    return True


# --- 试卷列表 ------------------------------------------------------------------------------------
async def exam_list(*, actor: Actor) -> ExamList:
    """考核详情 → 试卷列表: each paper of the procedure, exempted or not, attempts used and left,
    the best score (per the province's show_score), its status, whether it can be entered now
    and why not, and the window."""
    physician, cycle, assessment = await require_mine(actor)
    if exam_rules.purpose_of(assessment) is not None:
        exam_info.require_confirmed(assessment)  # 考核详情 → 确认考核信息 → 试卷列表
    now = utcnow()
    purpose = exam_rules.purpose_of(assessment) or (
        PaperPurpose.REEXAM if assessment.status.value.startswith("reexam") else PaperPurpose.FIRST)
    window = exam_rules.window_for(cycle, assessment, purpose)
    states = await exam_rules.paper_states(assessment, cycle, physician.level, purpose)
    consent = await FaceConsent.exists(physician_id=physician.id, cycle_id=cycle.id)
    rows = []
    for paper_type, state in states.items():
        refusal = exam_rules.start_refusal(assessment, states, paper_type, window, now)
        current = state.open_attempt
        if current is not None and current.started_at is not None:
            refusal = None  # an attempt under way can always be resumed until its deadline
        status = exam_rules.paper_status(state, refusal)
        rules = state.rules
        rows.append(ExamPaperRow(
            paper_type=Labelled.of(paper_type), required=state.required, exempt=state.exempt,
            status=Choice(value=status[0], label=status[1]),
            duration_minutes=rules.duration_minutes, question_count=rules.question_count,
            pass_line=rules.pass_line, max_attempts=rules.max_attempts,
            attempts_used=len(state.started), attempts_left=state.attempts_left,
            best_score=state.best_score if rules.show_score else None, score_visible=rules.show_score,
            passed=state.passed, open_attempt_id=current.id if current else None,
            can_enter=refusal is None, reason_code=refusal[0] if refusal else "",
            reason=refusal[1] if refusal else "",
        ))
    return ExamList(assessment_id=assessment.id, assessment_status=Labelled.of(assessment.status),
                    procedure=Labelled.of(assessment.procedure), purpose=Labelled.of(purpose),
                    window=window.as_view(now), face_consent=consent, server_time=now, papers=rows)
