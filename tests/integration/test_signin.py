"""Sign-in hardening (issue #15): rate limits shared through Redis, spraying never-used
physician accounts, lockout the owner survives, answers that do not tell accounts apart."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date

import httpx
import pytest

from server.config import ConfigError, Settings
from server.demo import make_id_number
from server.models import AuditLog, Cycle, OutboxMessage, PasswordRule, Physician
from server.services.platform.runtime import rt
from tests.factories import STRONG, auth, captcha, login, make_physician, make_world, token_for

LOGIN = "/api/v1/mp/auth/login"
FIRST_CODE = "/api/v1/mp/auth/first-login/sms-code"
FIRST = "/api/v1/mp/auth/first-login"
PASSWORD = "/api/v1/mp/auth/password"
SMS = "/api/v1/mp/auth/sms-code"
BIND = "/api/v1/mp/auth/bind-phone"
ME = "/api/v1/mp/me"
ATTACKER_PHONE = "13900000000"


@pytest.fixture
async def other_ip(app):
    """A client from another address (the owner, when the attacker is on ``client``)."""
    transport = httpx.ASGITransport(app=app, client=("10.9.8.7", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


def _settings(monkeypatch, **changes) -> None:
    monkeypatch.setattr(rt(), "settings", replace(rt().settings, **changes))


async def _rule(province, rule: PasswordRule) -> None:
    await Cycle.create(province=province, name="2024-2026", start_date=date(2024, 1, 1),
                       end_date=date(2026, 12, 31), physician_password_rule=rule)


async def _plogin(client, id_number: str, password: str = "666666", **extra) -> httpx.Response:
    return await client.post(LOGIN, json={"id_number": id_number, "password": password, **extra})


def _unknown(i: int = 0) -> str:
    return make_id_number("450103", date(1971, 2, 3), 800 + i)


# --- 1. rate limits -------------------------------------------------------------------------------
async def test_failed_logins_from_one_ip_get_429_with_retry_after(client, other_ip):
    limit = rt().settings.rate_limits["login_fail_ip"][0]
    codes = [(await _plogin(client, _unknown(i), "nope")).status_code for i in range(limit + 3)]
    assert codes[:limit] == [401] * limit and codes[limit:] == [429] * 3
    r = await _plogin(client, _unknown(99), "nope")
    assert r.json()["code"] == "login_rate_limited" and "登录尝试过于频繁" in r.json()["message"]
    assert 0 < int(r.headers["retry-after"]) <= 600
    assert await rt().redis.keys("rl:login_fail_ip:*")  # in Redis: every worker shares it
    assert (await _plogin(other_ip, _unknown(1), "nope")).status_code == 401  # another address is not refused


async def test_attempts_per_account_and_per_ip_are_bounded(client, other_ip, monkeypatch):
    _settings(monkeypatch, RATE_LIMITS="login_account=4/600,login_ip=6/600", LOGIN_CAPTCHA_AFTER=100,
              LOGIN_MAX_FAILURES=100)
    number = _unknown()
    assert [(await _plogin(c, number, "nope")).status_code for c in (client, other_ip, client, other_ip, client)] \
        == [401, 401, 401, 401, 429]
    assert [(await _plogin(client, _unknown(i + 1), "nope")).status_code for i in range(4)] == [401, 401, 401, 429]


async def test_staff_login_and_captcha_images_are_rate_limited(client, monkeypatch):
    await make_world()
    _settings(monkeypatch, RATE_LIMITS="captcha_ip=3/60,login_account=2/600")
    assert [(await client.get("/api/v1/captcha")).status_code for _ in range(4)] == [200, 200, 200, 429]
    r = await client.get("/api/v1/captcha")
    assert r.json()["code"] == "captcha_rate_limited" and int(r.headers["retry-after"]) <= 60
    _settings(monkeypatch, RATE_LIMITS="login_account=2/600")
    assert (await login(client, "h1", "wrong-1")).status_code == 401
    assert (await login(client, "h1", "wrong-2")).status_code == 401
    r = await login(client, "h1", "666666")
    assert r.status_code == 429 and r.headers["retry-after"]


async def test_code_checks_are_rate_limited(client, monkeypatch):
    _settings(monkeypatch, RATE_LIMITS="code_account=3/600")
    number = _unknown()
    body = {"id_number": number, "sms_code": "000000", "new_password": STRONG}
    codes = [(await client.post("/api/v1/mp/auth/forgot-password/reset", json=body)).status_code for _ in range(4)]
    assert codes == [422, 422, 422, 429]
    codes = [(await client.post(FIRST, json={"id_number": number, "sms_code": "1"})).status_code for _ in range(4)]
    assert codes == [422, 422, 422, 429]


def test_rate_limit_settings_are_checked():
    assert Settings(RATE_LIMITS="login_ip=10/60").rate_limits["login_ip"] == (10, 60)
    for bad in ("login_ip=10", "nope=1/1", "login_ip=x/60", "login_ip=1/0"):
        with pytest.raises(ConfigError):
            Settings(RATE_LIMITS=bad).check()


# --- 2. spraying never-used physician accounts ---------------------------------------------------
async def _never_used(w, n: int) -> list[Physician]:
    return [await make_physician(w.hospital, n=1000 + i, phone=f"1380000{i:04d}") for i in range(n)]


async def test_spraying_666666_on_the_default_rule_opens_nothing(client):
    w = await make_world()
    physicians = await _never_used(w, 200)
    answers = [(await _plogin(client, p.id_number)).status_code for p in physicians]
    assert answers.count(200) == 0 and answers.count(429) > 150  # refused, then rate-limited


async def test_spraying_the_fixed_rule_yields_a_handful_that_cannot_take_over(client):
    w = await make_world()
    await _rule(w.gx, PasswordRule.FIXED)
    physicians = await _never_used(w, 200)
    tokens = []
    for p in physicians:
        r = await _plogin(client, p.id_number)
        if r.status_code == 200:
            tokens.append((p, r.json()["token"]))
    assert 0 < len(tokens) <= rt().settings.rate_limits["login_first_ip"][0]
    for p, token in tokens:
        r = await client.post(PASSWORD, headers=auth(token), json={"old_password": "666666", "new_password": STRONG})
        assert r.status_code == 403 and r.json()["code"] == "verify_registry_phone_first"
        r = await client.post(SMS, headers=auth(token), json={"phone": ATTACKER_PHONE})
        assert r.status_code == 422 and r.json()["code"] == "registry_phone_required"
        r = await client.post(BIND, headers=auth(token), json={"phone": ATTACKER_PHONE, "sms_code": "123456"})
        assert r.status_code == 422 and r.json()["code"] == "registry_phone_required"
        assert (await client.get(ME, headers=auth(token))).json()["setup"]["required"]  # still only the set-up
        fresh = await Physician.get(id=p.id)
        assert fresh.password_hash is None and not fresh.phone_verified
    assert not await OutboxMessage.filter(address=ATTACKER_PHONE).exists()


async def test_fixed_rule_owner_finishes_setup_with_the_registry_phone(client):
    w = await make_world()
    await _rule(w.gx, PasswordRule.FIXED)
    p = await make_physician(w.hospital, phone="13800001111")
    token = (await _plogin(client, p.id_number)).json()["token"]
    assert (await client.post(SMS, headers=auth(token), json={"phone": p.phone})).status_code == 200
    code = (await OutboxMessage.filter(address=p.phone).order_by("-id").first()).payload["code"]
    assert (await client.post(BIND, headers=auth(token), json={"phone": p.phone, "sms_code": code})).status_code == 200
    r = await client.post(PASSWORD, headers=auth(token), json={"old_password": "666666", "new_password": STRONG})
    assert r.status_code == 200, r.text
    assert (await client.get(ME, headers=auth(token))).status_code == 200


async def test_phone_code_first_login(client):
    w = await make_world()
    p = await make_physician(w.hospital, phone="13800002222")
    stranger = _unknown()
    same = [await client.post(FIRST_CODE, json={"id_number": n}) for n in (p.id_number, stranger)]
    assert [r.status_code for r in same] == [200, 200] and same[0].json() == same[1].json()
    sent = await OutboxMessage.filter(channel="sms").all()
    assert [m.address for m in sent] == [p.phone]
    r = await client.post(FIRST, json={"id_number": p.id_number, "sms_code": "999999x"})
    assert r.status_code == 422 and r.json()["code"] == "first_login_refused"
    r = await client.post(FIRST, json={"id_number": p.id_number, "sms_code": sent[0].payload["code"]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["must_change_password"] and not body["needs_phone"]
    token = body["token"]
    r = await client.post(PASSWORD, headers=auth(token), json={"old_password": "-", "new_password": STRONG})
    assert r.status_code == 200, r.text
    assert (await client.get(ME, headers=auth(token))).status_code == 200
    assert (await _plogin(client, p.id_number, STRONG)).status_code == 200
    # the code opened one account once: it cannot be replayed, and a used account gets no new code
    assert (await client.post(FIRST, json={"id_number": p.id_number, "sms_code": sent[0].payload["code"]})) \
        .status_code == 422
    assert await AuditLog.filter(action="physician.first_login_by_sms", target_id=str(p.id)).exists()


async def test_phone_code_rule_password_sessions_cannot_set_a_first_password(client):
    """A password-less session (e.g. made before the province switched rules) cannot set the first
    password without the registry phone's code."""
    from tests.factories import physician_token

    w = await make_world()
    p = await make_physician(w.hospital)
    token = await physician_token(p, setup_done=False)
    r = await client.post(PASSWORD, headers=auth(token), json={"old_password": "666666", "new_password": STRONG})
    assert r.status_code == 403 and r.json()["code"] == "first_login_by_sms"


