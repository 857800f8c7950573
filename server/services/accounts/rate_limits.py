"""The one rate limiter of sign-in (issue #15): fixed-window counters in Redis, so every worker
and server shares them. Rules are named and configured in server/config.py (RATE_LIMITS, defaults
in DEFAULT_RATE_LIMITS); a refused call raises ``RateLimited`` (429) with a Chinese message and
``retry_after`` (the Retry-After header) = the seconds left in the window.

- ``take(rule, key)``: count one call and refuse it past the limit (every attempt counts).
- ``check(rule, key)`` / ``count(rule, key)``: refuse when the window is already full / count
  without refusing — for rules that count only failures (the failure is known after the work).
Keys are keyed hashes (no IP address, phone or ID number in Redis key names)."""

from __future__ import annotations

import hashlib
import hmac
import time

from server.errors import RateLimited
from server.services.platform.runtime import rt

_MESSAGES = {
    "login": "登录尝试过于频繁，请{wait}后再试",
    "captcha": "获取验证码图片过于频繁，请{wait}后再试",
    "sms": "获取验证码过于频繁，请{wait}后再试",
    "code": "验证码校验过于频繁，请{wait}后再试",
}


def tag(*parts: object) -> str:
    """A keyed hash of what identifies a counter (an IP, an ID number, an account code)."""
    text = "|".join(str(p) for p in parts)
    return hmac.new(rt().settings.SECRET_KEY.encode(), text.encode(), hashlib.sha256).hexdigest()[:24]


def _rule(name: str) -> tuple[int, int]:
    return rt().settings.rate_limits[name]


def _window_key(name: str, key: str, window: int) -> tuple[str, int]:
    now = int(time.time())
    bucket = now // window
    return f"rl:{name}:{tag(name, key)}:{bucket}", window - now % window


def _wait_text(seconds: int) -> str:
    return f"{seconds}秒" if seconds < 120 else f"{(seconds + 59) // 60}分钟"


def _refuse(name: str, wait: int, code: str | None) -> RateLimited:
    family = name.split("_", 1)[0]
    message = _MESSAGES.get(family, "操作过于频繁，请{wait}后再试").format(wait=_wait_text(wait))
    return RateLimited(message, code=code or f"{family}_rate_limited", details={"retry_after": max(1, wait)})


async def take(name: str, key: str | None, *, code: str | None = None) -> None:
    """Count this call against rule ``name`` for ``key``; raise RateLimited past the limit."""
    if not key:
        return
    limit, window = _rule(name)
    redis_key, left = _window_key(name, key, window)
    n = await rt().redis.incr(redis_key)
    if n == 1:
        await rt().redis.expire(redis_key, window + 1)
    if n > limit:
        raise _refuse(name, left, code)


async def check(name: str, key: str | None, *, code: str | None = None) -> None:
    """Raise RateLimited when the window of rule ``name`` for ``key`` is already full."""
    if not key:
        return
    limit, window = _rule(name)
    redis_key, left = _window_key(name, key, window)
    raw = await rt().redis.get(redis_key)
    if raw is not None and int(raw) >= limit:
        raise _refuse(name, left, code)


async def count(name: str, key: str | None) -> int:
    """Count one (failed) call against rule ``name`` without refusing it; the new count."""
    if not key:
        return 0
    _, window = _rule(name)
    redis_key, _ = _window_key(name, key, window)
    n = int(await rt().redis.incr(redis_key))
    if n == 1:
        await rt().redis.expire(redis_key, window + 1)
    return n
