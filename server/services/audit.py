"""The audit log: every write records who, which organisation, when, what, before/after, IP."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

from server.models import AuditLog, Organisation
from server.schemas.audit import AuditLogRow
from server.services.access import Actor, Role, org_scope_q

# Never copied into the audit log.
_SECRET_FIELDS = {"password_hash", "password", "code", "sms_code"}


def snapshot(obj: Any, fields: list[str] | None = None) -> dict[str, Any]:
    """A JSON-safe dict of a model's fields (secrets left out)."""
    names = fields or list(obj._meta.db_fields)
    out: dict[str, Any] = {}
    for name in names:
        if name in _SECRET_FIELDS:
            continue
        out[name] = _jsonable(getattr(obj, name, None))
    return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict | list | str | int | float | bool) or value is None:
        return value
    return str(value)


async def record(
    actor: Actor | None,
    action: str,
    target_type: str,
    target_id: Any = None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    using_db: Any = None,
    ip: str | None = None,
) -> None:
    """``ip``: where a system-side entry (no actor, e.g. a login lock) came from."""
    await AuditLog.create(
        actor_type=actor.kind if actor else "system",
        actor_id=(actor.account_id or actor.physician_id) if actor else None,
        org_id=actor.org_id if actor else None,
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        before=before,
        after=after,
        ip=actor.ip if actor else ip,
        using_db=using_db,
    )


async def list_audit_logs(
    *,
    actor: Actor,
    action: str | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    page_no: int = 1,
    size: int = 20,
) -> tuple[list[AuditLogRow], int]:
    """History of who did what: an administration sees the writes of every organisation
    in its jurisdiction, any other organisation only its own."""
    if actor.role == Role.ADMINISTRATION:
        org_ids = Organisation.filter(await org_scope_q(actor)).values_list("id", flat=True)
        qs = AuditLog.filter(org_id__in=await org_ids)
    else:
        qs = AuditLog.filter(org_id=actor.org_id)
    if action:
        qs = qs.filter(action__startswith=action)
    if target_type:
        qs = qs.filter(target_type=target_type)
    if target_id:
        qs = qs.filter(target_id=target_id)
    if since:
        qs = qs.filter(created_at__gte=since)
    if until:
        qs = qs.filter(created_at__lt=until)
    count = await qs.count()
    rows = await qs.order_by("-id").offset((page_no - 1) * size).limit(size)
    return [
        AuditLogRow(
            id=r.id, actor_type=r.actor_type, actor_id=r.actor_id, org_id=r.org_id,
            action=r.action, target_type=r.target_type, target_id=r.target_id,
            before=r.before, after=r.after, ip=r.ip, created_at=r.created_at,
        )
        for r in rows
    ], count
