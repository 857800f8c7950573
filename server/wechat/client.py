"""An async client for the WeChat server API (mini-program and official account).

- ``code2session``: the ``wx.login`` code → openid (GET /sns/jscode2session).
- access tokens from POST /cgi-bin/stable_token, cached in Redis per appid for
  ``expires_in`` minus a margin; one refresher at a time (an asyncio lock inside
  the process, a Redis ``SET NX`` lock across processes; the others wait and re-read).
- ``call``: any token-protected API (subscribe messages, template messages, ...).
  On 40001 / 40014 (token invalid) it refreshes with ``force_refresh`` and on 42001
  (expired) in normal mode, then retries exactly once; a second refusal is raised.

Non-zero errcodes become the typed exceptions of ``server.wechat.errors``; network
errors, timeouts and 5xx answers become ``WeChatUnavailable``. Secrets, codes and
tokens are never logged (httpx's request log is redacted too).
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import httpx
from redis.exceptions import WatchError

from server.wechat.errors import (
    NETWORK_ERRCODE,
    InvalidCredentials,
    TokenExpired,
    WeChatError,
    WeChatUnavailable,
    error_for,
)

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from server.config import Settings

log = logging.getLogger("server.wechat")

AppName = Literal["mp", "oa"]

# Cache a token for expires_in minus this many seconds (WeChat gives 7200 s).
TOKEN_MARGIN_SECONDS = 300
_POLL_SECONDS = 0.05


@dataclass(frozen=True)
class WeChatApp:
    name: str
    appid: str
    secret: str


@dataclass(frozen=True)
class Code2Session:
    openid: str
    session_key: str
    unionid: str | None = None


# --- keep secrets out of httpx's "HTTP Request: GET <url>" log line ---------
_SECRET_PARAMS = re.compile(r"((?:secret|js_code|access_token|code)=)[^&\s\"]*")


class _RedactQuery(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(
                _SECRET_PARAMS.sub(r"\1***", str(a)) if isinstance(a, httpx.URL | str) else a for a in record.args
            )
        return True


_httpx_log = logging.getLogger("httpx")
if not any(isinstance(f, _RedactQuery) for f in _httpx_log.filters):
    _httpx_log.addFilter(_RedactQuery())


def _text(value: bytes | str | None) -> str | None:
    if value is None:
        return None
    return value.decode() if isinstance(value, bytes) else value


def token_key(appid: str) -> str:
    return f"wechat:token:{appid}"


def _lock_key(appid: str) -> str:
    return f"wechat:token-lock:{appid}"


class WeChatClient:
    """One per process (see ``server.wechat.wechat()``); safe to share between tasks."""

    def __init__(
        self,
        *,
        settings: Settings,
        redis: Redis,
        timeout: float | None = None,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self.base_url = settings.WECHAT_API_BASE.rstrip("/")
        self.timeout = float(timeout if timeout is not None else settings.WECHAT_TIMEOUT_SECONDS)
        self._redis = redis
        self._apps: dict[str, WeChatApp] = {
            "mp": WeChatApp("mp", settings.WECHAT_MP_APPID, settings.WECHAT_MP_SECRET),
            "oa": WeChatApp("oa", settings.WECHAT_OA_APPID, settings.WECHAT_OA_SECRET),
        }
        self._http = http or httpx.AsyncClient(
            base_url=self.base_url,
            timeout=httpx.Timeout(self.timeout),
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
            headers={"user-agent": "dingkaotong/1.0"},
        )
        self._local_locks: dict[str, asyncio.Lock] = {}
        # A refresher holds the Redis lock at most this long (its HTTP call is bounded by timeout).
        self._lock_ttl = max(5, int(self.timeout * 2) + 1)
        self._lock_wait = self._lock_ttl + 1.0

    async def aclose(self) -> None:
        await self._http.aclose()

    @property
    def closed(self) -> bool:
        return self._http.is_closed

    def app(self, name: str) -> WeChatApp:
        try:
            app = self._apps[name]
        except KeyError:
            raise ValueError(f"unknown WeChat app {name!r} (mp or oa)") from None
        if not app.appid or not app.secret:
            raise InvalidCredentials(NETWORK_ERRCODE, f"WECHAT_{name.upper()}_APPID / _SECRET are not configured")
        return app

    # --- plumbing -----------------------------------------------------------
    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
    ) -> dict[str, Any]:
        """One HTTP round trip; returns the JSON body or raises a typed error."""
        try:
            resp = await self._http.request(method, path, params=params, json=json)
        except httpx.TimeoutException as exc:
            log.warning("wechat %s %s timed out after %.1fs", method, path, self.timeout)
            raise WeChatUnavailable(NETWORK_ERRCODE, f"timeout ({type(exc).__name__})") from exc
        except httpx.HTTPError as exc:
            log.warning("wechat %s %s network error: %s", method, path, type(exc).__name__)
            raise WeChatUnavailable(NETWORK_ERRCODE, f"network error ({type(exc).__name__})") from exc
        if resp.status_code >= 500:
            raise WeChatUnavailable(NETWORK_ERRCODE, f"HTTP {resp.status_code}")
        try:
            data = resp.json()
        except ValueError:
            raise WeChatUnavailable(NETWORK_ERRCODE, f"HTTP {resp.status_code}, not JSON") from None
        if not isinstance(data, dict):
            raise WeChatUnavailable(NETWORK_ERRCODE, "unexpected JSON shape")
        errcode = int(data.get("errcode") or 0)
        if errcode:
            errmsg = str(data.get("errmsg") or "")
            log.info("wechat %s %s errcode=%s errmsg=%s", method, path, errcode, errmsg[:120])
            raise error_for(errcode, errmsg)
        if resp.status_code >= 400:
            raise WeChatError(NETWORK_ERRCODE, f"HTTP {resp.status_code}")
        return data

    # --- mini-program login ---------------------------------------------------
    async def code2session(self, js_code: str) -> Code2Session:
        """Exchange a ``wx.login`` code (single use, 5 minutes) for the openid."""
        app = self.app("mp")
        data = await self._request(
            "GET",
            "/sns/jscode2session",
            params={"appid": app.appid, "secret": app.secret, "js_code": js_code,
                    "grant_type": "authorization_code"},
        )
        openid = data.get("openid")
        if not openid:
            raise WeChatUnavailable(NETWORK_ERRCODE, "jscode2session answered without an openid")
        return Code2Session(openid=str(openid), session_key=str(data.get("session_key") or ""),
                            unionid=data.get("unionid"))

    # --- access tokens --------------------------------------------------------
    async def _cached_token(self, app: WeChatApp) -> str | None:
        return _text(await self._redis.get(token_key(app.appid)))

    async def access_token(self, app: AppName = "mp") -> str:
        """The cached access token of the app, fetched once when missing."""
        cfg = self.app(app)
        cached = await self._cached_token(cfg)
        if cached:
            return cached
        return await self._refresh(cfg, stale=None, force=False)

    async def refresh_access_token(self, app: AppName = "mp", *, stale: str, force: bool = True) -> str:
        """A token other than ``stale`` (the one WeChat just refused). If another task or
        process has already replaced it, that one is used and WeChat is not asked again."""
        cfg = self.app(app)
        cached = await self._cached_token(cfg)
        if cached and cached != stale:
            return cached
        return await self._refresh(cfg, stale=stale, force=force)

    async def _refresh(self, app: WeChatApp, *, stale: str | None, force: bool) -> str:
        local = self._local_locks.setdefault(app.appid, asyncio.Lock())
        async with local:  # one refresher per process; the others wait here and re-read
            cached = await self._cached_token(app)
            if cached and cached != stale:
                return cached
            owner = secrets.token_hex(8)
            lock = _lock_key(app.appid)
            deadline = time.monotonic() + self._lock_wait
            while True:
                if await self._redis.set(lock, owner, nx=True, ex=self._lock_ttl):
                    try:
                        cached = await self._cached_token(app)
                        if cached and cached != stale:
                            return cached
                        return await self._fetch_token(app, force=force)
                    finally:
                        await self._release(lock, owner)
                await asyncio.sleep(_POLL_SECONDS)  # another process is refreshing
                cached = await self._cached_token(app)
                if cached and cached != stale:
                    return cached
                if time.monotonic() > deadline:
                    raise WeChatUnavailable(NETWORK_ERRCODE, "timed out waiting for the access-token refresh")

    async def _fetch_token(self, app: WeChatApp, *, force: bool) -> str:
        data = await self._request(
            "POST",
            "/cgi-bin/stable_token",
            json={"grant_type": "client_credential", "appid": app.appid, "secret": app.secret,
                  "force_refresh": force},
        )
        token = data.get("access_token")
        if not token:
            raise WeChatUnavailable(NETWORK_ERRCODE, "stable_token answered without a token")
        expires_in = int(data.get("expires_in") or 7200)
        ttl = expires_in - TOKEN_MARGIN_SECONDS if expires_in > 2 * TOKEN_MARGIN_SECONDS else max(expires_in // 2, 1)
        await self._redis.set(token_key(app.appid), str(token), ex=ttl)
        log.info("wechat %s access token refreshed (force=%s, cached %ss)", app.name, force, ttl)
        return str(token)

    async def _release(self, lock: str, owner: str) -> None:
        """Delete the lock only if this refresher still owns it (it may have expired)."""
        async with self._redis.pipeline(transaction=True) as pipe:
            try:
                await pipe.watch(lock)
                if _text(await pipe.get(lock)) == owner:
                    pipe.multi()
                    pipe.delete(lock)
                    await pipe.execute()
                else:
                    await pipe.unwatch()
            except WatchError:
                pass

    async def invalidate_token(self, app: AppName = "mp") -> None:
        await self._redis.delete(token_key(self.app(app).appid))

    # --- any token-protected API ----------------------------------------------
    async def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        app: AppName = "mp",
    ) -> dict[str, Any]:
        """Call a token-protected API and return its JSON body (errcode 0).

        On a refused token the client refreshes it and retries once; a second refusal
        raises ``TokenExpired``. Other errcodes raise their typed exception.
        """
        token = await self.access_token(app)
        try:
            return await self._request(method, path, params={**(params or {}), "access_token": token}, json=json)
        except TokenExpired as exc:
            fresh = await self.refresh_access_token(app, stale=token, force=exc.errcode != 42001)
            log.info("wechat %s %s: token refused (errcode %s), retrying once", method, path, exc.errcode)
        return await self._request(method, path, params={**(params or {}), "access_token": fresh}, json=json)
