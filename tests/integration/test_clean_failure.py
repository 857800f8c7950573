"""Clean failure (issue #15): path ids outside the column range answer 404 (PostgreSQL would fail
the query); PostgreSQL or Redis being down answers 503 with Retry-After, never 500, and the server
answers again as soon as they are back."""

from __future__ import annotations

import socket

import pytest
from redis.asyncio import Redis

from server.errors import is_outage
from server.services.platform.runtime import rt
from tests.factories import auth, make_physician, make_world, physician_token, token_for

HUGE = [2**31, 2**40, 10**30, -1]


async def test_path_ids_beyond_the_column_range_are_404(client):
    w = await make_world()
    staff = auth(await token_for(w.gx_admin))
    doctor = auth(await physician_token(await make_physician(w.hospital)))
    for n in HUGE:
        for url, headers in ((f"/api/v1/admin/physicians/{n}", staff), (f"/api/v1/admin/accounts/{n}", staff),
                             (f"/api/v1/admin/assessments/{n}", staff), (f"/api/v1/mp/attempts/{n}", doctor)):
            r = await client.get(url, headers=headers)
            assert r.status_code == 404, (url, r.status_code, r.text[:200])
            assert r.json()["code"] == "not_found"
    r = await client.get(f"/api/v1/admin/physicians/{2**31 - 1}", headers=staff)
    assert r.status_code == 404  # the largest id is still a fine question: no such physician


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


async def test_redis_down_answers_503_and_recovers(client):
    w = await make_world()
    token = await token_for(w.gx_admin)
    runtime = rt()
    working = runtime.redis
    runtime.redis = Redis(host="127.0.0.1", port=_closed_port(), socket_connect_timeout=0.5)
    try:
        r = await client.get("/api/v1/admin/physicians", headers=auth(token))
        assert r.status_code == 503, r.text
        assert r.json()["code"] == "service_unavailable" and r.headers["retry-after"] == "5"
        r = await client.get("/api/v1/captcha")
        assert r.status_code == 503
    finally:
        await runtime.redis.aclose()
        runtime.redis = working
    r = await client.get("/api/v1/admin/physicians", headers=auth(token))
    assert r.status_code == 200  # back by itself


async def test_database_down_answers_503(client, monkeypatch):
    from tortoise.exceptions import DBConnectionError

    from server.services.registry import physicians

    w = await make_world()
    token = await token_for(w.gx_admin)

    async def down(**kwargs):
        raise DBConnectionError("connection refused") from ConnectionRefusedError(111, "refused")

    monkeypatch.setattr(physicians, "list_physicians", down)
    r = await client.get("/api/v1/admin/physicians", headers=auth(token))
    assert r.status_code == 503 and r.headers["retry-after"] == "5"


@pytest.mark.parametrize("exc, outage", [
    (ConnectionRefusedError(111, "refused"), True),
    (TimeoutError(), True),
    (ValueError("bug"), False),
    (KeyError("bug"), False),
])
def test_is_outage_follows_the_cause_chain(exc, outage):
    _outage_through_chain(exc, outage)


def test_broken_postgres_connection_is_an_outage():
    asyncpg = pytest.importorskip("asyncpg")
    # what a statement raises when PostgreSQL restarts under it (seen in scripts/bench/faults.py)
    _outage_through_chain(asyncpg.InternalClientError("cannot switch to state 11; another operation (2) is in progress"),
                          True)
    _outage_through_chain(asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
                          True)


def _outage_through_chain(exc, outage):
    assert is_outage(exc) is outage
    try:
        try:
            raise exc
        except Exception as inner:
            raise RuntimeError("wrapped") from inner
    except RuntimeError as wrapped:
        assert is_outage(wrapped) is outage


# --- inputs that do not fit a column (found by scripts/bench/schemathesis_run.py: 500s before) ------
TOO_BIG = 1452108526166741610397696
OUT_OF_RANGE = [
    ("GET", f"/api/v1/admin/physicians?institution_id={TOO_BIG}", None, "value_out_of_range"),
    ("GET", f"/api/v1/admin/physicians?page={TOO_BIG}", None, "invalid_paging"),
    ("GET", f"/api/v1/admin/transfers?page={TOO_BIG}&size=5", None, "invalid_paging"),
    ("GET", "/api/v1/admin/outbox?page=1641873505101207808", None, "invalid_paging"),
    ("POST", "/api/v1/admin/transfers/holding-out", {"id_number": "0" * 32, "to_institution_id": 1, "note": ""},
     "value_out_of_range"),
    ("POST", "/api/v1/mp/auth/forgot-password/sms-code", {"id_number": "0" * 32}, "value_out_of_range"),
    ("POST", "/api/v1/mp/auth/forgot-password/reset", {"id_number": "0" * 32, "sms_code": "0", "new_password": "0"},
     "value_out_of_range"),
]


@pytest.mark.parametrize("method, url, body, code", OUT_OF_RANGE)
async def test_input_beyond_a_column_answers_422_not_500(client, method, url, body, code):
    w = await make_world()
    r = await client.request(method, url, headers=auth(await token_for(w.gx_admin)), json=body)
    assert (r.status_code, r.json()["code"]) == (422, code), r.text
