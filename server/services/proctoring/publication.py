"""Publication of 违纪不合格 outcomes (SPEC §6 "cheating → fail for the cycle and published"; the
Guangxi schedule: 抓拍的照片中有作弊行为的，评定为本周期考核不合格并向社会进行公布). Off unless the
province turns it on for its current cycle (province administrations only, audited). What is shown is
the least that identifies the case publicly: a masked name (张*), the institution, the cycle, the
result and the date — never an ID number, a phone number or a photo."""

from __future__ import annotations

from datetime import timedelta, timezone

from server.errors import NotFound
from server.models import Assessment, AssessmentStatus, Cycle, Organisation, Physician, Region
from server.schemas.publication import PublicationState, PublishedViolation, PublishedViolations
from server.services.access import Actor
from server.services.registry.province_switches import set_cycle_switch
from server.services.results.certificates import mask_name

CST = timezone(timedelta(hours=8))
MAX_PUBLISHED = 500


async def set_publication(*, actor: Actor, cycle_id: int, enabled: bool) -> PublicationState:
    """The province turns publication on or off for one of its cycles."""
    await set_cycle_switch(actor=actor, cycle_id=cycle_id, field="publish_violations", enabled=enabled,
                           audit_action="cycle.publish_violations")
    return PublicationState(cycle_id=cycle_id, enabled=enabled)


async def published(*, province_code: str) -> PublishedViolations:
    """The published 违纪不合格 of a province's current cycle (empty when publication is off)."""
    province = await Region.get_or_none(code=province_code)
    if province is None:
        raise NotFound("地区不存在", code="region_not_found")
    cycle = await Cycle.filter(province_id=province.id, is_current=True, publish_violations=True).first()
    if cycle is None:
        return PublishedViolations(province=province.name, data=[])
    rows = await Assessment.filter(cycle_id=cycle.id, violation=True, status=AssessmentStatus.FAILED) \
        .order_by("-concluded_at", "id").limit(MAX_PUBLISHED).values("physician_id", "institution_id", "concluded_at")
    names = dict(await Physician.filter(id__in=[r["physician_id"] for r in rows]).values_list("id", "name"))
    orgs = dict(await Organisation.filter(id__in=[r["institution_id"] for r in rows]).values_list("id", "name"))
    return PublishedViolations(province=province.name, data=[
        PublishedViolation(name=mask_name(names.get(r["physician_id"], "")), institution=orgs.get(r["institution_id"], ""),
                           cycle=cycle.name, result="违纪不合格",
                           decided_on=r["concluded_at"].astimezone(CST).date() if r["concluded_at"] else None)
        for r in rows])
