"""Physician login in the mini-program (SPEC §2): ID number + password with the
province's initial-password rule, lockout, holding area, the first-login set-up
(password change, phone binding with a rate-limited single-use SMS code) and the
WeChat binding through the fake WeChat server."""

from __future__ import annotations

import logging
import re
from datetime import date

import pytest

from server.demo import make_id_number
from server.models import (
    AuditLog,
    Cycle,
    OutboxMessage,
    PasswordRule,
    Physician,
    RegistryStatus,
)
from server.services.accounts.sms_codes import MAX_WRONG_TRIES
from server.services.platform.runtime import rt
from tests.factories import STRONG, auth, captcha, make_physician, make_world, physician_token, token_for

LOGIN = "/api/v1/mp/auth/login"
WX_LOGIN = "/api/v1/mp/auth/wechat-login"
PASSWORD = "/api/v1/mp/auth/password"
SMS = "/api/v1/mp/auth/sms-code"
BIND = "/api/v1/mp/auth/bind-phone"
ME = "/api/v1/mp/me"
PHONE = "13800138000"


def _id_ending_in_x() -> str:
    for i in range(1, 1000):
        value = make_id_number("450103", date(1985, 6, 1), i)
        if value.endswith("X"):
            return value
    raise AssertionError("no ID number with check digit X")


async def _cycle(province, rule: PasswordRule) -> Cycle:
    return await Cycle.create(province=province, name="2024-2026", start_date=date(2024, 1, 1),
                              end_date=date(2026, 12, 31), physician_password_rule=rule)


async def _fixed_world():
    """A world whose province (广西) hands out the fixed initial password 666666 (its choice; the
    default since issue #15 is a code to the registry's phone: test_signin.py)."""
    w = await make_world()
    await _cycle(w.gx, PasswordRule.FIXED)
    return w


async def _login(client, id_number: str, password: str = "666666", **extra):
    return await client.post(LOGIN, json={"id_number": id_number, "password": password, **extra})


async def _sms_code(client, token: str, phone: str = PHONE) -> str:
    r = await client.post(SMS, headers=auth(token), json={"phone": phone})
    assert r.status_code == 200, r.text
    message = await OutboxMessage.filter(channel="sms", address=phone).order_by("-id").first()
    return message.payload["code"]


async def _clear_gaps() -> None:
    """What the passing of SMS_MIN_INTERVAL_SECONDS does."""
    keys = await rt().redis.keys("sms:gap:*")
    if keys:
        await rt().redis.delete(*keys)


async def _finish_setup(client, token: str, old: str = "666666") -> None:
    r = await client.post(PASSWORD, headers=auth(token), json={"old_password": old, "new_password": STRONG})
    assert r.status_code == 200, r.text
    code = await _sms_code(client, token)
    r = await client.post(BIND, headers=auth(token), json={"phone": PHONE, "sms_code": code})
    assert r.status_code == 200, r.text


# --- login ---------------------------------------------------------------------------------
async def test_login_without_cycle_refuses_666666(client):
    """No rule set: phone_code, so no password opens a never-used account."""
    w = await make_world()
    p = await make_physician(w.hospital)
    r = await _login(client, p.id_number)
    assert r.status_code == 401 and r.json()["code"] == "bad_credentials"


async def test_login_initial_password_fixed_rule_is_666666(client):
    w = await _fixed_world()
    p = await make_physician(w.hospital)
    r = await _login(client, p.id_number)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token"] and body["must_change_password"] and body["needs_phone"] and body["setup_required"]
    assert body["wechat_bound"] is False
    p = await Physician.get(id=p.id)
    assert p.last_login_at is not None and p.password_hash is None


async def test_login_initial_password_id_last6_keeps_upper_case_x(client):
    w = await _fixed_world()
    await _cycle(w.gx, PasswordRule.ID_LAST6)
    p = await make_physician(w.hospital, id_number=_id_ending_in_x())
    assert (await _login(client, p.id_number, p.id_number[-6:-1] + "x")).status_code == 401
    assert (await _login(client, p.id_number, "666666")).json()["code"] == "bad_credentials"
    r = await _login(client, p.id_number.lower(), p.id_number[-6:])  # a lower-case x in the ID is fine
    assert r.status_code == 200, r.text


async def test_login_rule_is_the_physicians_own_province(client):
    w = await _fixed_world()
    await _cycle(w.gz, PasswordRule.ID_LAST6)  # another province's rule
    old = await _cycle(w.gx, PasswordRule.ID_LAST6)
    old.is_current = False
    await old.save()
    await _cycle(w.gx, PasswordRule.FIXED)
    p = await make_physician(w.hospital)
    assert (await _login(client, p.id_number, "666666")).status_code == 200
    assert (await _login(client, p.id_number, p.id_number[-6:])).status_code == 401


