"""Benchmark the assessment workflow at province scale (SPEC §9: a large province has about
300,000 physicians).

Seeds --physicians (100,000) physicians over --institutions health institutions of one
province, each with an assessment in 待考核机构确认 (enrol_reported), then measures through
the real services, in this process (no HTTP, no queue):

1. 确认考核医师名单 (ai_confirm_enrolment): `transitions.batch` by each assessment institution,
   1,000 a batch;
2. 评定工作成绩、职业道德 提交 (hi_submit_evaluation): `transitions.transition` per assessment by
   its health institution (not a batch move in the state machine), the evaluation stored by the
   apply hook (every 25th 不合格);
3. 复核 提交 (ai_submit_review): `transitions.batch` by each assessment institution, the review
   hook deciding 待参加测评 / 不合格 (as services.reviews.perform_batch does);
   each for --sample assessments (default 10,000 spread over all institutions; --sample 0: all),
   reported as assessments per second; --concurrency reviewers act at once (default 1);
4. a 考核进度统计 and a 考核结果统计 snapshot (statistics.compute_snapshot, the job body) over all
   assessments as the province administration;
5. the 考核进度 export of every assessment as the province administration, run as a job
   (jobs.execute): time, rows, file size and the peak resident memory of the process during
   the export (VmHWM reset before it through /proc/self/clear_refs); --tracemalloc runs the
   export a second time under tracemalloc for the Python heap peak.

SEEDING ONLY: regions, organisations, physicians and the assessments are bulk-inserted
directly (`seed`), not through the workflow; everything measured goes through the services.

    python scripts/bench/workflow_bench.py                       # a throwaway SQLite file
    python scripts/bench/workflow_bench.py --database postgres://u@host:5432/postgres
        # creates a dkt_bench_<random> database next to the given one and drops it at the end

The last line is JSON with every figure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from scripts.bench._setup import create_pg_database, drop_pg_database, log, national_and_province, region  # noqa: E402
from server.config import Settings  # noqa: E402
from server.security import id_check_digit  # noqa: E402

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐韦覃蒙莫"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂兰华建国志红玲燕波辉"
BATCH = 1000  # the largest batch transitions.batch accepts


def id_number(i: int) -> str:
    first17 = f"450103{date(1960, 1, 1) + timedelta(days=i // 1000):%Y%m%d}{i % 1000:03d}"
    return first17 + id_check_digit(first17)


def rss_mb(field: str = "VmHWM") -> float:
    """Resident memory of this process from /proc (VmHWM: the peak since the last reset)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def reset_peak_rss() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def machine() -> dict[str, Any]:
    model = ""
    try:
        model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                      if line.startswith("model name")), "")
    except OSError:
        pass
    return {"cpus": os.cpu_count(), "cpu": model or platform.processor(), "python": platform.python_version(),
            "system": platform.system()}


# --- SEEDING ONLY: bulk inserts, not through the workflow -----------------------------------------


