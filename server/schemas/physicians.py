"""Request shapes for 医师管理, physician moves and the registry import."""

from __future__ import annotations

from pydantic import BaseModel, Field


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
