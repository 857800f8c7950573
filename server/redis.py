"""Redis through redis.asyncio; an in-process stand-in (fakeredis) on the embedded default."""

from __future__ import annotations

from redis.asyncio import Redis


def make_redis(url: str) -> Redis:
    if url:
        return Redis.from_url(url, decode_responses=False)
    from fakeredis import FakeAsyncRedis

    return FakeAsyncRedis(decode_responses=False)
