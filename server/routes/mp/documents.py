"""Mini-program: the physician's printable documents (延期考核申请表)."""

from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request

from server.routes.api import endpoint
from server.routes.guards import actor_of
from server.routes.render import attachment
from server.schemas.common import PDF_FILE
from server.services.access import Role
from server.services.results import delay_form

bp = Blueprint("mp_documents")


@bp.get("/delay/form")
@endpoint(Role.PHYSICIAN, response=PDF_FILE)
async def my_delay_form(request: Request):
    """下载延期考核申请表 (PDF) of the current cycle's delay application."""
    data, name = await delay_form.delay_form_for_physician(actor=actor_of(request))
    return attachment(data, name, "application/pdf")
