"""Switches a province turns on or off for its current cycle (省级专属): a boolean of the cycle,
set by the province administration only, audited. Used by 快速注册 and the publication of 违纪不合格."""

from __future__ import annotations

from server.errors import Forbidden, NotFound
from server.models import Cycle
from server.models.geo import province_id_of_path
from server.services import audit
from server.services.access import Actor


async def set_cycle_switch(*, actor: Actor, cycle_id: int, field: str, enabled: bool, audit_action: str) -> bool:
    """Set ``field`` of one of the province's cycles; another province's cycle answers 404."""
    if not actor.is_province:
        raise Forbidden("仅省级卫生行政机构具有该权限", code="province_only")
    cycle = await Cycle.get_or_none(id=cycle_id)
    if cycle is None or cycle.province_id != province_id_of_path(actor.region_path):
        raise NotFound("考核周期不存在", code="cycle_not_found")
    before = getattr(cycle, field)
    setattr(cycle, field, enabled)
    await cycle.save(update_fields=[field, "updated_at"])
    await audit.record(actor, audit_action, "cycle", cycle.id, before={"enabled": before}, after={"enabled": enabled})
    return enabled
