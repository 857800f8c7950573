"""考核进度统计 / 考核结果统计 (SPEC §8; seed manuals: administration 2.2.10 (3)(4), assessment
institution and health institution 考核进度统计 / 考核结果统计).

Not real time ("此功能不是实时统计，请操作时注意系统展示的统计时间"): 刷新统计
(`start_refresh`) queues a background job (services.jobs) that computes the table of the
caller's scope and keeps it as a `StatsSnapshot` with `computed_at`; reading
(`latest_view`) returns the scope's latest snapshot and that time. At most one refresh per
scope is queued or running (409 statistics_running); one stuck for over STALE_AFTER no
longer blocks.

Scope = the caller's organisation in its current role, and only it reads its snapshots
(another organisation, or the same one in another role, gets 404):
- administration: a row per child region (plus 本级 for institutions in its own region)
  and a row per health institution with physicians or assessments in its jurisdiction;
- assessment institution: a row per assigned institution;
- health institution: itself.

Computed with a handful of GROUP BY queries over the current cycle's assessments and the
registry — never row by row — so a province of 300,000 physicians takes seconds.

考核进度统计: per status of the main flow, plus the 免考 and 延期 side flows. A physician
not yet included has no assessment row, so 未开通报名 = physicians in the registry (在册)
minus the institution's assessments taking part (any status but 未开通报名).
考核结果统计: every assessment of the cycle lands in exactly one column (`result_class`):
per procedure (简易程序 / 一般程序) 合格, 再次考核合格, 不合格, 违纪不合格, 待再次考核, 再次考核不合格,
进行中; then 未选择程序 (taking part, no procedure yet), 已退出当前周期 and 未开通报名; 合计 is the
number of assessments. 其中：免考 (exemption approved) is counted beside, not in the partition.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import Any, TypedDict

from tortoise.expressions import Q
from tortoise.functions import Count
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from server.errors import Conflict, Forbidden, NotFound
from server.models import (
    Assessment,
    AssessmentStatus,
    Cycle,
    DelayStatus,
    ExemptionStatus,
    Job,
    JobStatus,
    Organisation,
    Physician,
    Procedure,
    Region,
    RegistryStatus,
    StatsKind,
    StatsSnapshot,
)
from server.models.geo import province_id_of_path
from server.schemas.common import Labelled
from server.schemas.statistics import StatsSnapshotView
from server.services import audit
from server.services.access import Actor, Role, physician_scope_q
from server.services.platform import excel, jobs
from server.services.platform.jobs import job_actor

S = AssessmentStatus
STAFF = (Role.ADMINISTRATION, Role.ASSESSMENT_INSTITUTION, Role.HEALTH_INSTITUTION)
JOB_KINDS = {StatsKind.PROGRESS: "stats_progress", StatsKind.RESULTS: "stats_results"}
NOTICE = "此功能不是实时统计，请操作时注意系统展示的统计时间"
STALE_AFTER = timedelta(minutes=30)
KEEP_SNAPSHOTS = 5
CST = timezone(timedelta(hours=8))

# per procedure: the outcome of one assessment (小计 = their sum)
RESULT_CLASSES = (("passed", "合格"), ("reexam_passed", "再次考核合格"), ("failed", "不合格"),
                  ("violation", "违纪不合格"), ("reexam", "待再次考核"), ("final_failed", "再次考核不合格"),
                  ("in_progress", "进行中"), ("total", "小计"))
# outside the procedures: rows without a procedure yet, rows that left, rows not included
OTHER_CLASSES = (("no_procedure", "未选择程序"), ("left", S.LEFT.label), ("not_included", S.NOT_INCLUDED.label))
OUTSIDE_PROCEDURES = frozenset(key for key, _ in OTHER_CLASSES)


class Column(TypedDict):
    key: str
    label: str


class CycleName(TypedDict):
    id: int
    name: str


class RegionCounts(TypedDict):
    id: int | None
    name: str
    counts: dict[str, int]


class InstitutionCounts(TypedDict):
    id: int
    name: str
    region: str
    counts: dict[str, int]


class StatsData(TypedDict):
    """A snapshot's data, stored as JSON in `StatsSnapshot.data` (shown by `latest_view`)."""

    cycles: list[CycleName]
    columns: list[Column]
    regions: list[RegionCounts]
    institutions: list[InstitutionCounts]
    total: dict[str, int]


def _col(key: str, label: str) -> Column:
    return {"key": key, "label": label}


