"""Mini-program: physician login (证件号码 + 密码, or WeChat), 初始化设置 (password change,
phone binding with an SMS code), logout, WeChat unbinding."""

from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request

from server.routes.api import endpoint
from server.routes.guards import actor_of
from server.schemas.mp_auth import (
    FirstLogin,
    FirstLoginCodeRequest,
    ForgotCodeRequest,
    ForgotCodeSent,
    PasswordReset,
    PhoneBind,
    PhysicianLogin,
    PhysicianPasswordChange,
    PhysicianSession,
    SmsCodeRequest,
    SmsCodeSent,
    WeChatLogin,
)
from server.services.access import Role
from server.services.accounts import password_reset, physician_auth
from server.services.accounts.physician_auth import PhysicianLoginResult

bp = Blueprint("mp_auth", url_prefix="/auth")


def _session(result: PhysicianLoginResult) -> PhysicianSession:
    return PhysicianSession(
        token=result.token,
        must_change_password=result.must_change_password,
        needs_phone=result.needs_phone,
        setup_required=result.setup_required,
        wechat_bound=result.wechat_bound,
    )


@bp.post("/login")
@endpoint(public=True, body=PhysicianLogin, response=PhysicianSession)
async def login(request: Request, body: PhysicianLogin):
    """医师登录: 证件号码 + 密码 (+ wx.login code to bind the WeChat identity)."""
    result = await physician_auth.login_physician(
        id_number=body.id_number, password=body.password, code=body.code, ip=request.client_ip or request.ip,
        captcha_id=body.captcha_id, captcha_answer=body.captcha,
    )
    return _session(result)


@bp.post("/first-login/sms-code")
@endpoint(public=True, body=FirstLoginCodeRequest, response=ForgotCodeSent)
async def first_login_code(request: Request, body: FirstLoginCodeRequest):
    """首次登录 → 获取验证码: sent to the phone on the registry (the answer never tells whether the ID exists)."""
    return await physician_auth.request_first_login_code(id_number=body.id_number, ip=request.client_ip or request.ip)


@bp.post("/first-login")
@endpoint(public=True, body=FirstLogin, response=PhysicianSession)
async def first_login(request: Request, body: FirstLogin):
    """首次登录 with the registry phone's code; the session then sets a password (初始化设置)."""
    result = await physician_auth.login_first_time(id_number=body.id_number, sms_code=body.sms_code, code=body.code,
                                                   ip=request.client_ip or request.ip)
    return _session(result)


@bp.post("/wechat-login")
@endpoint(public=True, body=WeChatLogin, response=PhysicianSession)
async def wechat_login(request: Request, body: WeChatLogin):
    """微信一键登录 for a physician who bound this WeChat at an earlier login."""
    result = await physician_auth.login_physician_wechat(code=body.code, ip=request.client_ip or request.ip)
    return _session(result)


@bp.post("/forgot-password/sms-code")
@endpoint(public=True, body=ForgotCodeRequest, response=ForgotCodeSent)
async def forgot_password_code(request: Request, body: ForgotCodeRequest):
    """忘记密码 → 获取验证码 (sent to the bound phone; the answer never tells whether the ID exists)."""
    return await password_reset.request_code(id_number=body.id_number, ip=request.client_ip or request.ip)


@bp.post("/forgot-password/reset")
@endpoint(public=True, body=PasswordReset)
async def forgot_password_reset(request: Request, body: PasswordReset):
    """忘记密码 → 重置密码 with the SMS code; every session ends."""
    await password_reset.reset(id_number=body.id_number, sms_code=body.sms_code, new_password=body.new_password,
                               ip=request.client_ip or request.ip)


@bp.post("/logout")
@endpoint(Role.PHYSICIAN, setup=True)
async def logout(request: Request):
    await physician_auth.logout(actor=actor_of(request))


@bp.post("/password")
@endpoint(Role.PHYSICIAN, setup=True, body=PhysicianPasswordChange)
async def change_password(request: Request, body: PhysicianPasswordChange):
    """初始化设置 / 安全设置 → 修改密码."""
    await physician_auth.change_physician_password(
        actor=actor_of(request), old_password=body.old_password, new_password=body.new_password
    )


@bp.post("/sms-code")
@endpoint(Role.PHYSICIAN, setup=True, body=SmsCodeRequest, response=SmsCodeSent)
async def sms_code(request: Request, body: SmsCodeRequest):
    """获取验证码 (phone binding)."""
    issued = await physician_auth.send_phone_code(actor=actor_of(request), phone=body.phone)
    return SmsCodeSent(expires_in=issued.expires_in, resend_after=issued.resend_after)


@bp.post("/bind-phone")
@endpoint(Role.PHYSICIAN, setup=True, body=PhoneBind)
async def bind_phone(request: Request, body: PhoneBind):
    """绑定手机."""
    await physician_auth.bind_phone(actor=actor_of(request), phone=body.phone, sms_code=body.sms_code)


@bp.post("/unbind-wechat")
@endpoint(Role.PHYSICIAN)
async def unbind_wechat(request: Request):
    """解除微信绑定 (after set-up)."""
    await physician_auth.unbind_wechat(actor=actor_of(request))
