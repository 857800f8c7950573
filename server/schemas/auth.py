from __future__ import annotations

from pydantic import BaseModel, Field

from server.models import AccountStatus, OrgKind
from server.schemas.common import Choice, Out


class StaffLogin(BaseModel):
    code: str = Field(min_length=1, max_length=64, description="机构账号")
    password: str = Field(min_length=1, max_length=64)
    captcha_id: str = Field(min_length=1, max_length=64)
    captcha: str = Field(min_length=1, max_length=8, description="验证码")


class PasswordChange(BaseModel):
    old_password: str = Field(min_length=1, max_length=64)
    new_password: str = Field(min_length=1, max_length=64)


class RoleSwitch(BaseModel):
    role: str = Field(description="health_institution | assessment_institution | industry_org")


# --- answers ---------------------------------------------------------------------------------


class StaffLoggedIn(Out):
    """登录 succeeded: the session token and the roles the account may act in."""

    token: str
    must_change_password: bool
    role: str = Field(description="health_institution | assessment_institution | industry_org | administration")
    roles: list[Choice]


class RoleSwitched(Out):
    role: str = Field(description="health_institution | assessment_institution | industry_org | administration")
    label: str


class MeAccount(Out):
    id: int
    code: str
    status: AccountStatus
    must_change_password: bool
    wechat_bound: bool


class MeRegion(Out):
    id: int
    name: str
    level: str


class MeOrg(Out):
    id: int
    name: str
    kind: OrgKind
    kind_label: str
    region: MeRegion
    is_assessment_institution: bool


class CurrentAccount(Out):
    """The console's header and menus: the account, its organisation and its roles."""

    account: MeAccount
    org: MeOrg
    role: Choice
    roles: list[Choice]
    is_province: bool
