"""Admin API: 通知记录 — the notifications of the people in scope, and 重发 for failed ones."""

from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request

from server.routes.api import endpoint
from server.routes.guards import actor_of
from server.schemas.common import Page
from server.schemas.outbox import OutboxQuery, OutboxRow
from server.services.access import Role
from server.services.notify import outbox_view

bp = Blueprint("admin_outbox", url_prefix="/")

ADMIN, HI, AI = Role.ADMINISTRATION, Role.HEALTH_INSTITUTION, Role.ASSESSMENT_INSTITUTION


@bp.get("/outbox")
@endpoint(ADMIN, HI, AI, query=OutboxQuery, response=Page[OutboxRow])
async def list_outbox(request: Request, query: OutboxQuery):
    """通知记录: kind, channel, masked recipient, status, attempts, last error, times."""
    return await outbox_view.list_messages(actor=actor_of(request), query=query)


@bp.post("/outbox/<message_id:int>/resend")
@endpoint(ADMIN, HI, AI, response=OutboxRow)
async def resend(request: Request, message_id: int):
    """重发 a failed notification (audited)."""
    return await outbox_view.resend(actor=actor_of(request), message_id=message_id)
