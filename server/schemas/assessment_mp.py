"""Shapes of the physician's own assessment in the mini-program (SPEC §4; seed manual 2.2.3-2.2.4):
首页, 考核进度, 我要报名 (five steps, 照片, 证明材料, 提交信息), 重新选择考核程序, 申请修改,
申请免考, 延期考核. Request bodies of the steps are in `schemas/enrolment.py` (their Chinese
messages and read-only checks are applied there, step by step)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from pydantic import ConfigDict, Field, RootModel

from server.models import (
    AssessmentStatus,
    DelayStatus,
    ExemptionStatus,
    ItemResult,
    ModificationStatus,
    PaperType,
    PhysicianLevel,
    PracticeCategory,
    Procedure,
)
from server.schemas.common import Choice, Labelled, Out


# --- what every answer about the assessment carries ------------------------------------------------
class ActionOut(Out):
    """A move the caller may make now (a button)."""

    action: str
    label: str
    flow: str
    needs_reason: bool
    batch: bool


class AssessmentSummary(Out):
    """The assessment's states and the buttons: the answer of every move the physician makes."""

    id: int
    version: int
    status: Labelled[AssessmentStatus]
    procedure: Labelled[Procedure] | None
    modification: Labelled[ModificationStatus] | None
    exemption: Labelled[ExemptionStatus] | None
    delay: Labelled[DelayStatus] | None
    hint: str
    last_reason: str
    actions: list[ActionOut]


# --- 首页 ---------------------------------------------------------------------------------------------
class RegistrationOpen(Out):
    open: bool
    label: str = Field(description="已开通报名 / 未开通报名 / 已退出")


class CycleWindowOut(Out):
    key: str
    label: str
    start: datetime | None
    end: datetime | None
    open: bool


class CycleOut(Out):
    id: int
    name: str
    start_date: date | None
    end_date: date | None
    windows: list[CycleWindowOut]
    delay_deadline: datetime | None


class NextStep(Out):
    key: str = Field(description="exams | results | certificate")
    label: str


class Home(Out):
    """首页: 未开通报名 / 已开通报名, the stage, what to do next, unread messages, buttons."""

    registration: RegistrationOpen
    cycle: CycleOut | None
    stage: Labelled[AssessmentStatus] | None
    hint: str
    next_steps: list[NextStep]
    unread_messages: int
    last_reason: str
    assessment: AssessmentSummary | None
    actions: list[ActionOut]


# --- 考核进度 -----------------------------------------------------------------------------------------
class ReviewOut(Out):
    """复核: the reviewing organisation's decision (organisations only, never a person)."""

    decision: str | None = None
    work_agree: bool | None = None
    ethics_agree: bool | None = None
    opinion: str | None = None
    reason: str | None = None
    reviewed_at: str | None = None
    organisation: str


class EvaluationOut(Out):
    work_result: Labelled[ItemResult] | None
    ethics_result: Labelled[ItemResult] | None
    result: Labelled[ItemResult]
    opinion: str
    institution: str
    other_site_opinions: list[dict[str, Any]] = Field(description="多机构执业 新增意见 {org_name, opinion}")
    review: ReviewOut


class ModificationDetail(Out):
    status: Labelled[ModificationStatus] | None
    pending_changes: dict[str, Any]
    reason: str


class ExemptionDetail(Out):
    status: Labelled[ExemptionStatus] | None
    paper: str | None
    reasons: list[str]
    note: str
    reason: str


class DelayDetail(Out):
    status: Labelled[DelayStatus] | None
    reason: str
    review_reason: str


class HistoryRow(Out):
    """One move: what, when, which kind of organisation and why — never who."""

    action: str
    label: str
    flow: str
    flow_label: str
    from_status: Choice | dict[str, Any]
    to_status: Choice | dict[str, Any]
    actor: str
    organisation: str
    reason: str
    time: datetime


class AssessmentRecord(AssessmentSummary):
    """考核进度: the whole current record, results once reviewed, history, buttons."""

    cycle: CycleOut
    submitted: bool
    evaluation: EvaluationOut | None
    modification_detail: ModificationDetail
    exemption_detail: ExemptionDetail
    delay_detail: DelayDetail
    history: list[HistoryRow]


