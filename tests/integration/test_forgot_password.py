"""忘记密码 (issue #11): a code sent by SMS to the bound phone resets the password; the replies do not
reveal whether an ID number exists (or has a phone); wrong, reused and expired codes are refused;
a reset ends every session and is audited."""

from __future__ import annotations

from server.models import AuditLog, OutboxMessage, Physician
from server.services.accounts import sessions
from server.services.platform.runtime import rt
from tests.factories import make_physician, make_world, physician_token

API = "/api/v1/mp/auth/forgot-password"
PHONE = "13912345678"


async def _code() -> str:
    message = await OutboxMessage.filter(channel="sms", address=PHONE).order_by("-id").first()
    return message.payload["code"]


async def test_reset_with_the_code_sent_to_the_bound_phone(client):
    w = await make_world()
    p = await make_physician(w.hospital, phone=PHONE, phone_verified=True)
    old_session = await physician_token(p)
    r = await client.post(f"{API}/sms-code", json={"id_number": p.id_number})
    assert r.status_code == 200 and "如该证件号码已绑定手机" in r.json()["message"]
    code = await _code()
    r = await client.post(f"{API}/reset", json={"id_number": p.id_number, "sms_code": code, "new_password": "Newpass2026"})
    assert r.status_code == 200, r.text
    assert await sessions.load_session(old_session) is None  # every session ended
    r = await client.post("/api/v1/mp/auth/login", json={"id_number": p.id_number, "password": "Newpass2026"})
    assert r.status_code == 200, r.text
    assert await AuditLog.filter(action="physician.reset_password_by_sms").count() == 1
    again = await client.post(f"{API}/reset", json={"id_number": p.id_number, "sms_code": code,
                                                   "new_password": "Another2026"})
    assert again.status_code == 422 and again.json()["code"] == "reset_refused"  # single use


async def test_replies_do_not_reveal_whether_the_id_number_exists(client):
    w = await make_world()
    known = await make_physician(w.hospital, phone=PHONE, phone_verified=True)
    no_phone = await make_physician(w.hospital, phone=None, phone_verified=False)
    answers = []
    for id_number in (known.id_number, no_phone.id_number, "450103199001011234"):
        r = await client.post(f"{API}/sms-code", json={"id_number": id_number})
        answers.append((r.status_code, r.json()))
    assert answers[0] == answers[1] == answers[2]
    assert await OutboxMessage.filter(channel="sms").count() == 1  # only the bound phone got a code
    refusals = []
    for id_number in (known.id_number, no_phone.id_number, "450103199001011234"):
        r = await client.post(f"{API}/reset", json={"id_number": id_number, "sms_code": "000000",
                                                   "new_password": "Newpass2026"})
        refusals.append((r.status_code, r.json()["code"]))
    assert refusals[1] == refusals[2] == (422, "reset_refused")
    assert refusals[0][1] == "reset_refused"
    # a burst of requests for one ID number meets the same limit, known or not
    for id_number in (known.id_number, "450103199001011234"):
        r = await client.post(f"{API}/sms-code", json={"id_number": id_number})
        assert r.status_code == 429, r.text


async def test_wrong_codes_run_out_and_weak_passwords_are_refused(client):
    w = await make_world()
    p = await make_physician(w.hospital, phone=PHONE, phone_verified=True)
    await client.post(f"{API}/sms-code", json={"id_number": p.id_number})
    code = await _code()
    r = await client.post(f"{API}/reset", json={"id_number": p.id_number, "sms_code": code, "new_password": "123"})
    assert r.status_code == 422 and r.json()["code"] == "weak_password"
    for _ in range(5):
        r = await client.post(f"{API}/reset", json={"id_number": p.id_number, "sms_code": "999999",
                                                   "new_password": "Newpass2026"})
        assert r.status_code == 422
    r = await client.post(f"{API}/reset", json={"id_number": p.id_number, "sms_code": code, "new_password": "Newpass2026"})
    assert r.status_code == 422 and r.json()["code"] == "reset_refused"  # the code is gone after 5 tries
    assert (await Physician.get(id=p.id)).password_hash == p.password_hash


async def test_code_requests_from_one_address_are_bounded(client, monkeypatch):
    """Per IP too (issue #11): past SMS_MAX_PER_IP_PER_HOUR code requests from one address are refused
    with 429, whichever ID numbers or phones they name."""
    import dataclasses

    w = await make_world()
    monkeypatch.setattr(rt(), "settings", dataclasses.replace(rt().settings, SMS_MAX_PER_IP_PER_HOUR=3))
    answers = []
    for i in range(5):
        p = await make_physician(w.hospital, phone=f"1391234{i:04d}", phone_verified=True)
        r = await client.post(f"{API}/sms-code", json={"id_number": p.id_number})
        answers.append(r.status_code)
    assert answers == [200, 200, 200, 429, 429]
    assert r.json()["code"] == "sms_ip_limit" and 0 < int(r.headers["retry-after"]) <= 3600
    assert await OutboxMessage.filter(channel="sms").count() == 3
