"""Read models for the current account (the console's header and menus)."""

from __future__ import annotations

from server.models import Organisation, StaffAccount
from server.schemas.auth import CurrentAccount, MeAccount, MeOrg, MeRegion
from server.schemas.common import Choice
from server.services.access import Actor, roles_for


async def current_account_view(actor: Actor) -> CurrentAccount:
    account = await StaffAccount.get(id=actor.account_id)
    org = await Organisation.get(id=actor.org_id).prefetch_related("region")
    return CurrentAccount(
        account=MeAccount(id=account.id, code=account.code, status=account.status,
                          must_change_password=actor.must_change_password,
                          wechat_bound=bool(account.wechat_openid)),
        org=MeOrg(id=org.id, name=org.name, kind=org.kind, kind_label=org.kind.label,
                  region=MeRegion(id=org.region.id, name=org.region.name, level=org.region.level.value),
                  is_assessment_institution=org.is_assessment_institution),
        role=Choice(value=actor.role.value, label=actor.role.label),
        roles=[Choice(value=r.value, label=r.label) for r in roles_for(org)],
        is_province=actor.is_province,
    )
