"""Shapes of 快速注册 (physician self-registration) and 注册审核."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from server.models import PhysicianLevel, PracticeCategory, RegistryStatus
from server.schemas.common import In, Labelled, Out, PageQuery, Ref


class RegistrationIn(In):
    """快速注册: who, where they practise, and a password of their own."""

    name: str = Field(min_length=1, max_length=64, title="姓名")
    id_number: str = Field(min_length=18, max_length=18, title="证件号码")
    institution_id: int = Field(gt=0, title="执业机构")
    category: PracticeCategory = Field(title="执业类别")
    level: PhysicianLevel = Field(title="医师级别")
    qualification_cert_no: str = Field(min_length=1, max_length=32, title="资格证书编码")
    practice_cert_no: str = Field(min_length=1, max_length=32, title="执业证书编码")
    password: str = Field(min_length=1, max_length=64, title="密码")


class ResubmitIn(In):
    """注册审核未通过: the physician chooses the right institution and submits again."""

    id_number: str = Field(min_length=18, max_length=18, title="证件号码")
    password: str = Field(min_length=1, max_length=64, title="密码")
    institution_id: int = Field(gt=0, title="执业机构")


class RegistrationState(Out):
    status: Labelled[RegistryStatus]
    institution: Ref
    message: str


class InstitutionOption(Out):
    id: int
    name: str
    region: str


class InstitutionSearch(In):
    province_code: str | None = Field(default=None, min_length=6, max_length=6, title="省份代码（不填：所有开放快速注册的省份）")
    name: str = Field(min_length=1, max_length=64, title="机构名称")


class PendingQuery(PageQuery):
    pass


class PendingRegistration(Out):
    physician_id: int
    name: str
    id_number: str = Field(description="证件号码（脱敏）")
    category: Labelled[PracticeCategory]
    level: Labelled[PhysicianLevel]
    registered_at: datetime


class RegistrationDecision(In):
    approve: bool = Field(title="审核结果")
    reason: str = Field(default="", max_length=500, title="驳回理由")
