"""医师管理: list in scope with filters and masking, detail view, 重置密码."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from server.models import AuditLog, Department, Physician, PhysicianLevel, PracticeCategory
from server.security import hash_password
from server.services.access import Role
from server.services.accounts import sessions
from tests.factories import auth, make_physician, make_world, token_for

URL = "/api/v1/admin/physicians"


async def _setup():
    w = await make_world()
    dept = await Department.create(org=w.hospital, name="心内科")
    ps = {
        "a": await make_physician(w.hospital, n=1, name="张三", phone="13800138001", department=dept),
        "b": await make_physician(w.hospital2, n=2, name="张四", level=PhysicianLevel.ASSISTANT,
                                  category=PracticeCategory.TCM),
        "c": await make_physician(w.hospital3, n=3, name="李五"),
        "d": await make_physician(w.lz_hospital, n=4, name="赵六"),
        "e": await make_physician(w.gz_hospital, n=5, name="钱七"),
    }
    return w, dept, ps


async def _list(client, token, **params):
    r = await client.get(URL, headers=auth(token), params=params)
    assert r.status_code == 200, r.text
    return r.json()


async def test_list_administration_sees_its_jurisdiction_masked(client):
    w, _, ps = await _setup()
    body = await _list(client, await token_for(w.nn_admin))
    assert body["count"] == 3 and {r["name"] for r in body["data"]} == {"张三", "张四", "李五"}
    row = next(r for r in body["data"] if r["name"] == "张三")
    assert row["id_number"] == ps["a"].id_number[:4] + "*" * 12 + ps["a"].id_number[-2:]
    assert row["phone"] == "138****8001"
    assert row["institution"] == {"id": w.hospital.id, "name": w.hospital.name}
    assert row["department"]["name"] == "心内科" and row["level"]["label"] == "执业医师"
    assert (await _list(client, await token_for(w.gx_admin)))["count"] == 4
    assert (await _list(client, await token_for(w.national)))["count"] == 5
    assert (await _list(client, await token_for(w.lz_admin)))["count"] == 1


async def test_list_institutions_see_their_own_and_assigned(client):
    w, _, _ = await _setup()
    body = await _list(client, await token_for(w.hospital2))
    assert [r["name"] for r in body["data"]] == ["张四"]
    body = await _list(client, await token_for(w.hospital, Role.ASSESSMENT_INSTITUTION))
    assert {r["name"] for r in body["data"]} == {"张三", "张四"}


async def test_list_filters_and_paging(client):
    w, dept, ps = await _setup()
    token = await token_for(w.gx_admin)
    assert (await _list(client, token, name="张"))["count"] == 2
    assert [r["name"] for r in (await _list(client, token, id_number=ps["c"].id_number.lower()))["data"]] == ["李五"]
    assert (await _list(client, token, institution_id=w.hospital2.id))["count"] == 1
    assert (await _list(client, token, department_id=dept.id))["count"] == 1
    assert (await _list(client, token, category="tcm"))["count"] == 1
    assert (await _list(client, token, level="assistant"))["count"] == 1
    assert (await _list(client, token, registry_status="holding"))["count"] == 0
    # a filter naming an institution outside scope finds nothing
    assert (await _list(client, token, institution_id=w.gz_hospital.id))["count"] == 0
    body = await _list(client, token, page=2, size=3)
    assert body["count"] == 4 and len(body["data"]) == 1 and body["page"] == 2
    for bad in ({"category": "surgery"}, {"level": "x"}, {"size": "1000"}, {"institution_id": "abc"}):
        r = await client.get(URL, headers=auth(token), params=bad)
        assert r.status_code == 422, bad


async def test_list_wrong_role_refused(client):
    w, _, _ = await _setup()
    r = await client.get(URL, headers=auth(await token_for(w.industry)))
    assert r.status_code == 403 and r.json()["code"] == "wrong_role"
    assert (await client.get(URL)).status_code == 401


async def test_detail_full_numbers_for_own_institution_and_administrations(client):
    w, _, ps = await _setup()
    pid = ps["a"].id
    for org in (w.hospital, w.qx_admin, w.nn_admin, w.gx_admin):
        r = await client.get(f"{URL}/{pid}", headers=auth(await token_for(org)))
        assert r.status_code == 200, r.text
        assert r.json()["id_number"] == ps["a"].id_number and r.json()["phone"] == "13800138001"
        assert r.json()["numbers_masked"] is False and r.json()["in_current_cycle"] is False
    # the assessment institution sees the record, masked
    r = await client.get(f"{URL}/{pid}", headers=auth(await token_for(w.hospital, Role.ASSESSMENT_INSTITUTION)))
    assert r.status_code == 200 and r.json()["numbers_masked"] is True
    assert r.json()["id_number"] != ps["a"].id_number and r.json()["phone"] == "138****8001"


async def test_detail_outside_scope_refused(client):
    w, _, ps = await _setup()
    for org in (w.hospital2, w.lz_admin, w.gz_admin, w.hospital3):
        r = await client.get(f"{URL}/{ps['a'].id}", headers=auth(await token_for(org)))
        assert r.status_code == 403 and r.json()["code"] == "out_of_jurisdiction"
    r = await client.get(f"{URL}/999999", headers=auth(await token_for(w.gx_admin)))
    assert r.status_code == 404


async def test_reset_password_by_own_institution(client):
    w, _, ps = await _setup()
    p = ps["a"]
    await Physician.filter(id=p.id).update(password_hash=await hash_password("Abcdef123"), must_change_password=False,
                                          failed_logins=3, locked_until=datetime.now(UTC) + timedelta(minutes=5))
    ptoken = await sessions.create_session(sessions.physician_subject(p.id), {"kind": "physician", "role": "physician"})
    r = await client.post(f"{URL}/{p.id}/reset-password", headers=auth(await token_for(w.hospital)))
    assert r.status_code == 200, r.text
    fresh = await Physician.get(id=p.id)
    assert fresh.password_hash is None and fresh.must_change_password is True
    assert fresh.failed_logins == 0 and fresh.locked_until is None
    assert await sessions.load_session(ptoken) is None
    assert await AuditLog.filter(action="physician.reset_password", target_id=str(p.id)).exists()


async def test_reset_password_refused_for_others(client):
    w, _, ps = await _setup()
    p = ps["a"]
    await Physician.filter(id=p.id).update(password_hash="kept")
    r = await client.post(f"{URL}/{p.id}/reset-password", headers=auth(await token_for(w.hospital2)))
    assert r.status_code == 403 and r.json()["code"] == "out_of_jurisdiction"
    for token in (await token_for(w.qx_admin), await token_for(w.hospital, Role.ASSESSMENT_INSTITUTION)):
        r = await client.post(f"{URL}/{p.id}/reset-password", headers=auth(token))
        assert r.status_code == 403 and r.json()["code"] == "wrong_role"
    r = await client.post(f"{URL}/999999/reset-password", headers=auth(await token_for(w.hospital)))
    assert r.status_code == 404
    assert (await Physician.get(id=p.id)).password_hash == "kept"
