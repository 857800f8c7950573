"""Shapes of 成绩评定 and 再次考核管理 in the web console (SPEC §4 stages 5-7): the lists with each
paper's scores and what 确认 decides (一键确认 answers a `JobView`, server/schemas/jobs.py). The request bodies live in
`server/schemas/results.py`."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from server.models import AssessmentStatus, ItemResult, PhysicianLevel, PracticeCategory, Procedure
from server.schemas.assessments import AvailableAction, PhysicianFilterQuery
from server.schemas.common import Labelled, Out, Ref


class ResultFilterQuery(PhysicianFilterQuery):
    """The 考核进度 filters that make sense on these lists (status and procedure are the list's own)."""


class ResultProcedureQuery(ResultFilterQuery):
    """…and the list of one procedure: ?procedure=simple (简易程序) | general (一般程序)."""

    procedure: str | None = Field(default=None, description="考核程序：simple | general")


class ResultPhysician(Out):
    id: int
    name: str
    id_number: str = Field(description="证件号码（脱敏）")
    level: Labelled[PhysicianLevel] | None
    category: Labelled[PracticeCategory] | None


class ResultRow(Out):
    """One assessment in the 成绩评定 / 再次考核 lists."""

    id: int
    cycle_id: int
    physician: ResultPhysician
    institution: Ref | None
    status: Labelled[AssessmentStatus]
    procedure: Labelled[Procedure] | None
    work_result: Labelled[ItemResult] | None
    ethics_result: Labelled[ItemResult] | None
    violation: bool
    fail_reason: str
    fail_reason_label: str
    suspension_months: int | None
    suspended_from: date | None
    no_promotion: bool
    deregistration_recommended: bool
    concluded_at: datetime | None
    version: int
    actions: list[AvailableAction]


class PaperScore(Out):
    """One paper against its pass line (not required or exempted: `passed` null)."""

    paper: str
    label: str
    required: bool
    exempt: bool
    attempts: int
    max_attempts: int | None
    best_score: float | None
    pass_line: float
    passed: bool | None


class VerdictPreview(Out):
    """What 确认 would decide."""

    status: Labelled[AssessmentStatus]
    fail_reason: str
    fail_reason_label: str


class ScoredResultRow(ResultRow):
    """…with each paper's scores and what 确认 decides."""

    papers: list[PaperScore]
    preview: VerdictPreview