async def seed(args: argparse.Namespace) -> dict[str, Any]:
    """The province, its institutions and accounts, the current cycle with open windows, and the
    physicians with an assessment in 待考核机构确认 — bulk-inserted (seeding only)."""
    from server.models import (
        Assessment,
        AssessmentAssignment,
        AssessmentStatus,
        Cycle,
        Organisation,
        OrgKind,
        Physician,
        Procedure,
        RegionLevel,
        StaffAccount,
    )

    china, province = await national_and_province()
    counties = []
    for c in range(args.cities):
        city = await region(f"45{c + 1:02d}00", f"基准市{c + 1}", RegionLevel.CITY, province)
        for k in range(3):
            counties.append(await region(f"45{c + 1:02d}{k + 1:02d}", f"基准县{c + 1}-{k + 1}", RegionLevel.COUNTY, city))
    admin = await Organisation.create(name="基准省卫健委", kind=OrgKind.ADMINISTRATION, region=province,
                                      region_path=province.path)
    institutions = []
    for n in range(args.institutions):
        county = counties[n % len(counties)]
        institutions.append(Organisation(name=f"基准医院{n + 1}", kind=OrgKind.HEALTH_INSTITUTION, region=county,
                                         region_path=county.path, is_assessment_institution=n % 10 == 0))
    await Organisation.bulk_create(institutions, batch_size=500)
    institutions = await Organisation.filter(kind=OrgKind.HEALTH_INSTITUTION).order_by("id")
    # every 10th institution is an assessment institution assessing itself and the next nine
    assessor_of = {org.id: institutions[i - i % 10].id for i, org in enumerate(institutions)}
    await AssessmentAssignment.bulk_create([AssessmentAssignment(assessor_id=a, institution_id=i)
                                            for i, a in assessor_of.items()], batch_size=500)
    await StaffAccount.bulk_create([StaffAccount(code=f"bench{org.id}", org_id=org.id)
                                    for org in [admin, *institutions]], batch_size=500)
    accounts = dict(await StaffAccount.all().values_list("org_id", "id"))
    now = datetime.now(UTC)
    windows = {f"{w}_{edge}": now + (timedelta(days=-1) if edge == "start" else timedelta(days=30))
               for w in ("enrol", "evaluation", "exam", "judging", "reexam") for edge in ("start", "end")}
    cycle = await Cycle.create(province=province, name="2024-2026周期", start_date=date(2024, 1, 1),
                               end_date=date(2026, 12, 31), is_current=True, **windows)
    rng = random.Random(7)
    chunk = 5000
    for start in range(0, args.physicians, chunk):
        batch = []
        for i in range(start, min(start + chunk, args.physicians)):
            org = institutions[i % len(institutions)]
            batch.append(Physician(id_number=id_number(i), name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                                   institution_id=org.id, region_path=org.region_path, phone=f"139{i:08d}"))
        await Physician.bulk_create(batch, batch_size=1000)
        rows = await Physician.filter(id_number__in=[p.id_number for p in batch]).values_list(
            "id", "institution_id", "region_path")
        await Assessment.bulk_create([
            Assessment(physician_id=pid, cycle_id=cycle.id, institution_id=iid, region_path=path,
                       status=AssessmentStatus.ENROL_REPORTED, active=True,
                       procedure=Procedure.SIMPLE if pid % 5 == 0 else Procedure.GENERAL,
                       enrolment={"basic": {"phone": "13900000000"}, "self_assessment": {"work": "合格"}})
            for pid, iid, path in rows], batch_size=1000)
    return {"admin": admin, "province": province, "institutions": institutions, "assessor_of": assessor_of,
            "accounts": accounts, "cycle": cycle}


# --- measured: through the services -------------------------------------------------------------


def actor_for(org: Any, role: Any, accounts: dict[int, int], region: Any = None) -> Any:
    from server.models import RegionLevel
    from server.services.access import Actor

    return Actor(kind="staff", role=role, token="bench", account_id=accounts[org.id], org_id=org.id,
                 region_id=org.region_id, region_path=org.region_path,
                 region_level=RegionLevel(region.level) if region is not None else None)


async def timed_steps(groups: list[tuple[Any, list[int]]], step: Callable[[Any, list[int]], Awaitable[int]],
                      concurrency: int) -> tuple[float, int]:
    """Run `step(actor, ids)` for every group, `concurrency` groups at a time; (seconds, failures)."""
    semaphore = asyncio.Semaphore(concurrency)
    failures = 0

    async def one(actor: Any, ids: list[int]) -> None:
        nonlocal failures
        async with semaphore:
            failures += await step(actor, ids)

    start = time.perf_counter()
    await asyncio.gather(*(one(actor, ids) for actor, ids in groups))
    return time.perf_counter() - start, failures


