"""Start-up on an empty database (issue #15): any number of processes migrating at once migrate
once (a lock) and all start — on SQLite and, where configured, on a fresh PostgreSQL database."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid

import pytest


async def _tables_and_migrations(db_url: str) -> tuple[set[str], list[str]]:
    import aiosqlite

    path = db_url[len("sqlite://"):]
    async with aiosqlite.connect(path) as db:
        tables = {r[0] for r in await (await db.execute("SELECT name FROM sqlite_master WHERE type='table'")).fetchall()}
        names = [r[0] for r in await (await db.execute("SELECT name FROM tortoise_migrations")).fetchall()] \
            if "tortoise_migrations" in tables else []
    return tables, names


SCRIPT = "import asyncio, sys; from server.services.platform.db import migrate_once; asyncio.run(migrate_once(sys.argv[1]))"


async def _processes(db_url: str, n: int) -> list[tuple[int, bytes]]:
    """n server processes starting at once: each migrates (as the listeners do) and exits."""
    procs = [await asyncio.create_subprocess_exec(sys.executable, "-c", SCRIPT, db_url, stdout=asyncio.subprocess.PIPE,
                                                  stderr=asyncio.subprocess.STDOUT) for _ in range(n)]
    outs = await asyncio.wait_for(asyncio.gather(*(p.communicate() for p in procs)), 120)
    return [(p.returncode, out[0]) for p, out in zip(procs, outs, strict=True)]


async def test_concurrent_migrations_on_an_empty_sqlite_file(tmp_path):
    db_url = f"sqlite://{tmp_path}/fresh.sqlite3"
    results = await _processes(db_url, 3)
    assert all(code == 0 for code, _ in results), results
    tables, names = await _tables_and_migrations(db_url)
    assert {"assessment", "physician", "exam_attempt"} <= tables
    assert len(names) == len(set(names)) and names  # each migration recorded once


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="PostgreSQL only")
async def test_concurrent_migrations_on_an_empty_postgres_database():
    import asyncpg

    admin = os.environ["TEST_DATABASE_URL"]
    name = f"dkt_migrate_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(admin.replace("postgres://", "postgresql://", 1))
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    url = f"{admin.rpartition('/')[0]}/{name}"
    try:
        results = await _processes(url + "?maxsize=5", 3)  # pool options in the URL as well
        assert all(code == 0 for code, _ in results), results
        db = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
        try:
            names = [r["name"] for r in await db.fetch("SELECT name FROM tortoise_migrations")]
            assert names and len(names) == len(set(names))
            assert await db.fetchval("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'") == 0
        finally:
            await db.close()
    finally:
        conn = await asyncpg.connect(admin.replace("postgres://", "postgresql://", 1))
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()