def progress_columns() -> list[Column]:
    cols = [_col("physicians", "在册医师"), _col("taking_part", "参加考核")]
    cols += [_col(s.value, s.label) for s in S]
    cols += [_col(f"exemption:{x.value}", f"免考-{x.label}") for x in ExemptionStatus if x != ExemptionStatus.NONE]
    cols += [_col(f"delay:{d.value}", f"延期-{d.label}") for d in DelayStatus if d != DelayStatus.NONE]
    return cols


def results_columns() -> list[Column]:
    cols = [_col(f"{p.value}:{key}", f"{p.label}-{label}") for p in Procedure for key, label in RESULT_CLASSES]
    cols += [_col(key, label) for key, label in OTHER_CLASSES]
    return [*cols, _col("exempted", "其中：免考"), _col("total", "合计")]


def result_class(status: AssessmentStatus, *, violation: bool = False, no_promotion: bool = False) -> str:
    """The one outcome column of an assessment (SPEC §4 stages 6-7): 合格 (再次考核合格 when it
    passed the re-exam: no promotion this cycle), 不合格 (违纪不合格 when an administration
    processed a violation), 待再次考核, 再次考核不合格, 进行中, or outside the procedures."""
    if status == S.NOT_INCLUDED:
        return "not_included"
    if status == S.LEFT:
        return "left"
    if status == S.QUALIFIED:
        return "reexam_passed" if no_promotion else "passed"
    if status == S.FAILED:
        return "violation" if violation else "failed"
    if status in (S.REEXAM_LISTED, S.REEXAM_DONE):
        return "reexam"
    if status == S.FINAL_FAILED:
        return "final_failed"
    return "in_progress"


def result_column(status: AssessmentStatus, procedure: Procedure | None, *, violation: bool = False,
                  no_promotion: bool = False) -> str:
    """The column key an assessment is counted in (未选择程序 while it has no procedure)."""
    cls = result_class(status, violation=violation, no_promotion=no_promotion)
    if cls in OUTSIDE_PROCEDURES:
        return cls
    if procedure is None:
        return "no_procedure"
    return f"{procedure.value}:{cls}"


def parse_kind(raw: str) -> StatsKind:
    try:
        return StatsKind(raw)
    except ValueError:
        raise NotFound("统计类型不存在", code="statistics_kind_not_found") from None


def _check_role(actor: Actor) -> None:
    if actor.role not in STAFF or actor.org_id is None:
        raise Forbidden("当前身份无权进行此操作", code="wrong_role")


# --- refresh: the background job -------------------------------------------------------------


async def _active_job(actor: Actor, kind: StatsKind, conn: Any = None) -> Job | None:
    since = jobs.now() - STALE_AFTER
    for job in await Job.filter(org_id=actor.org_id, kind=JOB_KINDS[kind], created_at__gte=since,
                                status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).using_db(conn):
        if (job.params or {}).get("role") == actor.role.value:
            return job
    return None


async def start_refresh(*, actor: Actor, kind: str) -> Job:
    """刷新统计: queue the computation of the caller's scope (one at a time per scope)."""
    _check_role(actor)
    stats_kind = parse_kind(kind)
    async with in_transaction() as conn:
        # refreshes of one organisation are serialised on its row
        await Organisation.filter(id=actor.org_id).select_for_update().using_db(conn).first()
        running = await _active_job(actor, stats_kind, conn)
        if running is not None:
            raise Conflict("统计正在进行中，请稍后查看统计结果", code="statistics_running",
                           details={"job_id": str(running.id)})
        job = await jobs.create_job(actor=actor, kind=JOB_KINDS[stats_kind], total=1, using_db=conn,
                                    params={"role": actor.role.value, "ip": actor.ip, "stats_kind": stats_kind.value})
        await audit.record(actor, "statistics.refresh", "job", job.id, after={"kind": stats_kind.value},
                           using_db=conn)
    await jobs.enqueue(job)
    return job


@jobs.job_handler("stats_progress")
async def run_progress(job: Job) -> None:
    await _run(job, StatsKind.PROGRESS)


@jobs.job_handler("stats_results")
async def run_results(job: Job) -> None:
    await _run(job, StatsKind.RESULTS)


async def _run(job: Job, kind: StatsKind) -> None:
    actor = await job_actor(job)
    await jobs.report_progress(job, total=1, processed=0, message="正在统计")
    snapshot = await compute_snapshot(actor, kind, job_id=job.id)
    n = len(snapshot.data["institutions"])
    await jobs.report_progress(job, total=1, processed=1, succeeded=1, message=f"统计完成：{n}个机构")
    await jobs.set_outcome(job, {"snapshot_id": snapshot.id, "institutions": n,
                                 "computed_at": snapshot.computed_at.isoformat()})


