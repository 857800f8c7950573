"""Upkeep of organisations (issue #12; seeds: 卫生机构 科室信息维护, administration 卫生机构管理 /
隶属关系调整; SPEC §1 jurisdiction, §4 physician moves).

- 调整科室: a health institution moves its own physicians (one or a batch) to another of its
  departments; each move audited.
- 修改名称 / 隶属关系调整: an administration renames an active institution in its jurisdiction, or
  re-attaches it to another region inside its jurisdiction (both old and new place must lie in it:
  across counties by the city, across cities by the province). The region copies held by the
  institution's physicians and assessments follow; its staff sign in again (their sessions carry the
  old place).
- 注销机构: an administration cancels an institution in its jurisdiction. The rule for its
  physicians: none may be in the current cycle (they must change institution or leave the cycle
  first: refused with the count); the others go to the 暂存区 (holding area, reason 机构注销), so the
  province office can move them on; the institution's accounts are cancelled and signed out.
Everything is audited; a refusal writes nothing.
"""

from __future__ import annotations

from typing import Any

from tortoise.transactions import in_transaction

from server.errors import Conflict, DomainError, Forbidden, NotFound, OutOfJurisdiction, ValidationFailed
from server.models import (
    AccountStatus,
    Assessment,
    Department,
    HoldingReason,
    Organisation,
    OrgKind,
    Physician,
    Region,
    RegistryStatus,
    StaffAccount,
)
from server.schemas.common import BatchFailure, BatchResult, Ref
from server.schemas.upkeep import InstitutionCancelled, InstitutionView
from server.services import audit
from server.services.access import Actor, Role, ensure_path_in_jurisdiction
from server.services.accounts import sessions


async def _own_department(actor: Actor, department_id: int, conn: Any) -> Department:
    dept = await Department.get_or_none(id=department_id).using_db(conn)
    if dept is None or dept.org_id != actor.org_id:
        raise NotFound("科室不存在", code="department_not_found")
    return dept


async def move_to_department(*, actor: Actor, physician_ids: list[int], department_id: int) -> BatchResult:
    """调整科室: the institution's own physicians to one of its departments (per row: done or why not)."""
    if actor.role != Role.HEALTH_INSTITUTION:
        raise Forbidden("仅卫生机构可以调整本机构医师的科室", code="wrong_role")
    done: list[Any] = []
    failed: list[BatchFailure] = []
    async with in_transaction() as conn:
        dept = await _own_department(actor, department_id, conn)
    for pid in dict.fromkeys(physician_ids):
        try:
            async with in_transaction() as conn:
                p = await Physician.filter(id=pid).using_db(conn).select_for_update().first()
                if p is None or p.institution_id != actor.org_id:
                    raise NotFound("医师不存在或不在本机构", code="physician_not_found")
                if p.department_id == dept.id:
                    raise Conflict(f"该医师已在科室“{dept.name}”", code="already_in_department")
                before = {"department_id": p.department_id}
                await Physician.filter(id=p.id).using_db(conn).update(department_id=dept.id)
                await audit.record(actor, "physician.move_department", "physician", p.id, before=before,
                                   after={"department_id": dept.id}, using_db=conn)
            done.append(pid)
        except DomainError as exc:
            failed.append(BatchFailure(id=pid, code=exc.code, message=exc.message))
    return BatchResult(done=done, failed=failed)


async def _institution_in_jurisdiction(actor: Actor, org_id: int, conn: Any) -> Organisation:
    if actor.role != Role.ADMINISTRATION:
        raise Forbidden("仅卫生行政机构可以维护所辖卫生机构", code="wrong_role")
    org = await Organisation.filter(id=org_id).using_db(conn).select_for_update().first()
    if org is None or org.kind != OrgKind.HEALTH_INSTITUTION:
        raise NotFound("卫生机构不存在", code="org_not_found")
    ensure_path_in_jurisdiction(actor, org.region_path)
    return org


async def _end_org_sessions(org_id: int) -> None:
    for account_id in await StaffAccount.filter(org_id=org_id).values_list("id", flat=True):
        await sessions.end_all_sessions(sessions.staff_subject(account_id))


