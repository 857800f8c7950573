"""本机构信息 and 卫生机构管理 (SPEC §1; seeds 2.2.2 本机构信息完善, 2.2.6 卫生机构管理).

- Every organisation keeps its own information forms in `Organisation.info[form]`:
  administrations fill 卫健委 / 考核管理委员会 / 考核办公室, health institutions and
  industry organisations fill 本机构信息.
- Administrations (and assessment institutions, for the institutions assigned to them)
  query the health institutions in their jurisdiction.
"""

from __future__ import annotations

from typing import Any

from tortoise.expressions import Subquery
from tortoise.transactions import in_transaction

from server.errors import NotFound, ValidationFailed
from server.models import (
    AccountStatus,
    AssessmentAssignment,
    Cycle,
    CycleConfirmation,
    Organisation,
    OrgKind,
    Region,
    StaffAccount,
)
from server.models.geo import province_id_of_path
from server.schemas.common import Labelled, Ref
from server.schemas.orgs import (
    InstitutionAccount,
    InstitutionChoice,
    InstitutionDetail,
    InstitutionRow,
    OrgForm,
    OrgRegion,
    OwnOrg,
)
from server.security import mask_phone
from server.services import audit
from server.services.access import Actor, Role, ensure_org_in_scope, ensure_path_in_jurisdiction, org_scope_q

# Which forms each kind of organisation keeps, with the menu names of the seeds.
FORMS: dict[OrgKind, dict[str, str]] = {
    OrgKind.ADMINISTRATION: {"health_commission": "卫健委", "committee": "考核管理委员会", "office": "考核办公室"},
    OrgKind.HEALTH_INSTITUTION: {"institution": "本机构信息"},
    OrgKind.INDUSTRY_ORG: {"institution": "本机构信息"},
}


def _org_view(org: Organisation, region: Region) -> OwnOrg:
    forms = FORMS[org.kind]
    info = org.info or {}
    return OwnOrg(
        id=org.id,
        name=org.name,
        kind=Labelled.of(org.kind),
        region=OrgRegion(id=region.id, name=region.name, level=region.level.value),
        credit_code=org.credit_code,
        address=org.address,
        is_assessment_institution=org.is_assessment_institution,
        may_apply_assessment=org.may_apply_assessment,
        forms=[OrgForm(key=key, label=label) for key, label in forms.items()],
        info={key: info.get(key) for key in forms},
    )


async def get_own_org(*, actor: Actor) -> OwnOrg:
    """本机构信息: the caller's own organisation with its information forms."""
    org = await Organisation.get_or_none(id=actor.org_id).prefetch_related("region")
    if org is None:
        raise NotFound("机构不存在", code="org_not_found")
    return _org_view(org, org.region)


async def update_own_org(*, actor: Actor, forms: dict[str, dict[str, Any]]) -> OwnOrg:
    """【编辑】/【保存】/【提交】 of 本机构信息: each form sent replaces the stored one.

    A form that does not belong to the caller's kind of organisation is refused
    (an administration has no 本机构信息 form, an institution no 卫健委 form).
    """
    if not forms:
        raise ValidationFailed("请填写机构信息", code="empty_update")
    async with in_transaction() as conn:
        org = await Organisation.select_for_update().using_db(conn).get(id=actor.org_id)
        allowed = FORMS[org.kind]
        wrong = [key for key in forms if key not in allowed]
        if wrong:
            names = "、".join(allowed.values())
            raise ValidationFailed(
                f"本机构只能填写：{names}", code="form_not_applicable", details={"forms": wrong}
            )
        before = {key: (org.info or {}).get(key) for key in forms}
        info = dict(org.info or {})
        info.update(forms)
        org.info = info
        await org.save(update_fields=["info", "updated_at"], using_db=conn)
        await audit.record(actor, "org.info.update", "organisation", org.id, before=before, after=forms,
                           using_db=conn)
    return await get_own_org(actor=actor)


# --- 卫生机构管理 -------------------------------------------------------------------------


def parse_bool(raw: str | None, name: str) -> bool | None:
    if raw in (None, ""):
        return None
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "是"):
        return True
    if value in ("0", "false", "no", "否"):
        return False
    raise ValidationFailed(f"参数{name}应为 true 或 false", code="invalid_query")


