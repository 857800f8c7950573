"""医师管理 (SPEC §1, §2, seeds 2.2.7): the physicians in the caller's scope, one
physician's record, and the institution's 重置密码 back to the initial password.

Who sees what:
- lists show ID and phone numbers masked, for everyone;
- the detail view shows the full ID and phone number only to the physician's own
  health institution and to administrations whose jurisdiction contains the physician
  (they manage the record and must be able to check it against documents); an
  assessment institution sees its assigned institutions' physicians masked, like in lists.
"""

from __future__ import annotations

from typing import Any

from tortoise.transactions import in_transaction

from server.errors import Forbidden, NotFound, OutOfJurisdiction
from server.models import Physician, PhysicianTransfer
from server.schemas.common import Labelled, Page, Ref
from server.schemas.physicians import PhysicianDetail, PhysicianQuery, PhysicianRow, TransferView
from server.security import mask_id_number, mask_phone, normalise_id_number
from server.services import audit
from server.services.access import Actor, Role, physician_scope_q
from server.services.accounts import login_guard, sessions
from server.services.accounts.physician_auth import issued_initial_password
from server.services.registry.transfers import TRANSFER_FIELDS, in_current_cycle, transfer_view

LIST_FIELDS = ("id", "name", "id_number", "gender", "phone", "level", "category", "registry_status",
               "holding_reason", "institution_id", "institution__name", "department_id", "department__name")


async def list_physicians(*, actor: Actor, query: PhysicianQuery) -> Page[PhysicianRow]:
    """医师管理 → 查询: physicians in scope, filtered and paged, numbers masked."""
    qs = Physician.filter(await physician_scope_q(actor))
    if query.name:
        qs = qs.filter(name__contains=query.name.strip())
    if query.id_number:
        qs = qs.filter(id_number=normalise_id_number(query.id_number))
    for name in ("institution_id", "department_id", "category", "level", "registry_status"):
        value = getattr(query, name)
        if value is not None:
            qs = qs.filter(**{name: value})
    count = await qs.count()
    rows = await qs.order_by("id").offset(query.offset).limit(query.size).values(*LIST_FIELDS)
    return Page.of([_row_view(r) for r in rows], count, query)


def _row_view(r: dict[str, Any]) -> PhysicianRow:
    return PhysicianRow(
        id=r["id"], name=r["name"], id_number=mask_id_number(r["id_number"]), gender=r["gender"],
        phone=mask_phone(r["phone"]), level=Labelled.of(r["level"]), category=Labelled.of(r["category"]),
        registry_status=Labelled.of(r["registry_status"]), holding_reason=Labelled.of(r["holding_reason"]),
        institution=Ref.of(r["institution_id"], r["institution__name"]),
        department=Ref.of(r["department_id"], r["department__name"]),
    )


async def get_physician_in_scope(actor: Actor, physician_id: int) -> Physician:
    """The physician, if the actor may see them: 404 when there is none, 403 outside scope."""
    physician = await Physician.filter(await physician_scope_q(actor), id=physician_id).first()
    if physician is None:
        if await Physician.exists(id=physician_id):
            raise OutOfJurisdiction("该医师不在本机构管辖范围内")
        raise NotFound("医师不存在", code="physician_not_found")
    return physician


def sees_full_numbers(actor: Actor, physician: Physician) -> bool:
    """The physician's own institution, or an administration in jurisdiction (see module doc)."""
    if actor.role == Role.ADMINISTRATION:
        return physician.region_path.startswith(actor.region_path)
    return actor.role == Role.HEALTH_INSTITUTION and physician.institution_id == actor.org_id


async def physician_detail(*, actor: Actor, physician_id: int) -> PhysicianDetail:
    """医师信息 (查看)."""
    p = await get_physician_in_scope(actor, physician_id)
    await p.fetch_related("institution", "department")
    full = sees_full_numbers(actor, p)
    return PhysicianDetail(
        id=p.id, name=p.name, gender=p.gender, birth_date=p.birth_date,
        id_number=p.id_number if full else mask_id_number(p.id_number),
        phone=(p.phone or "") if full else mask_phone(p.phone), phone_verified=p.phone_verified,
        numbers_masked=not full,
        qualification_cert_no=p.qualification_cert_no, practice_cert_no=p.practice_cert_no,
        practice_scope=p.practice_scope, level=Labelled.of(p.level), category=Labelled.of(p.category),
        institution=Ref.of(p.institution_id, p.institution.name if p.institution else None),
        department=Ref.of(p.department_id, p.department.name if p.department else None),
        registry_status=Labelled.of(p.registry_status), holding_reason=Labelled.of(p.holding_reason),
        in_current_cycle=await in_current_cycle(p.id),
        initial_password=p.password_hash is None, must_change_password=p.must_change_password,
        locked=await login_guard.locked_somewhere("physician", p.id_number), last_login_at=p.last_login_at,
        created_at=p.created_at, updated_at=p.updated_at,
    )


async def reset_password(*, actor: Actor, physician_id: int) -> str | None:
    """重置密码 (SPEC §2): the physician's own health institution sets the password back to
    the initial one of the province's rule (hash NULL), forces a change at the next login,
    clears the failure count and lock, and ends every session of the physician. Under the rule
    initial_password a new random initial password is set instead and returned (shown once, handed
    to the physician by the institution; only its hash is kept)."""
    if actor.role != Role.HEALTH_INSTITUTION:
        raise Forbidden("仅医师所在卫生机构可重置医师密码", code="wrong_role")
    physician = await get_physician_in_scope(actor, physician_id)
    if physician.institution_id != actor.org_id:
        raise OutOfJurisdiction("该医师不在本机构")
    handed_out, new_hash = await issued_initial_password(physician)
    async with in_transaction() as conn:
        await Physician.filter(id=physician.id).using_db(conn).update(
            password_hash=new_hash, must_change_password=True, failed_logins=0, locked_until=None
        )
        await audit.record(actor, "physician.reset_password", "physician", physician.id,
                           after={"must_change_password": True, "initial_password_issued": handed_out is not None},
                           using_db=conn)
    await sessions.end_all_sessions(sessions.physician_subject(physician.id))
    await login_guard.clear_account("physician", physician.id_number, target=("physician", physician.id),
                                    actor=actor, reason="reset_password")
    return handed_out


async def physician_history(*, actor: Actor, physician_id: int) -> list[TransferView]:
    """The physician's moves and applications, newest first (SPEC §4: keep the whole history)."""
    physician = await get_physician_in_scope(actor, physician_id)
    rows = await PhysicianTransfer.filter(physician_id=physician.id).order_by("-id").values(*TRANSFER_FIELDS)
    return [transfer_view(r) for r in rows]
