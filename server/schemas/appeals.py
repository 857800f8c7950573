"""Shapes of 复核申请 (appeals)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import Field

from server.models import AppealStatus, AssessmentStatus
from server.schemas.common import In, Labelled, Out


class AppealApply(In):
    """申请复核: why, and proofs uploaded beforehand (POST /api/v1/mp/uploads)."""

    reason: str = Field(min_length=1, max_length=1000, title="复核理由")
    proof_ids: list[UUID] = Field(default_factory=list, max_length=20, title="证明材料")


class AppealDecision(In):
    """维持 (uphold) the result or 变更 (change) it to the other one, with a reason."""

    decision: Literal["uphold", "change"] = Field(title="处理意见", description="uphold 维持 | change 变更")
    reason: str = Field(min_length=1, max_length=500, title="理由")


class AppealView(Out):
    """The appeal of one assessment as the physician and reviewers see it."""

    assessment_id: int
    status: Labelled[AppealStatus]
    result: Labelled[AssessmentStatus] = Field(description="当前考核结果")
    can_apply: bool
    deadline: datetime | None = Field(description="复核申请截止时间（收到考核结果后30日）")
    reason: str | None
    proof_ids: list[str]
    applied_at: str | None
    result_before: str | None
    result_after: str | None
    decision_reason: str | None
    decided_at: str | None
