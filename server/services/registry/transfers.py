"""Physician moves (SPEC §4 "Physician moves"; seeds: 2.2.7 医师管理 → 变更卫生机构,
Xinjiang 人员调出申请 / 人员调入审核 / 调入暂存区申请 / 调出暂存区申请).

- 变更卫生机构: an administration moves a physician directly. Its region must contain
  both the old and the new institution: inside a county the county (or above), across
  counties the city (or above), across cities the province (or the national office).
- 人员调出申请 → 人员调入审核: the old institution names the physician (by ID number)
  and the new institution; the new institution approves (通过) or rejects (驳回).
- 调入暂存区: the institution (or an administration in jurisdiction) applies with a reason
  (死亡 / 退休（不再执业）/ 离职（不再执业）); the province administration 备案 (approves)
  or rejects. Approved: registry status 暂存区, no institution, region path kept.
- 调出暂存区: an administration in jurisdiction (or the receiving institution itself)
  names the target institution in the same province; the province approves → back 在册
  at that institution.

No move while the physician is in the current cycle (an active Assessment of a current
cycle): 驳回到退出当前周期 first (InvalidTransition "in_current_cycle"). One pending
application per physician. Every move is a PhysicianTransfer row: who asked, who
decided, when, from, to, reason — the direct change too (approved at once).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from server.errors import (
    Conflict,
    Forbidden,
    InvalidTransition,
    NotFound,
    OutOfJurisdiction,
    ValidationFailed,
)
from server.models import (
    Assessment,
    HoldingReason,
    Organisation,
    OrgKind,
    Physician,
    PhysicianTransfer,
    RegionLevel,
    RegistryStatus,
    TransferKind,
    TransferStatus,
)
from server.models.geo import province_id_of_path
from server.schemas.common import Labelled, Page, Ref
from server.schemas.physicians import TransferCreated, TransferPhysician, TransferQuery, TransferView
from server.security import mask_id_number, normalise_id_number
from server.services import audit
from server.services.access import Actor, Role

IN_CYCLE = "该医师已参加本周期考核，请先驳回到退出当前周期，再办理机构变更"
_PHYSICIAN_FIELDS = ["institution_id", "department_id", "region_path", "registry_status", "holding_reason"]


def now() -> datetime:
    return datetime.now(UTC)


async def in_current_cycle(physician_id: int, using_db: Any = None) -> bool:
    """True while the physician has an active assessment in a current cycle."""
    return await Assessment.filter(physician_id=physician_id, active=True, cycle__is_current=True).using_db(
        using_db).exists()


async def _refuse_if_in_cycle(physician: Physician, conn: Any) -> None:
    if await in_current_cycle(physician.id, conn):
        raise InvalidTransition(IN_CYCLE, code="in_current_cycle")


async def _refuse_if_pending(physician: Physician, conn: Any) -> None:
    if await PhysicianTransfer.filter(physician_id=physician.id, status=TransferStatus.PENDING).using_db(
            conn).exists():
        raise Conflict("该医师已有待审核的变更申请，请等待审核完成", code="pending_transfer_exists")


async def _institution(org_id: int, conn: Any = None) -> Organisation:
    org = await Organisation.get_or_none(id=org_id, using_db=conn)
    if org is None or org.kind != OrgKind.HEALTH_INSTITUTION:
        raise NotFound("目标卫生机构不存在", code="institution_not_found")
    return org


async def _locked_physician(conn: Any, *, physician_id: int | None = None, id_number: str | None = None,
                            missing: str = "未找到该证件号码的医师") -> Physician:
    qs = Physician.select_for_update().using_db(conn)
    p = await (qs.get_or_none(id=physician_id) if physician_id is not None
               else qs.get_or_none(id_number=normalise_id_number(id_number or "")))
    if p is None:
        raise NotFound(missing, code="physician_not_found")
    return p


def _move(physician: Physician, org: Organisation | None, status: RegistryStatus,
          reason: HoldingReason | None = None) -> dict[str, Any]:
    before = audit.snapshot(physician, _PHYSICIAN_FIELDS)
    physician.institution_id = org.id if org else None
    physician.department_id = None
    if org is not None:
        physician.region_path = org.region_path  # in the holding area the old path stays
    physician.registry_status = status
    physician.holding_reason = reason
    return before


async def _save_move(actor: Actor, physician: Physician, before: dict[str, Any], transfer: PhysicianTransfer,
                     conn: Any) -> None:
    await Physician.filter(id=physician.id).using_db(conn).update(
        institution_id=physician.institution_id, department_id=None, region_path=physician.region_path,
        registry_status=physician.registry_status, holding_reason=physician.holding_reason, updated_at=now())
    await audit.record(actor, f"physician.{transfer.kind.value}", "physician", physician.id, before=before,
                       after={**audit.snapshot(physician, _PHYSICIAN_FIELDS), "transfer_id": transfer.id},
                       using_db=conn)


# --- 变更卫生机构 ----------------------------------------------------------------------
def _level_message(actor: Actor) -> str:
    return {
        RegionLevel.COUNTY: "跨区/县变更由上级市级卫生行政机构负责操作",
        RegionLevel.CITY: "跨地市/州变更由上级省级卫生行政机构负责操作",
    }.get(actor.region_level, "目标卫生机构不在本机构管辖范围内")  # type: ignore[arg-type]


async def change_institution(*, actor: Actor, physician_id: int, institution_id: int, reason: str = "") -> PhysicianTransfer:
    """变更卫生机构 (seeds 2.2.7): the actor's region must contain the old and the new institution."""
    if actor.role != Role.ADMINISTRATION:
        raise Forbidden("仅卫生行政机构可变更医师的卫生机构", code="wrong_role")
    async with in_transaction() as conn:
        physician = await _locked_physician(conn, physician_id=physician_id, missing="医师不存在")
        if not physician.region_path.startswith(actor.region_path):
            raise OutOfJurisdiction("该医师不在本机构管辖范围内")
        if physician.registry_status != RegistryStatus.ACTIVE or physician.institution_id is None:
            raise InvalidTransition("该医师在暂存区，请通过调出暂存区办理", code="physician_in_holding")
        old = await Organisation.get(id=physician.institution_id, using_db=conn)
        target = await _institution(institution_id, conn)
        if not old.region_path.startswith(actor.region_path):
            raise OutOfJurisdiction(_level_message(actor))
        if target.id == old.id:
            raise ValidationFailed("目标卫生机构与当前卫生机构相同", code="same_institution")
        if not target.region_path.startswith(actor.region_path):
            raise OutOfJurisdiction(_level_message(actor))
        await _refuse_if_pending(physician, conn)
        await _refuse_if_in_cycle(physician, conn)
        transfer = await PhysicianTransfer.create(
            physician_id=physician.id, kind=TransferKind.CHANGE, status=TransferStatus.APPROVED, from_org_id=old.id,
            to_org_id=target.id, note=reason, requested_by_id=actor.account_id, decided_by_id=actor.account_id,
            decided_at=now(), using_db=conn)
        before = _move(physician, target, RegistryStatus.ACTIVE)
        await _save_move(actor, physician, before, transfer, conn)
    return transfer