# --- 3. lockout the owner survives -----------------------------------------------------------------
async def test_failures_ask_for_a_captcha_then_lock_only_that_source(client, other_ip, monkeypatch):
    _settings(monkeypatch, LOGIN_SLOWDOWN_SECONDS=0.0)
    w = await make_world()
    await _rule(w.gx, PasswordRule.FIXED)
    p = await make_physician(w.hospital)
    s = rt().settings
    for _ in range(s.LOGIN_CAPTCHA_AFTER):
        assert (await _plogin(client, p.id_number, "nope")).json()["code"] == "bad_credentials"
    r = await _plogin(client, p.id_number, "nope")
    assert r.status_code == 422 and r.json()["code"] == "captcha_required"
    captcha_id, _ = await captcha(client)
    r = await _plogin(client, p.id_number, "nope", captcha_id=captcha_id, captcha="ZZZZZZ")
    assert r.json()["code"] == "captcha_wrong"
    for _ in range(s.LOGIN_MAX_FAILURES - s.LOGIN_CAPTCHA_AFTER):
        captcha_id, answer = await captcha(client)
        await _plogin(client, p.id_number, "nope", captcha_id=captcha_id, captcha=answer)
    r = await _plogin(client, p.id_number)
    assert r.status_code == 403 and r.json()["code"] == "account_locked"
    assert await AuditLog.filter(action="login.lock", target_id=str(p.id)).exists()
    # the owner, elsewhere: a captcha (the account is under attack), then in
    captcha_id, answer = await captcha(other_ip)
    r = await _plogin(other_ip, p.id_number, captcha_id=captcha_id, captcha=answer)
    assert r.status_code == 200, r.text


