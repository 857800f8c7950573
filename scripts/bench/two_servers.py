"""Two API servers behind no load balancer at all: different ports, one PostgreSQL, one Redis, one
S3-compatible object store, one taskiq worker — and the exam load spread over both.

    python scripts/bench/two_servers.py [-n 400] [--real-faces]

Starts PostgreSQL (fsync on) and redis-server (``scripts/services.sh`` with ``DKT_PG_DURABLE=1``
under ``/tmp/dkt-two``), an S3-compatible server (moto in server mode, the dev extra) with a bucket,
server A on port 18801 (it migrates the new database), server B on 18802 and one taskiq worker
(``TASK_BROKER=redis``: the deadline sweeper, notifications, exports), all with
``STORAGE_BACKEND=s3``. Then ``exam_load.py --url A,B``: half the examinees on each server, every
face-check picture stored in the bucket by whichever server took it. The last line is
``exam_load.py``'s JSON plus the number of objects in the bucket; non-zero exit on a lost answer.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from scripts.bench._setup import create_pg_database, drop_pg_database, durable_services, log  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
S3_PORT, BUCKET = 29001, "dkt-two"


def spawn(cmd: list[str], env: dict[str, str], log_name: str) -> subprocess.Popen:
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=open(f"/tmp/dkt-two-{log_name}.log", "w"),  # noqa: SIM115
                            stderr=subprocess.STDOUT, start_new_session=True)


def wait_http(url: str, seconds: float = 90) -> None:
    import httpx

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"{url} did not answer")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("-n", type=int, default=400)
    p.add_argument("--answers", type=int, default=10)
    p.add_argument("--interval", type=float, default=2.0)
    p.add_argument("--storm-seconds", type=float, default=20.0)
    p.add_argument("--real-faces", action="store_true", help="real face checks (the face extra)")
    args = p.parse_args()
    admin, redis_url = durable_services("/tmp/dkt-two", 25496, 26496, 3)
    name, db_url = asyncio.run(create_pg_database(admin, "dkt_two"))
    procs: list[subprocess.Popen] = []
    try:
        procs.append(spawn([str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(S3_PORT)], dict(os.environ), "s3"))
        wait_http(f"http://127.0.0.1:{S3_PORT}/")
        import boto3

        boto3.client("s3", endpoint_url=f"http://127.0.0.1:{S3_PORT}", region_name="us-east-1",
                     aws_access_key_id="two", aws_secret_access_key="two").create_bucket(Bucket=BUCKET)
        env = {**os.environ, "DATABASE_URL": db_url, "REDIS_URL": redis_url, "TASK_BROKER": "redis",
               "STORAGE_BACKEND": "s3", "S3_ENDPOINT_URL": f"http://127.0.0.1:{S3_PORT}", "S3_BUCKET": BUCKET,
               "S3_REGION": "us-east-1", "S3_ACCESS_KEY_ID": "two", "S3_SECRET_ACCESS_KEY": "two",
               "S3_ADDRESSING_STYLE": "path", "SEED_DEMO": "false", "ENV": "development",
               "FACE_VERIFY_ENABLED": "true" if args.real_faces else "false", "PYTHONUNBUFFERED": "1"}
        procs.append(spawn([sys.executable, "-m", "server", "--port", "18801", "--workers", "1"], env, "a"))
        wait_http("http://127.0.0.1:18801/api/v1/health")  # A has migrated the database
        procs.append(spawn([sys.executable, "-m", "server", "--port", "18802", "--workers", "1"], env, "b"))
        procs.append(spawn([str(BIN / "taskiq"), "worker", "server.worker:broker", "--workers", "1"], env, "worker"))
        wait_http("http://127.0.0.1:18802/api/v1/health")
        log("two servers (18801, 18802), one taskiq worker, PostgreSQL, Redis and the bucket shared")
        cmd = [sys.executable, str(ROOT / "scripts/bench/exam_load.py"), "-n", str(args.n),
               "--url", "http://127.0.0.1:18801,http://127.0.0.1:18802", "--database", db_url, "--redis", redis_url,
               "--storm-seconds", str(args.storm_seconds), "--answers", str(args.answers),
               "--interval", str(args.interval)] + (["--real-faces"] if args.real_faces else [])
        out = subprocess.run(cmd, cwd=ROOT, env={**env, "STORAGE_DIR": "/tmp/dkt-two-seed"}, capture_output=True,
                             text=True)
        sys.stderr.write(out.stderr[-3000:])
        result = json.loads(out.stdout.strip().splitlines()[-1])
        objects = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{S3_PORT}", region_name="us-east-1",
                               aws_access_key_id="two", aws_secret_access_key="two").list_objects_v2(
            Bucket=BUCKET).get("KeyCount", 0)
        result.update(servers=2, bucket_objects=objects)
        print(json.dumps(result, ensure_ascii=False))
        if result["lost_answers"]:
            sys.exit(1)
    finally:
        for proc in reversed(procs):
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(proc.pid, signal.SIGKILL)
        asyncio.run(drop_pg_database(admin, name))


if __name__ == "__main__":
    main()
