"""所辖机构账户管理 (SPEC §2 Accounts; seed manual 2.2.3).

An administration manages the accounts of the organisations in its jurisdiction (its
region subtree, its own account excluded): 新增, 修改 (while 未激活), 激活 / 批量激活,
删除 (未激活 only), 重置密码, 注销, 批量导出. The national office sits at the root, so it
manages the provinces' accounts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta, timezone
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from server.errors import Conflict, DomainError, Forbidden, InvalidTransition, NotFound, ValidationFailed
from server.models import (
    AccountStatus,
    Assessment,
    AssessmentApplication,
    AssessmentAssignment,
    CycleConfirmation,
    Department,
    Organisation,
    OrgKind,
    Physician,
    PhysicianTransfer,
    Region,
    StaffAccount,
)
from server.models.geo import LEVEL_DEPTH
from server.schemas.accounts import AccountRegion, AccountRow
from server.schemas.common import BatchFailure, BatchResult, Labelled
from server.services import audit
from server.services.access import Actor, ensure_path_in_jurisdiction
from server.services.accounts import sessions
from server.services.accounts.staff_auth import reset_staff_password
from server.services.platform import excel

# The menu names of the console (所辖机构账户管理 → 地方卫健委 / 卫生机构 / 行业组织).
KIND_LABELS = {
    OrgKind.ADMINISTRATION: "地方卫健委",
    OrgKind.HEALTH_INSTITUTION: "卫生机构",
    OrgKind.INDUSTRY_ORG: "行业组织",
}
CST = timezone(timedelta(hours=8))  # times shown to users and written to Excel: Asia/Shanghai
EXPORT_HEADERS = ["机构名称", "机构类型", "所在地区", "机构账号", "账号状态", "详细地址", "创建时间"]
_EXPORT_CHUNK = 1000


@dataclass
class AccountFilter:
    """The list's search form: 机构类型, 账号状态, 机构名称, 机构账号, 地区."""

    kind: str | None = None
    status: str | None = None
    name: str | None = None
    code: str | None = None
    region_id: int | None = None


def _enum_arg(enum: type, raw: str | None, label: str) -> Any:
    if not raw:
        return None
    try:
        return enum(raw)
    except ValueError:
        raise ValidationFailed(f"{label}无效", code="invalid_query") from None


def account_row(account: StaffAccount) -> AccountRow:
    """One row of the list (org and region prefetched)."""
    org: Organisation = account.org
    return AccountRow(
        id=account.id,
        code=account.code,
        status=Labelled.of(account.status),
        org_id=org.id,
        name=org.name,
        kind=Labelled[OrgKind](value=org.kind, label=KIND_LABELS[org.kind]),
        region=AccountRegion(id=org.region.id, name=org.region.name, level=org.region.level.value),
        address=org.address or "",
        may_apply_assessment=org.may_apply_assessment,
        is_assessment_institution=org.is_assessment_institution,
        created_at=account.created_at,
    )


def _audit_view(account: StaffAccount, org: Organisation) -> dict[str, Any]:  # audit details
    return {
        "account_code": account.code, "status": account.status.value, "org_id": org.id, "name": org.name,
        "kind": org.kind.value, "region_id": org.region_id, "address": org.address,
    }


async def _query(actor: Actor, flt: AccountFilter) -> QuerySet[StaffAccount]:
    ensure_path_in_jurisdiction(actor, actor.region_path)  # administrations only
    qs = StaffAccount.filter(org__region_path__startswith=actor.region_path).exclude(org_id=actor.org_id)
    kind = _enum_arg(OrgKind, flt.kind, "机构类型")
    status = _enum_arg(AccountStatus, flt.status, "账号状态")
    if kind:
        qs = qs.filter(org__kind=kind)
    if status:
        qs = qs.filter(status=status)
    if flt.name and flt.name.strip():
        qs = qs.filter(org__name__icontains=flt.name.strip())
    if flt.code and flt.code.strip():
        qs = qs.filter(code__icontains=flt.code.strip())
    if flt.region_id is not None:
        region = await Region.get_or_none(id=flt.region_id)
        if region is None:
            raise ValidationFailed("地区不存在", code="invalid_region", details=_field("region_id", "地区不存在"))
        ensure_path_in_jurisdiction(actor, region.path)
        qs = qs.filter(org__region_path__startswith=region.path)
    return qs


