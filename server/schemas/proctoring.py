"""Request bodies of 监考管理 (SPEC §6): 标记疑似作弊, 撤销, 处理."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from server.models import AssessmentStatus, PaperPurpose, PaperType, ProctoringAction
from server.schemas.assessments import AssessmentSummary
from server.schemas.common import Choice, Labelled, Out, PageQuery, Ref


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


# --- queries and answers of 监考管理 / 违纪处理记录 (SPEC §6) -------------------------------------------


class ProctoringQuery(PageQuery):
    """监考管理 / 违纪处理记录 filters."""

    cycle_id: int | None = Field(default=None, description="考核周期（默认：当前周期）")
    max_similarity: float | None = Field(default=None, description="最低相似度 ≤ x（0-1）")
    decision: str | None = Field(default=None, description="核验结果：camera_covered, multiple_faces, "
                                 "low_similarity, review, no_face, invalid_image, no_reference, passed（可多个，逗号分隔）")
    suspected: bool | None = Field(default=None, description="疑似作弊")
    violation: bool | None = Field(default=None, description="违纪不合格")
    institution_id: int | None = Field(default=None, description="卫生机构")
    name: str | None = Field(default=None, description="姓名（包含）")
    id_number: str | None = Field(default=None, description="证件号码")
    sort: str = Field(default="similarity", title="排序方式", description="similarity（默认）| -similarity | id")


class ExamineePhysician(Out):
    id: int
    name: str
    id_number: str = Field(description="证件号码（脱敏）")


class ExamineePaper(Out):
    paper_type: Labelled[PaperType]
    purpose: Labelled[PaperPurpose]
    attempts: int


class MarkedBy(Out):
    org: Ref | None
    role: Choice
    at: datetime
    note: str


class UnmarkedBy(Out):
    org: Ref | None
    at: datetime


class MarkState(Out):
    """The 疑似作弊 mark: who marked, when; who cleared it, when."""

    suspected: bool
    marked: MarkedBy | None
    unmarked: UnmarkedBy | None


class MarkResult(MarkState):
    """标记 / 撤销: the mark now, and whether this call changed it."""

    assessment_id: int
    changed: bool


class ExamineeActions(Out):
    """The buttons of a row: 标记 / 撤销 / 处理."""

    mark: bool
    unmark: bool
    process: bool


class ExamineeRow(Out):
    """监考管理: one examinee with the lowest similarity, worst decision and the mark."""

    id: int
    assessment_id: int
    cycle_id: int
    physician: ExamineePhysician
    institution: Ref | None
    status: Labelled[AssessmentStatus]
    papers: list[ExamineePaper]
    checks: int
    flagged_checks: int
    lowest_similarity: float | None
    worst_decision: Choice | None
    last_check_at: datetime | None
    suspected: bool
    mark: MarkState
    violation: bool
    concluded_at: datetime | None
    actions: ExamineeActions
    photos: str = Field(description="照片页的接口地址")


class ProcessedBy(Out):
    org: Ref | None
    role: Choice
    actor_id: int | None
    at: datetime
    reason: str


class ViolationRow(ExamineeRow):
    """违纪处理记录: …with who processed it, when and why."""

    processed: ProcessedBy | None


class FaceCheckView(Out):
    """One face check of the examinee (image link null once deleted)."""

    id: int
    attempt_id: int
    paper_type: Labelled[PaperType]
    purpose: Labelled[PaperPurpose]
    moment: Choice
    at: datetime
    passed: bool
    decision: Choice | None
    reason: str
    similarity: float | None
    faces: int | None
    needs_review: bool
    image: str | None
    image_deleted: bool


class ProctoringEventView(Out):
    """One mark, unmark or 处理."""

    id: int
    action: Labelled[ProctoringAction]
    org: Ref | None
    role: Choice
    actor_type: str
    actor_id: int | None
    reason: str
    data: dict[str, Any]
    created_at: datetime


class ExamineeDetail(ExamineeRow):
    """照片: the row, every check with its image link, the standard photo link and the history."""

    reference_photo: str | None
    face_checks: list[FaceCheckView]
    history: list[ProctoringEventView]


class ViolationProcessed(AssessmentSummary):
    """处理: the new state, 违纪不合格."""

    from_status: str
    to_status: str
    violation: bool
    fail_reason: str
    concluded_at: datetime | None
