"""Typed WeChat API errors.

WeChat answers HTTP 200 with ``{"errcode": N, "errmsg": "..."}`` when a call fails;
the client turns every non-zero errcode into one of these. Callers (login, the
outbox sender) decide per type: an invalid code is the user's problem, an expired
token is handled inside the client, a rate limit or an unavailable upstream is
worth retrying later, anything else is a definitive refusal.
"""

from __future__ import annotations


class WeChatError(Exception):
    """A WeChat API call failed with ``errcode`` / ``errmsg``."""

    retryable: bool = False

    def __init__(self, errcode: int, errmsg: str = "") -> None:
        self.errcode = errcode
        self.errmsg = errmsg
        super().__init__(f"wechat errcode {errcode}: {errmsg}")


class InvalidCode(WeChatError):
    """40029 invalid code / 40163 code been used: the wx.login code cannot be exchanged."""


class TokenExpired(WeChatError):
    """40001 / 42001 / 40014: the access token was refused (the client refreshes once)."""


class InvalidCredentials(WeChatError):
    """40013 invalid appid / 40125 invalid appsecret / 40164 IP not whitelisted: a configuration problem."""


class RateLimited(WeChatError):
    """45011 API minute-quota reached, 45009 daily quota reached."""

    retryable = True


class SubscriptionRefused(WeChatError):
    """43101: the user has not accepted (or has used up) this subscribe-message template."""


class WeChatUnavailable(WeChatError):
    """Network error, timeout, non-JSON or 5xx answer, or -1 "system busy": try again later."""

    retryable = True


# errcode -> exception type; anything else is a plain WeChatError
_BY_CODE: dict[int, type[WeChatError]] = {
    -1: WeChatUnavailable,
    40029: InvalidCode,
    40163: InvalidCode,
    40001: TokenExpired,
    42001: TokenExpired,
    40014: TokenExpired,
    40013: InvalidCredentials,
    40125: InvalidCredentials,
    40164: InvalidCredentials,
    45009: RateLimited,
    45011: RateLimited,
    43101: SubscriptionRefused,
}

# The errcodes after which the client refreshes the access token and retries once.
TOKEN_ERRCODES = frozenset({40001, 42001, 40014})

# errcode used for failures that never reached WeChat's JSON (network, timeout, HTTP 5xx).
NETWORK_ERRCODE = -2


def error_for(errcode: int, errmsg: str = "") -> WeChatError:
    """The typed exception for a non-zero errcode."""
    return _BY_CODE.get(errcode, WeChatError)(errcode, errmsg)
