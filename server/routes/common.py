"""Endpoints for everyone: health and the login captcha."""

from __future__ import annotations

import base64

from pydantic import Field
from sanic import Blueprint
from sanic.request import Request

from server.routes.api import endpoint
from server.schemas.common import Out
from server.schemas.meta import EnumCatalogue, enum_catalogue
from server.schemas.publication import PublishedViolations
from server.services.accounts import rate_limits
from server.services.accounts.captcha import issue_captcha
from server.services.proctoring import publication

bp = Blueprint("common", url_prefix="/api/v1")


class Health(Out):
    status: str


class Captcha(Out):
    captcha_id: str = Field(description="验证码编号（单次有效）")
    image: str = Field(description="PNG 图片（data URL）")


@bp.get("/health")
@endpoint(public=True, response=Health)
async def health(request: Request):
    """Liveness: answers without touching the database."""
    return Health(status="ok")


@bp.get("/meta/enums")
@endpoint(public=True, response=EnumCatalogue)
async def enums(request: Request):
    """枚举: every enum the API uses, as {value, label}, for filters and labels in the clients."""
    return enum_catalogue()


@bp.get("/public/violations/<province_code:str>")
@endpoint(public=True, response=PublishedViolations)
async def published_violations(request: Request, province_code: str):
    """违纪不合格公布: a province's published cases (masked names; empty unless the province publishes)."""
    return await publication.published(province_code=province_code)


@bp.get("/captcha")
@endpoint(public=True, response=Captcha)
async def captcha(request: Request):
    """验证码: a fresh single-use image captcha (PNG as a data URL); rate-limited per IP."""
    await rate_limits.take("captcha_ip", request.client_ip or request.ip)
    captcha_id, png = await issue_captcha()
    return Captcha(captcha_id=captcha_id, image="data:image/png;base64," + base64.b64encode(png).decode())
