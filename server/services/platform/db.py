"""Tortoise configuration. One place builds it for the app, the CLI and the tests."""

from __future__ import annotations

import asyncio
import fcntl
import os
from typing import Any

import asyncpg
from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.migrations.api import migrate

from server.config import Settings

MODEL_MODULES = ["server.models"]


def normalise_db_url(url: str) -> str:
    if url.startswith("postgresql://"):
        return "postgres://" + url[len("postgresql://") :]
    return url


# What a pooled PostgreSQL connection carries from one user to the next if nobody cleans it:
# LISTEN channels, advisory locks, session settings (SET without LOCAL), open cursors.
SESSION_STATE_SQL = """
SELECT (SELECT count(*) FROM pg_listening_channels()) AS listening,
       (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()) AS advisory_locks,
       (SELECT string_agg(name, ',') FROM pg_settings WHERE source = 'session' AND setting IS DISTINCT FROM reset_val) AS settings,
       (SELECT count(*) FROM pg_cursors WHERE name <> '') AS cursors
"""


class PoolHygieneError(RuntimeError):
    """A pooled connection came back with session state on it (DB_POOL_RESET=check)."""


async def keep_session(conn: asyncpg.Connection) -> None:
    """DB_POOL_RESET=off: nothing to undo. asyncpg has already rolled back an open transaction
    before calling this; no code of ours leaves session state (SET, advisory locks, LISTEN,
    cursors) on a pooled connection — the tests run with "check" to prove it — so the full reset
    (a round trip per query, and it made PostgreSQL re-plan) is skipped."""


async def check_session_clean(conn: asyncpg.Connection) -> None:
    """DB_POOL_RESET=check (the tests): refuse a connection that comes back with session state."""
    row = await conn.fetchrow(SESSION_STATE_SQL)
    if row["listening"] or row["advisory_locks"] or row["settings"] or row["cursors"]:
        raise PoolHygieneError(f"pooled connection left with session state: {dict(row)}")


POOL_RESETS = {"off": keep_session, "check": check_session_clean, "full": None}


def tortoise_config(db_url: str, *, pool_reset: str = "full") -> dict[str, Any]:
    """The ORM configuration. ``pool_reset`` (DB_POOL_RESET) decides what a PostgreSQL
    connection runs when it goes back to the pool; "full" is asyncpg's own reset (the CLI)."""
    url = normalise_db_url(db_url)
    if url.startswith("sqlite://"):
        path = url[len("sqlite://") :]
        credentials: dict[str, Any] = {"file_path": path, "journal_mode": "WAL", "foreign_keys": "ON"}
        connection: dict[str, Any] = {"engine": "tortoise.backends.sqlite", "credentials": credentials}
    else:
        connection = expand_db_url(url)
        reset = POOL_RESETS[pool_reset]
        if reset is not None:
            connection["credentials"]["reset"] = reset
    return {
        "connections": {"default": connection},
        "apps": {
            "models": {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": "server.migrations",
            }
        },
        "use_tz": True,
        "timezone": "Asia/Shanghai",
    }


def __getattr__(name: str) -> Any:
    """``TORTOISE_ORM`` for the `tortoise` CLI (`tortoise makemigrations`, `tortoise migrate`), built
    from the settings when the CLI asks for it (not at import: importing reads no environment)."""
    if name == "TORTOISE_ORM":
        return tortoise_config(Settings.from_env().database_url)
    raise AttributeError(name)


# A constant key for PostgreSQL's advisory lock around migrations ("dkt-migrate" as an int64).
MIGRATE_LOCK_KEY = 0x646B742D6D6967


async def migrate_once(db_url: str) -> None:
    """Apply the migrations under a lock, so that any number of processes starting together on
    an empty database migrate once and all start: PostgreSQL's advisory lock (on a dedicated
    connection, never a pooled one), or an exclusive file lock beside the SQLite file."""
    async def run() -> None:
        try:
            await migrate(config=tortoise_config(db_url))
        finally:
            await Tortoise.close_connections()

    url = normalise_db_url(db_url)
    if url.startswith("sqlite://"):
        lock_path = url[len("sqlite://"):] + ".migrate.lock"
        os.makedirs(os.path.dirname(lock_path) or ".", exist_ok=True)
        fd = os.open(lock_path, os.O_CREAT | os.O_RDWR, 0o600)
        try:
            await asyncio.to_thread(fcntl.flock, fd, fcntl.LOCK_EX)
            try:
                await run()
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
        return
    # the lock's own connection: the URL without the pool's query options (maxsize=…), which
    # asyncpg would send to the server as settings
    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1).split("?", 1)[0])
    try:
        await conn.execute("SELECT pg_advisory_lock($1)", MIGRATE_LOCK_KEY)
        try:
            await run()
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATE_LOCK_KEY)
    finally:
        await conn.close()

