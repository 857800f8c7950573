"""考核机构管理: apply permission, applications, assessment institutions and the
institutions assigned to them (SPEC §2; seed manual 2.2.3(3), 2.2.5)."""

from __future__ import annotations

from uuid import UUID

from sanic import Blueprint
from sanic.request import Request
from sanic_ext import validate

from server.routes.guards import actor_of, require
from server.routes.render import ok, page, paging, send_file
from server.schemas.accounts import (
    ApplicationReject,
    ApplicationSubmit,
    ApplyPermission,
    ApplyPermissionBatch,
    AssessorSetting,
    IdList,
)
from server.services.access import Role
from server.services.registry import assessment_orgs as svc

bp = Blueprint("admin_assessment", url_prefix="/")

ADMIN = Role.ADMINISTRATION
HOSPITAL = Role.HEALTH_INSTITUTION


# --- 允许 / 不允许 (administration) ------------------------------------------------------


@bp.put("/assessment/apply-permission/<org_id:int>")
@require(ADMIN)
@validate(json=ApplyPermission)
async def set_apply_permission(request: Request, org_id: int, body: ApplyPermission):
    """允许 / 不允许 one health institution to apply."""
    await svc.set_apply_permission(actor=actor_of(request), org_id=org_id, allow=body.allow)
    return ok()


@bp.post("/assessment/apply-permission/batch")
@require(ADMIN)
@validate(json=ApplyPermissionBatch)
async def batch_apply_permission(request: Request, body: ApplyPermissionBatch):
    """批量允许 / 批量不允许: {done, failed}."""
    return ok(await svc.batch_apply_permission(actor=actor_of(request), ids=body.ids, allow=body.allow))


# --- the health institution's application ----------------------------------------------


@bp.get("/assessment/my-application")
@require(HOSPITAL)
async def my_application(request: Request):
    """申请考核机构: whether the institution may apply, and its applications."""
    return ok(await svc.application_status(actor=actor_of(request)))


@bp.post("/assessment/materials")
@require(HOSPITAL)
async def upload_materials(request: Request):
    """上传申请材料 (multipart, any field name): images or PDFs."""
    uploads = [(f.name or "", f.body) for items in (request.files or {}).values() for f in items]
    return ok({"data": await svc.upload_materials(actor=actor_of(request), uploads=uploads)}, status=201)


@bp.post("/assessment/applications")
@require(HOSPITAL)
@validate(json=ApplicationSubmit)
async def submit_application(request: Request, body: ApplicationSubmit):
    """提交申请: a note and the uploaded material ids."""
    row = await svc.submit_application(actor=actor_of(request), note=body.note, material_ids=body.material_ids)
    return ok(row, status=201)


# --- 审批考核机构 (administration) --------------------------------------------------------


@bp.get("/assessment/applications")
@require(ADMIN)
async def list_applications(request: Request):
    """审批考核机构: ?status=pending|approved|rejected&name=."""
    page_no, size = paging(request)
    rows, count = await svc.list_applications(actor=actor_of(request), status=request.args.get("status"),
                                              name=request.args.get("name"), page_no=page_no, size=size)
    return page(rows, count, page_no=page_no, size=size)


@bp.get("/assessment/applications/<application_id:int>")
@require(ADMIN, HOSPITAL)
async def get_application(request: Request, application_id: int):
    """查看: the application and its materials (administration, or the applicant)."""
    return ok(await svc.get_application(actor=actor_of(request), application_id=application_id))


@bp.get("/assessment/applications/<application_id:int>/materials/<file_id:uuid>")
@require(ADMIN, HOSPITAL)
async def download_material(request: Request, application_id: int, file_id: UUID):
    """One material file (administration over it, or the applicant)."""
    await send_file(request, await svc.material_file(actor=actor_of(request), application_id=application_id,
                                                     file_id=file_id))


@bp.post("/assessment/applications/<application_id:int>/approve")
@require(ADMIN)
async def approve_application(request: Request, application_id: int):
    """通过."""
    return ok(await svc.approve_application(actor=actor_of(request), application_id=application_id))


@bp.post("/assessment/applications/<application_id:int>/reject")
@require(ADMIN)
@validate(json=ApplicationReject)
async def reject_application(request: Request, application_id: int, body: ApplicationReject):
    """驳回 with a reason."""
    return ok(await svc.reject_application(actor=actor_of(request), application_id=application_id,
                                           reason=body.reason))


# --- 考核机构列表 / 指定卫生机构 (administration) -------------------------------------------


@bp.get("/assessment/institutions")
@require(ADMIN)
async def list_assessment_institutions(request: Request):
    """考核机构列表 in jurisdiction: ?name=."""
    page_no, size = paging(request)
    rows, count = await svc.list_assessment_institutions(actor=actor_of(request), name=request.args.get("name"),
                                                         page_no=page_no, size=size)
    return page(rows, count, page_no=page_no, size=size)


@bp.get("/assessment/unassigned")
@require(ADMIN)
async def list_unassigned(request: Request):
    """指定卫生机构, left column: health institutions with no assessment institution yet."""
    page_no, size = paging(request)
    rows, count = await svc.list_unassigned(actor=actor_of(request), name=request.args.get("name"),
                                            page_no=page_no, size=size)
    return page(rows, count, page_no=page_no, size=size)


@bp.get("/assessment/institutions/<assessor_id:int>/assigned")
@require(ADMIN)
async def list_assigned(request: Request, assessor_id: int):
    """指定卫生机构, right column: institutions assigned to this assessment institution."""
    page_no, size = paging(request)
    rows, count = await svc.list_assigned(actor=actor_of(request), assessor_id=assessor_id,
                                          name=request.args.get("name"), page_no=page_no, size=size)
    return page(rows, count, page_no=page_no, size=size)


@bp.post("/assessment/institutions/<assessor_id:int>/assign")
@require(ADMIN)
@validate(json=IdList)
async def assign(request: Request, assessor_id: int, body: IdList):
    """添加: assign health institutions (all or nothing)."""
    return ok(await svc.assign(actor=actor_of(request), assessor_id=assessor_id, ids=body.ids))


@bp.post("/assessment/institutions/<assessor_id:int>/unassign")
@require(ADMIN)
@validate(json=IdList)
async def unassign(request: Request, assessor_id: int, body: IdList):
    """撤销: remove institutions from this assessment institution."""
    return ok(await svc.unassign(actor=actor_of(request), assessor_id=assessor_id, ids=body.ids))


@bp.put("/assessment/industry-orgs/<org_id:int>")
@require(ADMIN)
@validate(json=AssessorSetting)
async def set_industry_assessor(request: Request, org_id: int, body: AssessorSetting):
    """行业组织承担考核机构角色: {enabled: true|false}."""
    return ok(await svc.set_industry_assessor(actor=actor_of(request), org_id=org_id, enabled=body.enabled))


# --- the assessment institution's own list ----------------------------------------------


@bp.get("/assessment/my-institutions")
@require(Role.ASSESSMENT_INSTITUTION)
async def my_institutions(request: Request):
    """已指定卫生机构列表."""
    page_no, size = paging(request)
    rows, count = await svc.my_institutions(actor=actor_of(request), name=request.args.get("name"),
                                            page_no=page_no, size=size)
    return page(rows, count, page_no=page_no, size=size)
