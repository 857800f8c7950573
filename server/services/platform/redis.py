"""Redis through redis.asyncio; an in-process stand-in (fakeredis) on the embedded default."""

from __future__ import annotations

from redis.asyncio import BlockingConnectionPool, Redis


def make_redis(url: str, *, max_connections: int = 500) -> Redis:
    """A client whose pool waits (up to 5 s) for a free connection instead of failing a burst
    with "Too many connections" (redis-py's default pool refuses the 101st)."""
    if url:
        pool = BlockingConnectionPool.from_url(url, max_connections=max_connections, timeout=5)
        return Redis(connection_pool=pool, decode_responses=False)
    from fakeredis import FakeAsyncRedis

    return FakeAsyncRedis(decode_responses=False)
