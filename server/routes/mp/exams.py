"""Mini-program: 参加测评 (SPEC §4 stage 4, §5, §6; seed manual 2.2.5) — 试卷列表, 人脸信息采集授权,
进入 (start or resume), 保存答案, 交卷, and the face checks at start, mid-exam and submission.
The server owns the clock: every answer carries ``remaining_seconds`` computed on the server."""

from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request

from server.errors import ValidationFailed
from server.models import PaperType
from server.routes.api import endpoint
from server.routes.guards import actor_of
from server.schemas.exams_mp import (
    AnswerBatch,
    AnswerSave,
    AnswerSaved,
    AnswersSaved,
    AttemptView,
    ExamInfo,
    ExamInfoConfirm,
    ExamList,
    FaceCheckDone,
    FaceCheckForm,
    FaceConsentBody,
    FaceConsentGiven,
    FaceGateView,
)
from server.services.access import Role
from server.services.exams import answer_saves, attempts, exam_info, face_gate

bp = Blueprint("mp_exams")
PHYSICIAN = Role.PHYSICIAN


def _paper_type(raw: str) -> PaperType:
    try:
        return PaperType(raw)
    except ValueError:
        raise ValidationFailed("试卷类型无效（应为人文医学或业务水平）",
                               code="invalid_paper_type") from None


@bp.get("/exams/info")
@endpoint(PHYSICIAN, response=ExamInfo)
async def info(request: Request):
    """考核详情: name, masked ID number, institution, 执业类别, 医师级别, 考核程序, 考核时间, confirmed or not."""
    return await exam_info.detail(actor=actor_of(request))


@bp.post("/exams/info/confirm")
@endpoint(PHYSICIAN, body=ExamInfoConfirm, response=ExamInfo)
async def confirm_info(request: Request, body: ExamInfoConfirm):
    """确认考核信息 (idempotent, audited): the 试卷列表 and 进入 wait for it."""
    return await exam_info.confirm(actor=actor_of(request), assessment_id=body.assessment_id)


@bp.get("/exams")
@endpoint(PHYSICIAN, response=ExamList)
async def exam_list(request: Request):
    """试卷列表 (after 确认考核信息, 409 ``exam_info_unconfirmed`` before): each paper, attempts used / left, best score, status, whether it can be entered."""
    return await attempts.exam_list(actor=actor_of(request))


@bp.post("/exams/face-consent")
@endpoint(PHYSICIAN, body=FaceConsentBody, response=FaceConsentGiven)
async def face_consent(request: Request, body: FaceConsentBody):
    """人脸信息采集授权 (before the first exam)."""
    if not body.agree:
        raise ValidationFailed("需同意人脸信息采集授权后才能参加测评", code="consent_required")
    return await attempts.give_consent(actor=actor_of(request))


@bp.post("/exams/<paper_type:str>/start")
@endpoint(PHYSICIAN, response=AttemptView)
async def start(request: Request, paper_type: str):
    """进入: the open attempt (any device) or a new one waiting for the start face check."""
    return await attempts.start(actor=actor_of(request), paper_type=_paper_type(paper_type))


@bp.get("/attempts/<attempt_id:int>")
@endpoint(PHYSICIAN, response=AttemptView)
async def resume(request: Request, attempt_id: int):
    """Resume: questions, saved answers, remaining seconds, the face gate."""
    return await attempts.resume(actor=actor_of(request), attempt_id=attempt_id)


@bp.put("/attempts/<attempt_id:int>/answers/<position:int>")
@endpoint(PHYSICIAN, body=AnswerSave, response=AnswerSaved)
async def save_answer(request: Request, attempt_id: int, position: int, body: AnswerSave):
    """保存一题答案 {answer, seq}: idempotent, ordered by seq."""
    return await answer_saves.save(actor=actor_of(request), attempt_id=attempt_id, position=position,
                                   answer=body.answer, seq=body.seq)


@bp.put("/attempts/<attempt_id:int>/answers")
@endpoint(PHYSICIAN, body=AnswerBatch, response=AnswersSaved)
async def save_answers(request: Request, attempt_id: int, body: AnswerBatch):
    """保存多题答案 (offline replay): all validated, each applied if its seq is newer."""
    return await answer_saves.save_batch(actor=actor_of(request), attempt_id=attempt_id,
                                         items=body.answers)


@bp.post("/attempts/<attempt_id:int>/submit")
@endpoint(PHYSICIAN, response=AttemptView)
async def submit(request: Request, attempt_id: int):
    """交卷 (idempotent; after the deadline it finalises with what was saved)."""
    return await attempts.submit(actor=actor_of(request), attempt_id=attempt_id)


@bp.post("/attempts/<attempt_id:int>/face-check")
@endpoint(PHYSICIAN, form=FaceCheckForm, query=FaceCheckForm, files=("image",), response=FaceCheckDone)
async def face_check(request: Request, attempt_id: int, form: FaceCheckForm, query: FaceCheckForm):
    """人脸核验 (multipart: the picture in any file field, ``moment`` = start | mid | submit | snapshot;
    a snapshot (随机抓拍, when ``gate.snapshot_due``) never blocks the exam)."""
    uploads = [f.body for items in (request.files or {}).values() for f in items]
    if not uploads:
        raise ValidationFailed("请上传人脸照片", code="image_required")
    return await face_gate.check(actor=actor_of(request), attempt_id=attempt_id,
                                 moment=form.moment or query.moment or "", image=uploads[0])


@bp.get("/attempts/<attempt_id:int>/face-gate")
@endpoint(PHYSICIAN, response=FaceGateView)
async def face_gate_state(request: Request, attempt_id: int):
    """The face gate: the check required now, and the checks made so far."""
    return await face_gate.checks_of(actor=actor_of(request), attempt_id=attempt_id)
