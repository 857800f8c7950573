"""Staff login, logout, 安全设置 (password change), role switch, current account."""

from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request

from server.errors import ValidationFailed
from server.routes.api import endpoint
from server.routes.guards import actor_of
from server.schemas.auth import (
    CurrentAccount,
    PasswordChange,
    RoleSwitch,
    RoleSwitched,
    StaffLoggedIn,
    StaffLogin,
)
from server.schemas.common import Choice, Done
from server.services.access import Role
from server.services.accounts import sessions, staff_auth
from server.services.accounts.me import current_account_view

bp = Blueprint("admin_auth", url_prefix="/auth")


@bp.post("/login")
@endpoint(public=True, body=StaffLogin, response=StaffLoggedIn)
async def login(request: Request, body: StaffLogin):
    """登录: 机构账号 + 密码 + 验证码."""
    result = await staff_auth.login_staff(
        code=body.code, password=body.password, captcha_id=body.captcha_id, captcha_answer=body.captcha,
        ip=request.client_ip or request.ip,
    )
    return StaffLoggedIn(token=result.token, must_change_password=result.must_change_password, role=result.role.value,
                         roles=[Choice(value=r.value, label=r.label) for r in result.roles])


@bp.post("/logout")
@endpoint(setup=True, response=Done)
async def logout(request: Request):
    await sessions.end_session(actor_of(request).token)
    return Done()


@bp.get("/me")
@endpoint(setup=True, response=CurrentAccount)
async def me(request: Request):
    return await current_account_view(actor_of(request))


@bp.post("/password")
@endpoint(setup=True, body=PasswordChange, response=Done)
async def change_password(request: Request, body: PasswordChange):
    """初始化设置 / 安全设置 → 修改密码."""
    await staff_auth.change_staff_password(actor=actor_of(request), old_password=body.old_password,
                                     new_password=body.new_password)
    return Done()


@bp.post("/switch-role")
@endpoint(body=RoleSwitch, response=RoleSwitched)
async def switch_role(request: Request, body: RoleSwitch):
    """身份切换: 卫生机构 ⇄ 考核机构."""
    try:
        role = Role(body.role)
    except ValueError:
        raise ValidationFailed("身份无效", code="invalid_role") from None
    role = await staff_auth.switch_role(actor=actor_of(request), role=role)
    return RoleSwitched(role=role.value, label=role.label)
