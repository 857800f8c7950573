"""Benchmark the physician registry import (services.registry_import).

Generates a workbook of --rows physicians (100,000 by default) in a child process,
then runs the import job in this process, directly (no HTTP, no queue), and a second
time to measure the idempotent re-import. Prints a final JSON line with rows/s and the
peak resident memory of the importing process.

    python scripts/bench/import_bench.py                  # a throwaway SQLite file (embedded default)
    DATABASE_URL=postgres://u:p@host/db python scripts/bench/import_bench.py   # PostgreSQL

Against DATABASE_URL the script creates its own regions and institutions (codes
prefixed with a random run id), and removes everything it created at the end
unless --keep is given. The throwaway SQLite file is deleted at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from server.config import Settings  # noqa: E402
from server.security import id_check_digit  # noqa: E402
from server.services.platform.uploads import XLSX  # noqa: E402

HEADERS = ["姓名", "证件号码", "执业级别", "执业类别", "执业机构统一社会信用代码", "执业机构名称", "科室", "手机号码"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐韦覃蒙莫"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂兰华建国志红玲燕波辉"
CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def credit_code(prefix: str, n: int) -> str:
    first = f"{prefix}{n:06d}"[:17].rjust(17, "0")
    total = sum(CREDIT_CHARS.index(c) * pow(3, i, 31) for i, c in enumerate(first))
    return first + CREDIT_CHARS[(31 - total % 31) % 31]


def physician_id(area: str, i: int) -> str:
    first17 = f"{area}{date(1960, 1, 1) + timedelta(days=i // 1000):%Y%m%d}{i % 1000:03d}"
    return first17 + id_check_digit(first17)


def generate(path: str, rows: int, area: str, codes: list[str], bad_every: int) -> None:
    """Write the workbook (run in a child process so its memory is not counted)."""
    from server.services.platform.excel import write_rows

    rng = random.Random(7)

    def body():
        for i in range(rows):
            id_number = physician_id(area, i)
            if bad_every and i % bad_every == bad_every - 1:
                id_number = id_number[:-1] + ("0" if id_number[-1] != "0" else "1")
            yield [rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN), id_number,
                   "执业医师" if i % 5 else "执业助理医师", ("临床", "中医", "口腔", "公共卫生")[i % 4],
                   codes[i % len(codes)], "", "", f"13{rng.randrange(10**9):09d}" if i % 3 == 0 else ""]

    Path(path).write_bytes(write_rows(HEADERS, body()))


def peak_rss_mb() -> float:
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return round(kb / 1024, 1)


async def main(args: argparse.Namespace) -> dict:
    from tortoise import Tortoise

    from server.listeners import close_resources, open_resources
    from server.models import Job, Organisation, OrgKind, Physician, Region, RegionLevel, StaffAccount
    from server.services.platform import files, jobs

    tmp = Path(tempfile.mkdtemp(prefix="dkt-bench-"))
    external = bool(os.environ.get("DATABASE_URL"))
    settings = Settings.from_env({
        "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite://{tmp}/bench.sqlite3",
        "STORAGE_DIR": str(tmp / "files"), "SEED_DEMO": False, "REDIS_URL": os.environ.get("REDIS_URL", ""),
    })
    runtime = await open_resources(settings, migrate_schema=True)
    run = f"{random.randrange(10**5):05d}"
    area = f"45{random.randrange(10**4):04d}"
    try:
        province = await Region.create(code=f"B{run}0", name="基准省", level=RegionLevel.PROVINCE, path="")
        province.path = f"/{province.id}/"
        await province.save(update_fields=["path"])
        admin = await Organisation.create(name="基准卫健委", kind=OrgKind.ADMINISTRATION, region=province,
                                          region_path=province.path)
        account = await StaffAccount.create(code=f"bench-{run}", org=admin)
        codes = []
        for n in range(args.institutions):
            code = credit_code(f"12B{run}", n)
            org = await Organisation.create(name=f"基准医院{run}-{n}", kind=OrgKind.HEALTH_INSTITUTION,
                                            region=province, region_path=province.path, credit_code=code)
            codes.append(code)
            await StaffAccount.create(code=f"bench-{run}-{n}", org=org)

        path = str(tmp / "physicians.xlsx")
        t0 = time.perf_counter()
        proc = multiprocessing.get_context("spawn").Process(target=generate,
                                                            args=(path, args.rows, area, codes, args.bad_every))
        proc.start()
        await asyncio.to_thread(proc.join)
        if proc.exitcode != 0:
            raise SystemExit(f"workbook generation failed (exit code {proc.exitcode})")
        generate_s = time.perf_counter() - t0
        data = await asyncio.to_thread(Path(path).read_bytes)
        stored = await files.store(files.CleanFile(data, XLSX, ".xlsx"), purpose="import",
                                   original_name="bench.xlsx", owner_org_id=admin.id, owner_account_id=account.id)
        file_mb = round(len(data) / 2**20, 1)
        del data

        async def one_run() -> tuple[float, Job]:
            job = await Job.create(kind="physician_import", owner_account_id=account.id, org_id=admin.id,
                                   params={"file_id": str(stored.id), "role": "administration"})
            start = time.perf_counter()
            await jobs.execute(job.id)
            return time.perf_counter() - start, await Job.get(id=job.id)

        rss_before = peak_rss_mb()
        first_s, job = await one_run()
        rss_after_first = peak_rss_mb()
        result = {
            "db": "postgres" if settings.is_postgres else "sqlite", "rows": args.rows, "file_mb": file_mb,
            "generate_s": round(generate_s, 1), "status": job.status.value, "outcome": job.params.get("outcome"),
            "import_s": round(first_s, 1), "rows_per_s": round(args.rows / first_s),
        }
        if args.reimport:
            again_s, job2 = await one_run()
            result.update(reimport_s=round(again_s, 1), reimport_rows_per_s=round(args.rows / again_s),
                          reimport_outcome=job2.params.get("outcome"))
        result.update(peak_rss_mb_before_import=rss_before, peak_rss_mb_after_import=rss_after_first,
                      peak_rss_mb=peak_rss_mb())
        return result
    finally:
        if external and not args.keep:
            orgs = await Organisation.filter(region_path__startswith=f"/{province.id}/").values_list("id", flat=True)
            await Physician.filter(id_number__startswith=area).delete()
            await Job.filter(org_id__in=list(orgs)).delete()
            await StaffAccount.filter(org_id__in=list(orgs)).delete()
            await Organisation.filter(id__in=list(orgs)).delete()
            await Region.filter(id=province.id).delete()
        await close_resources(runtime)
        await Tortoise.close_connections()
        if not external:
            await asyncio.to_thread(shutil.rmtree, tmp, True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--institutions", type=int, default=50)
    parser.add_argument("--bad-every", type=int, default=1000, help="every Nth row gets a wrong check digit (0: none)")
    parser.add_argument("--no-reimport", dest="reimport", action="store_false")
    parser.add_argument("--keep", action="store_true", help="keep the rows created in DATABASE_URL")
    print(json.dumps(asyncio.run(main(parser.parse_args())), ensure_ascii=False))
