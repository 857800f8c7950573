"""SMS verification codes (SPEC §2: phone binding with an SMS code, rate-limited).

- ``issue_code``: a 6-digit code per (purpose, subject), kept in Redis as an HMAC for
  SMS_CODE_TTL_SECONDS, replacing any earlier one. Rate limits per phone and per
  subject: SMS_MIN_INTERVAL_SECONDS between sends, SMS_MAX_PER_DAY per day (China time).
- ``check_code``: single use; a few wrong tries invalidate it.
- Delivery goes through an ``SmsSender``. The default ``OutboxSmsSender`` writes an
  OutboxMessage (channel "sms") for the delivery worker. Logs never carry the phone in
  clear nor the code.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from server.errors import RateLimited, ValidationFailed
from server.models import OutboxMessage
from server.security import mask_phone, phone_problem
from server.services.accounts import rate_limits
from server.services.notify import dispatch
from server.services.notify.sms import CODE_TEMPLATE, SmsSender
from server.services.platform.runtime import rt

log = logging.getLogger("server.sms")

MAX_WRONG_TRIES = 5
_CHINA = timezone(timedelta(hours=8))


class OutboxSmsSender:
    """Queue the message in the outbox; the notification worker delivers it."""

    async def send(self, phone: str, template: str, params: dict[str, Any], *, recipient_id: int | None = None) -> None:
        row = await OutboxMessage.create(
            channel="sms",
            recipient_type="physician" if recipient_id is not None else "phone",
            recipient_id=recipient_id,
            address=phone,
            template=template,
            payload=dict(params),
        )
        dispatch.kick([row.id])  # delivered by server/services/notify/dispatch.py (code blanked once sent)
        log.info("sms queued template=%s phone=%s", template, mask_phone(phone))


# Replaceable by tests (a recorder) or a direct gateway; set once at start-up otherwise.
_sender: SmsSender = OutboxSmsSender()


def get_sender() -> SmsSender:
    return _sender


def set_sender(sender: SmsSender) -> None:
    """Replace the delivery (an SMS gateway adapter in production, a recorder in tests)."""
    global _sender
    _sender = sender


@dataclass
class CodeIssued:
    expires_in: int
    resend_after: int


def _code_key(purpose: str, subject: str) -> str:
    return f"sms:code:{purpose}:{subject}"


def _digest(purpose: str, subject: str, phone: str, code: str) -> str:
    key = rt().settings.SECRET_KEY.encode()
    return hmac.new(key, f"{purpose}|{subject}|{phone}|{code}".encode(), hashlib.sha256).hexdigest()


def _s(value: bytes | str | None) -> str:
    if value is None:
        return ""
    return value.decode() if isinstance(value, bytes) else value


async def _take_interval(keys: list[str], interval: int) -> None:
    """Claim the send slot of every key (SET NX); on a taken one, give back the ones claimed."""
    redis = rt().redis
    claimed: list[str] = []
    for key in keys:
        if await redis.set(key, b"1", nx=True, ex=interval):
            claimed.append(key)
            continue
        if claimed:
            await redis.delete(*claimed)
        wait = max(int(await redis.ttl(key)), 1)
        raise RateLimited(f"验证码发送过于频繁，请{wait}秒后再试", code="sms_too_frequent", details={"retry_after": wait})


async def _check_daily(keys: list[str], limit: int) -> None:
    for key in keys:
        raw = await rt().redis.get(key)
        if raw is not None and int(raw) >= limit:
            raise RateLimited("今日获取验证码次数已达上限，请明天再试", code="sms_daily_limit")


async def _count_daily(keys: list[str]) -> None:
    async with rt().redis.pipeline(transaction=True) as pipe:
        for key in keys:
            pipe.incr(key)
            pipe.expire(key, 2 * 86400)
        await pipe.execute()


def _phone_tag(phone: str) -> str:
    """Redis keys carry a keyed hash of the phone number, not the number."""
    return hmac.new(rt().settings.SECRET_KEY.encode(), phone.encode(), hashlib.sha256).hexdigest()[:20]


async def check_ip(ip: str | None) -> None:
    """Codes asked from one address are bounded too (SMS_MAX_PER_IP_PER_HOUR), whatever the phone."""
    await rate_limits.take("sms_ip", ip, code="sms_ip_limit")


async def issue_code(*, purpose: str, subject: str, phone: str, recipient_id: int | None = None,
                     ip: str | None = None) -> CodeIssued:
    """Send a new verification code to ``phone`` for ``subject`` (e.g. "physician:12")."""
    problem = phone_problem(phone)
    if problem:
        raise ValidationFailed(problem, code="invalid_phone")
    await check_ip(ip)
    s = rt().settings
    day = datetime.now(UTC).astimezone(_CHINA).strftime("%Y%m%d")
    tag = _phone_tag(phone)
    daily = [f"sms:day:phone:{tag}:{day}", f"sms:day:{subject}:{day}"]
    await _check_daily(daily, s.SMS_MAX_PER_DAY)
    await _take_interval([f"sms:gap:{subject}", f"sms:gap:phone:{tag}"], s.SMS_MIN_INTERVAL_SECONDS)
    await _count_daily(daily)
    code = f"{secrets.randbelow(1_000_000):06d}"
    await rt().redis.hset(
        _code_key(purpose, subject),
        mapping={"digest": _digest(purpose, subject, phone, code), "tries": 0},
    )
    await rt().redis.expire(_code_key(purpose, subject), s.SMS_CODE_TTL_SECONDS)
    minutes = max(1, s.SMS_CODE_TTL_SECONDS // 60)
    await get_sender().send(phone, CODE_TEMPLATE, {"code": code, "minutes": minutes}, recipient_id=recipient_id)
    return CodeIssued(expires_in=s.SMS_CODE_TTL_SECONDS, resend_after=s.SMS_MIN_INTERVAL_SECONDS)


async def take_request_slot(subject: str, interval: int, *, ip: str | None = None) -> None:
    """The per-subject limits of a code request that sends nothing (忘记密码 for an ID number with no
    bound phone), so that the answers and refusals are the same as for a real one."""
    await check_ip(ip)
    s = rt().settings
    day = datetime.now(UTC).astimezone(_CHINA).strftime("%Y%m%d")
    daily = [f"sms:day:{subject}:{day}"]
    await _check_daily(daily, s.SMS_MAX_PER_DAY)
    await _take_interval([f"sms:gap:{subject}"], interval)
    await _count_daily(daily)


async def check_code(*, purpose: str, subject: str, phone: str, code: str) -> None:
    """Consume the code if it matches ``phone`` and ``code``; raise otherwise.

    A wrong code counts a try; after MAX_WRONG_TRIES the code is gone and a new one is needed.
    """
    redis = rt().redis
    key = _code_key(purpose, subject)
    stored = await redis.hgetall(key)
    digest = _s(stored.get(b"digest") or stored.get("digest"))  # type: ignore[call-overload]
    if not digest:
        raise ValidationFailed("验证码已失效，请重新获取", code="sms_code_expired")
    candidate = _digest(purpose, subject, phone, (code or "").strip())
    if hmac.compare_digest(digest, candidate):
        if await redis.delete(key):  # single use: only the caller that deleted it wins
            return
        raise ValidationFailed("验证码已失效，请重新获取", code="sms_code_expired")
    tries = await redis.hincrby(key, "tries", 1)
    if await redis.ttl(key) < 0:  # expired meanwhile: hincrby made a bare hash, drop it
        await redis.delete(key)
        raise ValidationFailed("验证码已失效，请重新获取", code="sms_code_expired")
    if tries >= MAX_WRONG_TRIES:
        await redis.delete(key)
        raise ValidationFailed("验证码错误次数过多，请重新获取", code="sms_code_invalidated")
    raise ValidationFailed(f"验证码错误，还可尝试{MAX_WRONG_TRIES - tries}次", code="sms_code_wrong")
