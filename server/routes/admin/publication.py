"""Admin API: the province turns on the publication of 违纪不合格 outcomes (省级专属)."""

from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request

from server.routes.api import endpoint
from server.routes.guards import actor_of
from server.schemas.publication import PublicationSetting, PublicationState
from server.services.access import Role
from server.services.proctoring import publication

bp = Blueprint("admin_publication", url_prefix="/")


@bp.put("/cycles/<cycle_id:int>/publish-violations")
@endpoint(Role.ADMINISTRATION, province_only=True, body=PublicationSetting, response=PublicationState)
async def set_publication(request: Request, cycle_id: int, body: PublicationSetting):
    """向社会公布违纪不合格结果: on or off for the province's cycle (audited)."""
    return await publication.set_publication(actor=actor_of(request), cycle_id=cycle_id, enabled=body.enabled)