# --- applications --------------------------------------------------------------------
async def request_transfer_out(*, actor: Actor, id_number: str, to_institution_id: int, note: str = "") -> PhysicianTransfer:
    """人员调出申请: the physician's current institution names the new one."""
    if actor.role != Role.HEALTH_INSTITUTION:
        raise Forbidden("仅医师所在卫生机构可申请人员调出", code="wrong_role")
    async with in_transaction() as conn:
        physician = await _locked_physician(conn, id_number=id_number)
        if physician.institution_id != actor.org_id or physician.registry_status != RegistryStatus.ACTIVE:
            raise OutOfJurisdiction("该医师不在本机构")
        target = await _institution(to_institution_id, conn)
        if target.id == actor.org_id:
            raise ValidationFailed("调入机构不能是本机构", code="same_institution")
        await _refuse_if_pending(physician, conn)
        await _refuse_if_in_cycle(physician, conn)
        return await _create_application(actor, physician, TransferKind.TRANSFER, conn, from_org_id=actor.org_id,
                                         to_org_id=target.id, note=note)


async def request_holding_in(*, actor: Actor, id_number: str, reason: str, note: str = "") -> PhysicianTransfer:
    """调入暂存区申请: the physician's institution, or an administration in jurisdiction."""
    try:
        holding_reason = HoldingReason(reason)
    except ValueError:
        raise ValidationFailed("请选择调入暂存区的原因", code="invalid_reason") from None
    async with in_transaction() as conn:
        physician = await _locked_physician(conn, id_number=id_number)
        if physician.registry_status != RegistryStatus.ACTIVE:
            raise InvalidTransition("该医师已在暂存区", code="already_in_holding")
        _ensure_may_apply_for(actor, physician)
        await _refuse_if_pending(physician, conn)
        await _refuse_if_in_cycle(physician, conn)
        return await _create_application(actor, physician, TransferKind.HOLDING_IN, conn,
                                         from_org_id=physician.institution_id, holding_reason=holding_reason, note=note)