async def compute_snapshot(actor: Actor, kind: StatsKind, *, job_id: Any = None) -> StatsSnapshot:
    """Compute and keep the table of the actor's scope (the job body; the benchmark times it)."""
    computed_at = jobs.now()
    started = time.perf_counter()
    data = await compute(actor, kind)
    snapshot = await StatsSnapshot.create(
        kind=kind, org_id=actor.org_id, role=actor.role.value, region_id=actor.region_id,
        region_path=actor.region_path, data=data, computed_at=computed_at,
        duration_ms=int((time.perf_counter() - started) * 1000), job_id=job_id, requested_by_id=actor.account_id,
    )
    old = await StatsSnapshot.filter(org_id=actor.org_id, role=actor.role.value, kind=kind) \
        .order_by("-computed_at", "-id").offset(KEEP_SNAPSHOTS).values_list("id", flat=True)
    if old:
        await StatsSnapshot.filter(id__in=list(old)).delete()
    return snapshot


# --- the computation ---------------------------------------------------------------------------


async def _group(qs: QuerySet, *fields: str) -> list[dict[str, Any]]:
    return await qs.annotate(n=Count("id")).group_by(*fields).values(*fields, "n")


def _v(value: Any) -> str:
    return getattr(value, "value", value)


async def scope_cycles(actor: Actor) -> list[Cycle]:
    """The current cycle of the scope's province (every current cycle for the national office)."""
    qs = Cycle.filter(is_current=True)
    province_id = province_id_of_path(actor.region_path)
    if province_id is not None:
        qs = qs.filter(province_id=province_id)
    return await qs.order_by("id")


async def _progress_counts(scope: Q, cycle_ids: list[int]) -> dict[int, Counter]:
    base = Assessment.filter(scope, cycle_id__in=cycle_ids)
    counts: dict[int, Counter] = {}
    for r in await _group(base, "institution_id", "status"):
        c = counts.setdefault(r["institution_id"], Counter())
        c[_v(r["status"])] += r["n"]
        if _v(r["status"]) != S.NOT_INCLUDED.value:
            c["taking_part"] += r["n"]
    for flow, none in (("exemption", ExemptionStatus.NONE), ("delay", DelayStatus.NONE)):
        for r in await _group(base.exclude(**{flow: none}), "institution_id", flow):
            counts.setdefault(r["institution_id"], Counter())[f"{flow}:{_v(r[flow])}"] += r["n"]
    registry = Physician.filter(scope, registry_status=RegistryStatus.ACTIVE, institution_id__isnull=False)
    for r in await _group(registry, "institution_id"):
        counts.setdefault(r["institution_id"], Counter())["physicians"] += r["n"]
    for c in counts.values():
        c[S.NOT_INCLUDED.value] = max(0, c["physicians"] - c["taking_part"])
    return counts


async def _results_counts(scope: Q, cycle_ids: list[int]) -> dict[int, Counter]:
    base = Assessment.filter(scope, cycle_id__in=cycle_ids)
    counts: dict[int, Counter] = {}
    for r in await _group(base, "institution_id", "procedure", "status", "violation", "no_promotion"):
        procedure = Procedure(_v(r["procedure"])) if r["procedure"] is not None else None
        key = result_column(S(_v(r["status"])), procedure, violation=bool(r["violation"]),
                            no_promotion=bool(r["no_promotion"]))
        c = counts.setdefault(r["institution_id"], Counter())
        c[key] += r["n"]
        if ":" in key:
            c[f"{key.split(':')[0]}:total"] += r["n"]
        c["total"] += r["n"]
    for r in await _group(base.filter(exemption=ExemptionStatus.APPROVED), "institution_id"):
        counts.setdefault(r["institution_id"], Counter())["exempted"] += r["n"]
    return counts


def _full(c: Counter, columns: list[Column]) -> dict[str, int]:
    return {col["key"]: int(c.get(col["key"], 0)) for col in columns}


