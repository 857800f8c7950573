"""Shapes of organisation upkeep: 调整科室, 修改名称 / 隶属关系调整, 注销机构."""

from __future__ import annotations

from pydantic import Field

from server.schemas.accounts import MAX_BATCH
from server.schemas.common import In, Out, Ref


class DepartmentMove(In):
    """调整科室: the physicians (ids) and their new department."""

    physician_ids: list[int] = Field(min_length=1, max_length=MAX_BATCH, title="医师")
    department_id: int = Field(gt=0, title="科室")


class InstitutionUpdate(In):
    """修改名称 and/or 隶属关系调整 (the region it belongs to, inside the jurisdiction)."""

    name: str | None = Field(default=None, min_length=1, max_length=128, title="机构名称")
    region_id: int | None = Field(default=None, gt=0, title="所属地区")


class InstitutionView(Out):
    id: int
    name: str
    region: Ref


class InstitutionCancelled(Out):
    accounts_cancelled: int = Field(description="注销的账号数")
    physicians_to_holding: int = Field(description="转入暂存区的医师数")
