"""Test harness: a real database and a real Redis where configured, the embedded
default otherwise.

- TEST_DATABASE_URL=postgres://... : a fresh database is created for this process
  (so parallel runs never share one) and dropped at the end.
- TEST_REDIS_URL=redis://...       : a real redis-server (one DB index, flushed per test).
- neither: a SQLite file in a temp dir and the in-process Redis stand-in.
- TEST_STORAGE_BACKEND=s3           : files go to an S3-compatible server (moto, started here,
  tests/fakes/s3_server.py) instead of a temp dir. Without it, tests that ask for ``on_s3`` still
  run on the object store.

The schema comes from the real migrations. Each test starts from empty tables.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from tortoise import Tortoise, connections

from server.app import create_app
from server.config import Settings
from server.services.platform.runtime import rt
from tests.fakes import s3_server as s3_fake
from tests.fakes import sms_servers, wechat_server
from tests.fakes.wechat_server import FakeWeChat

# the fake WeChat server (real HTTP on 127.0.0.1): session fixture + per-test reset
wechat_fake = wechat_server.wechat_fake
wechat = wechat_server.wechat
# the fake SMS providers (Tencent Cloud, Alibaba Cloud SendSms on 127.0.0.1): session servers + per-test reset
tencent_sms_fake, tencent_sms = sms_servers.tencent_sms_fake, sms_servers.tencent_sms
aliyun_sms_fake, aliyun_sms = sms_servers.aliyun_sms_fake, sms_servers.aliyun_sms
# the S3-compatible server (moto on 127.0.0.1): session fixture, a fresh store per test, the app on it
s3_server, s3_storage, on_s3 = s3_fake.s3_server, s3_fake.s3_storage, s3_fake.on_s3

BACKEND = "postgres" if os.environ.get("TEST_DATABASE_URL") else "sqlite"
STORAGE = "s3" if os.environ.get("TEST_STORAGE_BACKEND") == "s3" else "local"


def pytest_report_header(config):
    return (f"backend: database={BACKEND}, redis={'real' if os.environ.get('TEST_REDIS_URL') else 'in-process'}, "
            f"storage={STORAGE}")


async def _create_pg_database(admin_url: str) -> tuple[str, str]:
    import asyncpg

    name = f"dkt_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    conn = await asyncpg.connect(admin_url.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base, _, _ = admin_url.rpartition("/")
    return name, f"{base}/{name}"


async def _drop_pg_database(admin_url: str, name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(admin_url.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(scope="session")
async def app(tmp_path_factory, wechat_fake: FakeWeChat) -> AsyncIterator:
    tmp: Path = tmp_path_factory.mktemp("dkt")
    pg_admin = os.environ.get("TEST_DATABASE_URL", "")
    pg_name = ""
    if pg_admin:
        pg_name, db_url = await _create_pg_database(pg_admin)
    else:
        db_url = f"sqlite://{tmp}/test.sqlite3"
    storage = s3_fake.start().settings(prefix=f"app-{uuid.uuid4().hex[:8]}/") if STORAGE == "s3" else {}
    settings = Settings(
        **storage,  # type: ignore[arg-type]
        ENV="test",
        DATABASE_URL=db_url,
        REDIS_URL=os.environ.get("TEST_REDIS_URL", ""),
        STORAGE_DIR=str(tmp / "files"),
        SEED_DEMO=False,
        ARGON2_TIME_COST=1,
        ARGON2_MEMORY_KIB=1024,
        WECHAT_API_BASE=os.environ.get("TEST_WECHAT_API_BASE") or wechat_fake.base_url,
        WECHAT_MP_APPID="wx-test-mp",
        WECHAT_MP_SECRET="test-mp-secret",
        WECHAT_OA_APPID="wx-test-oa",
        WECHAT_OA_SECRET="test-oa-secret",
        WECHAT_OA_TOKEN="testtoken",
        WECHAT_OA_AES_KEY="abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
        # no background delivery: tests read the outbox as written, and deliver with
        # server.services.notify.dispatch.dispatch_due() (test_dispatch.py turns kicks on to test them)
        OUTBOX_AUTO_DISPATCH=False,
        # the default verifier and no reference embedding: the tests' drawn photos hold no real face;
        # tests/integration/test_face_exam.py turns the real pipeline on where it is installed
        FACE_VERIFY_ENABLED=False,
        # every JSON answer the suite receives is checked against the operation's declared model
        CHECK_RESPONSES=True,
        # a pooled PostgreSQL connection that comes back with SET / advisory locks / LISTEN / cursors
        # on it fails the request that released it (production skips the reset: DB_POOL_RESET=off)
        DB_POOL_RESET="check",
    )
    settings.check()
    sanic_app = create_app(settings, migrate_schema=True, name=f"dkt_test_{uuid.uuid4().hex[:8]}")
    sanic_app.asgi = True  # what Sanic.__call__ sets when an ASGI server drives it
    await sanic_app._startup()
    await sanic_app._server_event("init", "before")
    await sanic_app._server_event("init", "after")
    try:
        yield sanic_app
    finally:
        await sanic_app._server_event("shutdown", "before")
        await sanic_app._server_event("shutdown", "after")
        if pg_name:
            await _drop_pg_database(pg_admin, pg_name)


def _table_names() -> list[str]:
    return [m._meta.db_table for m in Tortoise.apps["models"].values()]


@pytest.fixture(autouse=True)
async def clean_state(request) -> AsyncIterator[None]:
    if "app" not in request.fixturenames and not request.node.get_closest_marker("db"):
        yield
        return
    request.getfixturevalue("app")
    conn = connections.get("default")
    tables = _table_names()
    if BACKEND == "postgres":
        await conn.execute_script(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE;")
    else:
        script = "PRAGMA foreign_keys=OFF;" + "".join(f'DELETE FROM "{t}";' for t in tables)
        script += "DELETE FROM sqlite_sequence;" if await _has_sqlite_sequence(conn) else ""
        await conn.execute_script(script + "PRAGMA foreign_keys=ON;")
    await rt().redis.flushdb()
    yield


async def _has_sqlite_sequence(conn) -> bool:
    rows = await conn.execute_query_dict("SELECT name FROM sqlite_master WHERE name='sqlite_sequence'")
    return bool(rows)


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
def storage_dir() -> Path:
    return Path(tempfile.mkdtemp())
