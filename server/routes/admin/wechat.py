"""绑定微信 (console): bind the official account's WeChat to the caller's account for template
messages — a binding QR code, the binding status, unbinding (server/services/wechat_binding.py)."""

from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request

from server.routes.guards import actor_of, require
from server.routes.render import ok
from server.services.accounts import wechat_binding

bp = Blueprint("admin_wechat", url_prefix="/")


@bp.post("/wechat/binding-qrcode")
@require()
async def binding_qrcode(request: Request):
    """绑定微信: a temporary QR code to scan with WeChat: {ticket, url, image_url, expires_in}."""
    return ok(await wechat_binding.create_binding_qrcode(actor=actor_of(request)), status=201)


@bp.get("/wechat/binding")
@require()
async def binding(request: Request):
    """绑定状态: {bound, openid (masked), qrcode_pending}."""
    return ok(await wechat_binding.binding_status(actor=actor_of(request)))


@bp.delete("/wechat/binding")
@require()
async def unbind(request: Request):
    """解除绑定."""
    return ok(await wechat_binding.unbind(actor=actor_of(request)))
