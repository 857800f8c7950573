"""Admin API: 注册审核 (institutions) and opening 快速注册 (the province)."""

from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request

from server.routes.api import endpoint
from server.routes.guards import actor_of
from server.schemas.common import Page
from server.schemas.publication import PublicationSetting, PublicationState
from server.schemas.registration import PendingQuery, PendingRegistration, RegistrationDecision
from server.services.access import Role
from server.services.registry import registration

bp = Blueprint("admin_registrations", url_prefix="/")


@bp.get("/registrations")
@endpoint(Role.HEALTH_INSTITUTION, query=PendingQuery, response=Page[PendingRegistration])
async def pending(request: Request, query: PendingQuery):
    """注册审核: registrations waiting for this institution."""
    return await registration.pending(actor=actor_of(request), query=query)


@bp.post("/registrations/<physician_id:int>/decision")
@endpoint(Role.HEALTH_INSTITUTION, body=RegistrationDecision)
async def decide(request: Request, physician_id: int, body: RegistrationDecision):
    """通过 → 在册; 驳回 (with a reason) → 暂存区; the physician is told."""
    await registration.decide(actor=actor_of(request), physician_id=physician_id, approve=body.approve,
                              reason=body.reason)


@bp.put("/cycles/<cycle_id:int>/self-registration")
@endpoint(Role.ADMINISTRATION, province_only=True, body=PublicationSetting, response=PublicationState)
async def set_open(request: Request, cycle_id: int, body: PublicationSetting):
    """开放快速注册 (省级专属, audited)."""
    enabled = await registration.set_open(actor=actor_of(request), cycle_id=cycle_id, enabled=body.enabled)
    return PublicationState(cycle_id=cycle_id, enabled=enabled)
