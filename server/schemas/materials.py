"""Shapes of the physician's materials as a reviewer sees them (考核进度 → 查看 → 材料)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import Field

from server.models import Procedure
from server.schemas.common import Labelled, Out


class MaterialFile(Out):
    """One file the physician submitted; open it with GET …/materials/<file id>."""

    id: UUID
    kind: str = Field(description="photo 标准照片 | procedure_proof 简易程序证明材料 | exemption_proof 免考证明材料")
    kind_label: str
    name: str
    content_type: str
    size: int
    created_at: datetime


class SelfAssessmentItem(Out):
    group: str = Field(description="practice_conduct 执业行为记录 | work_performance 工作成绩 | ethics 职业道德 | "
                                   "professional_level 业务水平")
    group_label: str
    text: str


class Materials(Out):
    """Everything the physician submitted that a reviewer judges."""

    assessment_id: int
    procedure: Labelled[Procedure] | None
    simple_conditions: list[str] = Field(description="简易程序: 勾选的条件（文字）")
    report: str = Field(description="述职报告")
    self_assessment: list[SelfAssessmentItem] = Field(description="工作成绩、职业道德自评，逐项")
    exemption_reasons: list[str] = Field(description="免考理由（文字）")
    files: list[MaterialFile]
