"""Mini-program: 站内消息 (SPEC §7) — the physician's own inbox."""

from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request

from server.routes.guards import actor_of, require
from server.routes.render import ok, paging
from server.services.access import Role
from server.services.notify import inbox

bp = Blueprint("mp_messages", url_prefix="/messages")


@bp.get("")
@require(Role.PHYSICIAN)
async def list_messages(request: Request):
    """?page=&size=&order=newest|unread: {data, count, page, size, unread}."""
    page_no, size = paging(request, max_size=50)
    rows, count, unread = await inbox.list_messages(actor=actor_of(request), page_no=page_no, size=size,
                                                    order=request.args.get("order", "newest"))
    return ok({"data": rows, "count": count, "page": page_no, "size": size, "unread": unread})


@bp.post("/<message_id:int>/read")
@require(Role.PHYSICIAN)
async def mark_read(request: Request, message_id: int):
    """标为已读 (only the physician's own message)."""
    return ok(await inbox.mark_read(actor=actor_of(request), message_id=message_id))


@bp.post("/read-all")
@require(Role.PHYSICIAN)
async def mark_all_read(request: Request):
    """全部已读."""
    return ok(await inbox.mark_all_read(actor=actor_of(request)))
