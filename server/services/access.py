"""Who is acting, and what they may see (SPEC §1 jurisdiction).

- an administration sees every organisation in its region subtree;
- a health institution / industry organisation sees only itself;
- an assessment institution sees itself and exactly the institutions assigned to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tortoise.expressions import Q

from server.errors import NotFound, OutOfJurisdiction
from server.models import AssessmentAssignment, LabelledEnum, Organisation, OrgKind, RegionLevel


class Role(LabelledEnum):
    ADMINISTRATION = ("administration", "卫生行政机构")
    HEALTH_INSTITUTION = ("health_institution", "卫生机构")
    ASSESSMENT_INSTITUTION = ("assessment_institution", "考核机构")
    INDUSTRY_ORG = ("industry_org", "行业组织")
    PHYSICIAN = ("physician", "医师")
    SYSTEM = ("system", "系统")  # the server's own moves: deadlines, finished exams


STAFF_ROLES = (Role.ADMINISTRATION, Role.HEALTH_INSTITUTION, Role.ASSESSMENT_INSTITUTION, Role.INDUSTRY_ORG)


def default_role(kind: OrgKind) -> Role:
    return {
        OrgKind.ADMINISTRATION: Role.ADMINISTRATION,
        OrgKind.HEALTH_INSTITUTION: Role.HEALTH_INSTITUTION,
        OrgKind.INDUSTRY_ORG: Role.INDUSTRY_ORG,
    }[kind]


def roles_for(org: Organisation) -> list[Role]:
    """The roles an organisation's account may switch between."""
    roles = [default_role(org.kind)]
    if org.is_assessment_institution and org.kind != OrgKind.ADMINISTRATION:
        roles.append(Role.ASSESSMENT_INSTITUTION)
    return roles


@dataclass
class Actor:
    """The authenticated caller of a request."""

    kind: str  # staff | physician
    role: Role
    token: str
    account_id: int | None = None
    physician_id: int | None = None
    org_id: int | None = None
    region_id: int | None = None
    region_path: str = ""
    region_level: RegionLevel | None = None
    must_change_password: bool = False
    needs_phone: bool = False
    ip: str | None = None
    _assigned: list[int] | None = field(default=None, repr=False)

    @property
    def is_province(self) -> bool:
        return self.role == Role.ADMINISTRATION and self.region_level == RegionLevel.PROVINCE

    @property
    def is_national(self) -> bool:
        return self.role == Role.ADMINISTRATION and self.region_level == RegionLevel.NATIONAL

    async def assigned_institution_ids(self) -> list[int]:
        if self._assigned is None:
            self._assigned = list(
                await AssessmentAssignment.filter(assessor_id=self.org_id).values_list("institution_id", flat=True)
            )
        return self._assigned


def _admin_path(actor: Actor) -> str:
    """An administration's region path; an empty one would match everything, so refuse it."""
    if not actor.region_path.startswith("/") or len(actor.region_path) < 3:
        raise OutOfJurisdiction()
    return actor.region_path


async def org_scope_q(actor: Actor) -> Q:
    """A filter on Organisation matching exactly what the actor may see."""
    if actor.role == Role.ADMINISTRATION:
        _admin_path(actor)
        return Q(region_path__startswith=actor.region_path)
    if actor.role == Role.ASSESSMENT_INSTITUTION:
        return Q(id__in=[actor.org_id, *await actor.assigned_institution_ids()])
    return Q(id=actor.org_id)


async def physician_scope_q(actor: Actor) -> Q:
    """A filter on Physician matching the physicians the actor may see."""
    if actor.role == Role.ADMINISTRATION:
        _admin_path(actor)
        return Q(region_path__startswith=actor.region_path)
    if actor.role == Role.ASSESSMENT_INSTITUTION:
        return Q(institution_id__in=await actor.assigned_institution_ids())
    if actor.role == Role.HEALTH_INSTITUTION:
        return Q(institution_id=actor.org_id)
    return Q(id__in=[])


async def ensure_org_in_scope(actor: Actor, org: Organisation) -> None:
    """Raise OutOfJurisdiction unless the actor may see this organisation."""
    if actor.role == Role.ADMINISTRATION:
        ok = org.region_path.startswith(_admin_path(actor))
    elif actor.role == Role.ASSESSMENT_INSTITUTION:
        ok = org.id == actor.org_id or org.id in await actor.assigned_institution_ids()
    else:
        ok = org.id == actor.org_id
    if not ok:
        raise OutOfJurisdiction()


def ensure_path_in_jurisdiction(actor: Actor, region_path: str) -> None:
    """For administrations: the region path must lie in the actor's subtree."""
    if actor.role != Role.ADMINISTRATION or not region_path.startswith(_admin_path(actor)):
        raise OutOfJurisdiction()


async def get_org_in_scope(actor: Actor, org_id: int) -> Organisation:
    org = await Organisation.get_or_none(id=org_id)
    if org is None:
        raise NotFound("机构不存在")
    await ensure_org_in_scope(actor, org)
    return org
