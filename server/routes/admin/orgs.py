"""本机构信息, 卫生机构管理 and 科室信息维护 (SPEC §1)."""

from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request

from server.routes.api import endpoint
from server.routes.guards import actor_of
from server.schemas.common import Done, Items, Page
from server.schemas.orgs import (
    DepartmentBatch,
    DepartmentCreate,
    DepartmentQuery,
    DepartmentsCreated,
    DepartmentTree,
    DepartmentUpdate,
    DepartmentView,
    InstitutionChoice,
    InstitutionChoiceQuery,
    InstitutionDetail,
    InstitutionQuery,
    InstitutionRow,
    OrgSelfUpdate,
    OwnOrg,
)
from server.services.access import Role
from server.services.registry import departments, orgs

bp = Blueprint("admin_orgs", url_prefix="/")

ADMIN = Role.ADMINISTRATION
HOSPITAL = Role.HEALTH_INSTITUTION


@bp.get("/orgs/self")
@endpoint(response=OwnOrg)
async def get_self(request: Request):
    """本机构信息: the caller's organisation and its forms (卫健委/考核管理委员会/考核办公室 or 本机构信息)."""
    return await orgs.get_own_org(actor=actor_of(request))


@bp.put("/orgs/self")
@endpoint(ADMIN, HOSPITAL, Role.INDUSTRY_ORG, body=OrgSelfUpdate, response=OwnOrg)
async def update_self(request: Request, body: OrgSelfUpdate):
    """【编辑】→【确认】/【保存】/【提交】 of 本机构信息; each form sent replaces the stored one."""
    forms = {key: value for key, value in body.model_dump(mode="json").items() if value is not None}
    return await orgs.update_own_org(actor=actor_of(request), forms=forms)


@bp.get("/institutions")
@endpoint(ADMIN, query=InstitutionQuery, response=Page[InstitutionRow])
async def list_institutions(request: Request, query: InstitutionQuery):
    """卫生机构管理 → 查询: ?name=&region_id=&is_assessment_institution=&page=&size=."""
    rows, count = await orgs.list_institutions(
        actor=actor_of(request),
        name=query.name,
        region_id=query.region_id,
        is_assessment_institution=orgs.parse_bool(query.is_assessment_institution, "is_assessment_institution"),
        page_no=query.page, size=query.size,
    )
    return Page.of(rows, count, query)


@bp.get("/institutions/choices")
@endpoint(ADMIN, HOSPITAL, query=InstitutionChoiceQuery, response=Items[InstitutionChoice])
async def institution_choices(request: Request, query: InstitutionChoiceQuery):
    """卫生机构 to choose when moving a physician (人员调出申请 / 调出暂存区 / 变更卫生机构): by name, 20 at most."""
    return Items(data=await orgs.institution_choices(actor=actor_of(request), name=query.name))


@bp.get("/institutions/<org_id:int>")
@endpoint(ADMIN, response=InstitutionDetail)
async def get_institution(request: Request, org_id: int):
    """卫生机构管理 → 查看."""
    return await orgs.get_institution(actor=actor_of(request), org_id=org_id)


@bp.get("/departments")
@endpoint(ADMIN, HOSPITAL, Role.ASSESSMENT_INSTITUTION, query=DepartmentQuery, response=DepartmentTree)
async def list_departments(request: Request, query: DepartmentQuery):
    """科室信息 as a tree; ?org_id= for an institution in the caller's jurisdiction."""
    return await departments.department_tree(actor=actor_of(request), org_id=query.org_id)


@bp.post("/departments")
@endpoint(HOSPITAL, body=DepartmentCreate, response=DepartmentView, status=201)
async def create_department(request: Request, body: DepartmentCreate):
    """创建一级科室 / 二级科室 → 单一创建."""
    return await departments.create_department(actor=actor_of(request), name=body.name,
                                               description=body.description, parent_id=body.parent_id)


@bp.post("/departments/batch")
@endpoint(HOSPITAL, body=DepartmentBatch, response=DepartmentsCreated, status=201)
async def create_departments(request: Request, body: DepartmentBatch):
    """批量创建 (all or nothing; bad rows listed in details.rows)."""
    rows = await departments.create_departments(
        actor=actor_of(request), parent_id=body.parent_id, rows=[item.model_dump() for item in body.items]
    )
    return DepartmentsCreated(data=rows, count=len(rows))


@bp.put("/departments/<dept_id:int>")
@endpoint(HOSPITAL, body=DepartmentUpdate, response=DepartmentView)
async def update_department(request: Request, dept_id: int, body: DepartmentUpdate):
    """修改科室名称 / 科室介绍."""
    return await departments.update_department(actor=actor_of(request), dept_id=dept_id, name=body.name,
                                               description=body.description)


@bp.delete("/departments/<dept_id:int>")
@endpoint(HOSPITAL, response=Done)
async def delete_department(request: Request, dept_id: int):
    """删除科室 (refused while used by physicians or with 二级科室)."""
    await departments.delete_department(actor=actor_of(request), dept_id=dept_id)
    return Done()
