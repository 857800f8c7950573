"""What the benchmarks share to set up (exam_load.py, workflow_bench.py, the login benches): logging
to stderr, a throw-away PostgreSQL database created next to the admin URL and dropped afterwards,
the region tree every seeded world starts from (国家 > 基准省), and the login benches' institution."""

from __future__ import annotations

import sys
import time
import uuid
from datetime import date

from server.models import Cycle, Organisation, OrgKind, PasswordRule, Region, RegionLevel


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


async def create_pg_database(admin_url: str, prefix: str = "dkt_bench") -> tuple[str, str]:
    """A fresh database ``<prefix>_<random>`` on the server of ``admin_url``: (name, its URL)."""
    import asyncpg  # the PostgreSQL driver, needed only when a bench runs on PostgreSQL

    name = f"{prefix}_{uuid.uuid4().hex[:6]}"
    conn = await asyncpg.connect(admin_url.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return name, f"{admin_url.rpartition('/')[0]}/{name}"


async def drop_pg_database(admin_url: str, name: str) -> None:
    import asyncpg  # see create_pg_database

    conn = await asyncpg.connect(admin_url.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def region(code: str, name: str, level: RegionLevel, parent: Region | None) -> Region:
    """A region under ``parent``, with its materialised path."""
    r = await Region.create(code=code, name=name, level=level, parent=parent, path="")
    r.path = f"{parent.path if parent else '/'}{r.id}/"
    await r.save(update_fields=["path"])
    return r


async def national_and_province() -> tuple[Region, Region]:
    """国家 (100000) and the benchmark's province 基准省 (450000)."""
    china = await region("100000", "国家", RegionLevel.NATIONAL, None)
    return china, await region("450000", "基准省", RegionLevel.PROVINCE, china)


async def login_institution(tag: str, code_prefix: str) -> tuple[Region, Region, Cycle, Organisation]:
    """What the login benches sign in against, in a database that may hold other runs' data: a
    national and a province region coded by ``tag``, a cycle whose province hands out the fixed
    initial password (666666: the initial-password cases need it; the default is a code to the
    phone) and one health institution. (national, province, cycle, institution)"""
    national = await region(f"{code_prefix}{tag}0", "bench", RegionLevel.NATIONAL, None)
    province = await region(f"{code_prefix}{tag}1", "bench", RegionLevel.PROVINCE, national)
    cycle = await Cycle.create(province=province, name="bench", start_date=date(2025, 1, 1),
                               end_date=date(2027, 12, 31), physician_password_rule=PasswordRule.FIXED)
    org = await Organisation.create(name=f"bench-{tag}", kind=OrgKind.HEALTH_INSTITUTION, region=province,
                                    region_path=province.path)
    return national, province, cycle, org


def durable_services(directory: str, pg_port: int, redis_port: int, redis_db: int) -> tuple[str, str]:
    """A PostgreSQL with fsync and synchronous_commit on (what production runs) and a redis-server of
    the bench's own (``scripts/services.sh`` with ``DKT_PG_DURABLE=1``): (admin URL, Redis URL)."""
    import os
    import subprocess
    from pathlib import Path

    env = {**os.environ, "DKT_SERVICES_DIR": directory, "DKT_PG_PORT": str(pg_port),
           "DKT_REDIS_PORT": str(redis_port), "DKT_PG_DURABLE": "1"}
    script = Path(__file__).resolve().parents[1] / "services.sh"
    out = subprocess.run(["bash", str(script)], env=env, check=True, capture_output=True, text=True).stdout
    urls = dict(line.split(" ", 1)[1].split("=", 1) for line in out.splitlines() if line.startswith("export "))
    return urls["TEST_DATABASE_URL"], f"{urls['TEST_REDIS_URL'].rsplit('/', 1)[0]}/{redis_db}"
