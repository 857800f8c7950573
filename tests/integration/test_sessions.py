"""Login sessions with the database as the record and Redis as a cache (issue #15): a Redis restart
without persistence (FLUSHALL) logs nobody out and loses no answer, revocation still works, the
token is stored only as its sha256, a cache hit does not touch the database, expired sessions are
refused and pruned. Runs on SQLite and PostgreSQL (TEST_DATABASE_URL)."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from tortoise import connections, timezone

from server.models import LoginSession, Organisation, Physician
from server.security import hash_password
from server.services.accounts import sessions
from server.services.platform.runtime import rt
from tests.factories import STRONG, auth, login, make_org, make_physician, make_world, physician_token
from tests.integration.attempt_support import (
    begin,
    exam_world,
    fresh_shape_cache,  # noqa: F401 (autouse fixture)
    save,
    stored_answers,
)

ME = "/api/v1/mp/me"
STAFF_ME = "/api/v1/admin/auth/me"


async def restart_redis() -> None:
    """What a Redis restart without persistence does."""
    await rt().redis.flushall()


async def _physician_session() -> tuple[Physician, str]:
    w = await make_world()
    p = await make_physician(w.hospital)
    return p, await physician_token(p)


# --- the record ------------------------------------------------------------------------------------
async def test_create_stores_only_the_token_hash(app):
    p, token = await _physician_session()
    row = await LoginSession.get(subject=sessions.physician_subject(p.id))
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(row.data) and row.revoked_at is None
    assert row.expires_at > timezone.now() + timedelta(hours=7)
    keys = [k.decode() for k in await rt().redis.keys("sess:*")]
    assert keys == [f"sess:{row.token_hash}"]  # the cache is keyed by the hash too


async def test_session_survives_redis_restart(app):
    p, token = await _physician_session()
    before = await sessions.load_session(token)
    await restart_redis()
    after = await sessions.load_session(token)
    assert after == before and after["physician_id"] == p.id and after["subject"] == f"physician:{p.id}"
    row = await LoginSession.get(subject=sessions.physician_subject(p.id))
    assert row.last_seen_at is not None
    assert await rt().redis.get(f"sess:{row.token_hash}")  # the cache was filled again


async def test_cache_hit_does_not_touch_the_database(app, monkeypatch):
    _, token = await _physician_session()
    await restart_redis()
    assert await sessions.load_session(token)  # fills the cache
    client = connections.get("default")
    calls: list[str] = []
    for name in ("execute_query", "execute_query_dict", "execute_insert", "execute_many", "execute_script"):
        original = getattr(client, name)

        async def spy(*args, _original=original, _name=name, **kwargs):
            calls.append(_name)
            return await _original(*args, **kwargs)

        monkeypatch.setattr(client, name, spy)
    for _ in range(5):
        assert await sessions.load_session(token)
    assert calls == []


async def test_unknown_and_malformed_tokens_refused(app):
    await _physician_session()
    assert await sessions.load_session("nope") is None
    assert await sessions.load_session("x" * 200) is None
    assert await sessions.load_session("") is None


async def test_expired_session_refused(app):
    p, token = await _physician_session()
    await LoginSession.filter(subject=sessions.physician_subject(p.id)).update(
        expires_at=timezone.localtime() - timedelta(seconds=1))
    await restart_redis()  # the cache entry would have expired with the session anyway
    assert await sessions.load_session(token) is None


async def test_prune_deletes_expired_sessions_only(app):
    p, token = await _physician_session()
    old = await physician_token(await make_physician(await Organisation.get(id=p.institution_id)))
    old_hash = hashlib.sha256(old.encode()).hexdigest()
    await LoginSession.filter(token_hash=old_hash).update(expires_at=timezone.localtime() - timedelta(minutes=1))
    assert await sessions.prune_job.maybe_run() == 1  # the periodic job (server/background.py starts it)
    assert await sessions.prune_job.maybe_run() is None  # at most once per SESSION_PRUNE_SECONDS
    assert not await LoginSession.filter(token_hash=old_hash).exists()
    assert await LoginSession.filter(subject=sessions.physician_subject(p.id)).count() == 1
    assert await sessions.load_session(token)


# --- revocation ------------------------------------------------------------------------------------
async def test_end_session_after_restart_still_revokes(app):
    _, token = await _physician_session()
    await restart_redis()
    await sessions.end_session(token)
    assert await sessions.load_session(token) is None
    await restart_redis()
    assert await sessions.load_session(token) is None


async def test_end_all_sessions_after_restart_revokes_by_subject(app):
    p, first = await _physician_session()
    second = await physician_token(p)
    kept = await physician_token(p)
    await restart_redis()  # the cache, and any index in it, is gone
    await sessions.end_all_sessions(sessions.physician_subject(p.id), keep=kept)
    assert await sessions.load_session(first) is None
    assert await sessions.load_session(second) is None
    assert await sessions.load_session(kept) is not None
    await restart_redis()
    assert await sessions.load_session(first) is None and await sessions.load_session(kept) is not None


async def test_end_all_sessions_overrides_a_cached_entry(app):
    """The cache is filled and Redis kept it: revocation by subject still reaches it."""
    p, token = await _physician_session()
    assert await sessions.load_session(token)
    await sessions.end_all_sessions(sessions.physician_subject(p.id))
    assert await sessions.load_session(token) is None


async def test_revoked_session_not_refilled_by_a_late_cache_fill(app):
    """A load that read the row before the revocation cannot put the session back in the cache."""
    p, token = await _physician_session()
    token_hash = hashlib.sha256(token.encode()).hexdigest()
    await restart_redis()
    await sessions.end_session(token)
    # the fill a concurrent load would make (SET NX) does not overwrite the revocation marker
    assert not await rt().redis.set(f"sess:{token_hash}", b"{}", nx=True, ex=60)
    assert await sessions.load_session(token) is None


async def test_update_session_after_restart_and_not_after_revocation(app):
    _, token = await _physician_session()
    await restart_redis()
    await sessions.update_session(token, needs_phone=True)
    assert (await sessions.load_session(token))["needs_phone"] is True
    await restart_redis()
    assert (await sessions.load_session(token))["needs_phone"] is True  # in the record too
    await sessions.end_session(token)
    await sessions.update_session(token, needs_phone=False)
    assert await sessions.load_session(token) is None


async def test_password_change_ends_other_sessions_after_restart(app, client):
    w = await make_world()
    await make_org("重启医院", w.hospital.kind, w.qingxiu, code="restart1", password=STRONG)
    first = (await login(client, "restart1", STRONG)).json()["token"]
    other = (await login(client, "restart1", STRONG)).json()["token"]
    await restart_redis()
    r = await client.post("/api/v1/admin/auth/password", headers=auth(first),
                          json={"old_password": STRONG, "new_password": STRONG + "x"})
    assert r.status_code == 200, r.text
    assert (await client.get(STAFF_ME, headers=auth(other))).status_code == 401
    assert (await client.get(STAFF_ME, headers=auth(first))).status_code == 200
    await restart_redis()
    assert (await client.get(STAFF_ME, headers=auth(other))).status_code == 401
    assert (await client.get(STAFF_ME, headers=auth(first))).status_code == 200


async def test_logout_after_restart_ends_the_session(app, client):
    p, token = await _physician_session()
    await restart_redis()
    assert (await client.post("/api/v1/mp/auth/logout", headers=auth(token))).status_code == 200
    await restart_redis()
    assert (await client.get(ME, headers=auth(token))).status_code == 401


# --- through the API: an exam across a Redis restart -----------------------------------------------
async def test_answer_saves_continue_across_redis_restart(app, client):
    e = await exam_world()
    p = await Physician.get(id=e.assessment.physician_id)
    await Physician.filter(id=p.id).update(password_hash=await hash_password(STRONG), must_change_password=False,
                                           phone="13800138000", phone_verified=True)
    r = await client.post("/api/v1/mp/auth/login", json={"id_number": p.id_number, "password": STRONG})
    assert r.status_code == 200 and r.json()["setup_required"] is False, r.text
    e.token = r.json()["token"]
    aid = (await begin(client, e))["id"]
    assert (await save(client, e, aid, 1, ["B"], 1)).status_code == 200
    await restart_redis()
    r = await save(client, e, aid, 2, ["A"], 1)
    assert r.status_code == 200, r.text
    answers = await stored_answers(aid)
    assert answers["1"]["answer"] == ["B"] and answers["2"]["answer"] == ["A"]