async def update_institution(*, actor: Actor, org_id: int, name: str | None = None,
                             region_id: int | None = None) -> InstitutionView:
    """修改名称 and/or 隶属关系调整 of an active institution in the caller's jurisdiction."""
    moved = False
    async with in_transaction() as conn:
        org = await _institution_in_jurisdiction(actor, org_id, conn)
        if not await StaffAccount.filter(org_id=org.id, status=AccountStatus.ACTIVE).using_db(conn).exists():
            raise Conflict("只能调整已激活的卫生机构（未激活的请在账户管理中修改）", code="institution_not_active")
        before = {"name": org.name, "region_id": org.region_id, "region_path": org.region_path}
        changes: dict[str, Any] = {}
        if name is not None:
            name = name.strip()
            if not name:
                raise ValidationFailed("机构名称不能为空", code="empty_name")
            if name != org.name:
                changes["name"] = name
        if region_id is not None and region_id != org.region_id:
            region = await Region.get_or_none(id=region_id).using_db(conn)
            if region is None:
                raise NotFound("地区不存在", code="region_not_found")
            try:
                ensure_path_in_jurisdiction(actor, region.path)
            except OutOfJurisdiction:
                raise OutOfJurisdiction("目标地区不在本机构管辖范围内", code="out_of_jurisdiction") from None
            changes.update(region_id=region.id, region_path=region.path)
        if not changes:
            raise ValidationFailed("没有需要保存的修改", code="empty_update")
        await Organisation.filter(id=org.id).using_db(conn).update(**changes)
        if "region_path" in changes:
            moved = True
            await Physician.filter(institution_id=org.id).using_db(conn).update(region_path=changes["region_path"])
            await Assessment.filter(institution_id=org.id).using_db(conn).update(region_path=changes["region_path"])
        await audit.record(actor, "institution.update", "organisation", org.id, before=before,
                           after={k: v for k, v in changes.items()}, using_db=conn)
        org = await Organisation.get(id=org.id).using_db(conn)
    if moved:
        await _end_org_sessions(org.id)
    region = await Region.get(id=org.region_id)
    return InstitutionView(id=org.id, name=org.name, region=Ref(id=region.id, name=region.name))


async def cancel_institution(*, actor: Actor, org_id: int) -> InstitutionCancelled:
    """注销机构 (see the module docstring for the rule on its physicians)."""
    async with in_transaction() as conn:
        org = await _institution_in_jurisdiction(actor, org_id, conn)
        accounts = await StaffAccount.filter(org_id=org.id).exclude(status=AccountStatus.CANCELLED) \
            .using_db(conn).values_list("id", flat=True)
        if not accounts:
            raise Conflict("该卫生机构已注销", code="institution_cancelled")
        in_cycle = await Assessment.filter(institution_id=org.id, active=True, cycle__is_current=True) \
            .using_db(conn).count()
        if in_cycle:
            raise Conflict(f"该机构有{in_cycle}名医师正在参加本周期考核，请先为其变更卫生机构或驳回到退出当前周期，再注销机构",
                           code="institution_in_cycle", details={"physicians_in_cycle": in_cycle})
        physician_ids = await Physician.filter(institution_id=org.id, registry_status=RegistryStatus.ACTIVE) \
            .using_db(conn).values_list("id", flat=True)
        await Physician.filter(id__in=list(physician_ids)).using_db(conn).update(
            registry_status=RegistryStatus.HOLDING, holding_reason=HoldingReason.INSTITUTION_CANCELLED,
            department_id=None)
        await StaffAccount.filter(id__in=list(accounts)).using_db(conn).update(status=AccountStatus.CANCELLED)
        await audit.record(actor, "institution.cancel", "organisation", org.id,
                           after={"accounts_cancelled": len(accounts), "physicians_to_holding": len(physician_ids)},
                           using_db=conn)
    for account_id in accounts:
        await sessions.end_all_sessions(sessions.staff_subject(account_id))
    for physician_id in physician_ids:
        await sessions.end_all_sessions(sessions.physician_subject(physician_id))
    return InstitutionCancelled(accounts_cancelled=len(accounts), physicians_to_holding=len(physician_ids))
