"""Shapes of the physician's 考核结果 in the mini-program (SPEC §4 stages 6-7, §8)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from server.models import AssessmentStatus, ItemResult, Procedure
from server.schemas.common import In, Labelled, Out, Ref
from server.schemas.judging import PaperScore


class CertificateLink(Out):
    available: bool
    number: str | None = Field(description="通知书编号")
    download: str | None = Field(description="下载地址（合格时）")


class PhysicianResult(Out):
    """考核结果: the outcome once judged, the paper scores, the re-exam details, the notice."""

    assessment_id: int
    cycle: Ref
    status: Labelled[AssessmentStatus]
    procedure: Labelled[Procedure] | None
    judged: bool
    work_result: Labelled[ItemResult] | None
    ethics_result: Labelled[ItemResult] | None
    fail_reason: str
    fail_reason_label: str
    suspension_months: int | None
    suspended_from: date | None
    no_promotion: bool
    deregistration_recommended: bool
    concluded_at: datetime | None
    papers: list[PaperScore] | None = Field(default=None, description="首轮考核各试卷（已测评时）")
    reexam_papers: list[PaperScore] | None = Field(default=None, description="再次考核各试卷（有再次考核时）")
    certificate: CertificateLink


class CertificateQuery(In):
    """?assessment_id= for an earlier cycle's notice (default: the current one)."""

    assessment_id: int | None = Field(default=None, title="考核记录")
