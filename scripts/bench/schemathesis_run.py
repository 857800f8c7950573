"""Schemathesis over every operation of ``/docs/openapi.json``, as staff and as a physician: server errors.

    python scripts/bench/schemathesis_run.py [-n 15] [--max-time 600]

Seeds the demo province into a throwaway SQLite file, mints sessions for four callers (省卫生行政机构,
卫生机构, 考核机构 and a physician, set-up done) in that database, starts the server on it, and runs
``schemathesis`` (installed on first use into its own venv, ``/tmp/dkt-schemathesis``, so that its
dependencies never touch the project's) once per caller with the ``not_a_server_error`` check, in
positive and negative mode. The last line is JSON: operations, requests (test cases), server errors
(5xx other than the 503 of an outage) per caller, and the operations that had them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

ROOT = Path(__file__).resolve().parents[2]
VENV = Path("/tmp/dkt-schemathesis")
VERSION = "4.32.5"


def schemathesis() -> Path:
    st = VENV / "bin" / "st"
    if not st.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(VENV / "bin" / "pip"), "install", "-q", f"schemathesis=={VERSION}"], check=True)
    return st


async def seed_and_tokens(db_url: str, storage: str) -> dict[str, str]:
    """The demo data, and a session token per caller (written to the database: the server's cache
    misses and reads them there)."""
    from server.config import Settings
    from server.demo import seed_demo
    from server.listeners import close_resources, open_resources
    from server.models import AccountStatus, Organisation, OrgKind, Physician, StaffAccount
    from server.services.accounts import sessions
    from server.services.accounts.physician_auth import physician_session_data
    from server.services.accounts.staff_auth import default_role, staff_session_data

    runtime = await open_resources(Settings(DATABASE_URL=db_url, STORAGE_DIR=storage, SEED_DEMO=False),
                                   migrate_schema=True)
    try:
        await seed_demo()
        tokens: dict[str, str] = {}
        for label, query in (
                ("province", StaffAccount.filter(org__kind=OrgKind.ADMINISTRATION, org__region__level="province")),
                ("hospital", StaffAccount.filter(org__kind=OrgKind.HEALTH_INSTITUTION,
                                                 org__is_assessment_institution=False)),
                ("institution", StaffAccount.filter(org__is_assessment_institution=True))):
            account = await query.filter(status=AccountStatus.ACTIVE).order_by("id").first()
            if account is None:
                continue
            org = await Organisation.get(id=account.org_id).prefetch_related("region")
            data = staff_session_data(account, org, default_role(org.kind))
            data["must_change_password"] = False
            tokens[label] = await sessions.create_session(sessions.staff_subject(account.id), data)
        physician = await Physician.filter(registry_status="active").order_by("id").first()
        assert physician is not None
        data = physician_session_data(physician)
        data.update(must_change_password=False, needs_phone=False)
        tokens["physician"] = await sessions.create_session(sessions.physician_subject(physician.id), data)
        return tokens
    finally:
        await close_resources(runtime)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_caller(st: Path, url: str, token: str, args: argparse.Namespace, report: Path) -> dict[str, object]:
    cmd = [str(st), "run", f"{url}/docs/openapi.json", "--url", url, "-H", f"Authorization: Bearer {token}",
           "--checks", "not_a_server_error", "-n", str(args.n), "--max-time", str(args.max_time), "--workers", "1",
           "--seed", "7", "--no-shrink", "--report", "ndjson", "--report-ndjson-path", str(report),
           "--suppress-health-check", "all", "--continue-on-failure", "--request-timeout", "30"]
    out = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"},
                         cwd=report.parent)  # its .schemathesis cache goes there, not into the checkout
    text = out.stdout + out.stderr
    failing = sorted(set(re.findall(r"^_+ ((?:GET|POST|PUT|PATCH|DELETE) \S+) _+$", text, re.M)))
    cases = re.search(r"Test cases:\s*\n?\s*(\d+) generated", text) or re.search(r"(\d+) generated", text)
    operations = re.search(r"Operations:\s+(\d+) selected", text) or re.search(r"(\d+) selected", text)
    return {"operations": int(operations.group(1)) if operations else None,
            "test_cases": int(cases.group(1)) if cases else None,
            "server_error_operations": failing, "server_errors": len(failing), "exit": out.returncode,
            "tail": text.strip().splitlines()[-3:]}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("-n", type=int, default=15, help="test cases per operation")
    p.add_argument("--max-time", type=int, default=600, help="seconds per caller")
    p.add_argument("--callers", default="province,hospital,institution,physician")
    args = p.parse_args()
    st = schemathesis()
    work = Path(tempfile.mkdtemp(prefix="dkt-st-"))
    db_url, storage = f"sqlite://{work}/st.sqlite3", str(work / "files")
    tokens = asyncio.run(seed_and_tokens(db_url, storage))
    port = free_port()
    # WeChat is the tests' fake on 127.0.0.1 (this machine reaches no WeChat): its documented JSON
    from tests.fakes.wechat_server import FakeWeChat

    wechat = FakeWeChat().start()
    env = {**os.environ, "DATABASE_URL": db_url, "STORAGE_DIR": storage, "SEED_DEMO": "false", "REDIS_URL": "",
           "ENV": "development", "FACE_VERIFY_ENABLED": "false", "PYTHONUNBUFFERED": "1",
           "WECHAT_API_BASE": wechat.base_url, "WECHAT_MP_APPID": "wx-test-mp", "WECHAT_MP_SECRET": "test-mp-secret",
           "WECHAT_OA_APPID": "wx-test-oa", "WECHAT_OA_SECRET": "test-oa-secret"}
    log = open(work / "server.log", "w")  # noqa: SIM115
    server = subprocess.Popen([sys.executable, "-m", "server", "--port", str(port)], cwd=ROOT, env=env,
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.2)
        results = {}
        for caller in args.callers.split(","):
            if caller in tokens:
                results[caller] = run_caller(st, url, tokens[caller], args, work / f"{caller}.ndjson")
                print(f"{caller}: {results[caller]}", file=sys.stderr, flush=True)
    finally:
        server.terminate()
        server.wait(timeout=20)
        wechat.stop()
    errors_500 = sum(1 for line in (work / "server.log").read_text().splitlines() if " 500 " in line)
    print(json.dumps({"server_errors": sum(r["server_errors"] for r in results.values()),
                      "callers": results, "server_log": str(work / "server.log"),
                      "logged_500": errors_500}, ensure_ascii=False))
    if not os.environ.get("KEEP"):
        shutil.rmtree(work / "files", ignore_errors=True)


if __name__ == "__main__":
    main()