async def list_accounts(
    *, actor: Actor, flt: AccountFilter, page_no: int, size: int
) -> tuple[list[AccountRow], int]:
    """所辖机构账户列表 (SPEC §2): accounts in the caller's jurisdiction, filtered and paged."""
    qs = await _query(actor, flt)
    count = await qs.count()
    rows = await qs.order_by("id").offset((page_no - 1) * size).limit(size).prefetch_related("org__region")
    return [account_row(a) for a in rows], count


async def export_accounts(*, actor: Actor, flt: AccountFilter) -> bytes:
    """批量导出: the filtered list as an Excel workbook (fetched in chunks)."""
    qs = await _query(actor, flt)
    rows: list[list[Any]] = []
    offset = 0
    while True:
        chunk = await qs.order_by("id").offset(offset).limit(_EXPORT_CHUNK).prefetch_related("org__region")
        for a in chunk:
            rows.append([a.org.name, KIND_LABELS[a.org.kind], a.org.region.name, a.code, a.status.label,
                         a.org.address or "", a.created_at.astimezone(CST).strftime("%Y-%m-%d %H:%M")])
        if len(chunk) < _EXPORT_CHUNK:
            break
        offset += _EXPORT_CHUNK
    await audit.record(actor, "account.export", "staff_account", None,
                       after={"filters": flt.__dict__, "count": len(rows)})
    return excel.write_rows(EXPORT_HEADERS, rows, title="所辖机构账户")


async def _account_in_scope(actor: Actor, account_id: int, conn: Any = None, *, lock: bool = False) -> StaffAccount:
    """The account, if it belongs to an organisation in the caller's jurisdiction (not its own)."""
    qs = StaffAccount.select_for_update() if lock else StaffAccount.all()
    account = await qs.using_db(conn).get_or_none(id=account_id)
    if account is None:
        raise NotFound("账号不存在", code="account_not_found")
    org = await Organisation.filter(id=account.org_id).using_db(conn).prefetch_related("region").first()
    if org is None:  # pragma: no cover - the FK forbids it
        raise NotFound("账号不存在", code="account_not_found")
    ensure_path_in_jurisdiction(actor, org.region_path)
    if org.id == actor.org_id:
        raise Forbidden("不能在此管理本机构账号", code="own_account")
    account.org = org
    return account


async def get_account(*, actor: Actor, account_id: int) -> AccountRow:
    return account_row(await _account_in_scope(actor, account_id))


async def _check_region(actor: Actor, region_id: int, kind: OrgKind, conn: Any, *, org_id: int | None = None) -> Region:
    """The region of a new or moved organisation: inside the caller's jurisdiction; an
    administration strictly below the caller's level and alone at its region."""
    region = await Region.select_for_update().using_db(conn).get_or_none(id=region_id)
    if region is None:
        raise ValidationFailed("地区不存在", code="invalid_region", details=_field("region_id", "地区不存在"))
    ensure_path_in_jurisdiction(actor, region.path)
    if kind == OrgKind.ADMINISTRATION:
        actor_depth = LEVEL_DEPTH[actor.region_level] if actor.region_level else 0
        if region.path == actor.region_path or LEVEL_DEPTH[region.level] <= actor_depth:
            raise ValidationFailed("地方卫健委只能设在本机构下级地区", code="region_not_below",
                                   details=_field("region_id", "地方卫健委只能设在本机构下级地区"))
        others = Organisation.filter(region_id=region.id, kind=OrgKind.ADMINISTRATION).using_db(conn)
        if org_id is not None:
            others = others.exclude(id=org_id)
        if await others.exists():
            raise Conflict(f"{region.name}已有卫生行政机构账号", code="region_has_administration")
    return region


