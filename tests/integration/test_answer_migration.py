"""Migration 0009 (issue #14): the answers documents on ``exam_attempt`` become ``exam_answer`` rows,
one per position, with their letters, seq and time — on SQLite (Python) and PostgreSQL (SQL).

The database is brought to 0008 in a child process, an attempt with answers is written in raw SQL
(foreign keys off, in that connection and in the SQLite migration's: only the attempt row matters),
then the child migrates to the latest."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import uuid

import pytest

MIGRATE = ("import asyncio, sys; from tortoise import Tortoise; from tortoise.migrations.api import migrate; "
           "from server.services.platform.db import tortoise_config\n"
           "async def main():\n"
           "    config = tortoise_config(sys.argv[1])\n"
           "    if sys.argv[1].startswith('sqlite'):\n"
           "        config['connections']['default']['credentials']['foreign_keys'] = 'OFF'\n"
           "    await migrate(config=config, target=sys.argv[2] or None)\n"
           "    await Tortoise.close_connections()\n"
           "asyncio.run(main())")
ANSWERS = {"1": {"answer": ["B"], "seq": 3, "at": "2026-11-01T09:00:00+08:00"},
           "7": {"answer": ["A", "C"], "seq": 12, "at": "2026-11-01T09:05:00+08:00"}}
COLUMNS = ("id, assessment_id, physician_id, cycle_id, paper_id, paper_type, purpose, attempt_no, status, "
           "duration_minutes, window_end, shape, created_at, started_at, answers, auto_submitted, mid_moments, "
           "mid_passed, snapshots_taken, version")


async def _migrate(url: str, target: str) -> None:
    proc = await asyncio.create_subprocess_exec(sys.executable, "-c", MIGRATE, url, target,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, out.decode()[-2000:]


def _expected(rows: list[tuple]) -> None:
    got = {(pos, letters, seq) for pos, letters, seq in rows}
    assert got == {(1, "B", 3), (7, "AC", 12)}


async def test_answers_move_into_rows_on_sqlite(tmp_path):
    import aiosqlite

    url = f"sqlite://{tmp_path}/m.sqlite3"
    await _migrate(url, "models.0008_evaluation_items")
    async with aiosqlite.connect(f"{tmp_path}/m.sqlite3") as db:
        await db.execute("PRAGMA foreign_keys = OFF")
        now = "2026-11-01 09:00:00+08:00"
        await db.execute(f"INSERT INTO exam_attempt ({COLUMNS}) VALUES (41, 1, 1, 1, 1, 'humanities', 'first', 1, "
                         "'in_progress', 60, ?, '[]', ?, ?, ?, 0, '[]', 0, 0, 0)", (now, now, now, json.dumps(ANSWERS)))
        await db.commit()
    await _migrate(url, "")
    async with aiosqlite.connect(f"{tmp_path}/m.sqlite3") as db:
        rows = await (await db.execute("SELECT position, answer, seq FROM exam_answer WHERE attempt_id = 41")).fetchall()
        columns = [r[1] for r in await (await db.execute("PRAGMA table_info(exam_attempt)")).fetchall()]
    _expected(rows)
    assert "answers" not in columns and "last_saved_at" not in columns


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="PostgreSQL only")
async def test_answers_move_into_rows_on_postgres():
    import asyncpg

    admin = os.environ["TEST_DATABASE_URL"].replace("postgres://", "postgresql://", 1)
    name = f"dkt_mig9_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(admin)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    url = f"{os.environ['TEST_DATABASE_URL'].rpartition('/')[0]}/{name}"
    try:
        await _migrate(url, "models.0008_evaluation_items")
        db = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
        try:
            await db.execute("SET session_replication_role = replica")  # no foreign-key checks (this connection)
            await db.execute(f"INSERT INTO exam_attempt ({COLUMNS}) VALUES (41, 1, 1, 1, 1, 'humanities', 'first', 1, "
                             "'in_progress', 60, now(), '[]', now(), now(), $1::jsonb, false, '[]', 0, 0, 0)",
                             json.dumps(ANSWERS))
        finally:
            await db.close()
        await _migrate(url, "")
        db = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
        try:
            rows = [tuple(r) for r in await db.fetch("SELECT position, answer, seq FROM exam_answer WHERE attempt_id = 41")]
            at = await db.fetchval("SELECT saved_at FROM exam_answer WHERE attempt_id = 41 AND position = 7")
        finally:
            await db.close()
        _expected(rows)
        assert at.isoformat().startswith("2026-11-01T01:05:00")  # 09:05 Beijing, kept
    finally:
        conn = await asyncpg.connect(admin)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()
