"""本机构信息, 卫生机构管理 and 科室信息维护 (SPEC §1)."""

from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request
from sanic_ext import validate

from server.routes.guards import actor_of, require
from server.routes.render import int_arg, ok, page, paging
from server.schemas.orgs import DepartmentBatch, DepartmentCreate, DepartmentUpdate, OrgSelfUpdate
from server.services.access import Role
from server.services.registry import departments, orgs

bp = Blueprint("admin_orgs", url_prefix="/")

ADMIN = Role.ADMINISTRATION
HOSPITAL = Role.HEALTH_INSTITUTION


@bp.get("/orgs/self")
@require()
async def get_self(request: Request):
    """本机构信息: the caller's organisation and its forms (卫健委/考核管理委员会/考核办公室 or 本机构信息)."""
    return ok(await orgs.get_own_org(actor=actor_of(request)))


@bp.put("/orgs/self")
@require(ADMIN, HOSPITAL, Role.INDUSTRY_ORG)
@validate(json=OrgSelfUpdate)
async def update_self(request: Request, body: OrgSelfUpdate):
    """【编辑】→【确认】/【保存】/【提交】 of 本机构信息; each form sent replaces the stored one."""
    forms = {key: value for key, value in body.model_dump(mode="json").items() if value is not None}
    return ok(await orgs.update_own_org(actor=actor_of(request), forms=forms))


@bp.get("/institutions")
@require(ADMIN)
async def list_institutions(request: Request):
    """卫生机构管理 → 查询: ?name=&region_id=&is_assessment_institution=&page=&size=."""
    page_no, size = paging(request)
    rows, count = await orgs.list_institutions(
        actor=actor_of(request),
        name=request.args.get("name"),
        region_id=int_arg(request, "region_id"),
        is_assessment_institution=orgs.parse_bool(request.args.get("is_assessment_institution"),
                                                  "is_assessment_institution"),
        page_no=page_no, size=size,
    )
    return page(rows, count, page_no=page_no, size=size)


@bp.get("/institutions/<org_id:int>")
@require(ADMIN)
async def get_institution(request: Request, org_id: int):
    """卫生机构管理 → 查看."""
    return ok(await orgs.get_institution(actor=actor_of(request), org_id=org_id))


@bp.get("/departments")
@require(ADMIN, HOSPITAL, Role.ASSESSMENT_INSTITUTION)
async def list_departments(request: Request):
    """科室信息 as a tree; ?org_id= for an institution in the caller's jurisdiction."""
    return ok(await departments.department_tree(actor=actor_of(request), org_id=int_arg(request, "org_id")))


@bp.post("/departments")
@require(HOSPITAL)
@validate(json=DepartmentCreate)
async def create_department(request: Request, body: DepartmentCreate):
    """创建一级科室 / 二级科室 → 单一创建."""
    row = await departments.create_department(actor=actor_of(request), name=body.name,
                                              description=body.description, parent_id=body.parent_id)
    return ok(row, status=201)


@bp.post("/departments/batch")
@require(HOSPITAL)
@validate(json=DepartmentBatch)
async def create_departments(request: Request, body: DepartmentBatch):
    """批量创建 (all or nothing; bad rows listed in details.rows)."""
    rows = await departments.create_departments(
        actor=actor_of(request), parent_id=body.parent_id, rows=[item.model_dump() for item in body.items]
    )
    return ok({"data": rows, "count": len(rows)}, status=201)


@bp.put("/departments/<dept_id:int>")
@require(HOSPITAL)
@validate(json=DepartmentUpdate)
async def update_department(request: Request, dept_id: int, body: DepartmentUpdate):
    """修改科室名称 / 科室介绍."""
    return ok(await departments.update_department(actor=actor_of(request), dept_id=dept_id, name=body.name,
                                                  description=body.description))


@bp.delete("/departments/<dept_id:int>")
@require(HOSPITAL)
async def delete_department(request: Request, dept_id: int):
    """删除科室 (refused while used by physicians or with 二级科室)."""
    await departments.delete_department(actor=actor_of(request), dept_id=dept_id)
    return ok()
