"""The audit log: every write records who, which organisation, when, what, before/after, IP."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

from server.models import AuditLog
from server.services.access import Actor

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
) -> None:
    await AuditLog.create(
        actor_type=actor.kind if actor else "system",
        actor_id=(actor.account_id or actor.physician_id) if actor else None,
        org_id=actor.org_id if actor else None,
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        before=before,
        after=after,
        ip=actor.ip if actor else None,
        using_db=using_db,
    )
