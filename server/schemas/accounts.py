"""Request bodies for 所辖机构账户管理 and 考核机构管理 (SPEC §2)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field

from server.models import AccountStatus, OrgKind
from server.schemas.common import Labelled, Out, PageQuery

MAX_BATCH = 500


class AccountCreate(BaseModel):
    """新增: 机构账号 + 机构名称 + 地区 + 机构类型 + 详细地址."""

    code: str = Field(min_length=1, max_length=64, description="机构账号（建议使用统一社会信用代码）")
    name: str = Field(min_length=1, max_length=128, description="机构名称")
    region_id: int = Field(description="所在地区")
    kind: str = Field(description="administration | health_institution | industry_org")
    address: str | None = Field(default=None, max_length=255, description="详细地址")


class AccountUpdate(BaseModel):
    """修改 (only while 未激活): any of name / address / region."""

    name: str | None = Field(default=None, min_length=1, max_length=128)
    address: str | None = Field(default=None, max_length=255)
    region_id: int | None = None


class IdList(BaseModel):
    """批量操作: the ids of the rows ticked in the list."""

    ids: list[int] = Field(min_length=1, max_length=MAX_BATCH)


class ApplyPermission(BaseModel):
    """允许 / 不允许 one health institution to apply to become an assessment institution."""

    allow: bool


class ApplyPermissionBatch(BaseModel):
    ids: list[int] = Field(min_length=1, max_length=MAX_BATCH, description="卫生机构 ids")
    allow: bool


class ApplicationSubmit(BaseModel):
    """申请成为考核机构: a note and the ids of materials uploaded beforehand."""

    note: str = Field(default="", max_length=2000, description="申请说明")
    material_ids: list[UUID] = Field(min_length=1, max_length=20)


class ApplicationReject(BaseModel):
    reason: str = Field(min_length=1, max_length=500, description="驳回理由")


class AssessorSetting(BaseModel):
    """行业组织承担考核机构角色: on or off."""

    enabled: bool


# --- typed contract (issue #10): queries and answers of 所辖机构账户管理 ------------------------


class AccountFilterQuery(PageQuery):
    """?kind=&status=&name=&code=&region_id= (values checked by the service)."""

    kind: str | None = Field(default=None, max_length=32, description="机构类型")
    status: str | None = Field(default=None, max_length=32, description="账号状态")
    name: str | None = Field(default=None, max_length=128, description="机构名称（包含）")
    code: str | None = Field(default=None, max_length=64, description="机构账号（包含）")
    region_id: int | None = Field(default=None, description="地区")


class AccountRegion(Out):
    id: int
    name: str
    level: str


class AccountRow(Out):
    """One organisation account in 所辖机构账户管理."""

    id: int
    code: str
    status: Labelled[AccountStatus]
    org_id: int
    name: str
    kind: Labelled[OrgKind]
    region: AccountRegion
    address: str
    may_apply_assessment: bool
    is_assessment_institution: bool
    created_at: datetime
