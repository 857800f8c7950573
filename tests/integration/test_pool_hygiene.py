"""Pooled PostgreSQL connections go back to the pool without asyncpg's reset round trip
(DB_POOL_RESET=off in production): that is safe only while no code leaves session state on them.
The whole suite runs with DB_POOL_RESET=check, so any request that leaves SET, an advisory lock,
LISTEN or an open cursor fails; these tests prove the check itself catches each kind."""

from __future__ import annotations

import pytest
from tortoise import connections

from server.services.platform import db
from tests.conftest import BACKEND

pytestmark = pytest.mark.skipif(BACKEND != "postgres", reason="PostgreSQL pool only")

LEAKS = {
    "setting": "SET statement_timeout = 12345",
    "advisory lock": "SELECT pg_advisory_lock(4242)",
    "listen": "LISTEN dkt_hygiene_probe",
}


async def _pool():
    client = connections.get("default")
    await client.execute_query("SELECT 1")  # the pool exists
    return client._pool


async def test_clean_connection_passes_the_check(app):
    pool = await _pool()
    async with pool.acquire() as conn:
        await conn.execute("SELECT 1")
        await conn.execute("BEGIN; SET LOCAL statement_timeout = 1000; SELECT pg_advisory_xact_lock(1); COMMIT")
        await db.check_session_clean(conn)  # transaction-scoped state is gone after COMMIT


@pytest.mark.parametrize("kind", sorted(LEAKS))
async def test_leftover_session_state_is_caught_on_release(app, kind):
    pool = await _pool()
    with pytest.raises(db.PoolHygieneError):
        async with pool.acquire() as conn:
            await conn.execute(LEAKS[kind])
    async with pool.acquire() as conn:  # the dirty connection was terminated, not reused
        await db.check_session_clean(conn)


async def test_open_cursor_is_caught(app):
    pool = await _pool()
    async with pool.acquire() as conn:
        await conn.execute("DECLARE dkt_probe CURSOR WITH HOLD FOR SELECT 1")
        with pytest.raises(db.PoolHygieneError):
            await db.check_session_clean(conn)
        await conn.execute("CLOSE dkt_probe")


def test_production_skips_the_reset_and_the_cli_keeps_it():
    url = "postgres://u@127.0.0.1:5432/x"
    assert db.tortoise_config(url, pool_reset="off")["connections"]["default"]["credentials"]["reset"] is db.keep_session
    assert "reset" not in db.tortoise_config(url)["connections"]["default"]["credentials"]
