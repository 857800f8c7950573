"""Request shapes for 医师管理, physician moves and the registry import."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from server.models import (
    HoldingReason,
    PhysicianLevel,
    PracticeCategory,
    RegistryStatus,
    TransferKind,
    TransferStatus,
)
from server.schemas.common import Labelled, Out, PageQuery, Ref


class ChangeInstitution(BaseModel):
    """变更卫生机构."""

    institution_id: int = Field(gt=0, description="新的卫生机构")
    reason: str = Field(default="", max_length=500, description="变更说明")


class TransferOut(BaseModel):
    """人员调出申请: the physician by ID number, and the new institution."""

    id_number: str = Field(min_length=1, max_length=32, description="证件号码")
    to_institution_id: int = Field(gt=0, description="调入机构")
    note: str = Field(default="", max_length=500)


class HoldingIn(BaseModel):
    """调入暂存区申请."""

    id_number: str = Field(min_length=1, max_length=32, description="证件号码")
    reason: str = Field(description="deceased 死亡 | retired 退休（不再执业） | left 离职（不再执业）")
    note: str = Field(default="", max_length=500)


class HoldingOut(BaseModel):
    """调出暂存区申请."""

    id_number: str = Field(min_length=1, max_length=32, description="证件号码")
    to_institution_id: int = Field(gt=0, description="调入的执业机构")
    note: str = Field(default="", max_length=500)


class Decision(BaseModel):
    """通过 / 驳回 (a rejection needs its reason)."""

    approve: bool
    reason: str = Field(default="", max_length=500, description="驳回理由")


# --- queries and answers -----------------------------------------------------------------------


class PhysicianQuery(PageQuery):
    """医师管理 → 查询."""

    name: str | None = Field(default=None, max_length=64, description="姓名（包含）")
    id_number: str | None = Field(default=None, max_length=32, description="证件号码")
    institution_id: int | None = Field(default=None, gt=0, description="卫生机构")
    department_id: int | None = Field(default=None, gt=0, description="科室")
    category: PracticeCategory | None = Field(default=None, description="执业类别")
    level: PhysicianLevel | None = Field(default=None, description="执业级别")
    registry_status: RegistryStatus | None = Field(default=None, description="登记状态")


class PhysicianRow(Out):
    """One physician in 医师管理 (numbers masked)."""

    id: int
    name: str
    id_number: str = Field(description="证件号码（脱敏）")
    gender: str | None
    phone: str = Field(description="手机号码（脱敏）")
    level: Labelled[PhysicianLevel] | None
    category: Labelled[PracticeCategory] | None
    registry_status: Labelled[RegistryStatus] | None
    holding_reason: Labelled[HoldingReason] | None
    institution: Ref | None
    department: Ref | None


class PhysicianDetail(Out):
    """医师信息 (查看): full numbers only for the own institution and administrations in jurisdiction."""

    id: int
    name: str
    gender: str | None
    birth_date: date | None
    id_number: str
    phone: str
    phone_verified: bool
    numbers_masked: bool
    qualification_cert_no: str | None
    practice_cert_no: str | None
    practice_scope: str | None
    level: Labelled[PhysicianLevel] | None
    category: Labelled[PracticeCategory] | None
    institution: Ref | None
    department: Ref | None
    registry_status: Labelled[RegistryStatus] | None
    holding_reason: Labelled[HoldingReason] | None
    in_current_cycle: bool
    initial_password: bool
    must_change_password: bool
    locked: bool
    last_login_at: datetime | None
    created_at: datetime
    updated_at: datetime


class TransferPhysician(Out):
    id: int
    name: str
    id_number: str = Field(description="证件号码（脱敏）")


class TransferView(Out):
    """One move or application (变更卫生机构, 调出/调入, 暂存区)."""

    id: int
    kind: Labelled[TransferKind]
    status: Labelled[TransferStatus]
    physician: TransferPhysician
    from_org: Ref | None
    to_org: Ref | None
    holding_reason: Labelled[HoldingReason] | None
    note: str | None
    requested_by: str | None
    decided_by: str | None
    decision_reason: str | None
    created_at: datetime
    decided_at: datetime | None


class TransferQuery(PageQuery):
    """申请记录; todo=1 for what waits for my decision (人员调入审核 / 暂存区备案)."""

    kind: TransferKind | None = Field(default=None, description="类型")
    status: TransferStatus | None = Field(default=None, description="状态")
    todo: bool = Field(default=False, description="只看待我审核的")
    direction: Literal["out", "in"] | None = Field(
        default=None, description="卫生机构：out 本机构调出的 | in 调入本机构的")


class TransferCreated(Out):
    """A move or application just made."""

    id: int
    kind: TransferKind
    status: Labelled[TransferStatus]


class PasswordResetDone(Out):
    """重置密码: under the province's rule initial_password, the new initial password to hand to the
    physician (shown this once); null under the other rules."""

    ok: bool = True
    initial_password: str | None = None
