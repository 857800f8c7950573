"""Mini-program: 复核申请 — the physician disagrees with the result (within 30 days)."""

from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request

from server.routes.api import endpoint
from server.routes.guards import actor_of
from server.schemas.appeals import AppealApply, AppealView
from server.services.access import Role
from server.services.results import appeals

bp = Blueprint("mp_appeals")


@bp.get("/appeal")
@endpoint(Role.PHYSICIAN, response=AppealView)
async def my_appeal(request: Request):
    """复核申请: its status, the deadline, and whether one can be made."""
    return await appeals.my_appeal(actor=actor_of(request))


@bp.post("/appeal")
@endpoint(Role.PHYSICIAN, body=AppealApply, response=AppealView)
async def apply_appeal(request: Request, body: AppealApply):
    """申请复核 (reason + proofs), within 30 days of receiving the result, once."""
    return await appeals.apply(actor=actor_of(request), reason=body.reason, proof_ids=body.proof_ids)
