"""Admin API: printable documents of one assessment (延期考核申请表)."""

from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request

from server.routes.api import endpoint
from server.routes.guards import actor_of
from server.routes.render import attachment
from server.schemas.common import PDF_FILE
from server.services.access import Role
from server.services.results import delay_form

bp = Blueprint("admin_documents", url_prefix="/")


@bp.get("/assessments/<assessment_id:int>/delay-form")
@endpoint(Role.HEALTH_INSTITUTION, Role.ADMINISTRATION, response=PDF_FILE)
async def print_delay_form(request: Request, assessment_id: int):
    """打印延期考核申请表 (PDF, with the decisions taken and room for the two stamps)."""
    data, name = await delay_form.delay_form_for_reviewer(actor=actor_of(request), assessment_id=assessment_id)
    return attachment(data, name, "application/pdf")
