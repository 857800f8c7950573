"""The WeChat client against the fake WeChat server, over real HTTP on 127.0.0.1:
code2session, the access-token cache and its single refresher, refresh-once-and-retry,
typed errors for errcodes, timeouts and network failures."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from dataclasses import replace

import pytest

from server.services.platform.runtime import rt
from server.wechat import (
    InvalidCode,
    InvalidCredentials,
    RateLimited,
    TokenExpired,
    WeChatClient,
    WeChatUnavailable,
    wechat,
)
from server.wechat.client import TOKEN_MARGIN_SECONDS, token_key

SEND = "/cgi-bin/message/subscribe/send"
MESSAGE = {"touser": "o-user", "template_id": "tpl", "data": {"thing1": {"value": "审核结果"}}}


def _client(**settings_changes) -> WeChatClient:
    s = replace(rt().settings, **settings_changes) if settings_changes else rt().settings
    return WeChatClient(settings=s, redis=rt().redis)


def wechat_client() -> WeChatClient:
    return wechat()


async def test_code2session_returns_openid_and_unionid(wechat):
    code = wechat.new_code("o-abc", unionid="u-abc")
    session = await wechat_client().code2session(code)
    assert session.openid == "o-abc" and session.unionid == "u-abc" and session.session_key


async def test_code2session_unknown_code_is_invalid_code(wechat):
    with pytest.raises(InvalidCode) as err:
        await wechat_client().code2session("never-issued")
    assert err.value.errcode == 40029


async def test_code2session_code_is_single_use(wechat):
    code = wechat.new_code("o-abc")
    await wechat_client().code2session(code)
    with pytest.raises(InvalidCode) as err:
        await wechat_client().code2session(code)
    assert err.value.errcode == 40163


async def test_code2session_wrong_secret_is_a_credentials_error(wechat):
    client = _client(WECHAT_MP_SECRET="wrong")
    try:
        with pytest.raises(InvalidCredentials) as err:
            await client.code2session(wechat.new_code("o-abc"))
        assert err.value.errcode == 40125
    finally:
        await client.aclose()


async def test_runtime_client_is_shared(wechat):
    assert wechat_client() is wechat_client()
    assert wechat_client().base_url == wechat.base_url


async def test_token_is_fetched_once_for_many_calls(wechat):
    client = wechat_client()
    for _ in range(5):
        assert (await client.call("POST", SEND, json=MESSAGE))["errcode"] == 0
    await asyncio.gather(*(client.call("POST", SEND, json=MESSAGE) for _ in range(20)))
    assert len(wechat.stable_token_calls) == 1
    assert wechat.stable_token_calls[0] == {"appid": "wx-test-mp", "force_refresh": False}
    sent = wechat.requests_to(SEND)
    assert len(sent) == 25 and len({r.query["access_token"] for r in sent}) == 1
    assert sent[0].body == MESSAGE
    ttl = await rt().redis.ttl(token_key("wx-test-mp"))
    assert 7200 - TOKEN_MARGIN_SECONDS - 5 <= ttl <= 7200 - TOKEN_MARGIN_SECONDS


async def test_token_fetched_once_across_processes(wechat):
    """Two clients on one Redis (two API processes) start cold at the same moment."""
    a, b = _client(), _client()
    try:
        await asyncio.gather(*(c.call("GET", "/cgi-bin/getcallbackip") for c in (a, b) for _ in range(10)))
    finally:
        await a.aclose()
        await b.aclose()
    assert len(wechat.stable_token_calls) == 1


async def test_waiter_rereads_token_written_by_the_lock_holder(wechat):
    """While another process holds the refresh lock, a caller waits and uses its token."""
    await rt().redis.set("wechat:token-lock:wx-test-mp", b"other-process", ex=10)
    client = wechat_client()
    waiter = asyncio.create_task(client.access_token("mp"))
    await asyncio.sleep(0.2)
    assert not waiter.done()
    await rt().redis.set(token_key("wx-test-mp"), b"TOKEN-FROM-OTHER", ex=600)
    assert await asyncio.wait_for(waiter, 2) == "TOKEN-FROM-OTHER"
    assert wechat.stable_token_calls == []


async def test_apps_have_separate_tokens(wechat):
    client = wechat_client()
    await client.call("POST", "/cgi-bin/message/template/send", json={"touser": "o"}, app="oa")
    await client.call("POST", SEND, json=MESSAGE)
    assert sorted(c["appid"] for c in wechat.stable_token_calls) == ["wx-test-mp", "wx-test-oa"]


async def test_invalid_token_40001_refreshes_with_force_and_retries_once(wechat):
    client = wechat_client()
    await client.call("POST", SEND, json=MESSAGE)
    wechat.invalidate_tokens()  # e.g. someone else refreshed the token
    assert (await client.call("POST", SEND, json=MESSAGE))["errcode"] == 0
    calls = wechat.stable_token_calls
    assert len(calls) == 2 and calls[1]["force_refresh"] is True
    tokens = [r.query["access_token"] for r in wechat.requests_to(SEND)]
    assert len(tokens) == 3 and tokens[0] == tokens[1] != tokens[2]
    # the fresh token is cached: the next call needs no refresh
    await client.call("POST", SEND, json=MESSAGE)
    assert len(wechat.stable_token_calls) == 2


async def test_expired_token_42001_refreshes_and_retries_once(wechat):
    wechat.expire_next_token()
    client = wechat_client()
    assert (await client.call("POST", SEND, json=MESSAGE))["errcode"] == 0
    calls = wechat.stable_token_calls
    assert len(calls) == 2 and calls[1]["force_refresh"] is False  # expired: normal mode gives a new one
    assert len(wechat.requests_to(SEND)) == 2


async def test_concurrent_refusals_refresh_only_once(wechat):
    client = wechat_client()
    await client.call("POST", SEND, json=MESSAGE)
    wechat.invalidate_tokens()
    await asyncio.gather(*(client.call("POST", SEND, json=MESSAGE) for _ in range(10)))
    assert len(wechat.stable_token_calls) == 2


async def test_refused_fresh_token_is_not_retried_forever(wechat):
    wechat.refuse_all_tokens = True
    with pytest.raises(TokenExpired) as err:
        await wechat_client().call("POST", SEND, json=MESSAGE)
    assert err.value.errcode == 40001
    assert len(wechat.requests_to(SEND)) == 2  # the call and exactly one retry
    assert len(wechat.stable_token_calls) == 2


async def test_errcode_becomes_typed_error(wechat):
    wechat.fail_next[SEND] = [(45011, "api minute-quota reach limit")]
    with pytest.raises(RateLimited) as err:
        await wechat_client().call("POST", SEND, json=MESSAGE)
    assert err.value.errcode == 45011 and err.value.retryable


async def test_timeout_is_a_typed_error(wechat):
    wechat.delay[SEND] = 1.0
    client = _client(WECHAT_TIMEOUT_SECONDS=0.2)
    try:
        await client.access_token("mp")
        started = time.monotonic()
        with pytest.raises(WeChatUnavailable) as err:
            await client.call("POST", SEND, json=MESSAGE)
        assert time.monotonic() - started < 0.9
        assert err.value.retryable and "timeout" in err.value.errmsg
    finally:
        await client.aclose()


async def test_timeout_does_not_block_the_event_loop(wechat):
    wechat.delay["/sns/jscode2session"] = 0.5
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.02)
            ticks += 1

    task = asyncio.create_task(ticker())
    try:
        await wechat_client().code2session(wechat.new_code("o-slow"))
    finally:
        task.cancel()
    assert ticks >= 10


async def test_http_5xx_is_unavailable(wechat):
    wechat.http_status["/cgi-bin/stable_token"] = 503
    with pytest.raises(WeChatUnavailable):
        await wechat_client().call("POST", SEND, json=MESSAGE)


async def test_connection_refused_is_unavailable(wechat):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = _client(WECHAT_API_BASE=f"http://127.0.0.1:{port}")
    try:
        with pytest.raises(WeChatUnavailable) as err:
            await client.code2session("any")
        assert "network" in err.value.errmsg
    finally:
        await client.aclose()


async def test_secrets_and_codes_stay_out_of_logs(wechat, caplog):
    caplog.set_level(logging.DEBUG)
    code = wechat.new_code("o-abc")
    await wechat_client().code2session(code)
    await wechat_client().call("POST", SEND, json=MESSAGE)
    token = (await rt().redis.get(token_key("wx-test-mp"))).decode()
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "jscode2session" in text  # httpx did log the request ...
    for secret in ("test-mp-secret", code, token):  # ... without these
        assert secret not in text
