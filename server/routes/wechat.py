"""The official account's server configuration endpoint (服务器配置, 安全模式):
GET  /api/v1/wechat/callback  URL verification (signature over token, timestamp, nonce → echostr);
POST /api/v1/wechat/callback  encrypted events (msg_signature), e.g. the scans that bind an
administrator's WeChat (server/services/wechat_binding.py). Bad signatures answer 403."""

from __future__ import annotations

from sanic import Blueprint, HTTPResponse
from sanic.request import Request

from server.services.accounts import wechat_binding
from server.wechat import callback

bp = Blueprint("wechat_callback", url_prefix="/api/v1/wechat")


def _arg(request: Request, name: str) -> str:
    return request.args.get(name) or ""


@bp.get("/callback")
async def verify(request: Request):
    """服务器地址验证: echo ``echostr`` when the signature is ours."""
    echo = callback.verify_url(signature=_arg(request, "signature"), timestamp=_arg(request, "timestamp"),
                               nonce=_arg(request, "nonce"), echostr=_arg(request, "echostr"))
    return HTTPResponse(echo, content_type="text/plain; charset=utf-8")


@bp.post("/callback")
async def receive(request: Request):
    """消息推送: an encrypted reply (XML), or "success" when there is nothing to say."""
    reply = await wechat_binding.handle_callback(
        body=request.body or b"", msg_signature=_arg(request, "msg_signature"),
        timestamp=_arg(request, "timestamp"), nonce=_arg(request, "nonce"),
        encrypt_type=_arg(request, "encrypt_type"),
    )
    content_type = "text/plain; charset=utf-8" if reply == "success" else "application/xml; charset=utf-8"
    return HTTPResponse(reply, content_type=content_type)
