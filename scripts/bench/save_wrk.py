"""Answer saves measured with wrk against a durable PostgreSQL (fsync and synchronous_commit on).

    python scripts/bench/save_wrk.py [-n 400] [--seconds 15] [--rounds 2] [--rate 800] [--mode group]

Starts its own PostgreSQL with fsync on (``scripts/services.sh`` with ``DKT_PG_DURABLE=1`` under
``/tmp/dkt-bench-durable``, port 25499) and redis-server (26499), seeds N examinees (as
``exam_load.py`` does), starts a 2-worker server, and starts each examinee's paper over HTTP (the
start face check is skipped by marking the attempts started in SQL: seeding only). Then, in the
same server and alternating, closed-loop ``wrk`` runs (64 connections, 2 threads) of the trivial
endpoint (``GET /api/v1/health``) and of answer saves (``PUT /api/v1/mp/attempts/{id}/answers/{n}``,
each request a new seq for a random question of an examinee taken round-robin), then a fixed
offered load of ``--rate`` saves/s (wrk's per-connection ``delay()``); with ``--face-load`` that
fixed load once more while ``face_load.py`` keeps two face worker processes busy.

The last line is JSON: save_rps, trivial_rps, ratio (save/trivial, the median of the rounds'
ratios), p50/p99 of each, the fixed-rate run's achieved rate, p50/p99 and non-2xx/socket errors.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import httpx  # noqa: E402

from scripts.bench._setup import create_pg_database, drop_pg_database, durable_services, log  # noqa: E402
from scripts.bench.exam_load import seed, start_server, wait_ready  # noqa: E402
from server.config import Settings  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
LUA = r"""
local examinees = {%(examinees)s}
local n = #examinees
local questions = %(questions)d
local nthreads = %(threads)d
local pause = %(delay)d
local made = 0
function setup(thread)
  thread:set("tid", made)
  made = made + 1
end
local idx, counter, base = 0, 0, 0
function init(args)
  base = os.time() * 1000000
  math.randomseed(os.time() + tid * 7919)
  idx = tid
end
function request()
  local e = examinees[(idx %% n) + 1]
  idx = idx + nthreads
  counter = counter + 1
  local letter = "A"
  if math.random() < 0.5 then letter = "B" end
  local body = '{"answer":["' .. letter .. '"],"seq":' .. string.format("%%d", base + counter) .. '}'
  return wrk.format("PUT", "/api/v1/mp/attempts/" .. e[1] .. "/answers/" .. math.random(1, questions),
    {["Authorization"] = "Bearer " .. e[2], ["Content-Type"] = "application/json"}, body)
end
if pause > 0 then
  function delay() return pause end
