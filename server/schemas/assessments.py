"""Shapes of the reviewers' assessment console (SPEC §4, §8): 考核进度 and the review queues,
医师信息列表, one assessment's whole record, and the answers of the reviewers' moves. The
request bodies of the moves live in `server/schemas/reviews.py` (one model per action)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from pydantic import ConfigDict, Field

from server.models import (
    AssessmentStatus,
    AttemptStatus,
    DelayStatus,
    ExemptionStatus,
    ItemResult,
    ModificationStatus,
    PaperPurpose,
    PaperType,
    PhysicianLevel,
    PracticeCategory,
    Procedure,
)
from server.schemas.common import BatchFailure, Choice, In, Labelled, Out, Page, PageQuery, Ref


class PhysicianFilterQuery(PageQuery):
    """The physician filters of 考核进度 and of the lists built on it (results, 再次考核)."""

    cycle_id: int | None = Field(default=None, description="考核周期（默认：当前周期）")
    institution_id: int | None = Field(default=None, description="卫生机构")
    department_id: int | None = Field(default=None, description="科室")
    category: str | None = Field(default=None, description="执业类别")
    level: str | None = Field(default=None, description="执业级别")
    name: str | None = Field(default=None, description="姓名（包含）")
    id_number: str | None = Field(default=None, description="证件号码")
    practice_cert_no: str | None = Field(default=None, description="执业证书编号")
    qualification_cert_no: str | None = Field(default=None, description="资格证书编号")
    phone: str | None = Field(default=None, description="手机号码")


class ProgressQuery(PhysicianFilterQuery):
    """考核进度 filters (the enum filters take one value or several, comma-separated)."""

    queue: str | None = Field(default=None, description="待办列表（GET /assessments/queues）")
    status: str | None = Field(default=None, description="考核状态（可多个，逗号分隔）")
    modification: str | None = Field(default=None, description="修改状态")
    exemption: str | None = Field(default=None, description="免考状态")
    delay: str | None = Field(default=None, description="延期状态")
    procedure: str | None = Field(default=None, description="考核程序：simple | general")


class ActionIn(In):
    """The body of one move: its fields depend on the action named in the path (validated with that
    action's model: `reason` / `version` for most; 评定 `hi_submit_evaluation`, 复核
    `ai_submit_review` / `ai_reject_review` and `admin_confirm_reexam` take their own fields)."""

    model_config = ConfigDict(extra="allow")


class AvailableAction(Out):
    """A button the caller may press now."""

    action: str
    label: str
    flow: str
    needs_reason: bool
    batch: bool


class ProgressPhysician(Out):
    id: int
    name: str
    id_number: str = Field(description="证件号码（脱敏）")
    phone: str = Field(description="手机号码（脱敏）")
    gender: str | None
    level: Labelled[PhysicianLevel] | None
    category: Labelled[PracticeCategory] | None
    practice_cert_no: str | None
    department: Ref | None


class ProgressRow(Out):
    """One assessment in 考核进度 / a review queue."""

    id: int
    cycle_id: int
    physician: ProgressPhysician
    institution: Ref | None
    status: Labelled[AssessmentStatus]
    modification: Labelled[ModificationStatus]
    exemption: Labelled[ExemptionStatus]
    delay: Labelled[DelayStatus]
    procedure: Labelled[Procedure] | None
    work_result: Labelled[ItemResult] | None
    ethics_result: Labelled[ItemResult] | None
    last_reason: str
    version: int
    updated_at: datetime
    actions: list[AvailableAction]


class ReviewQueue(Out):
    """A review queue (menu) of the caller's role."""

    queue: str
    label: str


class CyclePhysicianRow(ProgressPhysician):
    """医师信息列表: a physician of the institution and its status in the current cycle."""

    assessment_id: int | None
    status: Labelled[AssessmentStatus]
    in_cycle: bool
    actions: list[AvailableAction]


class CyclePhysicianPage(Page[CyclePhysicianRow]):
    """医师信息列表: one page, with the institution's current cycle (null when none)."""

    cycle: Ref | None


class AssessmentSummary(Out):
    """The state of one assessment after a move, with the caller's next actions."""

    id: int
    physician_id: int
    cycle_id: int
    status: Labelled[AssessmentStatus]
    modification: Labelled[ModificationStatus]
    exemption: Labelled[ExemptionStatus]
    delay: Labelled[DelayStatus]
    procedure: Labelled[Procedure] | None
    last_reason: str
    version: int
    actions: list[AvailableAction]


