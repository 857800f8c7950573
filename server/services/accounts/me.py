"""Read models for the current account (the console's header and menus)."""

from __future__ import annotations

from typing import Any

from server.models import Organisation, StaffAccount
from server.services.access import Actor, roles_for


async def current_account_view(actor: Actor) -> dict[str, Any]:
    account = await StaffAccount.get(id=actor.account_id)
    org = await Organisation.get(id=actor.org_id).prefetch_related("region")
    return {
        "account": {"id": account.id, "code": account.code, "status": account.status.value,
                    "must_change_password": actor.must_change_password,
                    "wechat_bound": bool(account.wechat_openid)},
        "org": {"id": org.id, "name": org.name, "kind": org.kind.value, "kind_label": org.kind.label,
                "region": {"id": org.region.id, "name": org.region.name, "level": org.region.level.value},
                "is_assessment_institution": org.is_assessment_institution},
        "role": {"value": actor.role.value, "label": actor.role.label},
        "roles": [{"value": r.value, "label": r.label} for r in roles_for(org)],
        "is_province": actor.is_province,
    }
