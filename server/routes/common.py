"""Endpoints for everyone: health and the login captcha."""

from __future__ import annotations

import base64

from sanic import Blueprint
from sanic.request import Request

from server.routes.render import ok
from server.services.accounts.captcha import issue_captcha

bp = Blueprint("common", url_prefix="/api/v1")


@bp.get("/health")
async def health(request: Request):
    """Liveness: answers without touching the database."""
    return ok({"status": "ok"})


@bp.get("/captcha")
async def captcha(request: Request):
    """验证码: a fresh single-use image captcha (PNG as a data URL)."""
    captcha_id, png = await issue_captcha()
    return ok({"captcha_id": captcha_id, "image": "data:image/png;base64," + base64.b64encode(png).decode()})
