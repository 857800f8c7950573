"""Request bodies of 监考管理 (SPEC §6): 标记疑似作弊, 撤销, 处理."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class MarkBody(BaseModel):
    """标记疑似作弊: an optional remark (e.g. which photo)."""

    model_config = ConfigDict(extra="forbid")

    note: str = Field(default="", max_length=255, description="标记说明（可选）")


class UnmarkBody(BaseModel):
    """撤销疑似作弊标记 (administrations): an optional reason."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(default="", max_length=500, description="撤销理由（可选）")


class ProcessBody(BaseModel):
    """处理为违纪不合格: the reason (required by the state machine, code ``reason_required``)."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(default="", max_length=500, description="处理理由（必填）")
    version: int | None = Field(default=None, ge=0, description="页面加载时记录的版本号（可选，防止重复处理）")
