"""Request bodies of 本机构信息 (SPEC §1) and 科室信息维护.

Every model forbids unknown fields; strings are stripped. Phone numbers may be a mobile
number or a landline with area code (0771-1234567), since offices give desk phones.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from server.models import AccountStatus, OrgKind
from server.models.base import LabelledEnum
from server.schemas.common import In, Labelled, Out, PageQuery, Ref

_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")
_EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
_POSTCODE_RE = re.compile(r"^\d{6}$")


def check_phone(value: str | None) -> str | None:
    if value in (None, ""):
        return value
    if not (_MOBILE_RE.match(value) or _LANDLINE_RE.match(value)):
        raise ValueError("联系电话格式不正确（手机号或带区号的固定电话）")
    return value


def check_email(value: str | None) -> str | None:
    if value in (None, ""):
        return value
    if not _EMAIL_RE.match(value):
        raise ValueError("邮箱格式不正确")
    return value


def check_postcode(value: str | None) -> str | None:
    if value in (None, ""):
        return value
    if not _POSTCODE_RE.match(value):
        raise ValueError("邮编应为6位数字")
    return value


Phone = Annotated[str, AfterValidator(check_phone)]
Email = Annotated[str, AfterValidator(check_email)]
Postcode = Annotated[str, AfterValidator(check_postcode)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _ContactFields(Strict):
    contact: str = Field(min_length=1, max_length=32, description="联系人")
    phone: Phone = Field(min_length=1, max_length=24, description="联系电话")
    address: str = Field(default="", max_length=255, description="地址")
    postcode: Postcode = Field(default="", max_length=6, description="邮编")
    email: Email = Field(default="", max_length=128, description="邮箱")


class HealthCommissionInfo(_ContactFields):
    """本机构信息 → 卫健委."""

    name: str = Field(min_length=1, max_length=128, description="机构名称")
    leader: str = Field(default="", max_length=32, description="负责人")
    fax: Phone = Field(default="", max_length=24, description="传真")


class CommitteeInfo(_ContactFields):
    """本机构信息 → 考核管理委员会."""

    name: str = Field(min_length=1, max_length=128, description="委员会名称")
    leader: str = Field(default="", max_length=32, description="负责人（主任）")
    members: str = Field(default="", max_length=1000, description="委员会成员")


class OfficeInfo(_ContactFields):
    """本机构信息 → 考核办公室."""

    name: str = Field(min_length=1, max_length=128, description="办公室名称")
    leader: str = Field(default="", max_length=32, description="负责人")


class InstitutionLevel(LabelledEnum):
    LEVEL3 = ("level3", "三级")
    LEVEL2 = ("level2", "二级")
    LEVEL1 = ("level1", "一级")
    UNRATED = ("unrated", "未定级")


class InstitutionCategory(LabelledEnum):
    GENERAL_HOSPITAL = ("general_hospital", "综合医院")
    TCM_HOSPITAL = ("tcm_hospital", "中医医院")
    INTEGRATED_HOSPITAL = ("integrated_hospital", "中西医结合医院")
    ETHNIC_HOSPITAL = ("ethnic_hospital", "民族医医院")
    SPECIALTY_HOSPITAL = ("specialty_hospital", "专科医院")
    MATERNAL_CHILD = ("maternal_child", "妇幼保健院")
    COMMUNITY_CENTRE = ("community_centre", "社区卫生服务中心（站）")
    TOWNSHIP_CENTRE = ("township_centre", "乡镇卫生院")
    CLINIC = ("clinic", "门诊部、诊所")
    CDC = ("cdc", "疾病预防控制中心")
    OTHER = ("other", "其他")


class InstitutionInfo(_ContactFields):
    """本机构信息 of a health institution (or an industry organisation)."""

    level: InstitutionLevel = Field(description="机构级别")
    category: InstitutionCategory = Field(description="机构类别")
    legal_person: str = Field(min_length=1, max_length=32, description="法人")
    beds: int | None = Field(default=None, ge=0, le=100000, description="床位数")
    intro: str = Field(default="", max_length=1000, description="机构简介")


class OrgSelfUpdate(Strict):
    """PUT /orgs/self: one or more forms, each replacing the stored form.

    Administrations send health_commission / committee / office, institutions send institution.
    """

    health_commission: HealthCommissionInfo | None = None
    committee: CommitteeInfo | None = None
    office: OfficeInfo | None = None
    institution: InstitutionInfo | None = None


class DepartmentCreate(Strict):
    name: str = Field(min_length=1, max_length=64, description="科室名称")
    description: str = Field(default="", max_length=255, description="科室介绍")
    parent_id: int | None = Field(default=None, description="上级（一级）科室；空 = 创建一级科室")


class DepartmentRow(Strict):
    name: str = Field(max_length=64, description="科室名称（空名称在服务中逐行报告）")
    description: str = Field(default="", max_length=255, description="科室介绍")


class DepartmentBatch(Strict):
    """批量创建: rows under one parent (none = 一级科室)."""

    parent_id: int | None = None
    items: list[DepartmentRow] = Field(min_length=1, max_length=200)


class DepartmentUpdate(Strict):
    name: str = Field(min_length=1, max_length=64, description="科室名称")
    description: str | None = Field(default=None, max_length=255, description="科室介绍；不传则不变")


# --- typed contract (issue #10): queries and answers ---------------------------------------------


class OrgRegion(Out):
    id: int
    name: str
    level: str


class OrgForm(Out):
    key: str
    label: str


class OwnOrg(Out):
    """本机构信息: the organisation and its forms (the stored values of each, or null)."""

    id: int
    name: str
    kind: Labelled[OrgKind]
    region: OrgRegion
    credit_code: str | None
    address: str | None
    is_assessment_institution: bool
    may_apply_assessment: bool
    forms: list[OrgForm]
    info: dict[str, dict[str, Any] | None]


class InstitutionQuery(PageQuery):
    """卫生机构管理 → 查询."""

    name: str | None = Field(default=None, max_length=128, description="机构名称（包含）")
    region_id: int | None = Field(default=None, description="地区")
    is_assessment_institution: str | None = Field(default=None, max_length=8, description="是否考核机构 (true/false)")


class InstitutionChoiceQuery(In):
    """卫生机构 to choose (by name)."""

    name: str | None = Field(default=None, max_length=128, description="机构名称（包含）")


class InstitutionChoice(Out):
    """A health institution to choose: id, name and its region's name."""

    id: int
    name: str
    region: str


