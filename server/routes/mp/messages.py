"""Mini-program: 站内消息 (SPEC §7) — the physician's own inbox."""

from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request

from server.routes.api import endpoint
from server.routes.guards import actor_of
from server.schemas.inbox import AllRead, MessagePage, MessageQuery, MessageRead
from server.services.access import Role
from server.services.notify import inbox

bp = Blueprint("mp_messages", url_prefix="/messages")


@bp.get("")
@endpoint(Role.PHYSICIAN, query=MessageQuery, response=MessagePage)
async def list_messages(request: Request, query: MessageQuery):
    """?page=&size=&order=newest|unread: {data, count, page, size, unread}."""
    rows, count, unread = await inbox.list_messages(actor=actor_of(request), page_no=query.page, size=query.size,
                                                    order=query.order)
    return MessagePage(data=rows, count=count, page=query.page, size=query.size, unread=unread)


@bp.post("/<message_id:int>/read")
@endpoint(Role.PHYSICIAN, response=MessageRead)
async def mark_read(request: Request, message_id: int):
    """标为已读 (only the physician's own message)."""
    return await inbox.mark_read(actor=actor_of(request), message_id=message_id)


@bp.post("/read-all")
@endpoint(Role.PHYSICIAN, response=AllRead)
async def mark_all_read(request: Request):
    """全部已读."""
    return await inbox.mark_all_read(actor=actor_of(request))