async def measure_workflow(world: dict[str, Any], sample_ids: list[int], concurrency: int) -> dict[str, Any]:
    from server.models import Assessment, ItemResult
    from server.services.access import Role
    from server.services.assessment import flow, transitions

    institutions = {o.id: o for o in world["institutions"]}
    ai_actors = {aid: actor_for(institutions[aid], Role.ASSESSMENT_INSTITUTION, world["accounts"])
                 for aid in set(world["assessor_of"].values())}
    hi_actors = {iid: actor_for(org, Role.HEALTH_INSTITUTION, world["accounts"]) for iid, org in institutions.items()}
    owner = dict(await Assessment.filter(id__in=sample_ids).values_list("id", "institution_id")) \
        if len(sample_ids) < 30000 else dict(await Assessment.all().values_list("id", "institution_id"))
    ai_ids: dict[int, list[int]] = defaultdict(list)
    hi_ids: dict[int, list[int]] = defaultdict(list)
    for aid in sample_ids:
        ai_ids[world["assessor_of"][owner[aid]]].append(aid)
        hi_ids[owner[aid]].append(aid)
    by_ai = [(ai_actors[org_id], ids) for org_id, ids in ai_ids.items()]
    by_hi = [(hi_actors[org_id], ids) for org_id, ids in hi_ids.items()]

    async def batches(actor: Any, ids: list[int], action: str,
                      apply_for: Callable[[int], transitions.Apply] | None = None) -> int:
        failed = 0
        for i in range(0, len(ids), BATCH):
            result = await transitions.batch(actor=actor, assessment_ids=ids[i:i + BATCH], action=action,
                                          apply_for=apply_for)
            failed += len(result.failed)
        return failed

    def evaluation(aid: int) -> transitions.Apply:
        async def apply(a: Any, conn: Any) -> None:
            a.work_result = ItemResult.FAIL if aid % 25 == 0 else ItemResult.PASS
            a.ethics_result = ItemResult.PASS
            a.evaluation_opinion = "同意"
            a.other_site_opinions = []
            return None
        return apply

    async def evaluate(actor: Any, ids: list[int]) -> int:
        for aid in ids:
            await transitions.transition(actor=actor, assessment_id=aid, action="hi_submit_evaluation",
                                      apply=evaluation(aid), data={"work_result": "pass", "ethics_result": "pass"})
        return 0

    def review_for(actor: Any) -> Callable[[int], transitions.Apply]:
        def apply_for(_aid: int) -> transitions.Apply:
            async def apply(a: Any, conn: Any) -> object:
                a.review = {"decision": "agree", "work_agree": True, "ethics_agree": True, "opinion": "",
                            "reason": "", "org_id": actor.org_id}
                return flow.review_target(a.work_result, a.ethics_result)
            return apply
        return apply_for

    out: dict[str, Any] = {}
    steps: list[tuple[str, list[tuple[Any, list[int]]], Callable[[Any, list[int]], Awaitable[int]]]] = [
        ("confirm", by_ai, lambda actor, ids: batches(actor, ids, "ai_confirm_enrolment")),
        ("evaluate", by_hi, evaluate),
        ("review", by_ai, lambda actor, ids: batches(actor, ids, "ai_submit_review", review_for(actor))),
    ]
    for name, groups, step in steps:
        log(f"{name}: {len(sample_ids)} assessments, {len(groups)} reviewers, concurrency {concurrency}")
        seconds, failed = await timed_steps(groups, step, concurrency)
        out[name] = {"assessments": len(sample_ids), "s": round(seconds, 2),
                     "per_s": round(len(sample_ids) / seconds, 1), "failed": failed}
        log(f"{name}: {out[name]}")
    return out


async def measure_statistics(admin_actor: Any) -> dict[str, Any]:
    from server.models import StatsKind
    from server.services.reports import statistics

    out: dict[str, Any] = {}
    for kind in (StatsKind.PROGRESS, StatsKind.RESULTS):
        start = time.perf_counter()
        snapshot = await statistics.compute_snapshot(admin_actor, kind)
        out[f"{kind.value}_s"] = round(time.perf_counter() - start, 2)
        out[f"{kind.value}_total"] = snapshot.data["total"].get("taking_part", snapshot.data["total"].get("total"))
        out["institutions"] = len(snapshot.data["institutions"])
        log(f"statistics {kind.value}: {out[kind.value + '_s']}s")
    return out