async def request_holding_out(*, actor: Actor, id_number: str, to_institution_id: int, note: str = "") -> PhysicianTransfer:
    """调出暂存区申请: into an institution of the physician's province; an administration
    for institutions in its jurisdiction, or a health institution for itself."""
    async with in_transaction() as conn:
        missing = "未查询到该医师，请核实该医师是否已调入暂存区"
        physician = await _locked_physician(conn, id_number=id_number, missing=missing)
        target = await _institution(to_institution_id, conn)
        if actor.role == Role.ADMINISTRATION:
            if not physician.region_path.startswith(actor.region_path) or not target.region_path.startswith(
                    actor.region_path):
                raise OutOfJurisdiction()
        elif actor.role != Role.HEALTH_INSTITUTION or target.id != actor.org_id:
            raise Forbidden("卫生机构只能申请将医师调出暂存区到本机构", code="wrong_role")
        if physician.registry_status != RegistryStatus.HOLDING:
            raise NotFound(missing, code="physician_not_in_holding")
        if province_id_of_path(target.region_path) != province_id_of_path(physician.region_path):
            raise ValidationFailed("调出暂存区的目标机构须在医师原所在省份内", code="other_province")
        await _refuse_if_pending(physician, conn)
        return await _create_application(actor, physician, TransferKind.HOLDING_OUT, conn, to_org_id=target.id,
                                         note=note)


def _ensure_may_apply_for(actor: Actor, physician: Physician) -> None:
    if actor.role == Role.HEALTH_INSTITUTION:
        if physician.institution_id != actor.org_id:
            raise OutOfJurisdiction("该医师不在本机构")
    elif actor.role == Role.ADMINISTRATION:
        if not physician.region_path.startswith(actor.region_path):
            raise OutOfJurisdiction("该医师不在本机构管辖范围内")
    else:
        raise Forbidden("当前身份无权进行此操作", code="wrong_role")


async def _create_application(actor: Actor, physician: Physician, kind: TransferKind, conn: Any,
                              **values: Any) -> PhysicianTransfer:
    transfer = await PhysicianTransfer.create(physician_id=physician.id, kind=kind, status=TransferStatus.PENDING,
                                              requested_by_id=actor.account_id, using_db=conn, **values)
    await audit.record(actor, f"transfer.{kind.value}.request", "physician_transfer", transfer.id,
                       after=audit.snapshot(transfer), using_db=conn)
    return transfer


# --- decisions -----------------------------------------------------------------------
def may_decide(actor: Actor, transfer: PhysicianTransfer, physician_path: str) -> bool:
    """人员调入审核: the receiving institution. 暂存区: the province administration (备案)."""
    if transfer.kind == TransferKind.TRANSFER:
        return actor.role == Role.HEALTH_INSTITUTION and actor.org_id == transfer.to_org_id
    if transfer.kind in (TransferKind.HOLDING_IN, TransferKind.HOLDING_OUT):
        return actor.is_province and physician_path.startswith(actor.region_path)
    return False


async def decide(*, actor: Actor, transfer_id: int, approve: bool, reason: str = "") -> PhysicianTransfer:
    """通过 / 驳回 a pending application (a rejection needs its reason)."""
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ValidationFailed("请填写驳回理由", code="reason_required")
    async with in_transaction() as conn:
        transfer = await PhysicianTransfer.select_for_update().using_db(conn).get_or_none(id=transfer_id)
        if transfer is None:
            raise NotFound("申请不存在", code="transfer_not_found")
        physician = await _locked_physician(conn, physician_id=transfer.physician_id, missing="医师不存在")
        if not may_decide(actor, transfer, physician.region_path):
            raise Forbidden("无权审核该申请", code="not_decider")
        if transfer.status != TransferStatus.PENDING:
            raise InvalidTransition("该申请已处理，不能重复审核", code="not_pending")
        if approve:
            await _apply(actor, transfer, physician, conn)
        transfer.status = TransferStatus.APPROVED if approve else TransferStatus.REJECTED
        transfer.decided_by_id = actor.account_id
        transfer.decided_at = now()
        transfer.decision_reason = reason
        await transfer.save(using_db=conn, update_fields=["status", "decided_by_id", "decided_at",
                                                          "decision_reason", "updated_at"])
        await audit.record(actor, f"transfer.{transfer.kind.value}.{'approve' if approve else 'reject'}",
                           "physician_transfer", transfer.id, after={"reason": reason}, using_db=conn)
    return transfer


