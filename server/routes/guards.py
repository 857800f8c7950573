"""Named guards: every protected endpoint declares who may call it.

`endpoint(...)` (server/routes/api.py) and `require(...)` authenticate the bearer token, check
the role (and the province-only rule), and leave the `Actor` on `request.ctx.actor`.
Jurisdiction over the *object* is checked in the service with `server.services.access`.
The guard marks the handler (`__guard__`), so a test can find every admin route and try it
with the wrong role.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from sanic.request import Request

from server.errors import Forbidden, Unauthorized
from server.services.access import STAFF_ROLES, Actor, Role
from server.services.accounts.sessions import load_session
from server.services.accounts.staff_auth import actor_from_session


@dataclass(frozen=True)
class Guard:
    """Who may call an endpoint.

    roles: the roles allowed (none given = any staff role).
    setup: allowed while the first-login set-up (password change, phone binding) is unfinished.
    province_only: only a province administration (省级专属).
    national_only: only the national office (全国定考办).
    """

    roles: tuple[Role, ...]
    setup: bool = False
    province_only: bool = False
    national_only: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"roles": self.roles, "setup": self.setup, "province_only": self.province_only,
                "national_only": self.national_only}

    async def check(self, request: Request) -> Actor:
        actor = await authenticate(request)
        if not self.setup and (actor.must_change_password or actor.needs_phone):
            raise setup_required(actor)
        if actor.role not in self.roles:
            raise Forbidden("当前身份无权进行此操作", code="wrong_role")
        if self.province_only and not actor.is_province:
            raise Forbidden("仅省级卫生行政机构具有该权限", code="province_only")
        if self.national_only and not actor.is_national:
            raise Forbidden("仅全国定考办具有该权限", code="national_only")
        request.ctx.actor = actor
        return actor


def setup_required(actor: Actor) -> Forbidden:
    """The first-login refusal, naming what is missing: 修改密码 and/or 绑定手机."""
    missing = [step for step, needed in (("修改密码", actor.must_change_password), ("绑定手机", actor.needs_phone))
               if needed]
    return Forbidden(f"首次登录请先完成初始化设置（{'、'.join(missing)}）", code="setup_required",
                     details={"missing": ["change_password" if m == "修改密码" else "bind_phone" for m in missing]})


def make_guard(roles: tuple[Role, ...], *, setup: bool = False, province_only: bool = False,
               national_only: bool = False) -> Guard:
    return Guard(tuple(roles) or STAFF_ROLES, setup, province_only, national_only)


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return ""


async def authenticate(request: Request) -> Actor:
    token = bearer_token(request)
    data = await load_session(token) if token else None
    if not data:
        raise Unauthorized("登录已失效，请重新登录", code="unauthorized")
    return await actor_from_session(token, data, request.client_ip or request.ip)


def require(*roles: Role, setup: bool = False, province_only: bool = False, national_only: bool = False) -> Callable:
    """Guard a handler that is not (yet) declared with `endpoint` (non-JSON routes)."""
    guard = make_guard(roles, setup=setup, province_only=province_only, national_only=national_only)

    def decorator(handler: Callable) -> Callable:
        @wraps(handler)
        async def wrapper(request: Request, *args: Any, **kwargs: Any):
            await guard.check(request)
            return await handler(request, *args, **kwargs)

        wrapper.__guard__ = guard.as_dict()  # type: ignore[attr-defined]
        return wrapper

    return decorator


def actor_of(request: Request) -> Actor:
    return request.ctx.actor
