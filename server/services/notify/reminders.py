"""待审核提醒 (SPEC §7: administrators get WeChat template messages for pending-review reminders).

For each organisation with reviews waiting in the current cycles, ONE template message
"pending_review" with the count, at most once per REVIEW_REMINDER_HOURS per organisation
(a Redis key per organisation), and only to organisations whose account has bound its WeChat.

What an organisation must act on:
- health institution (its own physicians): 待卫生机构审核 (enrol_submitted), 待卫生机构评定
  (enrolled), 申请修改 requested / submitted, 免考 hi_pending, 延期 hi_pending;
- assessment institution (the institutions assigned to it): 待考核机构确认 (enrol_reported),
  待考核机构复核 (evaluated), 免考 ai_pending;
- administration: 延期 admin_pending of the institutions for which it is the nearest
  administration — the one whose region is the institution's region, or the nearest ancestor
  region that has one.
An organisation with several roles (a hospital that is also an assessment institution) gets one
message with the sum.

The scan runs from the outbox sweep at most once an hour across all processes (``maybe_run``),
or on demand as the taskiq task ``dkt.review_reminders``.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from typing import Any

from tortoise.expressions import Q
from tortoise.functions import Count

from server.models import (
    AccountStatus,
    Assessment,
    AssessmentAssignment,
    AssessmentStatus,
    DelayStatus,
    ExemptionStatus,
    ModificationStatus,
    Organisation,
    OrgKind,
    StaffAccount,
)
from server.services.notify import notices
from server.services.platform.broker import broker
from server.services.platform.runtime import rt

log = logging.getLogger("server.reminders")

S, M, X, D = AssessmentStatus, ModificationStatus, ExemptionStatus, DelayStatus
SCAN_EVERY_SECONDS = 3600
ROLE_LABELS = {"hi": "卫生机构审核", "ai": "考核机构审核", "admin": "延期审批"}

HI_PENDING = (Q(status__in=[S.ENROL_SUBMITTED, S.ENROLLED])
              | Q(modification__in=[M.REQUESTED, M.SUBMITTED])
              | Q(exemption=X.HI_PENDING) | Q(delay=D.HI_PENDING))
AI_PENDING = Q(status__in=[S.ENROL_REPORTED, S.EVALUATED]) | Q(exemption=X.AI_PENDING)
ADMIN_PENDING = Q(delay=D.ADMIN_PENDING)


@dataclass
class ReminderStats:
    organisations: int = 0  # with something waiting
    queued: int = 0
    skipped_unbound: int = 0
    skipped_recent: int = 0
    queued_org_ids: list[int] = field(default_factory=list)


async def _by_institution(q: Q) -> dict[int, int]:
    rows = await (Assessment.filter(q, cycle__is_current=True).annotate(n=Count("id"))
                  .group_by("institution_id").values_list("institution_id", "n"))
    return {int(i): int(n) for i, n in rows if n}


def nearest_administration(region_path: str, admins: dict[str, int]) -> int | None:
    """The administration of the region, or of the nearest ancestor region that has one."""
    parts = [p for p in region_path.strip("/").split("/") if p]
    for depth in range(len(parts), 0, -1):
        org_id = admins.get("/" + "/".join(parts[:depth]) + "/")
        if org_id is not None:
            return org_id
    return None


async def pending_counts() -> dict[int, dict[str, int]]:
    """organisation id -> {"hi"|"ai"|"admin": number of assessments waiting for it}."""
    out: dict[int, dict[str, int]] = {}

    def add(org_id: int | None, role: str, n: int) -> None:
        if org_id is not None and n:
            bucket = out.setdefault(org_id, {})
            bucket[role] = bucket.get(role, 0) + n

    for institution_id, n in (await _by_institution(HI_PENDING)).items():
        add(institution_id, "hi", n)
    ai = await _by_institution(AI_PENDING)
    if ai:
        assessor_of = dict(await AssessmentAssignment.filter(institution_id__in=list(ai))
                           .values_list("institution_id", "assessor_id"))
        for institution_id, n in ai.items():
            add(assessor_of.get(institution_id), "ai", n)
    delays = await _by_institution(ADMIN_PENDING)
    if delays:
        admins: dict[str, int] = {}
        for org_id, path in await (Organisation.filter(kind=OrgKind.ADMINISTRATION).order_by("-id")
                                   .values_list("id", "region_path")):
            admins[path] = org_id  # lowest id wins when a region has two
        paths = dict(await Organisation.filter(id__in=list(delays)).values_list("id", "region_path"))
        for institution_id, n in delays.items():
            add(nearest_administration(paths.get(institution_id, ""), admins), "admin", n)
    return out


def _key(org_id: int) -> str:
    return f"reminder:pending_review:{org_id}"


def summary(counts: dict[str, int]) -> str:
    return "，".join(f"{ROLE_LABELS[r]}{counts[r]}人" for r in ("hi", "ai", "admin") if counts.get(r))


async def send_review_reminders() -> ReminderStats:
    """Queue one 待审核提醒 per organisation with reviews waiting (deduplicated per N hours)."""
    stats = ReminderStats()
    counts = await pending_counts()
    stats.organisations = len(counts)
    if not counts:
        return stats
    bound = set(await StaffAccount.filter(org_id__in=list(counts), wechat_openid__isnull=False)
                .exclude(status=AccountStatus.CANCELLED).values_list("org_id", flat=True))
    names = dict(await Organisation.filter(id__in=list(bound)).values_list("id", "name")) if bound else {}
    redis = rt().redis
    ttl = max(1, rt().settings.REVIEW_REMINDER_HOURS) * 3600
    for org_id in sorted(counts):
        if org_id not in bound:
            stats.skipped_unbound += 1
            continue
        if not await redis.set(_key(org_id), b"1", nx=True, ex=ttl):
            stats.skipped_recent += 1
            continue
        c = counts[org_id]
        total = sum(c.values())
        data: dict[str, Any] = {"title": "待审核提醒", "org_name": names.get(org_id, ""), "count": total,
                                "summary": summary(c), "body": f"您有{total}条待审核事项：{summary(c)}",
                                "hi": c.get("hi", 0), "ai": c.get("ai", 0), "admin": c.get("admin", 0)}
        try:
            queued = await notices.staff_message(org_id=org_id, template="pending_review", data=data, only_bound=True)
        except Exception:
            await redis.delete(_key(org_id))  # not queued: let the next scan try again
            raise
        if queued:
            stats.queued += 1
            stats.queued_org_ids.append(org_id)
    log.info("review reminders: %s", {k: v for k, v in asdict(stats).items() if k != "queued_org_ids"})
    return stats


@broker.task(task_name="dkt.review_reminders")
async def review_reminders() -> dict[str, Any]:
    """The taskiq task (also usable from a scheduler): one scan."""
    return asdict(await send_review_reminders())


async def maybe_run() -> ReminderStats | None:
    """Run the scan if no process has in the last hour (called by every outbox sweep)."""
    if not await rt().redis.set("reminder:scan", b"1", nx=True, ex=SCAN_EVERY_SECONDS):
        return None
    return await send_review_reminders()
