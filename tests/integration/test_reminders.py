"""待审核提醒: who has reviews waiting (health institution, assessment institution, nearest
administration), one template message per organisation with a bound WeChat, at most once per
REVIEW_REMINDER_HOURS, delivered through the fake WeChat server."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from server.models import Assessment, Cycle, OutboxMessage, OutboxStatus, StaffAccount
from server.models import AssessmentStatus as S
from server.models import DelayStatus as D
from server.models import ExemptionStatus as X
from server.models import ModificationStatus as M
from server.services.notify import dispatch, reminders
from server.services.platform.runtime import rt
from tests.factories import World, account_of, make_physician, make_world

pytestmark = pytest.mark.usefixtures("app")  # the real database, emptied per test


async def cycle(w: World, *, current: bool = True) -> Cycle:
    now = datetime.now(UTC)
    return await Cycle.create(province=w.gx, name="2024-2026", start_date=date(2024, 1, 1), end_date=date(2026, 12, 31),
                              is_current=current, enrol_start=now - timedelta(days=1), enrol_end=now + timedelta(days=9))


async def waiting(c: Cycle, org, **state) -> Assessment:
    """An assessment of a new physician of ``org`` in the given state (fixture data)."""
    p = await make_physician(org)
    return await Assessment.create(physician=p, cycle=c, institution=org, region_path=org.region_path,
                                   active=True, **state)


async def bind(org, openid: str) -> None:
    await StaffAccount.filter(org_id=org.id).update(wechat_openid=openid)


async def world_with_reviews() -> tuple[World, Cycle]:
    w = await make_world()
    c = await cycle(w)
    # hospital2 (青秀区, assessed by `hospital`): its own queue and the assessor's
    await waiting(c, w.hospital2, status=S.ENROL_SUBMITTED)
    await waiting(c, w.hospital2, status=S.ENROLLED)
    await waiting(c, w.hospital2, status=S.AWAITING_EXAM, modification=M.REQUESTED)
    await waiting(c, w.hospital2, status=S.ENROLLED, exemption=X.HI_PENDING)  # one assessment, counted once
    await waiting(c, w.hospital2, status=S.ENROL_REPORTED)  # the assessment institution's
    await waiting(c, w.hospital2, status=S.ENROLLED, exemption=X.AI_PENDING)  # HI and AI both
    await waiting(c, w.hospital2, status=S.AWAITING_EXAM, delay=D.ADMIN_PENDING)  # 青秀区卫健局
    # hospital (an assessment institution of itself too)
    await waiting(c, w.hospital, status=S.EVALUATED)
    await waiting(c, w.hospital, status=S.AWAITING_EXAM, delay=D.HI_PENDING)
    # hospital3 in 兴宁区, which has no administration: the nearest is 南宁市卫健委
    await waiting(c, w.hospital3, status=S.AWAITING_EXAM, delay=D.ADMIN_PENDING)
    # nothing to do
    await waiting(c, w.lz_hospital, status=S.AWAITING_EXAM)
    await waiting(c, w.lz_hospital, status=S.INCLUDED)
    return w, c


async def test_pending_counts_per_role_and_nearest_administration():
    w, _ = await world_with_reviews()
    counts = await reminders.pending_counts()
    assert counts == {
        w.hospital2.id: {"hi": 5},
        w.hospital.id: {"ai": 3, "hi": 1},
        w.qx_admin.id: {"admin": 1},
        w.nn_admin.id: {"admin": 1},
    }


async def test_assessments_of_past_cycles_are_not_counted():
    w = await make_world()
    await waiting(await cycle(w, current=False), w.hospital2, status=S.ENROL_SUBMITTED)
    assert await reminders.pending_counts() == {}


def test_nearest_administration():
    admins = {"/1/2/": 10, "/1/2/3/": 11}
    assert reminders.nearest_administration("/1/2/3/4/", admins) == 11
    assert reminders.nearest_administration("/1/2/5/", admins) == 10
    assert reminders.nearest_administration("/9/", admins) is None


async def test_one_reminder_per_bound_organisation_then_deduplicated():
    w, _ = await world_with_reviews()
    await bind(w.hospital2, "o-hi")
    await bind(w.hospital, "o-hi-ai")
    await bind(w.qx_admin, "o-qx")
    stats = await reminders.send_review_reminders()
    assert (stats.organisations, stats.queued, stats.skipped_unbound) == (4, 3, 1)  # 南宁市卫健委 not bound
    rows = {r.recipient_id: r for r in await OutboxMessage.filter(channel="wechat_template")}
    assert len(rows) == 3
    mine = rows[(await account_of(w.hospital)).id]
    assert mine.template == "pending_review" and mine.status == OutboxStatus.PENDING
    assert mine.payload["count"] == 4 and mine.payload["summary"] == "卫生机构审核1人，考核机构审核3人"
    assert mine.payload["org_name"] == w.hospital.name and mine.payload["label"] == "待审核提醒"

    again = await reminders.send_review_reminders()
    assert (again.queued, again.skipped_recent) == (0, 3)
    assert await OutboxMessage.filter(channel="wechat_template").count() == 3

    await rt().redis.delete(f"reminder:pending_review:{w.hospital2.id}")  # the N hours have passed
    assert (await reminders.send_review_reminders()).queued_org_ids == [w.hospital2.id]


async def test_reminder_delivered_as_template_message(wechat, monkeypatch):
    monkeypatch.setattr(rt(), "settings", replace(
        rt().settings, WECHAT_OA_TEMPLATES='{"pending_review": {"template_id": "TPL-PENDING", '
                                           '"url": "https://console.example/reviews", '
                                           '"data": {"thing1": "{org_name}", "number2": "{count}"}}}'))
    w, _ = await world_with_reviews()
    await bind(w.qx_admin, "o-qx")
    await reminders.send_review_reminders()
    await dispatch.dispatch_due()
    [req] = wechat.requests_to("/cgi-bin/message/template/send")
    assert req.body == {"touser": "o-qx", "template_id": "TPL-PENDING", "url": "https://console.example/reviews",
                        "data": {"thing1": {"value": "青秀区卫健局"}, "number2": {"value": "1"}}}
    assert (await OutboxMessage.get(channel="wechat_template")).status == OutboxStatus.SENT


async def test_cancelled_account_is_skipped():
    from server.models import AccountStatus

    w, _ = await world_with_reviews()
    await bind(w.qx_admin, "o-qx")
    await StaffAccount.filter(org_id=w.qx_admin.id).update(status=AccountStatus.CANCELLED)
    assert (await reminders.send_review_reminders()).queued == 0


async def test_scan_runs_at_most_once_an_hour():
    w, _ = await world_with_reviews()
    await bind(w.qx_admin, "o-qx")
    first = await reminders.maybe_run()
    assert first is not None and first.queued == 1
    assert await reminders.maybe_run() is None