async def test_failures_slow_down(client, monkeypatch):
    _settings(monkeypatch, LOGIN_SLOWDOWN_SECONDS=0.15, LOGIN_CAPTCHA_AFTER=100, LOGIN_MAX_FAILURES=100)
    number = _unknown()
    took = []
    for _ in range(4):
        t = time.perf_counter()
        await _plogin(client, number, "nope")
        took.append(time.perf_counter() - t)
    assert took[3] - took[0] >= 0.4


async def test_lock_expiry_and_reset_are_audited(client, monkeypatch):
    _settings(monkeypatch, LOGIN_SLOWDOWN_SECONDS=0.0, LOGIN_CAPTCHA_AFTER=100)
    w = await make_world()
    await _rule(w.gx, PasswordRule.FIXED)
    p = await make_physician(w.hospital)
    for _ in range(rt().settings.LOGIN_MAX_FAILURES):
        await _plogin(client, p.id_number, "nope")
    assert (await _plogin(client, p.id_number)).json()["code"] == "account_locked"
    detail = await client.get(f"/api/v1/admin/physicians/{p.id}", headers=auth(await token_for(w.hospital)))
    assert detail.json()["locked"] is True  # the institution sees it
    for key in await rt().redis.keys("login:lock:*"):  # what LOGIN_LOCK_SECONDS passing does
        await rt().redis.delete(key)
    assert (await _plogin(client, p.id_number)).status_code == 200
    unlocks = await AuditLog.filter(action="login.unlock", target_id=str(p.id)).values_list("after", flat=True)
    assert unlocks == [{"reason": "expired"}]
    for _ in range(rt().settings.LOGIN_MAX_FAILURES):
        await _plogin(client, p.id_number, "nope")
    token = await token_for(w.hospital)
    r = await client.post(f"/api/v1/admin/physicians/{p.id}/reset-password", headers=auth(token))
    assert r.status_code in (200, 204), r.text
    assert (await _plogin(client, p.id_number)).status_code == 200
    unlocks = await AuditLog.filter(action="login.unlock", target_id=str(p.id)).order_by("id").values_list(
        "after", flat=True)
    assert unlocks == [{"reason": "expired"}, {"reason": "reset_password"}]


