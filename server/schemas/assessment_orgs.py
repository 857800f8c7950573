"""Shapes for 考核机构管理 (SPEC §2): apply permission, applications and their materials,
assessment institutions and the institutions assigned to them. The request bodies live in
`server/schemas/accounts.py`."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import Field

from server.models import ApplicationStatus, OrgKind
from server.schemas.common import Labelled, Out, PageQuery, Ref


class OrgNameQuery(PageQuery):
    """?name= (包含) and paging."""

    name: str | None = Field(default=None, description="机构名称（包含）")


class ApplicationQuery(OrgNameQuery):
    """审批考核机构: ?status=pending|approved|rejected&name=."""

    status: str | None = Field(default=None, title="审批状态", description="pending | approved | rejected")


class AssessmentOrgRow(Out):
    """An organisation in the lists of 考核机构管理."""

    id: int
    name: str
    kind: Labelled[OrgKind]
    region: Ref
    address: str
    may_apply_assessment: bool
    is_assessment_institution: bool


class AssessorRow(AssessmentOrgRow):
    """考核机构列表: with the number of institutions assigned to it."""

    assigned_count: int


class MaterialFile(Out):
    """An uploaded application material."""

    id: UUID
    name: str | None
    content_type: str
    size: int
    created_at: datetime


class ApplicationOrg(Out):
    id: int
    name: str
    region: Ref


class ApplicationRow(Out):
    """申请成为考核机构: one application."""

    id: int
    org: ApplicationOrg
    status: Labelled[ApplicationStatus]
    note: str
    reason: str | None
    material_count: int
    created_at: datetime
    decided_at: datetime | None


class ApplicationDetail(ApplicationRow):
    """查看: the application with its materials."""

    materials: list[MaterialFile]


class ApplyRefusal(Out):
    code: str
    message: str


class ApplicationStatusView(Out):
    """申请考核机构 page: may the institution apply (and why not), and its applications."""

    may_apply_assessment: bool
    is_assessment_institution: bool
    can_apply: bool
    reason: ApplyRefusal | None
    applications: list[ApplicationRow]


class Assigned(Out):
    """添加: the institutions newly assigned."""

    assigned: list[int]


class Unassigned(Out):
    """撤销: the institutions removed."""

    removed: list[int]
