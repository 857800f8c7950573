"""The exam load under faults: no acknowledged answer may be lost.

    python scripts/bench/faults.py [-n 60] [--settle 4] [--short]

Starts its own PostgreSQL with fsync and synchronous_commit on (``scripts/services.sh`` with
``DKT_PG_DURABLE=1`` under ``/tmp/dkt-faults``, ports 25497 / 26497), a 2-worker server, and N
examinees saving answers back to back (each a new seq for a random question; one request at a
time per examinee, like a phone). During the load, one after the other:

- ``kill -9`` of the whole server (manager and workers), restarted at once;
- PostgreSQL restarted with ``pg_ctl restart -m fast``, then ``-m immediate`` (a crash: recovery
  from the WAL);
- redis-server restarted without persistence (every key gone, the sessions too).

Per fault it prints the acknowledged answers (2xx) so far, the requests that failed while it
lasted (by status), the seconds until saves succeeded again, and at the end compares every
acknowledged answer with the database: an answer is lost if the stored seq is lower, or equal
with other letters. The last line is JSON; the exit status is non-zero if an answer was lost,
saves did not come back within ``--recovery`` seconds after a fault, or (not with ``--short``) a
request got a server error other than 503. ``--short`` (run by ``scripts/test``) uses fewer
examinees and shorter pauses.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import httpx  # noqa: E402

from scripts.bench._setup import create_pg_database, drop_pg_database, durable_services, log  # noqa: E402
from scripts.bench.exam_load import seed, start_server, wait_ready  # noqa: E402
from scripts.bench.save_wrk import start_attempts  # noqa: E402
from server.config import Settings  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
DIR = "/tmp/dkt-faults"
PG_PORT, REDIS_PORT = 25497, 26497  # below the ephemeral port range (32768-60999): never taken by a client


def pg_ctl(*args: str) -> None:
    pg_bin = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
    run = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run([*run, str(pg_bin / "pg_ctl"), "-D", f"{DIR}/pg", "-w", *args], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def restart_redis() -> None:
    subprocess.run(["redis-cli", "-p", str(REDIS_PORT), "shutdown", "nosave"], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    subprocess.run(["redis-server", "--bind", "127.0.0.1", "--port", str(REDIS_PORT), "--save", "", "--appendonly",
                    "no", "--daemonize", "yes", "--logfile", f"{DIR}/redis.log", "--dir", DIR], check=True,
                   stdout=subprocess.DEVNULL)


@dataclass
class Load:
    acked: dict[int, dict[int, tuple[int, str]]] = field(default_factory=dict)  # attempt → position → (seq, letters)
    ok: int = 0
    failed: Counter = field(default_factory=Counter)
    last_ok: float = 0.0


async def examinee(url: str, attempt_id: int, token: str, questions: int, load: Load, stop: asyncio.Event,
                   rng: random.Random, pause: float) -> None:
    seq = 0
    mine = load.acked.setdefault(attempt_id, {})
    async with httpx.AsyncClient(base_url=url, timeout=10) as c:
        while not stop.is_set():
            seq += 1
            position, letters = rng.randint(1, questions), rng.choice("AB")
            try:
                r = await c.put(f"/api/v1/mp/attempts/{attempt_id}/answers/{position}",
                                headers={"authorization": f"Bearer {token}"}, json={"answer": [letters], "seq": seq})
            except httpx.HTTPError as exc:
                load.failed[type(exc).__name__] += 1
                await asyncio.sleep(0.2)
                continue
            if r.status_code == 200:
                load.ok += 1
                load.last_ok = time.monotonic()
                body = r.json()
                if body["applied"]:
                    mine[position] = max(mine.get(position, (-1, "")), (seq, letters))
            else:
                load.failed[str(r.status_code)] += 1
                await asyncio.sleep(0.2)
            await asyncio.sleep(pause)


async def recovered_after(load: Load, fault_at: float, within: float) -> float | None:
    """Seconds from the fault until a save succeeded again (None: not within ``within``)."""
    deadline = fault_at + within
    while time.monotonic() < deadline:
        if load.last_ok > fault_at:
            return round(load.last_ok - fault_at, 2)
        await asyncio.sleep(0.05)
    return None


async def lost_answers(load: Load) -> tuple[int, int]:
    from server.models import ExamAnswer

    stored = {(a, p): (s, letters) for a, p, letters, s in await ExamAnswer.filter(
        attempt_id__in=list(load.acked)).values_list("attempt_id", "position", "answer", "seq")}
    acked = lost = 0
    for attempt_id, answers in load.acked.items():
        for position, (seq, letters) in answers.items():
            acked += 1
            got = stored.get((attempt_id, position))
            if got is None or got[0] < seq or (got[0] == seq and got[1] != letters):
                lost += 1
    return acked, lost


async def run(args: argparse.Namespace) -> dict[str, Any]:
    from tortoise import Tortoise

    from server.listeners import close_resources, open_resources
    from server.services.platform.runtime import _runtime

    admin, redis_url = durable_services(DIR, PG_PORT, REDIS_PORT, 5)
    name, db_url = await create_pg_database(admin, "dkt_faults")
    storage = tempfile.mkdtemp(prefix="dkt-faults-")
    env = {"FACE_VERIFY_ENABLED": "false"}
    server_db = f"{db_url}?maxsize=10"
    proc = None
    try:
        settings = Settings(DATABASE_URL=db_url, REDIS_URL=redis_url, SEED_DEMO=False, STORAGE_DIR=storage)
        await open_resources(settings, migrate_schema=True)
        people = await seed(args.n, True)
        proc = start_server(server_db, redis_url, args.port, 2, storage, env)
        url = f"http://127.0.0.1:{args.port}"
        await wait_ready(url, proc)
        examinees, questions = await start_attempts(url, people)
        await Tortoise.close_connections()  # the bench's own pool would not survive the restarts either
        log(f"{len(examinees)} examinees saving answers; faults every {args.settle}s")
        load, stop, rng = Load(), asyncio.Event(), random.Random(11)
        tasks = [asyncio.create_task(examinee(url, a, t, questions, load, stop, random.Random(rng.random()), args.pause))
                 for a, t in examinees]
        results = []

        async def fault(label: str, action) -> None:
            await asyncio.sleep(args.settle)
            before_ok, before_failed = load.ok, sum(load.failed.values())
            failed_before = Counter(load.failed)
            at = time.monotonic()
            await action()
            recovery = await recovered_after(load, time.monotonic(), args.recovery)
            await asyncio.sleep(1.0)
            kinds = dict(load.failed - failed_before)
            results.append({"fault": label, "recovery_seconds": recovery, "seconds": round(time.monotonic() - at, 1),
                            "acked_before": before_ok, "failed": sum(load.failed.values()) - before_failed,
                            "failed_kinds": kinds})
            log(f"{label}: back after {recovery}s; failed requests {kinds}")

        async def kill_server() -> None:
            nonlocal proc
            assert proc is not None
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            proc = start_server(server_db, redis_url, args.port, 2, storage, env)

        async def pg_fast() -> None:
            await asyncio.to_thread(pg_ctl, "restart", "-m", "fast")

        async def pg_immediate() -> None:
            await asyncio.to_thread(pg_ctl, "restart", "-m", "immediate")

        async def redis_restart() -> None:
            await asyncio.to_thread(restart_redis)

        await fault("server kill -9 + restart", kill_server)
        await fault("PostgreSQL restart (fast)", pg_fast)
        await fault("PostgreSQL restart (immediate)", pg_immediate)
        await fault("Redis restart (no persistence)", redis_restart)
        await asyncio.sleep(args.settle)
        stop.set()
        await asyncio.gather(*tasks)
        await Tortoise.init(config=_tortoise(db_url))
        acked, lost = await lost_answers(load)
        log(f"acknowledged answers (latest per question) {acked}, lost {lost}; saves acknowledged {load.ok}")
        server_errors = sum(n for kind, n in load.failed.items() if kind.startswith("5") and kind != "503")
        return {"lost_answers": lost, "server_errors": server_errors, "acked_answers": acked, "saves_acked": load.ok,
                "failed_requests": sum(load.failed.values()), "faults": results,
                "all_recovered": all(r["recovery_seconds"] is not None for r in results),
                "examinees": len(examinees), "fsync": "on"}
    finally:
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        await close_resources(_runtime)
        await drop_pg_database(admin, name)
        shutil.rmtree(storage, ignore_errors=True)


def _tortoise(db_url: str) -> dict[str, Any]:
    from server.services.platform.db import tortoise_config

    return tortoise_config(db_url)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("-n", type=int, default=60, help="examinees saving answers")
    p.add_argument("--settle", type=float, default=4.0, help="seconds of load before each fault")
    p.add_argument("--pause", type=float, default=0.05, help="seconds between an examinee's saves")
    p.add_argument("--recovery", type=float, default=30.0, help="saves must succeed again within this")
    p.add_argument("--port", type=int, default=18761)
    p.add_argument("--short", action="store_true", help="the version scripts/test runs")
    args = p.parse_args()
    if args.short:
        args.n, args.settle = 20, 2.0
    out = asyncio.run(run(args))
    print(json.dumps(out, ensure_ascii=False))
    if out["lost_answers"] or not out["all_recovered"] or (out["server_errors"] and not args.short):
        sys.exit(1)


if __name__ == "__main__":
    main()