end
"""


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def parse_wrk(text: str) -> dict[str, Any]:
    def ms(label: str) -> float:
        m = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M)
        return round(float(m.group(1)) * UNITS[m.group(2)], 2) if m else float("nan")

    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    return {"rps": float(rps.group(1)) if rps else 0.0, "p50_ms": ms("50"), "p99_ms": ms("99"),
            "non_2xx": int(non2xx.group(1)) if non2xx else 0,
            "socket_errors": sum(int(x) for x in sock.groups()) if sock else 0}


def wrk(url: str, seconds: float, connections: int, threads: int, script: str | None = None) -> dict[str, Any]:
    cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{int(seconds)}s", "--latency", "--timeout", "10s"]
    if script:
        cmd += ["-s", script]
    out = subprocess.run([*cmd, url], check=True, capture_output=True, text=True).stdout
    return parse_wrk(out)


def lua(examinees: list[tuple[int, str]], questions: int, threads: int, delay_ms: int) -> str:
    path = Path(tempfile.mkstemp(prefix="dkt-save-", suffix=".lua")[1])
    rows = ",".join(f'{{{aid},"{token}"}}' for aid, token in examinees)
    path.write_text(LUA % {"examinees": rows, "questions": questions, "threads": threads, "delay": delay_ms})
    return str(path)


async def start_attempts(url: str, people: list[tuple[int, str]]) -> tuple[list[tuple[int, str]], int]:
    """进入 each examinee's paper over HTTP; then (seeding only) mark the attempts started in SQL."""
    from tortoise import connections

    sem = asyncio.Semaphore(8)
    out: list[tuple[int, str]] = []
    counts: list[int] = []
    async with httpx.AsyncClient(base_url=url, timeout=60) as c:
        async def one(token: str) -> None:
            async with sem:
                r = await c.post("/api/v1/mp/exams/humanities/start", headers={"authorization": f"Bearer {token}"})
            if r.status_code == 200:
                out.append((r.json()["id"], token))
                counts.append(r.json()["question_count"])
        await asyncio.gather(*(one(token) for _, token in people))
    await connections.get("default").execute_query(
        "UPDATE exam_attempt SET started_at = now(), start_check_at = now(), deadline = now() + interval '3 hours',"
        " mid_moments = '[]', mid_check_due_at = NULL WHERE id = ANY($1::bigint[])", [[a for a, _ in out]])
    return out, min(counts)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    from server.listeners import close_resources, open_resources
    from server.services.platform.runtime import _runtime

    admin, redis_url = (args.database, args.redis) if args.database else durable_services("/tmp/dkt-bench-durable", 25499, 26499, 9)
    name, db_url = await create_pg_database(admin, "dkt_bench_save")
    storage = tempfile.mkdtemp(prefix="dkt-save-bench-")
    proc = None
    try:
        settings = Settings(DATABASE_URL=db_url, REDIS_URL=redis_url, SEED_DEMO=False, STORAGE_DIR=storage)
        await open_resources(settings, migrate_schema=True)
        fsync = (await _pg_setting("fsync"), await _pg_setting("synchronous_commit"))
        people = await seed(args.n, True)
        proc = start_server(f"{db_url}?maxsize={args.pool}", f"{redis_url}?max_connections=1000", args.port,
                            args.workers, storage, {"DKT_EXAM_SAVE": args.mode, "FACE_VERIFY_ENABLED": "false",
                                                    "DB_POOL_RESET": args.pool_reset})
        url = f"http://127.0.0.1:{args.port}"
        await wait_ready(url, proc)
        examinees, questions = await start_attempts(url, people)
        log(f"{len(examinees)} examinees answering {questions} questions; fsync={fsync[0]} "
            f"synchronous_commit={fsync[1]}; mode={args.mode}")
        closed_loop = lua(examinees, questions, 2, 0)
        wrk(url, 3, args.connections, 2, closed_loop)  # warm-up
        rounds = []
        for i in range(args.rounds):
            trivial = wrk(f"{url}/api/v1/health", args.seconds, args.connections, 2)
            saves = wrk(url, args.seconds, args.connections, 2, closed_loop)
            rounds.append((trivial, saves))
            log(f"round {i + 1}: trivial {trivial} / saves {saves} = {saves['rps'] / trivial['rps']:.1%}")
        # a fixed offered load: each connection waits so that together they offer --rate saves/s
        pause = max(0, int(1000 * args.connections / args.rate) - 3)
        fixed = wrk(url, args.seconds, args.connections, 2, lua(examinees, questions, 2, pause))
        log(f"fixed load ({args.rate}/s offered): {fixed}")
        busy: dict[str, Any] = {}
        if args.face_load:
            # the same offered load while face checks run flat out beside it (face_load.py: the face
            # pools of a 2-worker server kept busy with back-to-back checks)
            face = await asyncio.create_subprocess_exec(
                sys.executable, str(ROOT / "scripts/bench/face_load.py"), "--processes", "2",
                "--seconds", str(args.seconds + 8), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
                start_new_session=True)
            # Linux schedules each session as one group (autogroup): face workers in another session
            # than the server would get a fair half of the CPU whatever their nice. In the server they
            # are children of the API process, niced inside its group; the nearest here is to give
            # their own group the same nice
            try:
                await asyncio.to_thread(Path(f"/proc/{face.pid}/autogroup").write_text, "19")
            except OSError:
                pass
            await asyncio.sleep(5)  # the face workers load their models first
            busy = await asyncio.to_thread(wrk, url, args.seconds, args.connections, 2,
                                           lua(examinees, questions, 2, pause))
            out = (await asyncio.wait_for(face.communicate(), 120))[0].decode()
            busy["face"] = json.loads(out.strip().splitlines()[-1])
            log(f"fixed load with face checks running: {busy}")
        ratios = [s["rps"] / t["rps"] for t, s in rounds]
        mid = rounds[sorted(range(len(rounds)), key=lambda k: ratios[k])[len(rounds) // 2]]
        return {
            "ratio": round(statistics.median(ratios), 3), "save_rps": mid[1]["rps"], "trivial_rps": mid[0]["rps"],
            "save_p50_ms": mid[1]["p50_ms"], "save_p99_ms": mid[1]["p99_ms"],
            "trivial_p50_ms": mid[0]["p50_ms"], "trivial_p99_ms": mid[0]["p99_ms"],
            "save_errors": sum(s["non_2xx"] + s["socket_errors"] for _, s in rounds),
            "fixed_offered_rps": args.rate, "fixed_rps": fixed["rps"], "fixed_p50_ms": fixed["p50_ms"],
            "fixed_p99_ms": fixed["p99_ms"], "fixed_errors": fixed["non_2xx"] + fixed["socket_errors"],
            "face_busy_fixed_p50_ms": busy.get("p50_ms"), "face_busy_fixed_p99_ms": busy.get("p99_ms"),
            "face_busy_fixed_rps": busy.get("rps"),
            "face_busy_errors": (busy["non_2xx"] + busy["socket_errors"]) if busy else None,
            "face_checks_per_s": busy.get("face", {}).get("checks_per_s"),
            "ratios": [round(r, 3) for r in ratios], "mode": args.mode, "pool_reset": args.pool_reset,
            "fsync": fsync[0], "synchronous_commit": fsync[1], "workers": args.workers,
            "connections": args.connections, "examinees": len(examinees), "cpus": os.cpu_count(),
        }
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        await close_resources(_runtime)
        await drop_pg_database(admin, name)
        shutil.rmtree(storage, ignore_errors=True)


async def _pg_setting(name: str) -> str:
    from tortoise import connections

    rows = await connections.get("default").execute_query_dict(f"SELECT current_setting('{name}') AS v")
    return rows[0]["v"]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("-n", type=int, default=400, help="examinees")
    p.add_argument("--seconds", type=float, default=15)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--rate", type=int, default=800, help="saves/s offered in the fixed-load run")
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--mode", choices=("group", "single"), default="group", help="DKT_EXAM_SAVE of the server")
    p.add_argument("--pool-reset", choices=("off", "full"), default="off", help="DB_POOL_RESET of the server")
    p.add_argument("--face-load", action="store_true",
                   help="repeat the fixed load while face_load.py keeps 2 face workers busy")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--pool", type=int, default=20, help="database connections per worker")
    p.add_argument("--port", type=int, default=18741)
    p.add_argument("--database", default="", help="an admin PostgreSQL URL instead of the durable one started here")
    p.add_argument("--redis", default="", help="Redis URL (with --database)")
    args = p.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    print(json.dumps(asyncio.run(run(args)), ensure_ascii=False))


if __name__ == "__main__":
    main()