async def measure_export(world: dict[str, Any], with_tracemalloc: bool) -> dict[str, Any]:
    from server.models import Job, StoredFile
    from server.services.platform import jobs
    from server.services.reports import exports

    admin = world["admin"]

    async def run() -> tuple[float, Any]:
        job = await Job.create(kind="export_progress", owner_account_id=world["accounts"][admin.id], org_id=admin.id,
                               params={"role": "administration", "filters": {}})
        start = time.perf_counter()
        await jobs.execute(job.id)
        return time.perf_counter() - start, await Job.get(id=job.id)

    rss_before = rss_mb("VmRSS")
    reset = reset_peak_rss()
    seconds, job = await run()
    stored = await StoredFile.get(id=job.result_file_id)
    out = {"status": job.status.value, "rows": job.processed, "chunk": exports.CHUNK_SIZE, "s": round(seconds, 2),
           "rows_per_s": round(job.processed / seconds), "file_mb": round(stored.size / 2**20, 1),
           "rss_before_mb": rss_before, "peak_rss_mb": rss_mb("VmHWM"), "peak_rss_reset": reset}
    out["peak_rss_delta_mb"] = round(out["peak_rss_mb"] - rss_before, 1)
    log(f"export: {out}")
    if with_tracemalloc:
        tracemalloc.start()
        traced_s, _ = await run()
        out["tracemalloc_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
        out["tracemalloc_run_s"] = round(traced_s, 2)
        tracemalloc.stop()
    return out


async def main(args: argparse.Namespace) -> dict[str, Any]:
    from tortoise import Tortoise

    from server.listeners import close_resources, open_resources
    from server.models import Assessment
    from server.services.access import Role

    tmp = Path(tempfile.mkdtemp(prefix="dkt-workflow-bench-"))
    pg_name = ""
    db_url = f"sqlite://{tmp}/bench.sqlite3"
    if args.database:
        pg_name, db_url = await create_pg_database(args.database)
    runtime = None
    try:
        settings = Settings.from_env({"DATABASE_URL": db_url, "STORAGE_DIR": str(tmp / "files"), "SEED_DEMO": False,
                                      "REDIS_URL": ""})
        runtime = await open_resources(settings, migrate_schema=True)
        log(f"seeding {args.physicians} physicians over {args.institutions} institutions (bulk insert)")
        start = time.perf_counter()
        world = await seed(args)
        seed_s = time.perf_counter() - start
        log(f"seeded in {seed_s:.1f}s")
        all_ids = list(await Assessment.all().order_by("id").values_list("id", flat=True))
        n = len(all_ids) if args.sample <= 0 else min(args.sample, len(all_ids))
        sample_ids = sorted(random.Random(11).sample(all_ids, n))  # spread over every institution
        result: dict[str, Any] = {
            "db": "postgres" if settings.is_postgres else "sqlite", "machine": machine(),
            "physicians": args.physicians, "institutions": args.institutions, "seed_s": round(seed_s, 1),
            "sample": n, "concurrency": args.concurrency,
        }
        result["workflow"] = await measure_workflow(world, sample_ids, args.concurrency)
        admin_actor = actor_for(world["admin"], Role.ADMINISTRATION, world["accounts"], world["province"])
        result["statistics"] = await measure_statistics(admin_actor)
        result["export"] = await measure_export(world, args.tracemalloc)
        result["peak_rss_mb_process"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        return result
    finally:
        if runtime is not None:
            await close_resources(runtime)
        await Tortoise.close_connections()
        if pg_name:
            await drop_pg_database(args.database, pg_name)
        await asyncio.to_thread(shutil.rmtree, tmp, True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="", help="postgres://…/postgres: create and drop a dkt_bench_* there")
    parser.add_argument("--physicians", type=int, default=100_000)
    parser.add_argument("--institutions", type=int, default=200)
    parser.add_argument("--cities", type=int, default=10)
    parser.add_argument("--sample", type=int, default=10_000, help="assessments moved per step (0: all)")
    parser.add_argument("--concurrency", type=int, default=1, help="reviewers acting at once")
    parser.add_argument("--tracemalloc", action="store_true", help="export again under tracemalloc")
    print(json.dumps(asyncio.run(main(parser.parse_args())), ensure_ascii=False))