class InstitutionAccount(Out):
    code: str | None
    status: Labelled[AccountStatus] | None
    active: bool


class InstitutionRow(Out):
    """One health institution in 卫生机构管理 (phone masked in the list)."""

    id: int
    name: str
    region: OrgRegion
    credit_code: str | None
    address: str | None
    is_assessment_institution: bool
    may_apply_assessment: bool
    account: InstitutionAccount
    contact: str | None
    phone: str
    assessor: Ref | None
    cycle_confirmed: bool


class InstitutionDetail(InstitutionRow):
    """卫生机构管理 → 查看: the row with the full phone and the 本机构信息 form."""

    info: dict[str, Any] | None


class DepartmentQuery(In):
    org_id: int | None = Field(default=None, description="机构（默认本机构）")


class DepartmentNode(Out):
    id: int
    name: str
    description: str
    level: int
    level_label: str
    parent_id: int | None
    physician_count: int
    children: list[DepartmentNode]


class DepartmentTree(Out):
    """科室信息 as a tree (一级科室 with their 二级科室); count = all departments."""

    org: Ref
    data: list[DepartmentNode]
    count: int


class DepartmentView(Out):
    id: int
    org_id: int
    parent_id: int | None
    name: str
    description: str
    level: int


class DepartmentsCreated(Out):
    data: list[DepartmentView]
    count: int
