"""Mini-program: the physician's assessment (SPEC §4; seed manual 2.2.3-2.2.4) — 首页, 我要报名
(five steps, 照片, 证明材料, 提交信息), 重新选择考核程序, 申请修改, 申请免考, 延期考核, 考核进度."""

from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request

from server.routes.api import endpoint
from server.routes.guards import actor_of
from server.schemas import enrolment as schema
from server.schemas.assessment_mp import (
    AssessmentRecord,
    AssessmentSummary,
    EnrolmentView,
    ExemptionView,
    Home,
    ModificationBody,
    ModificationSaved,
    OwnFile,
    PhotoUploaded,
    ProcedureResubmitBody,
    StepBody,
    StepSaved,
)
from server.schemas.common import IMAGE_FILE, FileDownload, Items
from server.schemas.enrolment import DelayApply, ExemptionApply, ModificationRequest
from server.services.access import Role
from server.services.assessment import applications, enrolment, physician_files, physician_view

bp = Blueprint("mp_assessment")
PHYSICIAN = Role.PHYSICIAN


def _uploads(request: Request) -> list[tuple[str, bytes]]:
    """Every file of a multipart body (wx.uploadFile sends one, field name free)."""
    return [(f.name or "", f.body) for items in (request.files or {}).values() for f in items]


@bp.get("/home")
@endpoint(PHYSICIAN, response=Home)
async def home(request: Request):
    """首页: 未开通报名 / 已开通报名, the stage, what to do next, unread messages, actions."""
    return await physician_view.home(actor=actor_of(request))


@bp.get("/assessment")
@endpoint(PHYSICIAN, response=AssessmentRecord)
async def record(request: Request):
    """考核进度: the whole current record, results once reviewed, history, actions."""
    record = await physician_view.record(actor=actor_of(request))
    # evaluation.review carries only the keys of the stored review (absent, not null, when missing)
    return record.model_dump(exclude_unset=True)


# --- 我要报名 ---------------------------------------------------------------------------------
@bp.get("/enrolment")
@endpoint(PHYSICIAN, response=EnrolmentView)
async def enrolment_view(request: Request):
    """The five steps (drafts over registry data), read-only fields marked, what is missing."""
    return await enrolment.view(actor=actor_of(request))


@bp.put("/enrolment/<step:str>")
@endpoint(PHYSICIAN, body=StepBody, response=StepSaved)
async def save_step(request: Request, step: str, body: StepBody):
    """保存 one step: basic / practice / experience / self_assessment / procedure."""
    data = schema.parse_step(step, body.root, partial=True)
    return await enrolment.save_step(actor=actor_of(request), step=step, data=data)


@bp.post("/enrolment/photo")
@endpoint(PHYSICIAN, files=("file",), response=PhotoUploaded, status=201)
async def upload_photo(request: Request):
    """照片上传 (multipart): a 1-inch portrait photo, JPEG or PNG by content."""
    uploads = _uploads(request)
    name, data = uploads[0] if uploads else ("", b"")
    return await physician_files.upload_photo(actor=actor_of(request), name=name, data=data)


@bp.get("/enrolment/photo")
@endpoint(PHYSICIAN, response=IMAGE_FILE)
async def photo(request: Request):
    """The physician's current photo (JPEG)."""
    return await physician_files.own_photo(actor=actor_of(request))


@bp.post("/uploads")
@endpoint(PHYSICIAN, files=("file",), response=Items[OwnFile], status=201)
async def upload_proofs(request: Request):
    """上传证明材料 (multipart): images or PDFs, checked by content; their ids."""
    rows = await physician_files.upload_proofs(actor=actor_of(request), uploads=_uploads(request))
    return Items(data=rows)


@bp.get("/uploads/<file_id:str>")
@endpoint(PHYSICIAN, response=FileDownload("application/octet-stream", "本人上传的照片或证明材料"))
async def own_upload(request: Request, file_id: str):
    """One of the physician's own uploads."""
    return await physician_files.own_file(actor=actor_of(request), file_id=file_id)


@bp.post("/enrolment/submit")
@endpoint(PHYSICIAN, response=AssessmentSummary)
async def submit(request: Request):
    """提交信息: to the health institution for review."""
    return await enrolment.submit(actor=actor_of(request))


@bp.post("/procedure/resubmit")
@endpoint(PHYSICIAN, body=ProcedureResubmitBody, response=AssessmentSummary)
async def resubmit_procedure(request: Request, body: ProcedureResubmitBody):
    """重新选择考核程序 (after 驳回): 简易程序 or 一般程序, optionally with a new self-assessment."""
    procedure, self_assessment = schema.parse_resubmit(body.root)
    return await enrolment.resubmit_procedure(actor=actor_of(request), procedure=procedure,
                                              self_assessment=self_assessment)


# --- 申请修改 ---------------------------------------------------------------------------------
@bp.post("/modification/request")
@endpoint(PHYSICIAN, body=ModificationRequest, response=AssessmentSummary)
async def request_modification(request: Request, body: ModificationRequest):
    """申请修改 (after enrolment), with an optional note."""
    return await applications.request_modification(actor=actor_of(request), note=body.note)


@bp.put("/modification")
@endpoint(PHYSICIAN, body=ModificationBody, response=ModificationSaved)
async def save_modification(request: Request, body: ModificationBody):
    """修改信息 (允许修改后): {basic?, practice?, experience?}; 姓名 and 证件号码 stay locked."""
    changes = schema.parse_modification(body.root)
    return await applications.save_modification(actor=actor_of(request), changes=changes)


@bp.post("/modification/submit")
@endpoint(PHYSICIAN, response=AssessmentSummary)
async def submit_modification(request: Request):
    """提交修改: for the institution's 确认修改."""
    return await applications.submit_modification(actor=actor_of(request))


# --- 申请免考 / 延期考核 -----------------------------------------------------------------------
@bp.get("/exemption")
@endpoint(PHYSICIAN, response=ExemptionView)
async def exemption(request: Request):
    """申请免考入口: the paper, open or not, the province's reasons, the current application."""
    return await applications.exemption(actor=actor_of(request))


@bp.post("/exemption")
@endpoint(PHYSICIAN, body=ExemptionApply, response=AssessmentSummary)
async def apply_exemption(request: Request, body: ExemptionApply):
    """提交免考申请: reasons, proofs (at least one), note."""
    return await applications.apply_exemption(actor=actor_of(request), reason_ids=body.reason_ids,
                                              proof_ids=body.proof_ids, note=body.note)


@bp.post("/delay")
@endpoint(PHYSICIAN, body=DelayApply, response=AssessmentSummary)
async def apply_delay(request: Request, body: DelayApply):
    """申请延期考核: with a reason, before the deadline."""
    return await applications.apply_delay(actor=actor_of(request), reason=body.reason)
