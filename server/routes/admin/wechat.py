"""绑定微信 (console): bind the official account's WeChat to the caller's account for template
messages — a binding QR code, the binding status, unbinding (server/services/wechat_binding.py)."""

from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request

from server.routes.api import endpoint
from server.routes.guards import actor_of
from server.schemas.wechat_binding import BindingQrcode, BindingStatus
from server.services.accounts import wechat_binding

bp = Blueprint("admin_wechat", url_prefix="/")


@bp.post("/wechat/binding-qrcode")
@endpoint(response=BindingQrcode, status=201)
async def binding_qrcode(request: Request):
    """绑定微信: a temporary QR code to scan with WeChat: {ticket, url, image_url, expires_in}."""
    return await wechat_binding.create_binding_qrcode(actor=actor_of(request))


@bp.get("/wechat/binding")
@endpoint(response=BindingStatus)
async def binding(request: Request):
    """绑定状态: {bound, openid (masked), qrcode_pending}."""
    return await wechat_binding.binding_status(actor=actor_of(request))


@bp.delete("/wechat/binding")
@endpoint(response=BindingStatus)
async def unbind(request: Request):
    """解除绑定."""
    return await wechat_binding.unbind(actor=actor_of(request))
