"""Mini-program: the physician's own profile and first-login set-up state."""

from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request

from server.routes.api import endpoint
from server.routes.guards import actor_of
from server.schemas.mp_auth import PhysicianProfile
from server.services.access import Role
from server.services.accounts import physician_auth

bp = Blueprint("mp_me", url_prefix="/me")


@bp.get("")
@endpoint(Role.PHYSICIAN, setup=True, response=PhysicianProfile)
async def me(request: Request):
    """个人信息 + 初始化设置 flags (reachable during set-up, so the app knows what is left)."""
    return await physician_auth.physician_profile(actor=actor_of(request))