async def test_login_with_changed_password(client):
    w = await _fixed_world()
    p = await make_physician(w.hospital)
    token = (await _login(client, p.id_number)).json()["token"]
    await _finish_setup(client, token)
    r = await _login(client, p.id_number, STRONG)
    assert r.status_code == 200
    assert r.json()["setup_required"] is False
    assert (await _login(client, p.id_number, "666666")).json()["code"] == "bad_credentials"


async def test_login_wrong_password_and_unknown_id_look_alike(client):
    w = await _fixed_world()
    p = await make_physician(w.hospital)
    wrong = await _login(client, p.id_number, "nope")
    unknown = await _login(client, make_id_number("450103", date(1970, 1, 1), 999))
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() and wrong.json()["code"] == "bad_credentials"


async def test_login_wrong_password_then_lockout(client):
    w = await _fixed_world()
    p = await make_physician(w.hospital)
    for i in range(rt().settings.LOGIN_MAX_FAILURES):
        extra = {}
        if i >= rt().settings.LOGIN_CAPTCHA_AFTER:  # later failures need the captcha
            captcha_id, answer = await captcha(client)
            extra = {"captcha_id": captcha_id, "captcha": answer}
        assert (await _login(client, p.id_number, "nope", **extra)).json()["code"] == "bad_credentials"
    r = await _login(client, p.id_number, "666666")
    assert r.status_code == 403 and r.json()["code"] == "account_locked"
    assert await AuditLog.filter(action="login.lock", target_id=str(p.id)).exists()


async def test_login_holding_area_is_refused(client):
    w = await _fixed_world()
    p = await make_physician(w.hospital, registry_status=RegistryStatus.HOLDING)
    assert (await _login(client, p.id_number, "nope")).json()["code"] == "bad_credentials"
    r = await _login(client, p.id_number)
    assert r.status_code == 403 and r.json()["code"] == "physician_in_holding"


@pytest.mark.parametrize("value", ["abc", "45010319800101001", "450103198001010010", "450103198013010011"])
async def test_login_malformed_id_number(client, value):
    r = await _login(client, value)
    assert r.status_code == 422 and r.json()["code"] == "invalid_id_number"


async def test_login_empty_body_is_invalid_input(client):
    r = await client.post(LOGIN, json={"id_number": "", "password": ""})
    assert r.status_code == 422 and r.json()["code"] == "invalid_input"


# --- the set-up gate ----------------------------------------------------------------------------
def _mp_routes(app) -> list[tuple[str, str, object]]:
    out = []
    for route in app.router.routes:
        path = "/" + route.path.lstrip("/")
        if path.startswith("/api/v1/mp/") and hasattr(route.handler, "__guard__"):
            out += [(m, path, route.handler) for m in sorted(route.methods) if m not in ("HEAD", "OPTIONS")]
    return out


async def test_setup_unfinished_blocks_every_other_mp_endpoint(app, client):
    w = await _fixed_world()
    p = await make_physician(w.hospital)
    token = (await _login(client, p.id_number)).json()["token"]
    gated = [(m, path) for m, path, h in _mp_routes(app) if not h.__guard__["setup"]]
    assert ("POST", "/api/v1/mp/auth/unbind-wechat") in gated
    for method, path in gated:
        path = re.sub(r"<[^>]+>", "1", path)
        r = await client.request(method, path, headers=auth(token), json={} if method != "GET" else None)
        assert r.status_code == 403 and r.json()["code"] == "setup_required", (method, path, r.text[:200])
    me = (await client.get(ME, headers=auth(token))).json()
    assert me["setup"] == {"must_change_password": True, "needs_phone": True, "required": True}


async def test_setup_needs_both_password_and_phone(client):
    w = await _fixed_world()
    p = await make_physician(w.hospital)
    token = (await _login(client, p.id_number)).json()["token"]
    r = await client.post(PASSWORD, headers=auth(token), json={"old_password": "666666", "new_password": STRONG})
    assert r.status_code == 200
    r = await client.post("/api/v1/mp/auth/unbind-wechat", headers=auth(token))
    assert r.status_code == 403 and r.json()["code"] == "setup_required"  # phone still missing
    code = await _sms_code(client, token)
    assert (await client.post(BIND, headers=auth(token), json={"phone": PHONE, "sms_code": code})).status_code == 200
    assert (await client.post("/api/v1/mp/auth/unbind-wechat", headers=auth(token))).status_code == 200
    me = (await client.get(ME, headers=auth(token))).json()
    assert me["setup"]["required"] is False
    assert me["phone"] == PHONE and me["phone_verified"] is True and me["id_number"] == p.id_number
    assert me["institution"]["id"] == w.hospital.id
    log = await AuditLog.get(action="physician.bind_phone")
    assert PHONE not in str(log.before) + str(log.after)


