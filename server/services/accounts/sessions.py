"""Login sessions in Redis. Each subject keeps an index of its tokens, so a password
reset or a cancellation ends every session of that account at once."""

from __future__ import annotations

import secrets
from typing import Any

import orjson

from server.services.platform.runtime import rt


def _key(token: str) -> str:
    return f"sess:{token}"


def _index(subject: str) -> str:
    return f"sessidx:{subject}"


def staff_subject(account_id: int) -> str:
    return f"staff:{account_id}"


def physician_subject(physician_id: int) -> str:
    return f"physician:{physician_id}"


async def create_session(subject: str, data: dict[str, Any]) -> str:
    token = secrets.token_urlsafe(32)
    ttl = rt().settings.SESSION_TTL_SECONDS
    payload = orjson.dumps({**data, "subject": subject})
    async with rt().redis.pipeline(transaction=True) as pipe:
        pipe.set(_key(token), payload, ex=ttl)
        pipe.sadd(_index(subject), token)
        pipe.expire(_index(subject), ttl)
        await pipe.execute()
    return token


async def load_session(token: str) -> dict[str, Any] | None:
    if not token or len(token) > 128:
        return None
    raw = await rt().redis.get(_key(token))
    return orjson.loads(raw) if raw else None


async def update_session(token: str, **changes: Any) -> None:
    data = await load_session(token)
    if data is None:
        return
    data.update(changes)
    ttl = await rt().redis.ttl(_key(token))
    await rt().redis.set(_key(token), orjson.dumps(data), ex=max(int(ttl), 1))


async def end_session(token: str) -> None:
    data = await load_session(token)
    await rt().redis.delete(_key(token))
    if data:
        await rt().redis.srem(_index(data["subject"]), token)


async def end_all_sessions(subject: str, *, keep: str | None = None) -> None:
    tokens = [t.decode() if isinstance(t, bytes) else t for t in await rt().redis.smembers(_index(subject))]
    doomed = [t for t in tokens if t != keep]
    if doomed:
        await rt().redis.delete(*[_key(t) for t in doomed])
        await rt().redis.srem(_index(subject), *doomed)
