"""考核机构管理: apply permission, applications, assessment institutions and the
institutions assigned to them (SPEC §2; seed manual 2.2.3(3), 2.2.5)."""

from __future__ import annotations

from uuid import UUID

from sanic import Blueprint
from sanic.request import Request

from server.routes.api import endpoint
from server.routes.guards import actor_of
from server.schemas.accounts import (
    ApplicationReject,
    ApplicationSubmit,
    ApplyPermission,
    ApplyPermissionBatch,
    AssessorSetting,
    IdList,
)
from server.schemas.assessment_orgs import (
    ApplicationDetail,
    ApplicationQuery,
    ApplicationRow,
    ApplicationStatusView,
    AssessmentOrgRow,
    AssessorRow,
    Assigned,
    MaterialFile,
    OrgNameQuery,
    Unassigned,
)
from server.schemas.common import BatchResult, Done, FileDownload, Items, Page
from server.services.access import Role
from server.services.registry import assessment_orgs as svc

bp = Blueprint("admin_assessment", url_prefix="/")

ADMIN = Role.ADMINISTRATION
HOSPITAL = Role.HEALTH_INSTITUTION


# --- 允许 / 不允许 (administration) ------------------------------------------------------


@bp.put("/assessment/apply-permission/<org_id:int>")
@endpoint(ADMIN, body=ApplyPermission, response=Done)
async def set_apply_permission(request: Request, org_id: int, body: ApplyPermission):
    """允许 / 不允许 one health institution to apply."""
    await svc.set_apply_permission(actor=actor_of(request), org_id=org_id, allow=body.allow)
    return Done()


@bp.post("/assessment/apply-permission/batch")
@endpoint(ADMIN, body=ApplyPermissionBatch, response=BatchResult)
async def batch_apply_permission(request: Request, body: ApplyPermissionBatch):
    """批量允许 / 批量不允许: {done, failed}."""
    return await svc.batch_apply_permission(actor=actor_of(request), ids=body.ids, allow=body.allow)


# --- the health institution's application ----------------------------------------------


@bp.get("/assessment/my-application")
@endpoint(HOSPITAL, response=ApplicationStatusView)
async def my_application(request: Request):
    """申请考核机构: whether the institution may apply, and its applications."""
    return await svc.application_status(actor=actor_of(request))


@bp.post("/assessment/materials")
@endpoint(HOSPITAL, files=("file",), response=Items[MaterialFile], status=201)
async def upload_materials(request: Request):
    """上传申请材料 (multipart, any field name): images or PDFs."""
    uploads = [(f.name or "", f.body) for items in (request.files or {}).values() for f in items]
    return Items(data=await svc.upload_materials(actor=actor_of(request), uploads=uploads))


@bp.post("/assessment/applications")
@endpoint(HOSPITAL, body=ApplicationSubmit, response=ApplicationRow, status=201)
async def submit_application(request: Request, body: ApplicationSubmit):
    """提交申请: a note and the uploaded material ids."""
    return await svc.submit_application(actor=actor_of(request), note=body.note, material_ids=body.material_ids)


# --- 审批考核机构 (administration) --------------------------------------------------------


@bp.get("/assessment/applications")
@endpoint(ADMIN, query=ApplicationQuery, response=Page[ApplicationRow])
async def list_applications(request: Request, query: ApplicationQuery):
    """审批考核机构: ?status=pending|approved|rejected&name=."""
    rows, count = await svc.list_applications(actor=actor_of(request), status=query.status, name=query.name,
                                              page_no=query.page, size=query.size)
    return Page.of(rows, count, query)


@bp.get("/assessment/applications/<application_id:int>")
@endpoint(ADMIN, HOSPITAL, response=ApplicationDetail)
async def get_application(request: Request, application_id: int):
    """查看: the application and its materials (administration, or the applicant)."""
    return await svc.get_application(actor=actor_of(request), application_id=application_id)