async def test_change_password_rules(client):
    w = await _fixed_world()
    await _cycle(w.gx, PasswordRule.ID_LAST6)
    p = await make_physician(w.hospital)
    initial = p.id_number[-6:]
    token = (await _login(client, p.id_number, initial)).json()["token"]
    other = (await _login(client, p.id_number, initial)).json()["token"]

    async def change(old: str, new: str):
        return await client.post(PASSWORD, headers=auth(token), json={"old_password": old, "new_password": new})

    assert (await change("666666", STRONG)).json()["code"] == "wrong_old_password"
    assert (await change(initial, "abcdefgh")).json()["code"] == "weak_password"
    assert (await change(initial, initial)).json()["code"] == "weak_password"
    assert (await change(initial, STRONG)).status_code == 200
    assert (await change(STRONG, STRONG)).json()["code"] == "weak_password"
    p = await Physician.get(id=p.id)
    assert p.password_hash.startswith("$argon2") and p.must_change_password is False
    assert (await client.get(ME, headers=auth(other))).status_code == 401  # other sessions ended
    assert (await client.get(ME, headers=auth(token))).json()["setup"]["must_change_password"] is False


async def test_staff_and_physician_tokens_stay_on_their_side(client):
    w = await _fixed_world()
    p = await make_physician(w.hospital)
    staff = await token_for(w.hospital)
    r = await client.get(ME, headers=auth(staff))
    assert r.status_code == 403 and r.json()["code"] == "wrong_role"
    r = await client.get("/api/v1/admin/auth/me", headers=auth(await physician_token(p)))
    assert r.status_code == 403 and r.json()["code"] == "wrong_role"
    assert (await client.get(ME)).status_code == 401


async def test_logout_ends_the_session(client):
    w = await _fixed_world()
    p = await make_physician(w.hospital)
    token = (await _login(client, p.id_number)).json()["token"]
    assert (await client.post("/api/v1/mp/auth/logout", headers=auth(token))).status_code == 200
    assert (await client.get(ME, headers=auth(token))).status_code == 401


# --- SMS codes -------------------------------------------------------------------------------------
async def test_sms_code_is_queued_in_the_outbox_and_not_logged(client, caplog):
    caplog.set_level(logging.INFO)  # (the ORM's DEBUG log echoes SQL parameters: never on in production)
    w = await _fixed_world()
    p = await make_physician(w.hospital)
    token = await physician_token(p, setup_done=False)
    r = await client.post(SMS, headers=auth(token), json={"phone": PHONE})
    assert r.status_code == 200 and r.json()["resend_after"] == rt().settings.SMS_MIN_INTERVAL_SECONDS
    message = await OutboxMessage.get(channel="sms")
    code = message.payload["code"]
    assert re.fullmatch(r"\d{6}", code) and message.recipient_id == p.id and message.address == PHONE
    text = "\n".join(rec.getMessage() for rec in caplog.records)
    assert "138****8000" in text and PHONE not in text and code not in text
    stored = await rt().redis.keys("sms:*")
    assert all(PHONE not in k.decode() for k in stored)
    assert not any(code.encode() in (v or b"") for v in (await rt().redis.hgetall(b"sms:code:bind_phone:physician:%d" % p.id)).values())


async def test_sms_code_rate_limited_per_physician_and_per_phone(client):
    w = await _fixed_world()
    a, b = await make_physician(w.hospital), await make_physician(w.hospital)
    ta, tb = await physician_token(a, setup_done=False), await physician_token(b, setup_done=False)
    await _sms_code(client, ta)
    r = await client.post(SMS, headers=auth(ta), json={"phone": "13900139000"})  # same physician
    assert r.status_code == 429 and r.json()["code"] == "sms_too_frequent"
    assert 0 < r.json()["details"]["retry_after"] <= rt().settings.SMS_MIN_INTERVAL_SECONDS
    r = await client.post(SMS, headers=auth(tb), json={"phone": PHONE})  # same phone
    assert r.status_code == 429 and r.json()["code"] == "sms_too_frequent"
    assert (await client.post(SMS, headers=auth(tb), json={"phone": "13900139000"})).status_code == 200
    assert await OutboxMessage.filter(channel="sms").count() == 2


