"""Sign-in protection shared by the staff and physician logins (issue #15).

Everything is keyed by what the caller typed (the account code or ID number, as a keyed hash) and
the source IP, never by whether the account exists, so unknown accounts are answered exactly like
real ones (``account_locked`` included):

- rate limits (rate_limits.py): every attempt from one IP (login_ip), failures from one IP
  (login_fail_ip), failures on one account from anywhere (login_account: past the captcha, so an
  attacker who wants the owner refused must solve captchas);
- after LOGIN_CAPTCHA_AFTER failures on an account (any source) each login needs a captcha;
- per account AND source: each failure waits a little longer (LOGIN_SLOWDOWN_SECONDS more per
  failure, at most LOGIN_SLOWDOWN_MAX_SECONDS) and LOGIN_MAX_FAILURES lock that pair for
  LOGIN_LOCK_SECONDS — an attacker elsewhere cannot lock the owner out;
- every lock, and every unlock (the lock ran out, a success or a password reset cleared it), is
  written to the audit log (login.lock / login.unlock) for a real account.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from dataclasses import dataclass

from server.errors import Forbidden, ValidationFailed
from server.services import audit
from server.services.access import Actor
from server.services.accounts import rate_limits
from server.services.accounts.captcha import check_captcha
from server.services.platform.runtime import rt

LOCKED = "登录失败次数过多，请{minutes}分钟后再试"
CAPTCHA_REQUIRED = "请输入图片验证码"


def _tag(*parts: object) -> str:
    text = "|".join(str(p) for p in parts)
    return hmac.new(rt().settings.SECRET_KEY.encode(), text.encode(), hashlib.sha256).hexdigest()[:24]


@dataclass
class Attempt:
    """One login attempt: ``kind`` "staff" / "physician", ``ident`` what was typed (normalised)."""

    kind: str
    ident: str
    ip: str | None

    @property
    def account(self) -> str:
        return f"{self.kind}:{self.ident}"

    @property
    def _account_tag(self) -> str:
        return _tag("acct", self.account)

    @property
    def _pair_tag(self) -> str:
        return _tag("pair", self.account, self.ip or "-")

    def fail_key(self) -> str:
        return f"login:fail:{self._account_tag}"

    def pair_key(self) -> str:
        return f"login:pairfail:{self._pair_tag}"

    def lock_key(self) -> str:
        return f"login:lock:{self._pair_tag}"

    def lockmark_key(self) -> str:
        """Outlives the lock: the next attempt after it ran out records the unlock."""
        return f"login:lockmark:{self._pair_tag}"


async def captcha_needed(attempt: Attempt) -> bool:
    raw = await rt().redis.get(attempt.fail_key())
    return raw is not None and int(raw) >= rt().settings.LOGIN_CAPTCHA_AFTER


async def before(attempt: Attempt, *, captcha_id: str | None, captcha_answer: str | None,
                 captcha_always: bool = False) -> None:
    """Refuse the attempt before any password work: rate limits, the pair's lock, the captcha."""
    await rate_limits.take("login_ip", attempt.ip)
    await rate_limits.check("login_fail_ip", attempt.ip)
    await rate_limits.check("login_account", attempt.account)
    redis = rt().redis
    left = await redis.ttl(attempt.lock_key())
    if left and left > 0:
        minutes = max(1, (int(left) + 59) // 60)
        raise Forbidden(LOCKED.format(minutes=minutes), code="account_locked", details={"retry_after": int(left)})
    if captcha_always or await captcha_needed(attempt):
        if not captcha_id:
            raise ValidationFailed(CAPTCHA_REQUIRED, code="captcha_required", details={"captcha_required": True})
        await check_captcha(captcha_id, captcha_answer or "")


async def failed(attempt: Attempt, *, target: tuple[str, int] | None) -> None:
    """Count a failure; lock the (account, source) pair at LOGIN_MAX_FAILURES; wait a little.
    ``target`` (audit type, id) names the real account, None for an unknown one."""
    s = rt().settings
    redis = rt().redis
    await rate_limits.count("login_fail_ip", attempt.ip)
    await rate_limits.count("login_account", attempt.account)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.incr(attempt.fail_key())
        pipe.expire(attempt.fail_key(), s.LOGIN_LOCK_SECONDS)
        pipe.incr(attempt.pair_key())
        pipe.expire(attempt.pair_key(), s.LOGIN_LOCK_SECONDS)
        _, _, pair_failures, _ = await pipe.execute()
    pair_failures = int(pair_failures)
    if pair_failures >= s.LOGIN_MAX_FAILURES:
        await redis.set(attempt.lock_key(), str(int(time.time())).encode(), ex=s.LOGIN_LOCK_SECONDS)
        await redis.set(attempt.lockmark_key(), b"1", ex=s.LOGIN_LOCK_SECONDS * 4 + 86400)
        await redis.delete(attempt.pair_key())
        await _audit(attempt, "login.lock", target,
                     {"seconds": s.LOGIN_LOCK_SECONDS, "failures": pair_failures})
    delay = min(s.LOGIN_SLOWDOWN_MAX_SECONDS, s.LOGIN_SLOWDOWN_SECONDS * (pair_failures - 1))
    if delay > 0:
        await asyncio.sleep(delay)


async def note_unlock_if_expired(attempt: Attempt, *, target: tuple[str, int] | None) -> None:
    """The pair was locked and the lock ran out: record the unlock (once)."""
    redis = rt().redis
    if await redis.exists(attempt.lock_key()):
        return
    if await redis.delete(attempt.lockmark_key()):
        await _audit(attempt, "login.unlock", target, {"reason": "expired"})


async def succeeded(attempt: Attempt) -> None:
    """A right password from this source: its failure count starts again."""
    await rt().redis.delete(attempt.pair_key())


async def locked_somewhere(kind: str, ident: str) -> bool:
    """Whether some source is locked out of the account now (for the administrators' views)."""
    redis = rt().redis
    pairs = await redis.smembers(f"login:locks:{_tag('acct', f'{kind}:{ident}')}")
    for pair in pairs:
        name = pair.decode() if isinstance(pair, bytes) else pair
        if await redis.exists(f"login:lock:{name}"):
            return True
    return False


async def clear_account(kind: str, ident: str, *, target: tuple[str, int], actor: Actor | None = None,
                        reason: str) -> None:
    """A password reset (by an administrator or by SMS) lifts every lock of the account."""
    redis = rt().redis
    account = f"{kind}:{ident}"
    await redis.delete(f"login:fail:{_tag('acct', account)}")
    # the pair keys hash the source IP in: the account's locked pairs are kept in an index
    index_key = f"login:locks:{_tag('acct', account)}"
    pairs = [p.decode() if isinstance(p, bytes) else p for p in await redis.smembers(index_key)]
    removed = 0
    for pair in pairs:
        removed += int(await redis.delete(f"login:lock:{pair}", f"login:pairfail:{pair}", f"login:lockmark:{pair}"))
    await redis.delete(index_key)
    if removed:
        await audit.record(actor, "login.unlock", target[0], target[1], after={"reason": reason})


async def _audit(attempt: Attempt, action: str, target: tuple[str, int] | None, after: dict) -> None:
    if action == "login.lock":
        index_key = f"login:locks:{attempt._account_tag}"
        await rt().redis.sadd(index_key, attempt._pair_tag)
        await rt().redis.expire(index_key, rt().settings.LOGIN_LOCK_SECONDS * 4 + 86400)
    if target is None:
        return
    await audit.record(None, action, target[0], target[1], after=after, ip=attempt.ip)