# --- 我要报名 -----------------------------------------------------------------------------------------
class MissingField(Out):
    step: str
    step_label: str
    field: str
    label: str


class StepView(Out):
    step: str
    label: str
    saved: bool
    editable: bool
    data: dict[str, Any] = Field(description="该步骤的内容（注册系统信息与草稿合并）")
    read_only: list[str]
    pending: dict[str, Any] | None = Field(description="申请修改中待确认的修改")
    missing: list[MissingField]


class PhotoRef(Out):
    file_id: UUID | None


class OwnFile(Out):
    """One of the physician's uploads."""

    id: UUID
    name: str | None
    content_type: str
    size: int
    created_at: datetime


class SimpleCondition(Out):
    index: int
    text: str


class DepartmentOption(Out):
    id: int
    name: str
    parent_id: int | None
    level: int


class EnrolmentLimits(Out):
    report_max: int
    self_text_max: int


class EnrolmentPickers(Out):
    category: list[Labelled[PracticeCategory]]
    level: list[Labelled[PhysicianLevel]]
    specialties: dict[str, list[str]] = Field(description="执业类别 → 从事专业")


class EnrolmentView(Out):
    """我要报名: the five steps (drafts over registry data), read-only fields, what is missing."""

    status: Labelled[AssessmentStatus]
    modification: Labelled[ModificationStatus] | None
    mode: str = Field(description="enrolment 报名 | modification 修改 | view 只读")
    editable: bool
    photo: PhotoRef
    steps: list[StepView]
    proofs: list[OwnFile]
    simple_conditions: list[SimpleCondition]
    evaluation_items: dict[str, list[str]] = Field(description="考核内容：work_performance / ethics 的各项")
    departments: list[DepartmentOption]
    missing: list[MissingField]
    complete: bool
    limits: EnrolmentLimits
    pickers: EnrolmentPickers
    actions: list[ActionOut]


class StepSaved(Out):
    """保存: the step as stored now, what is still missing."""

    step: str
    label: str
    data: dict[str, Any]
    missing: list[MissingField]
    complete: bool
    actions: list[ActionOut]


class PhotoUploaded(Out):
    file_id: UUID
    width: int
    height: int
    content_type: str
    size: int
    actions: list[ActionOut]


class StepBody(RootModel[Any]):
    """One step's fields (BasicStep, PracticeStep, ExperienceStep, SelfAssessmentStep or the
    procedure step of `schemas/enrolment.py`), checked step by step with Chinese messages."""

    model_config = ConfigDict(json_schema_extra={"type": "object", "additionalProperties": True})


class ModificationBody(RootModel[Any]):
    """修改信息: {basic?, practice?, experience?}, each the fields changed of that step (姓名 and
    证件号码 stay locked)."""

    model_config = ConfigDict(json_schema_extra={"type": "object", "additionalProperties": True})


class ProcedureResubmitBody(RootModel[Any]):
    """重新选择考核程序: the procedure step's fields (``procedure``: simple | general, with
    ``conditions``, ``proof_ids``, ``report`` for simple), optionally ``self_assessment``."""

    model_config = ConfigDict(json_schema_extra={"type": "object", "additionalProperties": True})


class ModificationSaved(Out):
    pending_changes: dict[str, Any]
    actions: list[ActionOut]


# --- 申请免考 -----------------------------------------------------------------------------------------
class ExemptionReasonOut(Out):
    id: int
    text: str


class ExemptionApplication(Out):
    reason_ids: list[int]
    reason_texts: list[str]
    note: str
    proofs: list[OwnFile]


class ExemptionView(Out):
    """申请免考入口: the paper, open or not, the province's reasons, the current application."""

    paper: Labelled[PaperType] | None
    procedure: Labelled[Procedure] | None
    open: bool
    can_apply: bool
    reasons: list[ExemptionReasonOut]
    status: Labelled[ExemptionStatus] | None
    last_reason: str
    application: ExemptionApplication | None
    actions: list[ActionOut]