async def _apply(actor: Actor, transfer: PhysicianTransfer, physician: Physician, conn: Any) -> None:
    if transfer.kind == TransferKind.HOLDING_OUT:
        if physician.registry_status != RegistryStatus.HOLDING:
            raise InvalidTransition("该医师已不在暂存区", code="physician_not_in_holding")
        target = await _institution(transfer.to_org_id, conn)  # type: ignore[arg-type]
        before = _move(physician, target, RegistryStatus.ACTIVE)
    else:
        if physician.registry_status != RegistryStatus.ACTIVE or physician.institution_id != transfer.from_org_id:
            raise InvalidTransition("该医师的执业机构已发生变化，请驳回后重新申请", code="physician_changed")
        await _refuse_if_in_cycle(physician, conn)
        if transfer.kind == TransferKind.TRANSFER:
            before = _move(physician, await _institution(transfer.to_org_id, conn),  # type: ignore[arg-type]
                           RegistryStatus.ACTIVE)
        else:
            before = _move(physician, None, RegistryStatus.HOLDING, transfer.holding_reason)
    await _save_move(actor, physician, before, transfer, conn)


# --- reading -------------------------------------------------------------------------
async def transfer_scope_q(actor: Actor) -> Q:
    """Applications the actor may see: its own (from/to) as an institution; as an
    administration those whose physician, old or new institution lies in its jurisdiction."""
    if actor.role == Role.HEALTH_INSTITUTION:
        return Q(from_org_id=actor.org_id) | Q(to_org_id=actor.org_id)
    if actor.role == Role.ADMINISTRATION:
        p = actor.region_path
        return (Q(physician__region_path__startswith=p) | Q(from_org__region_path__startswith=p)
                | Q(to_org__region_path__startswith=p))
    return Q(id__in=[])


async def todo_q(actor: Actor) -> Q:
    """What waits for this actor's decision (人员调入审核 / 暂存区备案)."""
    pending = Q(status=TransferStatus.PENDING)
    if actor.role == Role.HEALTH_INSTITUTION:
        return pending & Q(kind=TransferKind.TRANSFER, to_org_id=actor.org_id)
    if actor.is_province:
        return pending & Q(kind__in=[TransferKind.HOLDING_IN, TransferKind.HOLDING_OUT],
                           physician__region_path__startswith=actor.region_path)
    return Q(id__in=[])


TRANSFER_FIELDS = ("id", "kind", "status", "physician_id", "physician__name", "physician__id_number", "from_org_id",
                   "from_org__name", "to_org_id", "to_org__name", "holding_reason", "note", "requested_by__org__name",
                   "decided_by__org__name", "decision_reason", "created_at", "decided_at")


def transfer_view(r: dict[str, Any]) -> TransferView:
    return TransferView(
        id=r["id"], kind=Labelled.of(r["kind"]), status=Labelled.of(r["status"]),
        physician=TransferPhysician(id=r["physician_id"], name=r["physician__name"],
                                    id_number=mask_id_number(r["physician__id_number"])),
        from_org=Ref.of(r["from_org_id"], r["from_org__name"]), to_org=Ref.of(r["to_org_id"], r["to_org__name"]),
        holding_reason=Labelled.of(r["holding_reason"]), note=r["note"],
        requested_by=r["requested_by__org__name"], decided_by=r["decided_by__org__name"],
        decision_reason=r["decision_reason"], created_at=r["created_at"], decided_at=r["decided_at"],
    )


async def list_transfers(*, actor: Actor, query: TransferQuery, physician_id: int | None = None) -> Page[TransferView]:
    """Applications and moves in the actor's view; `todo` = only those awaiting its decision;
    `direction` (a health institution): out of it, or into it."""
    qs = PhysicianTransfer.filter(await (todo_q(actor) if query.todo else transfer_scope_q(actor)))
    if query.kind:
        qs = qs.filter(kind=query.kind)
    if query.status:
        qs = qs.filter(status=query.status)
    if query.direction and actor.role == Role.HEALTH_INSTITUTION:  # 人员调出申请 / 人员调入 of the institution
        qs = qs.filter(**{"from_org_id" if query.direction == "out" else "to_org_id": actor.org_id})
    if physician_id is not None:
        qs = qs.filter(physician_id=physician_id)
    count = await qs.count()
    rows = await qs.order_by("-id").offset(query.offset).limit(query.size).values(*TRANSFER_FIELDS)
    return Page.of([transfer_view(r) for r in rows], count, query)


def transfer_created(t: PhysicianTransfer) -> TransferCreated:
    return TransferCreated(id=t.id, kind=t.kind, status=Labelled.of(t.status))
