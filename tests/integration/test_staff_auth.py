"""Staff login (SPEC §2): captcha, initial password, forced change, lockout, sessions, role switch."""

from __future__ import annotations

from server.models import AccountStatus, OrgKind, RegionLevel, StaffAccount
from server.services.platform.runtime import rt
from tests.factories import STRONG, auth, captcha, login, make_org, make_region, make_world, token_for


async def _org(code="h1", **kw):
    region = await make_region("450000", "广西", RegionLevel.PROVINCE)
    return await make_org("医院", OrgKind.HEALTH_INSTITUTION, region, code=code, **kw)


async def test_login_initial_password_forces_change(client):
    await _org()
    r = await login(client, "h1")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["must_change_password"] is True
    token = body["token"]
    # Anything but the set-up endpoints is refused until the password is changed
    r = await client.get("/api/v1/admin/orgs/self", headers=auth(token))
    assert r.status_code in (403, 404)
    if r.status_code == 403:
        assert r.json()["code"] == "setup_required"
    r = await client.post("/api/v1/admin/auth/password", headers=auth(token),
                          json={"old_password": "666666", "new_password": STRONG})
    assert r.status_code == 200, r.text
    me = await client.get("/api/v1/admin/auth/me", headers=auth(token))
    assert me.json()["account"]["must_change_password"] is False
    # the new password works, the old one does not
    assert (await login(client, "h1", STRONG)).status_code == 200
    assert (await login(client, "h1", "666666")).json()["code"] == "bad_credentials"
    account = await StaffAccount.get(code="h1")
    assert account.password_hash and account.password_hash.startswith("$argon2")


async def test_change_password_rejects_weak_and_wrong_old(client):
    await _org()
    token = (await login(client, "h1")).json()["token"]
    r = await client.post("/api/v1/admin/auth/password", headers=auth(token),
                          json={"old_password": "666666", "new_password": "12345678"})
    assert r.status_code == 422 and r.json()["code"] == "weak_password"
    assert [d["field"] for d in r.json()["details"]] == ["new_password"]  # the console shows it on the field
    r = await client.post("/api/v1/admin/auth/password", headers=auth(token),
                          json={"old_password": "wrong", "new_password": STRONG})
    assert r.status_code == 422 and r.json()["code"] == "wrong_old_password"
    assert r.json()["details"] == [{"field": "old_password", "problem": "wrong", "message": "原密码错误"}]


async def test_login_wrong_captcha_is_refused_and_consumed(client):
    await _org()
    captcha_id, answer = await captcha(client)
    wrong = "ZZZZ" if answer != "ZZZZ" else "YYYY"
    r = await client.post("/api/v1/admin/auth/login",
                          json={"code": "h1", "password": "666666", "captcha_id": captcha_id, "captcha": wrong})
    assert r.status_code == 422 and r.json()["code"] == "captcha_wrong"
    # single use: the right answer no longer works with that id
    r = await client.post("/api/v1/admin/auth/login",
                          json={"code": "h1", "password": "666666", "captcha_id": captcha_id, "captcha": answer})
    assert r.status_code == 422 and r.json()["code"] == "captcha_expired"


async def test_login_expired_captcha(client):
    await _org()
    captcha_id, answer = await captcha(client)
    await rt().redis.delete(f"captcha:{captcha_id}")  # what the TTL does
    r = await client.post("/api/v1/admin/auth/login",
                          json={"code": "h1", "password": "666666", "captcha_id": captcha_id, "captcha": answer})
    assert r.json()["code"] == "captcha_expired"


async def test_login_wrong_password_then_lockout(client):
    await _org()
    for _ in range(rt().settings.LOGIN_MAX_FAILURES):
        r = await login(client, "h1", "nope")
        assert r.status_code == 401 and r.json()["code"] == "bad_credentials"
        assert "错误" in r.json()["message"]
    r = await login(client, "h1", "666666")  # even the right password is refused while locked
    assert r.status_code == 403 and r.json()["code"] == "account_locked"


async def test_login_unknown_account_same_message(client):
    r = await login(client, "nobody")
    assert r.status_code == 401 and r.json()["code"] == "bad_credentials"


async def test_login_inactive_and_cancelled_refused(client):
    await _org("inact", status=AccountStatus.INACTIVE)
    await _org2("gone", status=AccountStatus.CANCELLED)
    assert (await login(client, "inact")).json()["code"] == "account_inactive"
    assert (await login(client, "gone")).json()["code"] == "account_cancelled"


async def _org2(code, **kw):
    region = await make_region("520000", "贵州", RegionLevel.PROVINCE)
    return await make_org("医院2", OrgKind.HEALTH_INSTITUTION, region, code=code, **kw)


async def test_login_bad_shape(client):
    r = await client.post("/api/v1/admin/auth/login", json={"code": "h1"})
    assert r.status_code == 422 and r.json()["code"] == "invalid_input"
    r = await client.post("/api/v1/admin/auth/login", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code in (400, 422) and "code" in r.json()


async def test_logout_ends_session(client):
    await _org(password=STRONG)
    token = (await login(client, "h1", STRONG)).json()["token"]
    assert (await client.get("/api/v1/admin/auth/me", headers=auth(token))).status_code == 200
    assert (await client.post("/api/v1/admin/auth/logout", headers=auth(token))).status_code == 200
    r = await client.get("/api/v1/admin/auth/me", headers=auth(token))
    assert r.status_code == 401 and r.json()["code"] == "unauthorized"


async def test_role_switch_only_for_assessment_institutions(client):
    w = await make_world()
    token = await token_for(w.hospital)
    r = await client.post("/api/v1/admin/auth/switch-role", headers=auth(token), json={"role": "assessment_institution"})
    assert r.status_code == 200 and r.json()["role"] == "assessment_institution"
    me = await client.get("/api/v1/admin/auth/me", headers=auth(token))
    assert me.json()["role"]["value"] == "assessment_institution"
    r = await client.post("/api/v1/admin/auth/switch-role", headers=auth(token), json={"role": "health_institution"})
    assert r.status_code == 200
    other = await token_for(w.hospital2)
    r = await client.post("/api/v1/admin/auth/switch-role", headers=auth(other), json={"role": "assessment_institution"})
    assert r.status_code == 403 and r.json()["code"] == "role_not_allowed"
    r = await client.post("/api/v1/admin/auth/switch-role", headers=auth(other), json={"role": "administration"})
    assert r.status_code == 403