class MoveResult(AssessmentSummary):
    """One move made: the new state, and which flow moved from where to where."""

    from_status: str
    to_status: str
    flow: str


class IncludeBatchResult(Out):
    """批量参加考核 / 批量取消参加考核: physicians done, their assessments, and the failures."""

    done: list[int]
    assessments: dict[int, int] = Field(description="医师 id → 考核记录 id")
    failed: list[BatchFailure]


# --- the whole record -------------------------------------------------------------------------------


class RecordCycle(Out):
    id: int
    name: str
    start_date: date
    end_date: date


class RecordPhysician(Out):
    id: int
    name: str
    gender: str | None
    birth_date: date | None
    id_number: str = Field(description="证件号码（按权限脱敏，见 numbers_masked）")
    phone: str
    level: Labelled[PhysicianLevel] | None
    category: Labelled[PracticeCategory] | None
    practice_scope: str | None
    qualification_cert_no: str | None
    practice_cert_no: str | None
    department: Ref | None
    photo_file_id: UUID | None


class EnrolmentStep(Out):
    step: str
    label: str
    data: dict[str, Any]


class DoneBy(Out):
    org: Ref | None
    at: datetime


class RecordEvaluation(Out):
    work_result: Labelled[ItemResult] | None
    ethics_result: Labelled[ItemResult] | None
    opinion: str
    other_site_opinions: list[Any]
    items: dict[str, Any]
    content: Any = Field(description="本周期的考核内容（评定项目）")
    done: DoneBy | None


class RecordModification(Out):
    status: Labelled[ModificationStatus]
    pending_changes: dict[str, Any]


class RecordExemptionReason(Out):
    id: int
    paper: Labelled[PaperType] | None
    text: str


class RecordExemption(Out):
    status: Labelled[ExemptionStatus]
    paper: Labelled[PaperType] | None
    data: dict[str, Any]
    reasons: list[RecordExemptionReason]


class RecordDelay(Out):
    status: Labelled[DelayStatus]
    reason: str


class RecordEvent(Out):
    """One row of the history."""

    id: int
    flow: Choice
    action: Choice
    from_status: Choice
    to_status: Choice
    actor_type: str
    role: Choice
    org: Ref | None
    actor_name: str
    reason: str
    data: dict[str, Any]
    created_at: datetime


class RecordAttempt(Out):
    id: int
    paper_type: Labelled[PaperType]
    purpose: Labelled[PaperPurpose]
    attempt_no: int
    status: Labelled[AttemptStatus]
    started_at: datetime | None
    submitted_at: datetime | None
    auto_submitted: bool
    score: float | None
    pass_line: int | None
    passed: bool | None


class RecordOutcome(Out):
    status: Labelled[AssessmentStatus]
    fail_reason: str
    fail_reason_label: str
    violation: bool
    no_promotion: bool
    deregistration_recommended: bool
    suspension_months: int | None
    suspended_from: date | None
    concluded_at: datetime | None


class RecordCertificate(Out):
    number: str
    verify_url: str
    issued_at: datetime
    issuer: str
    print_count: int


class VoidedCertificateView(Out):
    number: str
    voided_at: datetime
    reason: str


class AssessmentRecordCore(Out):
    """The part of `AssessmentRecord` services/assessment/records.py builds (services/results/full_record.py
    adds the attempts, the outcome and the certificates). Not an answer by itself."""

    id: int
    version: int
    active: bool
    cycle: RecordCycle
    institution: Ref | None
    status: Labelled[AssessmentStatus]
    procedure: Labelled[Procedure] | None
    last_reason: str
    numbers_masked: bool
    physician: RecordPhysician
    enrolment: list[EnrolmentStep]
    self_assessment: dict[str, Any]
    evaluation: RecordEvaluation
    review: dict[str, Any] = Field(description="考核机构复核（未复核时为空对象）")
    modification: RecordModification
    exemption: RecordExemption
    delay: RecordDelay
    history: list[RecordEvent]
    actions: list[AvailableAction]


class AssessmentRecord(AssessmentRecordCore):
    """考核进度 → 查看: the whole record of one assessment with history and the caller's actions."""

    attempts: list[RecordAttempt]
    outcome: RecordOutcome
    certificate: RecordCertificate | None
    voided_certificates: list[VoidedCertificateView]