# --- 4. the same answer whatever the account ------------------------------------------------------
async def test_unknown_accounts_lock_alike(client, monkeypatch):
    _settings(monkeypatch, LOGIN_SLOWDOWN_SECONDS=0.0, LOGIN_CAPTCHA_AFTER=100)
    w = await make_world()
    await _rule(w.gx, PasswordRule.FIXED)
    real = await make_physician(w.hospital)
    hashed = await make_physician(w.hospital)
    from server.security import hash_password

    await Physician.filter(id=hashed.id).update(password_hash=await hash_password(STRONG))
    answers = {}
    for name, number in (("real", real.id_number), ("hashed", hashed.id_number), ("unknown", _unknown())):
        first = await _plogin(client, number, "nope")
        for _ in range(rt().settings.LOGIN_MAX_FAILURES - 1):
            await _plogin(client, number, "nope")
        answers[name] = (first.status_code, first.json(), (await _plogin(client, number, "nope")).json()["code"])
    assert answers["real"] == answers["hashed"] == answers["unknown"]
    assert answers["unknown"][2] == "account_locked"


# --- 5. the captcha ---------------------------------------------------------------------------------
async def test_captcha_image_and_answer(client):
    import base64
    import io

    from PIL import Image

    r = await client.get("/api/v1/captcha")
    png = base64.b64decode(r.json()["image"].split(",", 1)[1])
    assert Image.open(io.BytesIO(png)).size == (200, 64)
    answer = (await rt().redis.get(f"captcha:{r.json()['captcha_id']}")).decode()
    assert len(answer) == 6 and answer.isalnum() and not set(answer) & set("01OIL")


async def test_captcha_test_mode_accepts_passed(client, monkeypatch):
    await make_world()
    captcha_id = (await client.get("/api/v1/captcha")).json()["captcha_id"]
    body = {"code": "nn1h", "password": "666666", "captcha_id": captcha_id, "captcha": "PASSED"}
    r = await client.post("/api/v1/admin/auth/login", json=body)
    assert r.status_code == 422 and r.json()["code"] == "captcha_wrong"  # not without the setting
    _settings(monkeypatch, CAPTCHA_TEST_MODE=True)
    body["captcha_id"] = (await client.get("/api/v1/captcha")).json()["captcha_id"]
    r = await client.post("/api/v1/admin/auth/login", json=body)
    assert r.status_code == 200, r.text
    r = await client.post("/api/v1/admin/auth/login", json=body)  # still single use
    assert r.json()["code"] == "captcha_expired"


def test_captcha_test_mode_is_refused_in_production():
    production = dict(ENV="production", SECRET_KEY="k" * 40, DATABASE_URL="postgres://u:p@db/dkt",
                      REDIS_URL="redis://cache:6379/0", PUBLIC_BASE_URL="https://dkt.example.gov.cn",
                      SMS_PROVIDER="tencent", SMS_ACCESS_KEY_ID="AKID", SMS_ACCESS_KEY_SECRET="key",
                      SMS_SIGN_NAME="定考通", SMS_SDK_APP_ID="1400000001", SMS_TEMPLATES='{"verify_code": "1000001"}')
    Settings(**production).check()
    with pytest.raises(ConfigError, match="CAPTCHA_TEST_MODE"):
        Settings(**production, CAPTCHA_TEST_MODE=True).check()
    Settings(ENV="test", CAPTCHA_TEST_MODE=True).check()


async def test_initial_password_rule_hands_out_a_per_physician_password(client):
    w = await make_world()
    await _rule(w.gx, PasswordRule.INITIAL_PASSWORD)
    p = await make_physician(w.hospital)
    assert (await _plogin(client, p.id_number)).json()["code"] == "bad_credentials"  # nothing opens it yet
    r = await client.post(f"/api/v1/admin/physicians/{p.id}/reset-password", headers=auth(await token_for(w.hospital)))
    handed_out = r.json()["initial_password"]
    assert r.status_code == 200 and len(handed_out) == 10 and handed_out != "666666"
    fresh = await Physician.get(id=p.id)
    assert fresh.password_hash and handed_out not in fresh.password_hash and fresh.must_change_password
    assert (await _plogin(client, p.id_number)).json()["code"] == "bad_credentials"  # 666666 does not
    r = await _plogin(client, p.id_number, handed_out)
    assert r.status_code == 200 and r.json()["must_change_password"]
    token = r.json()["token"]
    r = await client.post(PASSWORD, headers=auth(token), json={"old_password": "666666", "new_password": STRONG})
    assert r.json()["code"] == "wrong_old_password"
    r = await client.post(PASSWORD, headers=auth(token), json={"old_password": handed_out, "new_password": STRONG})
    assert r.status_code == 200, r.text
    # under the other rules the reset hands nothing out
    await Cycle.filter(province_id=w.gx.id).update(physician_password_rule=PasswordRule.FIXED)
    r = await client.post(f"/api/v1/admin/physicians/{p.id}/reset-password", headers=auth(await token_for(w.hospital)))
    assert r.json()["initial_password"] is None and (await Physician.get(id=p.id)).password_hash is None