async def compute(actor: Actor, kind: StatsKind) -> StatsData:
    """The snapshot's data: cycles, columns, region rows, institution rows and the total."""
    _check_role(actor)
    scope = await physician_scope_q(actor)
    cycles = await scope_cycles(actor)
    cycle_ids = [c.id for c in cycles]
    if kind == StatsKind.PROGRESS:
        columns, counts = progress_columns(), await _progress_counts(scope, cycle_ids)
    else:
        columns, counts = results_columns(), await _results_counts(scope, cycle_ids)
    if actor.role == Role.ADMINISTRATION:
        wanted = list(counts)  # only institutions with physicians or assessments
    elif actor.role == Role.ASSESSMENT_INSTITUTION:
        wanted = sorted(set(await actor.assigned_institution_ids()))
    else:
        wanted = [actor.org_id]
    orgs = await Organisation.filter(id__in=wanted).order_by("region_path", "id") \
        .values("id", "name", "region_id", "region_path")
    region_names = dict(await Region.filter(id__in=list({o["region_id"] for o in orgs})).values_list("id", "name"))
    institutions: list[InstitutionCounts] = [
        {"id": o["id"], "name": o["name"], "region": region_names.get(o["region_id"], ""),
         "counts": _full(counts.get(o["id"], Counter()), columns)} for o in orgs
    ]
    total: Counter = Counter()
    for o in orgs:
        total.update(counts.get(o["id"], Counter()))
    regions = await _region_rows(actor, orgs, counts, columns) if actor.role == Role.ADMINISTRATION else []
    return {"cycles": [{"id": c.id, "name": c.name} for c in cycles], "columns": columns, "regions": regions,
            "institutions": institutions, "total": _full(total, columns)}


async def _region_rows(actor: Actor, orgs: list[dict[str, Any]], counts: dict[int, Counter],
                       columns: list[Column]) -> list[RegionCounts]:
    """One row per child region of the administration's region, and 本级 for the rest."""
    depth = len(actor.region_path.strip("/").split("/"))
    children = await Region.filter(parent_id=actor.region_id).order_by("code").values("id", "name")
    sums: dict[int | None, Counter] = {c["id"]: Counter() for c in children}
    for o in orgs:
        parts = o["region_path"].strip("/").split("/")
        child = int(parts[depth]) if len(parts) > depth else None
        sums.setdefault(child if child in sums else None, Counter()).update(counts.get(o["id"], Counter()))
    rows: list[RegionCounts] = [{"id": c["id"], "name": c["name"], "counts": _full(sums[c["id"]], columns)}
                                for c in children]
    if sums.get(None):
        own = await Region.get_or_none(id=actor.region_id)
        rows.append({"id": actor.region_id, "name": f"{own.name if own else ''}（本级）",
                     "counts": _full(sums[None], columns)})
    return rows


# --- reading -----------------------------------------------------------------------------------


async def latest_snapshot(*, actor: Actor, kind: str) -> StatsSnapshot:
    """The scope's latest snapshot, or 404 asking for a refresh."""
    _check_role(actor)
    stats_kind = parse_kind(kind)
    snapshot = await StatsSnapshot.filter(org_id=actor.org_id, role=actor.role.value, kind=stats_kind) \
        .order_by("-computed_at", "-id").first()
    if snapshot is None:
        raise NotFound(f"尚未进行{stats_kind.label}，请点击【刷新统计】", code="statistics_not_found")
    return snapshot


def local_time(value: datetime) -> str:
    return value.astimezone(CST).strftime("%Y-%m-%d %H:%M:%S")


async def latest_view(*, actor: Actor, kind: str) -> StatsSnapshotView:
    """统计结果 with its 统计时间 and the refresh in progress, if any."""
    snapshot = await latest_snapshot(actor=actor, kind=kind)
    running = await _active_job(actor, snapshot.kind)
    return StatsSnapshotView(
        kind=Labelled.of(snapshot.kind),
        computed_at=snapshot.computed_at, computed_at_text=local_time(snapshot.computed_at),
        realtime=False, notice=NOTICE, duration_ms=snapshot.duration_ms,
        refreshing=jobs.job_view(running) if running is not None else None,
        **snapshot.data,
    )


def _workbook(snapshot: StatsSnapshot) -> bytes:
    data, label = snapshot.data, snapshot.kind.label
    keys = [c["key"] for c in data["columns"]]
    ws = excel.SheetWriter().sheet(label)
    ws.append([f"{label}（统计时间：{local_time(snapshot.computed_at)}；{NOTICE}）"])
    ws.append(["类别", "名称", "所在地区", *[c["label"] for c in data["columns"]]])
    for r in data["regions"]:
        ws.append(["地区", r["name"], "", *[r["counts"][k] for k in keys]])
    for r in data["institutions"]:
        ws.append(["机构", r["name"], r["region"], *[r["counts"][k] for k in keys]])
    ws.append(["合计", "", "", *[data["total"][k] for k in keys]])
    return ws.to_bytes()


async def snapshot_excel(*, actor: Actor, kind: str) -> tuple[bytes, str]:
    """下载: the latest snapshot as a workbook, its 统计时间 in the first row and the file name."""
    snapshot = await latest_snapshot(actor=actor, kind=kind)
    stamp = snapshot.computed_at.astimezone(CST).strftime("%Y%m%d%H%M%S")
    return await asyncio.to_thread(_workbook, snapshot), f"{snapshot.kind.label}_{stamp}.xlsx"