async def test_sms_code_daily_limit(client):
    w = await _fixed_world()
    p = await make_physician(w.hospital)
    token = await physician_token(p, setup_done=False)
    for _ in range(rt().settings.SMS_MAX_PER_DAY):
        await _clear_gaps()
        assert (await client.post(SMS, headers=auth(token), json={"phone": PHONE})).status_code == 200
    await _clear_gaps()
    r = await client.post(SMS, headers=auth(token), json={"phone": PHONE})
    assert r.status_code == 429 and r.json()["code"] == "sms_daily_limit"
    await _clear_gaps()
    r = await client.post(SMS, headers=auth(token), json={"phone": "13900139000"})  # per physician too
    assert r.status_code == 429 and r.json()["code"] == "sms_daily_limit"


async def test_sms_code_invalid_phone(client):
    w = await _fixed_world()
    token = await physician_token(await make_physician(w.hospital), setup_done=False)
    for phone in ("12345", "23800138000", "1380013800a"):
        r = await client.post(SMS, headers=auth(token), json={"phone": phone})
        assert r.status_code == 422 and r.json()["code"] == "invalid_phone"
    assert await OutboxMessage.all().count() == 0


async def test_sms_code_is_single_use(client):
    w = await _fixed_world()
    p = await make_physician(w.hospital)
    token = await physician_token(p, setup_done=False)
    code = await _sms_code(client, token)
    assert (await client.post(BIND, headers=auth(token), json={"phone": PHONE, "sms_code": code})).status_code == 200
    r = await client.post(BIND, headers=auth(token), json={"phone": PHONE, "sms_code": code})
    assert r.status_code == 422 and r.json()["code"] == "sms_code_expired"
    p = await Physician.get(id=p.id)
    assert p.phone == PHONE and p.phone_verified


async def test_sms_code_expires(client):
    w = await _fixed_world()
    p = await make_physician(w.hospital)
    token = await physician_token(p, setup_done=False)
    code = await _sms_code(client, token)
    key = f"sms:code:bind_phone:physician:{p.id}"
    assert 0 < await rt().redis.ttl(key) <= rt().settings.SMS_CODE_TTL_SECONDS
    await rt().redis.delete(key)  # what the TTL does
    r = await client.post(BIND, headers=auth(token), json={"phone": PHONE, "sms_code": code})
    assert r.status_code == 422 and r.json()["code"] == "sms_code_expired"
    assert (await Physician.get(id=p.id)).phone_verified is False


async def test_sms_code_wrong_tries_invalidate_it(client):
    w = await _fixed_world()
    p = await make_physician(w.hospital)
    token = await physician_token(p, setup_done=False)
    code = await _sms_code(client, token)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    r = await client.post(BIND, headers=auth(token), json={"phone": "13900139000", "sms_code": code})
    assert r.status_code == 422 and r.json()["code"] == "sms_code_wrong"  # sent to another phone
    for _ in range(MAX_WRONG_TRIES - 2):
        r = await client.post(BIND, headers=auth(token), json={"phone": PHONE, "sms_code": wrong})
        assert r.json()["code"] == "sms_code_wrong"
    r = await client.post(BIND, headers=auth(token), json={"phone": PHONE, "sms_code": wrong})
    assert r.json()["code"] == "sms_code_invalidated"
    r = await client.post(BIND, headers=auth(token), json={"phone": PHONE, "sms_code": code})
    assert r.json()["code"] == "sms_code_expired"


async def test_sms_code_belongs_to_its_physician(client):
    w = await _fixed_world()
    a, b = await make_physician(w.hospital), await make_physician(w.hospital)
    ta, tb = await physician_token(a, setup_done=False), await physician_token(b, setup_done=False)
    code = await _sms_code(client, ta)
    r = await client.post(BIND, headers=auth(tb), json={"phone": PHONE, "sms_code": code})
    assert r.status_code == 422 and r.json()["code"] == "sms_code_expired"


