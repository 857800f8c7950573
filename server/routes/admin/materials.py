"""Admin API: the physician's materials of one assessment (查看 → 材料), for reviewers in scope."""

from __future__ import annotations

from uuid import UUID

from sanic import Blueprint
from sanic.request import Request

from server.routes.api import endpoint
from server.routes.guards import actor_of
from server.schemas.common import FileDownload
from server.schemas.materials import Materials
from server.services.access import Role
from server.services.assessment import materials

bp = Blueprint("admin_materials", url_prefix="/")

ADMIN, HI, AI = Role.ADMINISTRATION, Role.HEALTH_INSTITUTION, Role.ASSESSMENT_INSTITUTION


@bp.get("/assessments/<assessment_id:int>/materials")
@endpoint(ADMIN, HI, AI, response=Materials)
async def list_materials(request: Request, assessment_id: int):
    """材料: photo, proofs, 述职报告, 自评 per item, conditions and 免考 reasons as text."""
    return await materials.materials(actor=actor_of(request), assessment_id=assessment_id)


@bp.get("/assessments/<assessment_id:int>/materials/<file_id:uuid>")
@endpoint(ADMIN, HI, AI, response=FileDownload("application/octet-stream", "图片或 PDF"))
async def open_material(request: Request, assessment_id: int, file_id: UUID):
    """Open one material (inline; every opening is audited)."""
    return await materials.open_material(actor=actor_of(request), assessment_id=assessment_id, file_id=file_id)
