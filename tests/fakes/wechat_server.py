"""A fake WeChat API server: real HTTP on 127.0.0.1, the documented JSON answers.

- GET  /sns/jscode2session   known codes → {openid, session_key, unionid?}; codes are
  single use (a used one → 40163), unknown → 40029; wrong appid / secret → 40013 / 40125.
- POST /cgi-bin/stable_token issues tokens (normal mode returns the still-valid one,
  force_refresh invalidates it), counts calls, can be told the next token is expired.
- every other /cgi-bin/ and /wxa/ path is token-protected: unknown or invalidated token
  → 40001, expired → 42001, otherwise errcode 0; requests are recorded.
  GET /cgi-bin/getcallbackip also answers an ip_list.
- POST /cgi-bin/message/subscribe/send and /cgi-bin/message/template/send check the body
  (no touser → 40003, data not an object → 47001) and answer ``refuse_touser[openid]`` when set
  (e.g. 43101 user refused, 40003 invalid openid); template/send answers a msgid.
- POST /cgi-bin/qrcode/create answers {ticket, expire_seconds, url}; ``qrcode_scene(ticket)``
  gives back the scene a test "scans".

Knobs: ``delay`` (seconds per path), ``fail_next`` (errcodes to answer per path),
``http_status`` (e.g. 503 per path), ``refuse_all_tokens``, ``refuse_touser`` (openid → errcode).
``calls(path)`` counts every request to a path, answered or refused.

Fixtures: ``wechat_fake`` (session: started before the app so its URL is the app's
WECHAT_API_BASE) and ``wechat`` (per test: the same server, reset).
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

TEST_APPS = {"wx-test-mp": "test-mp-secret", "wx-test-oa": "test-oa-secret"}


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    body: Any


@dataclass
class _Token:
    appid: str
    state: str  # valid | expired | invalid
    issued_at: float
    expires_in: int


@dataclass
class _State:
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    used_codes: set[str] = field(default_factory=set)
    tokens: dict[str, _Token] = field(default_factory=dict)
    current: dict[str, str] = field(default_factory=dict)  # appid -> token
    stable_token_calls: list[dict[str, Any]] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)
    expire_next: bool = False
    hits: dict[str, int] = field(default_factory=dict)
    qrcodes: dict[str, str] = field(default_factory=dict)  # ticket -> scene


class FakeWeChat:
    def __init__(self, apps: dict[str, str] | None = None) -> None:
        self.apps = dict(apps or TEST_APPS)
        self._lock = threading.Lock()
        self._state = _State()
        self.delay: dict[str, float] = {}
        self.fail_next: dict[str, list[tuple[int, str]]] = {}
        self.http_status: dict[str, int] = {}
        self.refuse_all_tokens = False
        self.refuse_touser: dict[str, tuple[int, str]] = {}
        self.token_expires_in = 7200
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ----------------------------------------------------------
    def start(self) -> FakeWeChat:
        fake = self

        class Handler(_Handler):
            owner = fake

        class Server(ThreadingHTTPServer):
            request_queue_size = 256  # the default backlog (5) resets bursts of connections

        self._server = Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-wechat", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def base_url(self) -> str:
        assert self._server is not None, "fake WeChat server not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def reset(self) -> None:
        with self._lock:
            self._state = _State()
        self.delay.clear()
        self.fail_next.clear()
        self.http_status.clear()
        self.refuse_all_tokens = False
        self.refuse_touser.clear()
        self.token_expires_in = 7200

    # --- test controls --------------------------------------------------------
    def add_code(self, code: str, openid: str, *, unionid: str | None = None) -> str:
        with self._lock:
            entry = {"openid": openid, "session_key": secrets.token_urlsafe(16)}
            if unionid:
                entry["unionid"] = unionid
            self._state.codes[code] = entry
        return code

    def new_code(self, openid: str, *, unionid: str | None = None) -> str:
        """A fresh wx.login code that jscode2session maps to ``openid``."""
        return self.add_code(f"code-{secrets.token_hex(8)}", openid, unionid=unionid)

    def expire_next_token(self) -> None:
        """The next token issued is already expired (using it answers 42001)."""
        with self._lock:
            self._state.expire_next = True

    def invalidate_tokens(self) -> None:
        """Every token issued so far is refused with 40001 (e.g. someone else refreshed it)."""
        with self._lock:
            for token in self._state.tokens.values():
                token.state = "invalid"

    @property
    def stable_token_calls(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._state.stable_token_calls)

    def requests_to(self, path: str) -> list[Recorded]:
        with self._lock:
            return [r for r in self._state.requests if r.path == path]

    def calls(self, path: str) -> int:
        """Every request to ``path`` (also those answered by fail_next / http_status)."""
        with self._lock:
            return self._state.hits.get(path, 0)

    def qrcode_scene(self, ticket: str) -> str | None:
        with self._lock:
            return self._state.qrcodes.get(ticket)

    # --- behaviour (called from the handler threads) ------------------------------
    def _answer(self, method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, dict[str, Any], str]:
        with self._lock:
            self._state.hits[path] = self._state.hits.get(path, 0) + 1
        if path in self.http_status:
            return self.http_status[path], {"message": "server error"}, "text/html"
        with self._lock:
            queued = self.fail_next.get(path)
            if queued:
                errcode, errmsg = queued.pop(0)
                return 200, {"errcode": errcode, "errmsg": errmsg}, "application/json"
            if path == "/sns/jscode2session":
                return 200, self._jscode2session(query), "text/plain"
            if path == "/cgi-bin/stable_token":
                return 200, self._stable_token(body if isinstance(body, dict) else {}), "application/json"
            self._state.requests.append(Recorded(method, path, query, body))
            refused = self._check_token(query.get("access_token", ""))
            if refused:
                return 200, refused, "application/json"
            if path == "/cgi-bin/getcallbackip":
                return 200, {"ip_list": ["127.0.0.1"]}, "application/json"
            if path in ("/cgi-bin/message/subscribe/send", "/cgi-bin/message/template/send"):
                return 200, self._message_send(path, body if isinstance(body, dict) else {}), "application/json"
            if path == "/cgi-bin/qrcode/create":
                return 200, self._qrcode_create(body if isinstance(body, dict) else {}), "application/json"
            return 200, {"errcode": 0, "errmsg": "ok"}, "application/json"

    def _message_send(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        if not body.get("touser"):
            return {"errcode": 40003, "errmsg": "invalid openid"}
        if "data" in body and not isinstance(body["data"], dict):
            return {"errcode": 47001, "errmsg": "data format error"}
        refused = self.refuse_touser.get(str(body["touser"]))
        if refused:
            return {"errcode": refused[0], "errmsg": refused[1]}
        answer: dict[str, Any] = {"errcode": 0, "errmsg": "ok"}
        if path.endswith("/template/send"):
            answer["msgid"] = len(self._state.requests)
        return answer

    def _qrcode_create(self, body: dict[str, Any]) -> dict[str, Any]:
        action = body.get("action_name")
        scene = ((body.get("action_info") or {}).get("scene") or {})
        value = scene.get("scene_str") if action == "QR_STR_SCENE" else scene.get("scene_id")
        if action not in ("QR_SCENE", "QR_STR_SCENE") or value in (None, "") or len(str(value)) > 64:
            return {"errcode": 40053, "errmsg": "invalid action info"}
        ticket = f"gQ{secrets.token_hex(16)}=="
        self._state.qrcodes[ticket] = str(value)
        expire = min(int(body.get("expire_seconds") or 60), 2592000)
        return {"ticket": ticket, "expire_seconds": expire, "url": f"http://weixin.qq.com/q/{secrets.token_hex(8)}"}

    def _jscode2session(self, q: dict[str, str]) -> dict[str, Any]:
        if self.apps.get(q.get("appid", "")) is None:
            return {"errcode": 40013, "errmsg": "invalid appid"}
        if self.apps[q["appid"]] != q.get("secret"):
            return {"errcode": 40125, "errmsg": "invalid appsecret"}
        if q.get("grant_type") != "authorization_code":
            return {"errcode": 40002, "errmsg": "invalid grant_type"}
        code = q.get("js_code", "")
        if code in self._state.used_codes:
            return {"errcode": 40163, "errmsg": "code been used"}
        entry = self._state.codes.pop(code, None)
        if entry is None:
            return {"errcode": 40029, "errmsg": "invalid code"}
        self._state.used_codes.add(code)
        return dict(entry)

    def _stable_token(self, body: dict[str, Any]) -> dict[str, Any]:
        appid = str(body.get("appid", ""))
        force = bool(body.get("force_refresh"))
        self._state.stable_token_calls.append({"appid": appid, "force_refresh": force})
        if body.get("grant_type") != "client_credential":
            return {"errcode": 40002, "errmsg": "invalid grant_type"}
        if appid not in self.apps:
            return {"errcode": 40013, "errmsg": "invalid appid"}
        if self.apps[appid] != body.get("secret"):
            return {"errcode": 40125, "errmsg": "invalid appsecret"}
        now = time.monotonic()
        current = self._state.tokens.get(self._state.current.get(appid, ""))
        if current is not None and not force and current.state == "valid":
            remaining = int(current.expires_in - (now - current.issued_at))
            if remaining > 0:
                return {"access_token": self._state.current[appid], "expires_in": remaining}
        if current is not None and force:
            current.state = "invalid"
        token = f"ACCESS_TOKEN_{secrets.token_hex(12)}"
        state = "expired" if self._state.expire_next else "valid"
        self._state.expire_next = False
        self._state.tokens[token] = _Token(appid, state, now, self.token_expires_in)
        self._state.current[appid] = token
        return {"access_token": token, "expires_in": self.token_expires_in}

    def _check_token(self, value: str) -> dict[str, Any] | None:
        token = self._state.tokens.get(value)
        if self.refuse_all_tokens or token is None or token.state == "invalid":
            return {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest"}
        if token.state == "expired" or time.monotonic() - token.issued_at > token.expires_in:
            return {"errcode": 42001, "errmsg": "access_token expired"}
        return None


class _Handler(BaseHTTPRequestHandler):
    owner: FakeWeChat
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def _handle(self, method: str) -> None:
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        delay = self.owner.delay.get(parts.path, 0.0)
        if delay:
            time.sleep(delay)
        status, payload, content_type = self.owner._answer(method, parts.path, query, body)
        data = json.dumps(payload, ensure_ascii=False).encode()
        try:
            self.send_response(status)
            self.send_header("content-type", f"{content_type}; charset=utf-8")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout tests)
            pass

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")


@pytest.fixture(scope="session")
def wechat_fake() -> Iterator[FakeWeChat]:
    fake = FakeWeChat().start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def wechat(app: Any, wechat_fake: FakeWeChat) -> Iterator[FakeWeChat]:
    """The fake the app talks to, reset for this test (Redis, with the token cache, is flushed too)."""
    from server.services.platform.runtime import rt

    if rt().settings.WECHAT_API_BASE != wechat_fake.base_url:
        pytest.skip("TEST_WECHAT_API_BASE points the app at another WeChat server")
    wechat_fake.reset()
    yield wechat_fake
    wechat_fake.reset()