async def list_institutions(
    *,
    actor: Actor,
    name: str | None = None,
    region_id: int | None = None,
    is_assessment_institution: bool | None = None,
    page_no: int = 1,
    size: int = 20,
) -> tuple[list[InstitutionRow], int]:
    """卫生机构管理 → 查询: health institutions in the caller's jurisdiction, paged.

    `region_id` narrows to a region subtree; for an administration the region must lie in its
    jurisdiction (403 otherwise). Each row shows the account (机构账号, 账号状态) and whether
    the institution confirmed its province's current cycle (去确认).
    """
    query = Organisation.filter(await org_scope_q(actor), kind=OrgKind.HEALTH_INSTITUTION)
    if name:
        query = query.filter(name__icontains=name.strip())
    if region_id is not None:
        region = await Region.get_or_none(id=region_id)
        if region is None:
            raise NotFound("地区不存在", code="region_not_found")
        if actor.role == Role.ADMINISTRATION:
            ensure_path_in_jurisdiction(actor, region.path)
        query = query.filter(region_path__startswith=region.path)
    if is_assessment_institution is not None:
        query = query.filter(is_assessment_institution=is_assessment_institution)
    count = await query.count()
    orgs = await query.order_by("region_path", "name", "id").offset((page_no - 1) * size).limit(size) \
        .prefetch_related("region")
    return await _institution_rows(orgs, full=False), count


async def institution_choices(*, actor: Actor, name: str | None = None, limit: int = 20) -> list[InstitutionChoice]:
    """The health institutions a physician may be moved to (人员调出申请, 调出暂存区申请, 变更卫生机构):
    an administration's jurisdiction; for a health institution its own province (seeds: 选择本地内的执业机构).
    Cancelled institutions (no account left that is not 注销) are left out."""
    if actor.role == Role.HEALTH_INSTITUTION:
        province = province_id_of_path(actor.region_path)
        parts = [p for p in actor.region_path.strip("/").split("/") if p]
        query = Organisation.filter(region_path__startswith=f"/{parts[0]}/{province}/") if province else \
            Organisation.filter(id=actor.org_id)
    else:
        query = Organisation.filter(await org_scope_q(actor))
    query = query.filter(kind=OrgKind.HEALTH_INSTITUTION).filter(
        id__in=Subquery(StaffAccount.exclude(status=AccountStatus.CANCELLED).values("org_id")))
    if name and name.strip():
        query = query.filter(name__icontains=name.strip())
    orgs = await query.order_by("region_path", "name", "id").limit(limit).prefetch_related("region")
    return [InstitutionChoice(id=o.id, name=o.name, region=o.region.name) for o in orgs]


async def get_institution(*, actor: Actor, org_id: int) -> InstitutionDetail:
    """卫生机构管理 → 查看: one health institution in the caller's jurisdiction."""
    org = await Organisation.get_or_none(id=org_id, kind=OrgKind.HEALTH_INSTITUTION).prefetch_related("region")
    if org is None:
        raise NotFound("卫生机构不存在", code="org_not_found")
    await ensure_org_in_scope(actor, org)
    (row,) = await _institution_rows([org], full=True)
    return InstitutionDetail(**dict(row), info=(org.info or {}).get("institution"))


async def _institution_rows(orgs: list[Organisation], *, full: bool) -> list[InstitutionRow]:
    ids = [o.id for o in orgs]
    accounts = {a.org_id: a for a in await StaffAccount.filter(org_id__in=ids)}
    assessors = {
        a.institution_id: a.assessor
        for a in await AssessmentAssignment.filter(institution_id__in=ids).prefetch_related("assessor")
    }
    confirmed = await _confirmed_org_ids(orgs)
    rows: list[InstitutionRow] = []
    for org in orgs:
        account = accounts.get(org.id)
        status = account.status if account else None
        info = (org.info or {}).get("institution") or {}
        phone = info.get("phone") or ""
        assessor = assessors.get(org.id)
        rows.append(InstitutionRow(
            id=org.id,
            name=org.name,
            region=OrgRegion(id=org.region.id, name=org.region.name, level=org.region.level.value),
            credit_code=org.credit_code,
            address=org.address,
            is_assessment_institution=org.is_assessment_institution,
            may_apply_assessment=org.may_apply_assessment,
            account=InstitutionAccount(
                code=account.code if account else None,
                status=Labelled.of(status),
                active=status == AccountStatus.ACTIVE,
            ),
            contact=info.get("contact"),
            phone=phone if full else mask_phone(phone),
            assessor=Ref(id=assessor.id, name=assessor.name) if assessor else None,
            cycle_confirmed=org.id in confirmed,
        ))
    return rows


async def _confirmed_org_ids(orgs: list[Organisation]) -> set[int]:
    """Which of these organisations confirmed their province's current cycle."""
    provinces = {province_id_of_path(o.region_path) for o in orgs} - {None}
    if not provinces:
        return set()
    cycles = await Cycle.filter(province_id__in=provinces, is_current=True).values_list("id", flat=True)
    if not cycles:
        return set()
    return set(
        await CycleConfirmation.filter(cycle_id__in=list(cycles), org_id__in=[o.id for o in orgs])
        .values_list("org_id", flat=True)
    )