@bp.get("/assessment/applications/<application_id:int>/materials/<file_id:uuid>")
@endpoint(ADMIN, HOSPITAL, response=FileDownload("application/octet-stream", "图片或 PDF"))
async def download_material(request: Request, application_id: int, file_id: UUID):
    """One material file (administration over it, or the applicant)."""
    return await svc.material_file(actor=actor_of(request), application_id=application_id, file_id=file_id)


@bp.post("/assessment/applications/<application_id:int>/approve")
@endpoint(ADMIN, response=ApplicationRow)
async def approve_application(request: Request, application_id: int):
    """通过."""
    return await svc.approve_application(actor=actor_of(request), application_id=application_id)


@bp.post("/assessment/applications/<application_id:int>/reject")
@endpoint(ADMIN, body=ApplicationReject, response=ApplicationRow)
async def reject_application(request: Request, application_id: int, body: ApplicationReject):
    """驳回 with a reason."""
    return await svc.reject_application(actor=actor_of(request), application_id=application_id,
                                        reason=body.reason)


# --- 考核机构列表 / 指定卫生机构 (administration) -------------------------------------------


@bp.get("/assessment/institutions")
@endpoint(ADMIN, query=OrgNameQuery, response=Page[AssessorRow])
async def list_assessment_institutions(request: Request, query: OrgNameQuery):
    """考核机构列表 in jurisdiction: ?name=."""
    rows, count = await svc.list_assessment_institutions(actor=actor_of(request), name=query.name,
                                                         page_no=query.page, size=query.size)
    return Page.of(rows, count, query)


@bp.get("/assessment/unassigned")
@endpoint(ADMIN, query=OrgNameQuery, response=Page[AssessmentOrgRow])
async def list_unassigned(request: Request, query: OrgNameQuery):
    """指定卫生机构, left column: health institutions with no assessment institution yet."""
    rows, count = await svc.list_unassigned(actor=actor_of(request), name=query.name,
                                            page_no=query.page, size=query.size)
    return Page.of(rows, count, query)


@bp.get("/assessment/institutions/<assessor_id:int>/assigned")
@endpoint(ADMIN, query=OrgNameQuery, response=Page[AssessmentOrgRow])
async def list_assigned(request: Request, assessor_id: int, query: OrgNameQuery):
    """指定卫生机构, right column: institutions assigned to this assessment institution."""
    rows, count = await svc.list_assigned(actor=actor_of(request), assessor_id=assessor_id,
                                          name=query.name, page_no=query.page, size=query.size)
    return Page.of(rows, count, query)


@bp.post("/assessment/institutions/<assessor_id:int>/assign")
@endpoint(ADMIN, body=IdList, response=Assigned)
async def assign(request: Request, assessor_id: int, body: IdList):
    """添加: assign health institutions (all or nothing)."""
    return await svc.assign(actor=actor_of(request), assessor_id=assessor_id, ids=body.ids)


@bp.post("/assessment/institutions/<assessor_id:int>/unassign")
@endpoint(ADMIN, body=IdList, response=Unassigned)
async def unassign(request: Request, assessor_id: int, body: IdList):
    """撤销: remove institutions from this assessment institution."""
    return await svc.unassign(actor=actor_of(request), assessor_id=assessor_id, ids=body.ids)


@bp.put("/assessment/industry-orgs/<org_id:int>")
@endpoint(ADMIN, body=AssessorSetting, response=AssessmentOrgRow)
async def set_industry_assessor(request: Request, org_id: int, body: AssessorSetting):
    """行业组织承担考核机构角色: {enabled: true|false}."""
    return await svc.set_industry_assessor(actor=actor_of(request), org_id=org_id, enabled=body.enabled)


# --- the assessment institution's own list ----------------------------------------------


@bp.get("/assessment/my-institutions")
@endpoint(Role.ASSESSMENT_INSTITUTION, query=OrgNameQuery, response=Page[AssessmentOrgRow])
async def my_institutions(request: Request, query: OrgNameQuery):
    """已指定卫生机构列表."""
    rows, count = await svc.my_institutions(actor=actor_of(request), name=query.name,
                                            page_no=query.page, size=query.size)
    return Page.of(rows, count, query)
