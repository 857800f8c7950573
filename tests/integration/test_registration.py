"""快速注册 and 注册审核 (issue #12, the Xinjiang guide): only where the province opens it; ID numbers
checked; the institution decides 通过 (在册, may log in) or 驳回 (暂存区, the physician resubmits with
the right institution); the physician is told; pending or rejected registrations cannot log in."""

from __future__ import annotations

from datetime import date

from server.demo import make_id_number
from server.models import AuditLog, Cycle, InboxMessage, Physician, RegistryStatus
from tests.factories import auth, make_world, token_for

MP = "/api/v1/mp/auth"
ADMIN = "/api/v1/admin"
ID = make_id_number("650102", date(1988, 3, 4), 7)


def _form(institution_id: int, **over) -> dict:
    return {"name": "阿依古丽", "id_number": ID, "institution_id": institution_id, "category": "clinical",
            "level": "physician", "qualification_cert_no": "Q6501", "practice_cert_no": "P6501",
            "password": "Register2026", **over}


async def _open(w) -> Cycle:
    cycle = await Cycle.create(province=w.gx, name="周期", start_date=date(2024, 1, 1), end_date=date(2026, 12, 31),
                               is_current=True)
    r = await Cycle.filter(id=cycle.id).update(self_registration=True)
    assert r == 1
    return cycle


async def test_closed_province_refuses_registration(client):
    w = await make_world()
    await Cycle.create(province=w.gx, name="周期", start_date=date(2024, 1, 1), end_date=date(2026, 12, 31),
                       is_current=True)
    r = await client.post(f"{MP}/register", json=_form(w.hospital2.id))
    assert r.status_code == 403 and r.json()["code"] == "registration_closed"
    r = await client.get(f"{MP}/register/institutions", params={"province_code": "450000", "name": "医院"})
    assert r.status_code == 200 and r.json()["data"] == []
    assert not await Physician.filter(id_number=ID).exists()


async def test_register_approve_then_log_in(client):
    w = await make_world()
    await _open(w)
    r = await client.get(f"{MP}/register/institutions", params={"province_code": "450000", "name": "南宁"})
    assert [o["id"] for o in r.json()["data"]] == [w.hospital2.id]
    r = await client.post(f"{MP}/register", json=_form(w.hospital2.id))
    assert r.status_code == 201, r.text
    assert r.json()["status"]["value"] == "pending" and r.json()["institution"]["name"] == "南宁市第一人民医院"
    again = await client.post(f"{MP}/register", json=_form(w.hospital2.id))
    assert again.status_code == 409 and again.json()["code"] == "already_registered"
    login = await client.post(f"{MP}/login", json={"id_number": ID, "password": "Register2026"})
    assert login.status_code == 403 and login.json()["code"] == "registration_pending"
    hi = await token_for(w.hospital2)
    r = await client.get(f"{ADMIN}/registrations", headers=auth(hi))
    assert r.status_code == 200 and r.json()["count"] == 1 and "*" in r.json()["data"][0]["id_number"]
    pid = r.json()["data"][0]["physician_id"]
    r = await client.get(f"{ADMIN}/registrations", headers=auth(await token_for(w.hospital)))
    assert r.json()["count"] == 0  # another institution sees nothing
    r = await client.post(f"{ADMIN}/registrations/{pid}/decision", headers=auth(await token_for(w.hospital)),
                          json={"approve": True})
    assert r.status_code == 404
    r = await client.post(f"{ADMIN}/registrations/{pid}/decision", headers=auth(hi), json={"approve": True})
    assert r.status_code == 200, r.text
    assert (await Physician.get(id=pid)).registry_status == RegistryStatus.ACTIVE
    assert await InboxMessage.filter(physician_id=pid, title="注册审核通过").exists()
    login = await client.post(f"{MP}/login", json={"id_number": ID, "password": "Register2026"})
    assert login.status_code == 200, login.text
    r = await client.post(f"{ADMIN}/registrations/{pid}/decision", headers=auth(hi), json={"approve": True})
    assert r.status_code == 409
    assert await AuditLog.filter(action__in=["physician.self_register", "physician.registration_approve"]).count() == 2


async def test_reject_sends_to_holding_and_the_physician_resubmits(client):
    w = await make_world()
    await _open(w)
    assert (await client.post(f"{MP}/register", json=_form(w.hospital2.id))).status_code == 201
    pid = (await Physician.get(id_number=ID)).id
    hi = await token_for(w.hospital2)
    r = await client.post(f"{ADMIN}/registrations/{pid}/decision", headers=auth(hi), json={"approve": False})
    assert r.status_code == 422 and r.json()["code"] == "reason_required"
    r = await client.post(f"{ADMIN}/registrations/{pid}/decision", headers=auth(hi),
                          json={"approve": False, "reason": "本院无此医师"})
    assert r.status_code == 200
    p = await Physician.get(id=pid)
    assert p.registry_status == RegistryStatus.HOLDING and p.holding_reason.label == "注册审核未通过"
    login = await client.post(f"{MP}/login", json={"id_number": ID, "password": "Register2026"})
    assert login.status_code == 403 and login.json()["code"] == "registration_rejected"
    bad = await client.post(f"{MP}/register/resubmit", json={"id_number": ID, "password": "wrong-pass1",
                                                           "institution_id": w.hospital3.id})
    assert bad.status_code == 401
    r = await client.post(f"{MP}/register/resubmit", json={"id_number": ID, "password": "Register2026",
                                                         "institution_id": w.hospital3.id})
    assert r.status_code == 200 and r.json()["institution"]["id"] == w.hospital3.id
    r = await client.get(f"{ADMIN}/registrations", headers=auth(await token_for(w.hospital3)))
    assert r.json()["count"] == 1


async def test_bad_id_numbers_and_weak_passwords_are_refused(client):
    w = await make_world()
    await _open(w)
    for id_number, code in ((ID[:-1] + ("0" if ID[-1] != "0" else "1"), "invalid_id_number"),
                            ("650102190001011234", "invalid_id_number")):
        r = await client.post(f"{MP}/register", json=_form(w.hospital2.id, id_number=id_number))
        assert r.status_code == 422 and r.json()["code"] == code, r.text
    r = await client.post(f"{MP}/register", json=_form(w.hospital2.id, password="123456"))
    assert r.status_code == 422 and r.json()["code"] == "weak_password"
    r = await client.post(f"{MP}/register", json=_form(w.gz_hospital.id))
    assert r.status_code == 403  # 贵州 did not open it
    assert await Physician.filter(id_number=ID).count() == 0


async def test_only_the_province_opens_registration(client):
    w = await make_world()
    cycle = await Cycle.create(province=w.gx, name="周期", start_date=date(2024, 1, 1), end_date=date(2026, 12, 31),
                               is_current=True)
    r = await client.put(f"{ADMIN}/cycles/{cycle.id}/self-registration", headers=auth(await token_for(w.nn_admin)),
                         json={"enabled": True})
    assert r.status_code == 403
    r = await client.put(f"{ADMIN}/cycles/{cycle.id}/self-registration", headers=auth(await token_for(w.gx_admin)),
                         json={"enabled": True})
    assert r.status_code == 200 and (await Cycle.get(id=cycle.id)).self_registration is True
