"""WeChat server API: one shared async client per process (see ``client.py``).

``wechat()`` returns the client of the current runtime and event loop, creating it
on first use; ``close_wechat()`` is called when the resources close.
"""

from __future__ import annotations

import asyncio

from server.services.platform.runtime import Runtime, rt
from server.wechat.client import Code2Session, WeChatClient
from server.wechat.errors import (
    InvalidCode,
    InvalidCredentials,
    RateLimited,
    SubscriptionRefused,
    TokenExpired,
    WeChatError,
    WeChatUnavailable,
)

__all__ = [
    "Code2Session", "InvalidCode", "InvalidCredentials", "RateLimited", "SubscriptionRefused", "TokenExpired",
    "WeChatClient", "WeChatError", "WeChatUnavailable", "close_wechat", "set_wechat", "wechat",
]

# The process's client, cached per (runtime, event loop) and closed with the resources: one
# connection pool and one access-token cache per process (WeChat limits token refreshes).
_client: WeChatClient | None = None
_owner: tuple[Runtime, asyncio.AbstractEventLoop] | None = None


def wechat() -> WeChatClient:
    """The process's WeChat client (created lazily for the current runtime and loop)."""
    global _client, _owner
    runtime = rt()
    loop = asyncio.get_running_loop()
    if _client is None or _client.closed or _owner is None or _owner[0] is not runtime or _owner[1] is not loop:
        _client = WeChatClient(settings=runtime.settings, redis=runtime.redis)
        _owner = (runtime, loop)
    return _client


def set_wechat(client: WeChatClient | None) -> None:
    """Use this client for the current runtime and loop (tests, scripts)."""
    global _client, _owner
    _client = client
    _owner = (rt(), asyncio.get_running_loop()) if client is not None else None


async def close_wechat() -> None:
    global _client, _owner
    client, owner = _client, _owner
    _client, _owner = None, None
    # a client made on another event loop cannot be closed from this one: let it go
    if client is not None and not client.closed and owner is not None and owner[1] is asyncio.get_running_loop():
        await client.aclose()
