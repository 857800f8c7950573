"""考核机构管理 (SPEC §2 Accounts, §1 jurisdiction; seed manual 2.2.3(3), 2.2.5).

- administrations 允许 / 不允许 health institutions in jurisdiction to apply;
- a health institution uploads materials and applies; the administration 通过 / 驳回;
- administrations configure industry organisations as assessment institutions;
- administrations 指定 health institutions to an assessment institution (one assessor per
  institution) and 撤销 them; the assessment institution lists its own.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from server.errors import (
    Conflict,
    DomainError,
    InvalidTransition,
    NotFound,
    OutOfJurisdiction,
    ValidationFailed,
)
from server.models import (
    AccountStatus,
    ApplicationStatus,
    AssessmentApplication,
    AssessmentAssignment,
    Organisation,
    OrgKind,
    StaffAccount,
    StoredFile,
)
from server.schemas.assessment_orgs import (
    ApplicationDetail,
    ApplicationOrg,
    ApplicationRow,
    ApplicationStatusView,
    ApplyRefusal,
    AssessmentOrgRow,
    AssessorRow,
    Assigned,
    MaterialFile,
    Unassigned,
)
from server.schemas.common import BatchFailure, BatchResult, Labelled, Ref
from server.services import audit
from server.services.access import Actor, Role, ensure_path_in_jurisdiction
from server.services.accounts import sessions
from server.services.platform import files

MATERIAL_PURPOSE = "assessment_material"
MAX_FILES_PER_UPLOAD = 10


def org_row(org: Organisation) -> AssessmentOrgRow:
    """An organisation in the lists of this area (region prefetched)."""
    return AssessmentOrgRow(
        id=org.id, name=org.name, kind=Labelled.of(org.kind),
        region=Ref(id=org.region.id, name=org.region.name), address=org.address or "",
        may_apply_assessment=org.may_apply_assessment,
        is_assessment_institution=org.is_assessment_institution,
    )


async def _paged(qs: QuerySet[Organisation], page_no: int, size: int) -> tuple[list[AssessmentOrgRow], int]:
    count = await qs.count()
    rows = await qs.order_by("id").offset((page_no - 1) * size).limit(size).prefetch_related("region")
    return [org_row(o) for o in rows], count


async def _org_in_jurisdiction(actor: Actor, org_id: int, conn: Any = None, *, lock: bool = False) -> Organisation:
    qs = Organisation.select_for_update() if lock else Organisation.all()
    org = await qs.using_db(conn).get_or_none(id=org_id)
    if org is None:
        raise NotFound("机构不存在", code="org_not_found")
    ensure_path_in_jurisdiction(actor, org.region_path)
    return org


def _ensure_kind(org: Organisation, kind: OrgKind) -> None:
    if org.kind != kind:
        raise ValidationFailed(f"{org.name}不是{kind.label}", code=f"not_{kind.value}")


# --- 允许 / 不允许 ------------------------------------------------------------------


async def _set_permission(actor: Actor, org_id: int, allow: bool, conn: Any) -> None:
    org = await _org_in_jurisdiction(actor, org_id, conn, lock=True)
    _ensure_kind(org, OrgKind.HEALTH_INSTITUTION)
    if allow and not await StaffAccount.filter(org_id=org.id, status=AccountStatus.ACTIVE).using_db(conn).exists():
        raise InvalidTransition(f"{org.name}的账号未激活，不能开通申请权限", code="account_not_active")
    if org.may_apply_assessment == allow:
        return
    await Organisation.filter(id=org.id).using_db(conn).update(may_apply_assessment=allow)
    await audit.record(actor, "assessment.allow_apply" if allow else "assessment.disallow_apply", "organisation",
                       org.id, before={"may_apply_assessment": not allow}, after={"may_apply_assessment": allow},
                       using_db=conn)


async def set_apply_permission(*, actor: Actor, org_id: int, allow: bool) -> None:
    """允许 / 不允许 (manual 2.2.3(3)): may this health institution apply?"""
    async with in_transaction() as conn:
        await _set_permission(actor, org_id, allow, conn)


async def batch_apply_permission(*, actor: Actor, ids: list[int], allow: bool) -> BatchResult:
    """批量允许 / 不允许: valid ids proceed, the others are reported with their reason."""
    done: list[int] = []
    failed: list[BatchFailure] = []
    async with in_transaction() as conn:
        for org_id in dict.fromkeys(ids):
            try:
                await _set_permission(actor, org_id, allow, conn)
            except DomainError as exc:
                failed.append(BatchFailure(id=org_id, code=exc.code, message=exc.message))
            else:
                done.append(org_id)
    return BatchResult(done=done, failed=failed)


# --- the health institution's application --------------------------------------------


async def _ensure_may_apply(org: Organisation, conn: Any = None) -> None:
    if org.is_assessment_institution:
        raise InvalidTransition("本机构已是考核机构", code="already_assessment_institution")
    if not org.may_apply_assessment:
        raise InvalidTransition("上级卫生行政部门尚未允许本机构申请考核机构", code="apply_not_allowed")
    pending = AssessmentApplication.filter(org_id=org.id, status=ApplicationStatus.PENDING).using_db(conn)
    if await pending.exists():
        raise InvalidTransition("已有待审批的申请，请等待审批结果", code="application_pending")


def _own_org_id(actor: Actor) -> int:
    if actor.role != Role.HEALTH_INSTITUTION or actor.org_id is None:
        raise OutOfJurisdiction()
    return actor.org_id


async def application_status(*, actor: Actor) -> ApplicationStatusView:
    """申请考核机构 page: may the caller apply, and its applications so far."""
    org = await Organisation.get(id=_own_org_id(actor)).prefetch_related("region")
    apps = await AssessmentApplication.filter(org_id=org.id).order_by("-id")
    try:
        await _ensure_may_apply(org)
        can_apply, why = True, None
    except DomainError as exc:
        can_apply, why = False, ApplyRefusal(code=exc.code, message=exc.message)
    return ApplicationStatusView(
        may_apply_assessment=org.may_apply_assessment,
        is_assessment_institution=org.is_assessment_institution,
        can_apply=can_apply, reason=why,
        applications=[_application_row(a, org) for a in apps],
    )


async def upload_materials(*, actor: Actor, uploads: list[tuple[str, bytes]]) -> list[MaterialFile]:
    """上传申请材料: images or PDFs only, checked by content; all or nothing."""
    org = await Organisation.get(id=_own_org_id(actor))
    await _ensure_may_apply(org)
    if not uploads:
        raise ValidationFailed("请选择要上传的文件", code="no_file")
    if len(uploads) > MAX_FILES_PER_UPLOAD:
        raise ValidationFailed(f"一次最多上传{MAX_FILES_PER_UPLOAD}个文件", code="too_many_files")
    # every file is checked before any is stored; client paths are dropped from the name
    cleaned = [(name.replace("\\", "/").rsplit("/", 1)[-1], files.clean_proof(data)) for name, data in uploads]
    stored: list[StoredFile] = []
    for name, clean in cleaned:
        stored.append(await files.store(clean, purpose=MATERIAL_PURPOSE, original_name=name,
                                        owner_org_id=org.id, owner_account_id=actor.account_id))
    await audit.record(actor, "assessment.upload_material", "stored_file", None,
                       after={"files": [str(f.id) for f in stored]})
    return [_file_row(f) for f in stored]


def _file_row(f: StoredFile) -> MaterialFile:
    return MaterialFile(id=f.id, name=f.original_name, content_type=f.content_type, size=f.size,
                        created_at=f.created_at)


async def submit_application(*, actor: Actor, note: str, material_ids: list[UUID]) -> ApplicationRow:
    """申请成为考核机构 (SPEC §2): only when allowed, not yet one, nothing pending."""
    ids = list(dict.fromkeys(material_ids))
    async with in_transaction() as conn:
        org = await Organisation.select_for_update().using_db(conn).get(id=_own_org_id(actor))
        await _ensure_may_apply(org, conn)
        owned = await StoredFile.filter(id__in=ids, owner_org_id=org.id, purpose=MATERIAL_PURPOSE).using_db(conn).count()
        if owned != len(ids):
            raise ValidationFailed("申请材料无效，请重新上传", code="invalid_material")
        app = await AssessmentApplication.create(org_id=org.id, note=note.strip(),
                                                 material_ids=[str(i) for i in ids], using_db=conn)
        await audit.record(actor, "assessment.apply", "assessment_application", app.id,
                           after={"org_id": org.id, "material_ids": app.material_ids}, using_db=conn)
    await org.fetch_related("region")
    return _application_row(app, org)


# --- the administration's review ------------------------------------------------------


def _application_row(app: AssessmentApplication, org: Organisation) -> ApplicationRow:
    """An application row (the organisation's region prefetched)."""
    return ApplicationRow(
        id=app.id,
        org=ApplicationOrg(id=org.id, name=org.name, region=Ref(id=org.region.id, name=org.region.name)),
        status=Labelled.of(app.status),
        note=app.note, reason=app.reason, material_count=len(app.material_ids or []),
        created_at=app.created_at, decided_at=app.decided_at,
    )


async def list_applications(
    *, actor: Actor, status: str | None, name: str | None, page_no: int, size: int
) -> tuple[list[ApplicationRow], int]:
    """审批考核机构: applications of institutions in the caller's jurisdiction."""
    ensure_path_in_jurisdiction(actor, actor.region_path)
    qs = AssessmentApplication.filter(org__region_path__startswith=actor.region_path)
    if status:
        try:
            qs = qs.filter(status=ApplicationStatus(status))
        except ValueError:
            raise ValidationFailed("审批状态无效", code="invalid_query") from None
    if name and name.strip():
        qs = qs.filter(org__name__icontains=name.strip())
    count = await qs.count()
    rows = await qs.order_by("-id").offset((page_no - 1) * size).limit(size).prefetch_related("org__region")
    return [_application_row(a, a.org) for a in rows], count


async def _application_for(actor: Actor, application_id: int, conn: Any = None, *, lock: bool = False
                           ) -> tuple[AssessmentApplication, Organisation]:
    """The application, if the caller is its applicant or an administration over it."""
    qs = AssessmentApplication.select_for_update() if lock else AssessmentApplication.all()
    app = await qs.using_db(conn).get_or_none(id=application_id)
    if app is None:
        raise NotFound("申请不存在", code="application_not_found")
    org = await Organisation.filter(id=app.org_id).using_db(conn).prefetch_related("region").first()
    if org is None:  # pragma: no cover - cascade deletes applications with the org
        raise NotFound("申请不存在", code="application_not_found")
    if actor.role == Role.ADMINISTRATION:
        ensure_path_in_jurisdiction(actor, org.region_path)
    elif not (actor.role == Role.HEALTH_INSTITUTION and actor.org_id == org.id):
        raise OutOfJurisdiction()
    return app, org


async def get_application(*, actor: Actor, application_id: int) -> ApplicationDetail:
    """查看: the application with its materials."""
    app, org = await _application_for(actor, application_id)
    stored = await StoredFile.filter(id__in=app.material_ids or [])
    by_id = {str(f.id): f for f in stored}
    materials = [_file_row(by_id[i]) for i in app.material_ids or [] if i in by_id]
    return ApplicationDetail(**dict(_application_row(app, org)), materials=materials)


async def material_file(*, actor: Actor, application_id: int, file_id: UUID) -> files.Download:
    """One material of an application, to stream."""
    app, _ = await _application_for(actor, application_id)
    if str(file_id) not in (app.material_ids or []):
        raise NotFound("文件不存在", code="file_not_found")
    stored = await StoredFile.get_or_none(id=file_id)
    if stored is None:
        raise NotFound("文件不存在", code="file_not_found")
    name = stored.original_name or f"申请材料{stored.key[stored.key.rfind('.'):]}"
    return files.download(stored, name)


async def _decide(actor: Actor, application_id: int, approve: bool, reason: str) -> ApplicationRow:
    async with in_transaction() as conn:
        app, org = await _application_for(actor, application_id, conn, lock=True)
        ensure_path_in_jurisdiction(actor, org.region_path)  # administrations only
        if app.status != ApplicationStatus.PENDING:
            raise InvalidTransition(f"该申请{app.status.label}，不能再审批", code="application_not_pending")
        app.status = ApplicationStatus.APPROVED if approve else ApplicationStatus.REJECTED
        app.reason = reason
        app.decided_by_id = actor.account_id
        app.decided_at = datetime.now(UTC)
        await app.save(using_db=conn, update_fields=["status", "reason", "decided_by_id", "decided_at", "updated_at"])
        if approve:
            await Organisation.filter(id=org.id).using_db(conn).update(is_assessment_institution=True)
            org.is_assessment_institution = True
        await audit.record(actor, "assessment.approve" if approve else "assessment.reject", "assessment_application",
                           app.id, before={"status": ApplicationStatus.PENDING.value},
                           after={"status": app.status.value, "reason": reason, "org_id": org.id}, using_db=conn)
    return _application_row(app, org)


async def approve_application(*, actor: Actor, application_id: int) -> ApplicationRow:
    """通过: the institution becomes an assessment institution (role switch available)."""
    return await _decide(actor, application_id, True, "")


async def reject_application(*, actor: Actor, application_id: int, reason: str) -> ApplicationRow:
    """驳回 with a required reason, back to the institution (it may apply again)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请输入驳回理由", code="reason_required")
    return await _decide(actor, application_id, False, reason)


# --- assessment institutions and their institutions -----------------------------------


async def list_assessment_institutions(
    *, actor: Actor, name: str | None, page_no: int, size: int
) -> tuple[list[AssessorRow], int]:
    """考核机构列表: assessment institutions in the caller's jurisdiction."""
    ensure_path_in_jurisdiction(actor, actor.region_path)
    qs = Organisation.filter(region_path__startswith=actor.region_path, is_assessment_institution=True)
    if name and name.strip():
        qs = qs.filter(name__icontains=name.strip())
    rows, count = await _paged(qs, page_no, size)
    counts: dict[int, int] = {}
    for assessor_id in await AssessmentAssignment.filter(assessor_id__in=[r.id for r in rows]).values_list(
        "assessor_id", flat=True
    ):
        counts[assessor_id] = counts.get(assessor_id, 0) + 1
    return [AssessorRow(**dict(r), assigned_count=counts.get(r.id, 0)) for r in rows], count


async def _assessor(actor: Actor, assessor_id: int, conn: Any = None, *, lock: bool = False) -> Organisation:
    org = await _org_in_jurisdiction(actor, assessor_id, conn, lock=lock)
    if not org.is_assessment_institution:
        raise ValidationFailed(f"{org.name}不是考核机构", code="not_assessment_institution")
    return org


def _name_filter(qs: QuerySet[Organisation], name: str | None) -> QuerySet[Organisation]:
    return qs.filter(name__icontains=name.strip()) if name and name.strip() else qs


async def list_assigned(
    *, actor: Actor, assessor_id: int, name: str | None, page_no: int, size: int
) -> tuple[list[AssessmentOrgRow], int]:
    """指定卫生机构 (right column): institutions assigned to this assessment institution."""
    assessor = await _assessor(actor, assessor_id)
    qs = Organisation.filter(assessor_assignment__assessor_id=assessor.id)
    return await _paged(_name_filter(qs, name), page_no, size)


async def list_unassigned(
    *, actor: Actor, name: str | None, page_no: int, size: int
) -> tuple[list[AssessmentOrgRow], int]:
    """指定卫生机构 (left column): health institutions in jurisdiction with no assessor yet."""
    ensure_path_in_jurisdiction(actor, actor.region_path)
    taken = Subquery(AssessmentAssignment.all().values("institution_id"))
    qs = Organisation.filter(region_path__startswith=actor.region_path, kind=OrgKind.HEALTH_INSTITUTION).exclude(
        id__in=taken
    )
    return await _paged(_name_filter(qs, name), page_no, size)


async def assign(*, actor: Actor, assessor_id: int, ids: list[int]) -> Assigned:
    """添加: assign health institutions in jurisdiction; all or nothing. An institution
    already assessed by another assessment institution must be 撤销 there first."""
    taken = Conflict("卫生机构已指定给其他考核机构，请先撤销", code="already_assigned")
    try:
        async with in_transaction() as conn:
            assessor = await _assessor(actor, assessor_id, conn, lock=True)
            added: list[int] = []
            elsewhere: list[int] = []
            for org_id in dict.fromkeys(ids):
                inst = await _org_in_jurisdiction(actor, org_id, conn)
                _ensure_kind(inst, OrgKind.HEALTH_INSTITUTION)
                current = await AssessmentAssignment.filter(institution_id=inst.id).using_db(conn).first()
                if current is None:
                    added.append(inst.id)
                elif current.assessor_id != assessor.id:
                    elsewhere.append(inst.id)
            if elsewhere:
                taken.details = {"ids": elsewhere}
                raise taken
            for inst_id in added:
                await AssessmentAssignment.create(assessor_id=assessor.id, institution_id=inst_id,
                                                  assigned_by_id=actor.account_id, using_db=conn)
            if added:
                await audit.record(actor, "assessment.assign", "organisation", assessor.id,
                                   after={"institution_ids": added}, using_db=conn)
    except IntegrityError:
        raise taken from None
    return Assigned(assigned=added)


async def unassign(*, actor: Actor, assessor_id: int, ids: list[int]) -> Unassigned:
    """撤销: remove institutions from this assessment institution; all or nothing."""
    async with in_transaction() as conn:
        assessor = await _assessor(actor, assessor_id, conn, lock=True)
        wanted = list(dict.fromkeys(ids))
        for org_id in wanted:
            await _org_in_jurisdiction(actor, org_id, conn)
        rows = await AssessmentAssignment.filter(assessor_id=assessor.id, institution_id__in=wanted).using_db(conn)
        missing = sorted(set(wanted) - {r.institution_id for r in rows})
        if missing:
            raise Conflict("所选卫生机构未指定给该考核机构", code="not_assigned", details={"ids": missing})
        await AssessmentAssignment.filter(id__in=[r.id for r in rows]).using_db(conn).delete()
        await audit.record(actor, "assessment.unassign", "organisation", assessor.id,
                           before={"institution_ids": wanted}, using_db=conn)
    return Unassigned(removed=wanted)


async def set_industry_assessor(*, actor: Actor, org_id: int, enabled: bool) -> AssessmentOrgRow:
    """行业组织承担考核机构角色 (manual 2.2.3(4)): configured by the administration. Turning
    it off needs its institutions 撤销 first, and ends its sessions (the role goes away)."""
    async with in_transaction() as conn:
        org = await _org_in_jurisdiction(actor, org_id, conn, lock=True)
        _ensure_kind(org, OrgKind.INDUSTRY_ORG)
        changed = org.is_assessment_institution != enabled
        if changed:
            if not enabled and await AssessmentAssignment.filter(assessor_id=org.id).using_db(conn).exists():
                raise Conflict("该行业组织仍有指定的卫生机构，请先撤销", code="has_assigned_institutions")
            await Organisation.filter(id=org.id).using_db(conn).update(is_assessment_institution=enabled)
            await audit.record(actor, "assessment.industry_assessor", "organisation", org.id,
                               before={"is_assessment_institution": not enabled},
                               after={"is_assessment_institution": enabled}, using_db=conn)
            org.is_assessment_institution = enabled
        account_ids = await StaffAccount.filter(org_id=org.id).using_db(conn).values_list("id", flat=True)
    if changed and not enabled:
        for account_id in account_ids:
            await sessions.end_all_sessions(sessions.staff_subject(account_id))
    await org.fetch_related("region")
    return org_row(org)


async def my_institutions(
    *, actor: Actor, name: str | None, page_no: int, size: int
) -> tuple[list[AssessmentOrgRow], int]:
    """已指定卫生机构列表: an assessment institution's own assignments."""
    if actor.role != Role.ASSESSMENT_INSTITUTION:
        raise OutOfJurisdiction()
    qs = Organisation.filter(assessor_assignment__assessor_id=actor.org_id)
    return await _paged(_name_filter(qs, name), page_no, size)
