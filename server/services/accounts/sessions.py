"""Login sessions: the database is the record (``LoginSession``), Redis a cache in front of it.

- **The token** is 32 random bytes (url-safe); only its sha256 is stored, in the row and in the
  cache key (``sess:<sha256>``), so neither a database dump nor a Redis dump yields a usable token.
- **create** writes the row, then the cache entry (lifetime = what is left of the session).
- **load** (every authenticated request, e.g. each answer save): a cache hit answers without
  touching the database. On a miss (Redis restarted without persistence, or evicted the key) the
  row is read (valid = not revoked, not expired), its ``last_seen_at`` set, and the cache filled
  again with ``SET NX``, so a fill never overwrites a revocation made meanwhile.
- **update** (role switch, set-up finished) changes the row, then the cache entry, unless the
  entry is a revocation marker (checked and written atomically with WATCH/MULTI).
- **end / end_all** set ``revoked_at`` on the rows and write a revocation marker (``-``) over the
  cache entries of the tokens the *database* lists for the subject: revocation works even when
  Redis lost everything, and a concurrent cache fill cannot bring a revoked session back.
- Expired rows are deleted by ``prune_expired`` (a PeriodicJob, every ``SESSION_PRUNE_SECONDS``;
  ``dkt.sessions_prune`` as a taskiq task).

Sessions last ``SESSION_TTL_SECONDS`` from login (no sliding renewal).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta
from typing import Any, TypedDict

import orjson
from redis.exceptions import WatchError
from tortoise import timezone

from server.models import LoginSession
from server.services.platform.broker import broker
from server.services.platform.periodic import PeriodicJob
from server.services.platform.runtime import rt

log = logging.getLogger("server.sessions")
REVOKED = b"-"  # the cache marker of a revoked session (tokens are never reused)


def _now() -> datetime:
    """In the configured time zone, as the rest of the code stores times (SQLite compares the text)."""
    return timezone.localtime()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _key(token_hash: str) -> str:
    return f"sess:{token_hash}"


class SessionData(TypedDict, total=False):
    """What a session carries (stored as JSON in the row and the cache; ``subject`` added on load)."""

    subject: str
    kind: str  # staff | physician
    role: str
    account_id: int
    physician_id: int
    org_id: int | None
    region_id: int | None
    region_path: str
    region_level: str | None
    must_change_password: bool
    needs_phone: bool
    setup_proof: str | None
    ip: str | None


def staff_subject(account_id: int) -> str:
    return f"staff:{account_id}"


def physician_subject(physician_id: int) -> str:
    return f"physician:{physician_id}"


def _seconds_left(expires_at: datetime, now: datetime) -> int:
    return int((expires_at - now).total_seconds())


def _payload(row: LoginSession) -> SessionData:
    return {**row.data, "subject": row.subject}


async def create_session(subject: str, data: SessionData) -> str:
    """A new session of ``subject`` carrying ``data``; the bearer token (shown once)."""
    token = secrets.token_urlsafe(32)
    ttl = rt().settings.SESSION_TTL_SECONDS
    now = _now()
    stored = {k: v for k, v in data.items() if k != "subject"}
    row = await LoginSession.create(token_hash=_hash(token), subject=subject, data=stored,
                                    expires_at=now + timedelta(seconds=ttl))
    await rt().redis.set(_key(row.token_hash), orjson.dumps(_payload(row)), ex=ttl)
    return token


async def _valid_row(token_hash: str, now: datetime) -> LoginSession | None:
    return await LoginSession.get_or_none(token_hash=token_hash, revoked_at=None, expires_at__gt=now)


async def load_session(token: str) -> SessionData | None:
    """The session's data (with ``subject``), or None when unknown, revoked or expired."""
    if not token or len(token) > 128:
        return None
    token_hash = _hash(token)
    raw = await rt().redis.get(_key(token_hash))
    if raw == REVOKED:
        return None
    if raw:
        return orjson.loads(raw)
    now = _now()
    row = await _valid_row(token_hash, now)
    left = _seconds_left(row.expires_at, now) if row else 0
    if row is None or left <= 0:
        return None
    await LoginSession.filter(id=row.id).update(last_seen_at=now)
    payload = _payload(row)
    await rt().redis.set(_key(token_hash), orjson.dumps(payload), ex=left, nx=True)
    return payload


async def update_session(token: str, **changes: Any) -> None:
    """Change what a live session carries (in the row and in the cache)."""
    if not token or len(token) > 128:
        return
    token_hash = _hash(token)
    now = _now()
    row = await _valid_row(token_hash, now)
    if row is None:
        return
    row.data = {**row.data, **{k: v for k, v in changes.items() if k != "subject"}}
    if not await LoginSession.filter(id=row.id, revoked_at=None).update(data=row.data):
        return
    left = _seconds_left(row.expires_at, now)
    if left <= 0:
        return
    key = _key(token_hash)
    for _ in range(5):
        async with rt().redis.pipeline(transaction=True) as pipe:
            try:
                await pipe.watch(key)
                if await pipe.get(key) == REVOKED:
                    return
                pipe.multi()
                pipe.set(key, orjson.dumps(_payload(row)), ex=left)
                await pipe.execute()
                return
            except WatchError:
                continue
    await rt().redis.delete(key)  # still contended: the next load reads the row (the record)


async def _revoke(token_hashes: list[str]) -> None:
    if not token_hashes:
        return
    await LoginSession.filter(token_hash__in=token_hashes, revoked_at=None).update(revoked_at=_now())
    ttl = rt().settings.SESSION_TTL_SECONDS
    async with rt().redis.pipeline(transaction=False) as pipe:
        for token_hash in token_hashes:
            pipe.set(_key(token_hash), REVOKED, ex=ttl)
        await pipe.execute()


async def end_session(token: str) -> None:
    """Log out: this session only."""
    if not token or len(token) > 128:
        return
    await _revoke([_hash(token)])


async def end_all_sessions(subject: str, *, keep: str | None = None) -> None:
    """Every live session of ``subject`` (but ``keep``), as the database lists them."""
    query = LoginSession.filter(subject=subject, revoked_at=None, expires_at__gt=_now())
    if keep:
        query = query.exclude(token_hash=_hash(keep))
    await _revoke(list(await query.values_list("token_hash", flat=True)))


async def prune_expired() -> int:
    """Delete the rows of sessions that have expired (revoked or not); the number deleted."""
    deleted = await LoginSession.filter(expires_at__lte=_now()).delete()
    if deleted:
        log.info("pruned %s expired sessions", deleted)
    return deleted


prune_job = PeriodicJob("sessions_prune", seconds_setting="SESSION_PRUNE_SECONDS", run=prune_expired)


async def start_background() -> None:
    await prune_job.start()


async def stop_background() -> None:
    await prune_job.stop()


@broker.task(task_name="dkt.sessions_prune")
async def prune_task() -> int:
    return await prune_expired()
