from __future__ import annotations

from pydantic import BaseModel, Field


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