def _field(field: str, message: str) -> list[dict[str, str]]:
    """422 details naming the form field, as the schema's own validation failures do."""
    return [{"field": field, "problem": "invalid", "message": message}]


def _clean_text(value: str, label: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(f"{label}不能为空", code="invalid_input", details=_field(field, f"{label}不能为空"))
    return value


async def create_account(
    *, actor: Actor, code: str, name: str, region_id: int, kind: str, address: str | None
) -> AccountRow:
    """新增 (SPEC §2): organisation + account, 未激活, initial password 666666 (hash NULL)."""
    org_kind = _enum_arg(OrgKind, kind, "机构类型")
    if org_kind is None:
        raise ValidationFailed("请选择机构类型", code="invalid_input")
    code = _clean_text(code, "机构账号", "code")
    if any(c.isspace() for c in code):
        raise ValidationFailed("机构账号不能包含空格", code="invalid_input", details=_field("code", "机构账号不能包含空格"))
    name = _clean_text(name, "机构名称", "name")
    duplicate = Conflict(f"机构账号{code}已存在", code="duplicate_account_code")
    try:
        async with in_transaction() as conn:
            if await StaffAccount.filter(code=code).using_db(conn).exists():
                raise duplicate
            region = await _check_region(actor, region_id, org_kind, conn)
            org = await Organisation.create(
                name=name, kind=org_kind, region_id=region.id, region_path=region.path,
                address=(address or "").strip() or None, using_db=conn,
            )
            account = await StaffAccount.create(
                code=code, org_id=org.id, status=AccountStatus.INACTIVE, password_hash=None,
                must_change_password=True, created_by_id=actor.account_id, using_db=conn,
            )
            await audit.record(actor, "account.create", "staff_account", account.id,
                               after=_audit_view(account, org), using_db=conn)
    except IntegrityError:
        raise duplicate from None
    org.region = region
    account.org = org
    return account_row(account)


def _ensure_inactive(account: StaffAccount, action: str) -> None:
    if account.status != AccountStatus.INACTIVE:
        raise InvalidTransition(f"只能{action}未激活的账号（当前：{account.status.label}）", code="account_not_inactive")


async def update_account(
    *, actor: Actor, account_id: int, name: str | None, address: str | None, region_id: int | None
) -> AccountRow:
    """修改 (SPEC §2): name, address, region of an account still 未激活."""
    async with in_transaction() as conn:
        account = await _account_in_scope(actor, account_id, conn, lock=True)
        _ensure_inactive(account, "修改")
        org: Organisation = account.org
        before = _audit_view(account, org)
        changes: dict[str, Any] = {}
        if name is not None:
            changes["name"] = _clean_text(name, "机构名称", "name")
        if address is not None:
            changes["address"] = address.strip() or None
        if region_id is not None and region_id != org.region_id:
            region = await _check_region(actor, region_id, org.kind, conn, org_id=org.id)
            changes.update(region_id=region.id, region_path=region.path)
            # physicians carry a copy of their institution's region path
            await Physician.filter(institution_id=org.id).using_db(conn).update(region_path=region.path)
            org.region = region
        if changes:
            await Organisation.filter(id=org.id).using_db(conn).update(**changes)
            for key, value in changes.items():
                setattr(org, key, value)
            await audit.record(actor, "account.update", "staff_account", account.id,
                               before=before, after=_audit_view(account, org), using_db=conn)
    return account_row(account)


async def _activate(actor: Actor, account_id: int, conn: Any) -> StaffAccount:
    account = await _account_in_scope(actor, account_id, conn, lock=True)
    _ensure_inactive(account, "激活")
    await StaffAccount.filter(id=account.id).using_db(conn).update(status=AccountStatus.ACTIVE)
    await audit.record(actor, "account.activate", "staff_account", account.id,
                       before={"status": account.status.value}, after={"status": AccountStatus.ACTIVE.value},
                       using_db=conn)
    account.status = AccountStatus.ACTIVE
    return account


async def activate_account(*, actor: Actor, account_id: int) -> AccountRow:
    """激活 (SPEC §2): 未激活 → 激活; until then the account cannot log in."""
    async with in_transaction() as conn:
        account = await _activate(actor, account_id, conn)
    return account_row(account)


async def batch_activate(*, actor: Actor, ids: list[int]) -> BatchResult:
    """批量激活: each valid id is activated, each other one reported with its reason."""
    done: list[int] = []
    failed: list[BatchFailure] = []
    async with in_transaction() as conn:
        for account_id in dict.fromkeys(ids):
            try:
                await _activate(actor, account_id, conn)
            except DomainError as exc:
                failed.append(BatchFailure(id=account_id, code=exc.code, message=exc.message))
            else:
                done.append(account_id)
    return BatchResult(done=done, failed=failed)


async def _org_in_use(org_id: int, conn: Any) -> bool:
    checks = [
        Physician.filter(institution_id=org_id), Assessment.filter(institution_id=org_id),
        Department.filter(org_id=org_id), AssessmentApplication.filter(org_id=org_id),
        AssessmentAssignment.filter(Q(assessor_id=org_id) | Q(institution_id=org_id)),
        CycleConfirmation.filter(org_id=org_id),
        PhysicianTransfer.filter(Q(from_org_id=org_id) | Q(to_org_id=org_id)),
    ]
    for qs in checks:
        if await qs.using_db(conn).exists():
            return True
    return False


async def delete_account(*, actor: Actor, account_id: int) -> None:
    """删除 (SPEC §2): only a 未激活 account, together with its organisation when nothing
    refers to it (physicians, departments, assessments, applications...)."""
    in_use = Conflict("该机构已有关联数据（医师、科室、考核等），不能删除", code="org_in_use")
    try:
        async with in_transaction() as conn:
            account = await _account_in_scope(actor, account_id, conn, lock=True)
            _ensure_inactive(account, "删除")
            org: Organisation = account.org
            if await _org_in_use(org.id, conn):
                raise in_use
            before = _audit_view(account, org)
            await StaffAccount.filter(id=account.id).using_db(conn).delete()
            if not await StaffAccount.filter(org_id=org.id).using_db(conn).exists():
                await Organisation.filter(id=org.id).using_db(conn).delete()
            await audit.record(actor, "account.delete", "staff_account", account.id, before=before, using_db=conn)
    except IntegrityError:
        raise in_use from None


async def reset_password(*, actor: Actor, account_id: int) -> None:
    """重置密码 (SPEC §2): back to 666666 with a forced change; every session ends."""
    account = await _account_in_scope(actor, account_id)
    if account.status == AccountStatus.CANCELLED:
        raise InvalidTransition("账号已注销，不能重置密码", code="account_cancelled")
    await reset_staff_password(actor=actor, account=account)


async def cancel_account(*, actor: Actor, account_id: int) -> AccountRow:
    """注销 (SPEC §2): 激活 → 注销; the account can no longer log in, its sessions end."""
    async with in_transaction() as conn:
        account = await _account_in_scope(actor, account_id, conn, lock=True)
        if account.status != AccountStatus.ACTIVE:
            raise InvalidTransition(f"只能注销已激活的账号（当前：{account.status.label}）", code="account_not_active")
        await StaffAccount.filter(id=account.id).using_db(conn).update(status=AccountStatus.CANCELLED)
        await audit.record(actor, "account.cancel", "staff_account", account.id,
                           before={"status": account.status.value},
                           after={"status": AccountStatus.CANCELLED.value},
                           using_db=conn)
        account.status = AccountStatus.CANCELLED
    await sessions.end_all_sessions(sessions.staff_subject(account.id))
    return account_row(account)
