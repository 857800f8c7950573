"""Login throughput at a given argon2 cost, against the service layer.

    ARGON2_TIME_COST=2 ARGON2_MEMORY_KIB=19456 python scripts/bench/login_bench.py -c 16 -s 10

Runs on the embedded default (a throw-away SQLite file + the in-process Redis
stand-in) unless DATABASE_URL / REDIS_URL are set; then it adds its own rows to that
database (regions/orgs/accounts/physicians with a random "bench" prefix) and removes
them, and their sessions, at the end.

Three phases, each with N concurrent tasks for M seconds, every task logging its own
account in again and again:
  staff             account code + hashed password (+ captcha, planted in Redis: the
                    captcha picture is another endpoint and is not drawn here)
  physician         ID number + hashed password (argon2 verify)
  physician_initial ID number + the initial password (hash NULL: no argon2)
Prints one line per phase to stderr and a final JSON line on stdout:
{staff_logins_per_s, physician_logins_per_s, physician_initial_logins_per_s, p50_ms,
 p99_ms (over the argon2 logins), phases: {...}, argon2: {...}, concurrency, seconds, ...}
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any

import orjson

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from scripts.bench._setup import login_institution  # noqa: E402
from server.config import DEFAULT_RATE_LIMITS, Settings  # noqa: E402
from server.demo import make_id_number  # noqa: E402
from server.listeners import close_resources, open_resources  # noqa: E402
from server.models import (  # noqa: E402
    AccountStatus,
    Cycle,
    Organisation,
    Physician,
    StaffAccount,
)
from server.security import hash_password  # noqa: E402
from server.services.accounts import physician_auth, sessions
from server.services.accounts.staff_auth import login_staff  # noqa: E402
from server.services.platform.runtime import rt  # noqa: E402

PASSWORD = "Bench-Passw0rd"


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def _phase(name: str, call: Callable[[int], Awaitable[Any]], concurrency: int, seconds: float) -> dict[str, Any]:
    for i in range(concurrency):  # warm-up: connections, caches
        await call(i)
    latencies: list[float] = []
    loop = asyncio.get_running_loop()
    stop = loop.time() + seconds

    async def worker(i: int) -> None:
        while loop.time() < stop:
            t0 = time.perf_counter()
            await call(i)
            latencies.append(time.perf_counter() - t0)

    started = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    elapsed = time.perf_counter() - started
    result = {
        "logins": len(latencies),
        "per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(_pct(latencies, 0.50) * 1000, 1),
        "p99_ms": round(_pct(latencies, 0.99) * 1000, 1),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 1) if latencies else 0.0,
    }
    print(f"{name:18s} {result}", file=sys.stderr)
    return result | {"_latencies": latencies}


async def _make_data(n: int, tag: str) -> dict[str, list[Any]]:
    digits = str(int(tag, 16) % 10_000).zfill(4)
    national, province, _cycle, org = await login_institution(tag, "b")
    pw_hash = await hash_password(PASSWORD)  # one hash for all: the verify cost is the same
    staff = [
        await StaffAccount.create(code=f"bench-{tag}-{i}", org=org, status=AccountStatus.ACTIVE,
                                  password_hash=pw_hash, must_change_password=False)
        for i in range(n)
    ]
    hashed, initial = [], []
    for i in range(2 * n):
        id_number = make_id_number(f"99{digits}", date(1960 + i // 300, 1 + (i // 28) % 12, 1 + i % 28), i)
        p = await Physician.create(id_number=id_number, name=f"bench{i}", institution=org,
                                   region_path=province.path, password_hash=pw_hash if i < n else None,
                                   must_change_password=i >= n, phone_verified=True)
        (hashed if i < n else initial).append(p)
    return {"regions": [province, national], "org": [org], "staff": staff, "hashed": hashed, "initial": initial}


async def _drop_data(data: dict[str, list[Any]]) -> None:
    for account in data["staff"]:
        await sessions.end_all_sessions(sessions.staff_subject(account.id))
    for p in data["hashed"] + data["initial"]:
        await sessions.end_all_sessions(sessions.physician_subject(p.id))
    await Physician.filter(id__in=[p.id for p in data["hashed"] + data["initial"]]).delete()
    await StaffAccount.filter(id__in=[a.id for a in data["staff"]]).delete()
    await Organisation.filter(id__in=[o.id for o in data["org"]]).delete()
    await Cycle.filter(province_id__in=[r.id for r in data["regions"]]).delete()
    for region in data["regions"]:
        await region.delete()


async def run(concurrency: int, seconds: float, settings: Settings) -> dict[str, Any]:
    await open_resources(settings, migrate_schema=True)
    data: dict[str, list[Any]] = {}
    try:
        data = await _make_data(concurrency, secrets.token_hex(3))

        async def staff(i: int) -> None:
            captcha_id = secrets.token_urlsafe(12)
            await rt().redis.set(f"captcha:{captcha_id}", b"BNCH", ex=60)
            await login_staff(code=data["staff"][i].code, password=PASSWORD, captcha_id=captcha_id,
                              captcha_answer="BNCH", ip="127.0.0.1")

        async def physician(i: int) -> None:
            await physician_auth.login_physician(id_number=data["hashed"][i].id_number, password=PASSWORD)

        async def physician_initial(i: int) -> None:
            await physician_auth.login_physician(id_number=data["initial"][i].id_number, password="666666")

        phases = {
            "staff": await _phase("staff", staff, concurrency, seconds),
            "physician": await _phase("physician", physician, concurrency, seconds),
            "physician_initial": await _phase("physician_initial", physician_initial, concurrency, seconds),
        }
    finally:
        if data:
            await _drop_data(data)
        await close_resources(rt())
    hashed = phases["staff"].pop("_latencies") + phases["physician"].pop("_latencies")
    phases["physician_initial"].pop("_latencies")
    return {
        "staff_logins_per_s": phases["staff"]["per_s"],
        "physician_logins_per_s": phases["physician"]["per_s"],
        "physician_initial_logins_per_s": phases["physician_initial"]["per_s"],
        "p50_ms": round(_pct(hashed, 0.50) * 1000, 1),
        "p99_ms": round(_pct(hashed, 0.99) * 1000, 1),
        "phases": phases,
        "argon2": {"time_cost": settings.ARGON2_TIME_COST, "memory_kib": settings.ARGON2_MEMORY_KIB,
                   "parallelism": settings.ARGON2_PARALLELISM},
        "concurrency": concurrency,
        "seconds": seconds,
        "database": "postgres" if settings.is_postgres else "sqlite",
        "redis": "real" if settings.REDIS_URL else "in-process",
        "cpus": os.cpu_count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-c", "--concurrency", type=int, default=16, help="concurrent tasks (N)")
    parser.add_argument("-s", "--seconds", type=float, default=10.0, help="seconds per phase (M)")
    args = parser.parse_args()
    # throughput, not sign-in protection: the rate limits are lifted (scripts/bench/login_timing.py too)
    lifted = ",".join(f"{name}=100000000/60" for name in DEFAULT_RATE_LIMITS)
    overrides: dict[str, object] = {"ENV": "development", "SEED_DEMO": False, "TASK_BROKER": "inmemory",
                                    "RATE_LIMITS": lifted}
    tmp = None
    if not os.environ.get("DATABASE_URL"):
        tmp = tempfile.TemporaryDirectory(prefix="dkt-bench-")
        overrides["DATABASE_URL"] = f"sqlite://{tmp.name}/bench.sqlite3"
        overrides["STORAGE_DIR"] = f"{tmp.name}/files"
    settings = Settings.from_env(overrides)
    try:
        result = asyncio.run(run(args.concurrency, args.seconds, settings))
    finally:
        if tmp is not None:
            tmp.cleanup()
    print(orjson.dumps(result).decode())


if __name__ == "__main__":
    main()
