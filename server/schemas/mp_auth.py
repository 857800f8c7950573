"""Request bodies of the mini-program's login and first-login set-up."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from server.models import PhysicianLevel, PracticeCategory, RegistryStatus
from server.schemas.common import In, Labelled, Out, Ref


class PhysicianLogin(BaseModel):
    id_number: str = Field(min_length=1, max_length=32, description="证件号码")
    password: str = Field(min_length=1, max_length=64, title="密码")
    code: str | None = Field(default=None, max_length=128, title="微信登录凭证", description="wx.login 的 code（可选，用于绑定微信）")
    captcha_id: str | None = Field(default=None, max_length=64, title="验证码编号",
                                   description="图片验证码编号（失败数次后必填）")
    captcha: str | None = Field(default=None, max_length=16, title="图片验证码", description="图片验证码")


class WeChatLogin(BaseModel):
    code: str = Field(min_length=1, max_length=128, title="微信登录凭证", description="wx.login 的 code")


class PhysicianPasswordChange(BaseModel):
    old_password: str = Field(min_length=1, max_length=64, description="原密码（首次登录为初始密码）")
    new_password: str = Field(min_length=1, max_length=64)


class SmsCodeRequest(BaseModel):
    phone: str = Field(min_length=1, max_length=20, description="手机号码")


class PhoneBind(BaseModel):
    phone: str = Field(min_length=1, max_length=20, description="手机号码")
    sms_code: str = Field(min_length=1, max_length=10, description="短信验证码")


class ForgotCodeRequest(In):
    """忘记密码 → 获取验证码."""

    id_number: str = Field(min_length=1, max_length=32, title="证件号码")


class ForgotCodeSent(Out):
    message: str
    expires_in: int
    resend_after: int


class PasswordReset(In):
    """忘记密码 → 重置密码."""

    id_number: str = Field(min_length=1, max_length=32, title="证件号码")
    sms_code: str = Field(min_length=1, max_length=10, title="短信验证码")
    new_password: str = Field(min_length=1, max_length=64, title="新密码")


class FirstLoginCodeRequest(In):
    """首次登录 → 获取验证码 (sent to the phone on the registry)."""

    id_number: str = Field(min_length=1, max_length=32, title="证件号码")


class FirstLogin(In):
    """首次登录 with the code sent to the registry's phone (the province's rule phone_code)."""

    id_number: str = Field(min_length=1, max_length=32, title="证件号码")
    sms_code: str = Field(min_length=1, max_length=10, title="短信验证码")
    code: str | None = Field(default=None, max_length=128, title="wx.login 的 code（可选，用于绑定微信）")


class PhysicianSession(Out):
    """A physician's new session and what the set-up still needs."""

    token: str
    must_change_password: bool
    needs_phone: bool
    setup_required: bool
    wechat_bound: bool


class SmsCodeSent(Out):
    """获取验证码 (phone binding): how long the code lives and when another may be asked."""

    expires_in: int
    resend_after: int


class ProfileSetup(Out):
    must_change_password: bool
    needs_phone: bool
    required: bool


class PhysicianProfile(Out):
    """个人信息 (the physician's own, unmasked) and the 初始化设置 flags."""

    id: int
    name: str
    id_number: str
    gender: str | None
    birth_date: date | None
    phone: str | None
    phone_verified: bool
    qualification_cert_no: str | None
    practice_cert_no: str | None
    level: Labelled[PhysicianLevel] | None
    category: Labelled[PracticeCategory] | None
    practice_scope: str | None
    institution: Ref | None
    department: Ref | None
    registry_status: Labelled[RegistryStatus] | None
    wechat_bound: bool
    setup: ProfileSetup
