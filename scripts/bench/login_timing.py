"""Do sign-in answers take the same time whatever the account? (issue #15)

    python scripts/bench/login_timing.py [-n 50]

Against the service layer at the production argon2 cost (ARGON2_* settings), on a throw-away SQLite
file and the in-process Redis stand-in unless DATABASE_URL / REDIS_URL are set (then its rows are
removed at the end). For staff and physicians, three cases, each tried N times on N different
accounts (so the per-account slow-down, captcha and lock never start; the rate limits are lifted):
  unknown   an account code / ID number that does not exist
  wrong     a real account with a hashed password, a wrong password
  initial   a real account still on its initial password (666666, the province's rule), a wrong password
Every try of staff (of physicians) must answer the same error, code and message (same_answers). Tries of the cases are interleaved.
Prints medians to stderr and a JSON line last: {staff: {unknown_ms, wrong_ms, initial_ms,
spread_pct}, physician: {...}, same_answers, n, argon2}; spread_pct = (max - min) / min of the
medians, required within 10.
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
from datetime import date
from pathlib import Path
from typing import Any

import orjson

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from scripts.bench._setup import login_institution  # noqa: E402
from server.config import DEFAULT_RATE_LIMITS, Settings  # noqa: E402
from server.demo import make_id_number  # noqa: E402
from server.errors import DomainError  # noqa: E402
from server.listeners import close_resources, open_resources  # noqa: E402
from server.models import (  # noqa: E402
    AccountStatus,
    Physician,
    StaffAccount,
)
from server.security import hash_password  # noqa: E402
from server.services.accounts import physician_auth  # noqa: E402
from server.services.accounts.staff_auth import login_staff  # noqa: E402
from server.services.platform.runtime import rt  # noqa: E402

PASSWORD = "Bench-Passw0rd"
CASES = ("unknown", "wrong", "initial")


async def _make_data(n: int, tag: str) -> dict[str, Any]:
    digits = str(int(tag, 16) % 10_000).zfill(4)
    national, province, cycle, org = await login_institution(tag, "t")
    pw_hash = await hash_password(PASSWORD)
    staff: dict[str, list[str]] = {"unknown": [f"nobody-{tag}-{i}" for i in range(n)], "wrong": [], "initial": []}
    physicians: dict[str, list[str]] = {"unknown": [], "wrong": [], "initial": []}
    for i in range(n):
        for case, hashed in (("wrong", pw_hash), ("initial", None)):
            account = await StaffAccount.create(code=f"timing-{tag}-{case}-{i}", org=org, status=AccountStatus.ACTIVE,
                                                password_hash=hashed, must_change_password=hashed is None)
            staff[case].append(account.code)
    for i in range(3 * n):
        id_number = make_id_number(f"98{digits}", date(1960 + i // 300, 1 + (i // 28) % 12, 1 + i % 28), i)
        case = CASES[i % 3]
        if case == "unknown":
            physicians[case].append(id_number)
            continue
        await Physician.create(id_number=id_number, name=f"timing{i}", institution=org, region_path=province.path,
                               password_hash=pw_hash if case == "wrong" else None,
                               must_change_password=case == "initial", phone_verified=True)
        physicians[case].append(id_number)
    return {"province": province, "national": national, "cycle": cycle, "org": org, "staff": staff,
            "physicians": physicians}


async def _drop(data: dict[str, Any]) -> None:
    await Physician.filter(institution_id=data["org"].id).delete()
    await StaffAccount.filter(org_id=data["org"].id).delete()
    await data["org"].delete()
    await data["cycle"].delete()
    await data["province"].delete()
    await data["national"].delete()


async def _try(call) -> tuple[float, tuple[str, str]]:
    t0 = time.perf_counter()
    try:
        await call()
        answer = ("ok", "")
    except DomainError as exc:
        answer = (exc.code, exc.message)
    return time.perf_counter() - t0, answer


async def run(n: int, settings: Settings) -> dict[str, Any]:
    await open_resources(settings, migrate_schema=True)
    data: dict[str, Any] = {}
    out: dict[str, Any] = {}
    same: dict[str, bool] = {}
    try:
        data = await _make_data(n, secrets.token_hex(3))

        def staff_call(code: str):
            async def call() -> None:
                captcha_id = secrets.token_urlsafe(12)
                await rt().redis.set(f"captcha:{captcha_id}", b"BENCH1", ex=60)
                await login_staff(code=code, password="Wrong-Passw0rd", captcha_id=captcha_id,
                                  captcha_answer="BENCH1", ip="10.0.0.1")
            return call

        def physician_call(id_number: str):
            async def call() -> None:
                await physician_auth.login_physician(id_number=id_number, password="Wrong-Passw0rd", ip="10.0.0.1")
            return call

        for who, accounts, make in (("staff", data["staff"], staff_call),
                                    ("physician", data["physicians"], physician_call)):
            for case in CASES:  # warm-up (the dummy hash is made on the first unknown account)
                await _try(make("warm-" + case if who == "staff" else accounts[case][0]))
            times: dict[str, list[float]] = {case: [] for case in CASES}
            answers: set[tuple[str, str]] = set()
            for i in range(n):
                for case in CASES:
                    took, answer = await _try(make(accounts[case][i]))
                    times[case].append(took)
                    answers.add(answer)
            medians = {case: statistics.median(times[case]) * 1000 for case in CASES}
            low, high = min(medians.values()), max(medians.values())
            out[who] = {f"{case}_ms": round(medians[case], 2) for case in CASES} | {
                "spread_pct": round((high - low) / low * 100, 1), "answers": sorted({a[0] for a in answers})}
            same[who] = len(answers) == 1
            print(f"{who:10s} {out[who]}", file=sys.stderr)
    finally:
        if data:
            await _drop(data)
        await close_resources(rt())
    return out | {"same_answers": all(same.values()), "n": n,
                  "within_10_pct": all(out[w]["spread_pct"] <= 10 for w in ("staff", "physician")),
                  "argon2": {"time_cost": settings.ARGON2_TIME_COST, "memory_kib": settings.ARGON2_MEMORY_KIB},
                  "database": "postgres" if settings.is_postgres else "sqlite"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=50, help="tries per case")
    args = parser.parse_args()
    lifted = ",".join(f"{name}=1000000/60" for name in DEFAULT_RATE_LIMITS)
    overrides: dict[str, object] = {"ENV": "development", "SEED_DEMO": False, "TASK_BROKER": "inmemory",
                                    "RATE_LIMITS": lifted}
    tmp = None
    if not os.environ.get("DATABASE_URL"):
        tmp = tempfile.TemporaryDirectory(prefix="dkt-timing-")
        overrides["DATABASE_URL"] = f"sqlite://{tmp.name}/bench.sqlite3"
        overrides["STORAGE_DIR"] = f"{tmp.name}/files"
    settings = Settings.from_env(overrides)
    try:
        result = asyncio.run(run(args.n, settings))
    finally:
        if tmp is not None:
            tmp.cleanup()
    print(orjson.dumps(result).decode())


if __name__ == "__main__":
    main()