# --- WeChat -------------------------------------------------------------------------------------
async def test_password_login_with_code_binds_wechat_then_wechat_login(client, wechat):
    w = await _fixed_world()
    p = await make_physician(w.hospital)
    r = await _login(client, p.id_number, code=wechat.new_code("o-doctor"))
    assert r.status_code == 200 and r.json()["wechat_bound"] is True
    assert (await Physician.get(id=p.id)).wechat_openid == "o-doctor"
    assert await AuditLog.filter(action="physician.bind_wechat", target_id=str(p.id)).exists()
    r = await client.post(WX_LOGIN, json={"code": wechat.new_code("o-doctor")})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["wechat_bound"] and body["setup_required"]  # set-up still applies
    me = (await client.get(ME, headers=auth(body["token"]))).json()
    assert me["id"] == p.id and me["wechat_bound"] is True


async def test_wechat_login_unbound(client, wechat):
    await make_world()
    r = await client.post(WX_LOGIN, json={"code": wechat.new_code("o-stranger")})
    assert r.status_code == 401 and r.json()["code"] == "wechat_not_bound"
    assert "证件号码" in r.json()["message"]


async def test_wechat_login_invalid_or_used_code(client, wechat):
    w = await _fixed_world()
    await make_physician(w.hospital, wechat_openid="o-doctor")
    r = await client.post(WX_LOGIN, json={"code": "forged"})
    assert r.status_code == 401 and r.json()["code"] == "wechat_code_invalid"
    code = wechat.new_code("o-doctor")
    assert (await client.post(WX_LOGIN, json={"code": code})).status_code == 200
    r = await client.post(WX_LOGIN, json={"code": code})
    assert r.status_code == 401 and r.json()["code"] == "wechat_code_invalid"


async def test_wechat_login_upstream_down(client, wechat):
    wechat.http_status["/sns/jscode2session"] = 503
    r = await client.post(WX_LOGIN, json={"code": "anything"})
    assert r.status_code == 502 and r.json()["code"] == "upstream_error"


async def test_wechat_login_holding_area_is_refused(client, wechat):
    w = await _fixed_world()
    await make_physician(w.hospital, wechat_openid="o-doctor", registry_status=RegistryStatus.HOLDING)
    r = await client.post(WX_LOGIN, json={"code": wechat.new_code("o-doctor")})
    assert r.status_code == 403 and r.json()["code"] == "physician_in_holding"


async def test_binding_wechat_bound_to_another_physician_conflicts(client, wechat):
    w = await _fixed_world()
    await make_physician(w.hospital, wechat_openid="o-shared")
    b = await make_physician(w.hospital)
    r = await _login(client, b.id_number, code=wechat.new_code("o-shared"))
    assert r.status_code == 409 and r.json()["code"] == "wechat_bound_elsewhere"
    assert (await Physician.get(id=b.id)).wechat_openid is None


async def test_login_with_invalid_code_is_refused_without_binding(client, wechat):
    w = await _fixed_world()
    p = await make_physician(w.hospital)
    r = await _login(client, p.id_number, code="forged")
    assert r.status_code == 401 and r.json()["code"] == "wechat_code_invalid"
    assert (await Physician.get(id=p.id)).wechat_openid is None
    r = await _login(client, p.id_number, "nope", code=wechat.new_code("o-x"))  # wrong password: no exchange
    assert r.json()["code"] == "bad_credentials"
    assert wechat.requests_to("/sns/jscode2session") == []


async def test_rebinding_moves_to_the_new_wechat_and_unbind(client, wechat):
    w = await _fixed_world()
    p = await make_physician(w.hospital, wechat_openid="o-old-phone")
    token = (await _login(client, p.id_number, code=wechat.new_code("o-new-phone"))).json()["token"]
    assert (await Physician.get(id=p.id)).wechat_openid == "o-new-phone"
    r = await client.post(WX_LOGIN, json={"code": wechat.new_code("o-old-phone")})
    assert r.json()["code"] == "wechat_not_bound"
    await _finish_setup(client, token)
    assert (await client.post("/api/v1/mp/auth/unbind-wechat", headers=auth(token))).status_code == 200
    r = await client.post(WX_LOGIN, json={"code": wechat.new_code("o-new-phone")})
    assert r.json()["code"] == "wechat_not_bound"


async def test_login_logs_no_id_number_code_or_openid(client, wechat, caplog):
    caplog.set_level(logging.INFO)
    w = await _fixed_world()
    p = await make_physician(w.hospital)
    code = wechat.new_code("o-private")
    assert (await _login(client, p.id_number, code=code)).status_code == 200
    assert (await _login(client, p.id_number, "nope")).status_code == 401
    text = "\n".join(rec.getMessage() for rec in caplog.records if not rec.name.startswith(("tortoise", "aiosqlite")))
    assert "logged in" in text
    for secret in (p.id_number, code, "o-private", "test-mp-secret"):
        assert secret not in text
