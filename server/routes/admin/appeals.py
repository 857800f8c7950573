"""Admin API: 复核申请 — the assessment institution 维持 or 变更 the result (queue: appeal_review)."""

from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request

from server.routes.api import endpoint
from server.routes.guards import actor_of
from server.schemas.appeals import AppealDecision, AppealView
from server.services.access import Role
from server.services.results import appeals

bp = Blueprint("admin_appeals", url_prefix="/")
ADMIN, HI, AI = Role.ADMINISTRATION, Role.HEALTH_INSTITUTION, Role.ASSESSMENT_INSTITUTION


@bp.get("/assessments/<assessment_id:int>/appeal")
@endpoint(ADMIN, HI, AI, response=AppealView)
async def appeal_of(request: Request, assessment_id: int):
    """The appeal of one assessment in scope."""
    return await appeals.appeal_of(actor=actor_of(request), assessment_id=assessment_id)


@bp.post("/assessments/<assessment_id:int>/appeal/decision")
@endpoint(AI, body=AppealDecision, response=AppealView)
async def decide_appeal(request: Request, assessment_id: int, body: AppealDecision):
    """维持 / 变更 with a reason (a change moves the result, voids the old notice number)."""
    return await appeals.decide(actor=actor_of(request), assessment_id=assessment_id, decision=body.decision,
                                reason=body.reason)
