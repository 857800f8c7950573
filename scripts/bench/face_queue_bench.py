"""Face checks through the queue (FACE_BACKEND=queue): checks per second with 1, 2, … taskiq face workers.

    eval "$(bash scripts/services.sh)"; python scripts/bench/face_queue_bench.py [--workers 1,2] [-n 300]

Sends ``-n`` real face checks (a real face against its reference, 32 at a time) through the Redis
broker to K worker processes (``taskiq worker server.worker:broker --workers 1 --max-async-tasks
1``: one check at a time each, as one face process per core), for each K in ``--workers``; no HTTP,
no API process in the way. On another machine each worker brings its own cores; on this one the
workers share two. The last line is JSON: checks per second and p50 / p99 per K.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts" / "bench"))


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return round(values[min(len(values) - 1, int(q * len(values)))] * 1000, 1) if values else 0.0


def start_workers(k: int, env: dict[str, str]) -> list[subprocess.Popen]:
    taskiq = Path(sys.executable).with_name("taskiq")
    return [subprocess.Popen([str(taskiq), "worker", "server.worker:broker", "--workers", "1", "--max-async-tasks", "1"],
                             cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True) for _ in range(k)]


def stop(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        try:
            os.killpg(p.pid, signal.SIGTERM)
            p.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(p.pid, signal.SIGKILL)


async def measure(n: int, image: bytes, reference: bytes) -> tuple[float, list[float]]:
    from server.services.face import queue

    sem = asyncio.Semaphore(32)
    times: list[float] = []

    async def one() -> None:
        async with sem:
            t = time.perf_counter()
            await queue.run_check(image, reference)
            times.append(time.perf_counter() - t)

    for _ in range(8):  # warm-up: every worker has loaded its models
        await one()
    times.clear()
    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(n)))
    return time.perf_counter() - started, times


async def run(args: argparse.Namespace) -> dict[str, object]:
    from server.config import Settings
    from server.listeners import close_resources, open_resources
    from server.services.platform.broker import broker

    work = tempfile.mkdtemp(prefix="dkt-faceq-")
    db_url = f"sqlite://{work}/q.sqlite3"
    settings = Settings(DATABASE_URL=db_url, REDIS_URL=os.environ["REDIS_URL"], TASK_BROKER="redis",
                        STORAGE_DIR=f"{work}/files", SEED_DEMO=False, FACE_QUEUE_TIMEOUT_SECONDS=120)
    runtime = await open_resources(settings, migrate_schema=True)
    await broker.startup()
    from exam_load import real_face

    image, reference = await real_face()
    env = {**os.environ, "DATABASE_URL": db_url, "TASK_BROKER": "redis", "STORAGE_DIR": f"{work}/files",
           "FACE_VERIFY_ENABLED": "true", "OUTBOX_AUTO_DISPATCH": "false", "ENV": "development"}
    out: dict[str, object] = {"checks": args.n, "cpus": os.cpu_count()}
    try:
        for k in (int(x) for x in args.workers.split(",")):
            procs = start_workers(k, env)
            try:
                took, times = await measure(args.n, image, reference)
            finally:
                stop(procs)
            out[f"workers_{k}"] = {"checks_per_s": round(args.n / took, 1), "p50_ms": pct(times, 0.5),
                                   "p99_ms": pct(times, 0.99)}
            print(f"{k} worker(s): {out[f'workers_{k}']}", file=sys.stderr, flush=True)
    finally:
        await broker.shutdown()
        await close_resources(runtime)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("-n", type=int, default=300)
    p.add_argument("--workers", default="1,2")
    args = p.parse_args()
    if not os.environ.get("REDIS_URL"):
        port = os.environ.get("DKT_REDIS_PORT", "56379")
        os.environ["REDIS_URL"] = f"redis://127.0.0.1:{port}/7"
    os.environ["TASK_BROKER"] = "redis"  # before the broker module is imported: it reads the environment
    print(json.dumps(asyncio.run(run(args))))


if __name__ == "__main__":
    main()
