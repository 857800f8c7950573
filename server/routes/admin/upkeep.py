"""Admin API: upkeep of organisations — 调整科室 (institutions), 修改名称 / 隶属关系调整 and
注销机构 (administrations, in their jurisdiction)."""

from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request

from server.routes.api import endpoint
from server.routes.guards import actor_of
from server.schemas.common import BatchResult
from server.schemas.upkeep import DepartmentMove, InstitutionCancelled, InstitutionUpdate, InstitutionView
from server.services.access import Role
from server.services.registry import upkeep

bp = Blueprint("admin_upkeep", url_prefix="/")


@bp.post("/physicians/move-department")
@endpoint(Role.HEALTH_INSTITUTION, body=DepartmentMove, response=BatchResult)
async def move_department(request: Request, body: DepartmentMove):
    """调整科室 (one or a batch): per physician done, or why not."""
    return await upkeep.move_to_department(actor=actor_of(request), physician_ids=body.physician_ids,
                                           department_id=body.department_id)


@bp.put("/institutions/<org_id:int>/upkeep")
@endpoint(Role.ADMINISTRATION, body=InstitutionUpdate, response=InstitutionView)
async def update_institution(request: Request, org_id: int, body: InstitutionUpdate):
    """修改名称 / 隶属关系调整 of an active institution in the jurisdiction."""
    return await upkeep.update_institution(actor=actor_of(request), org_id=org_id, name=body.name,
                                           region_id=body.region_id)


@bp.post("/institutions/<org_id:int>/cancel")
@endpoint(Role.ADMINISTRATION, response=InstitutionCancelled)
async def cancel_institution(request: Request, org_id: int):
    """注销机构: its physicians (none in the current cycle) to the 暂存区, its accounts cancelled."""
    return await upkeep.cancel_institution(actor=actor_of(request), org_id=org_id)
