"""Small pieces of 再次考核管理 the judging hooks need (SPEC §4 stage 7, §7): today's date in China
(the suspension's default start) and the 复考名单确认 message to the administrations concerned.
Below judging.py and reexam.py, which both use them.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta, timezone
from typing import Any

from server.models import Assessment, Organisation, OrgKind
from server.services.access import Actor
from server.services.notify import notices
from server.services.notify.reminders import nearest_administration

CST = timezone(timedelta(hours=8))


def today() -> date:
    """Today in China (the suspension's default start)."""
    return datetime.now(CST).date()


# --- 复考名单确认 to the administrations concerned ------------------------------------------------------


async def notify_administrations(*, actor: Actor, assessment_ids: list[int], conn: Any = None) -> int:
    """One 复考名单确认 template message per administration concerned (the nearest administration
    of each confirmed physician's institution, the confirming province left out), with the count."""
    if not assessment_ids:
        return 0
    paths = await Assessment.filter(id__in=assessment_ids).using_db(conn).values_list("region_path", flat=True)
    admins = dict(await Organisation.filter(kind=OrgKind.ADMINISTRATION, region_path__startswith=actor.region_path)
                  .using_db(conn).values_list("region_path", "id"))
    counts = Counter(nearest_administration(path, admins) for path in paths)
    queued = 0
    for org_id, n in counts.items():
        if org_id is None or org_id == actor.org_id:
            continue
        queued += await notices.staff_message(conn=conn, org_id=org_id, template="reexam_list",
                                             data={"count": n, "title": f"省级卫生行政机构已确认{n}名医师的再次考核名单"})
    return queued
