"""卫生机构 to choose when moving a physician (GET /institutions/choices): a health institution sees
those of its province, an administration those of its jurisdiction; cancelled ones are left out."""

from __future__ import annotations

from server.models import AccountStatus, StaffAccount
from tests.factories import auth, make_world, token_for

API = "/api/v1/admin/institutions/choices"


async def test_hospital_chooses_among_its_province(client):
    w = await make_world()
    r = await client.get(API, headers=auth(await token_for(w.hospital2)))
    assert r.status_code == 200, r.text
    names = {row["name"] for row in r.json()["data"]}
    assert {w.hospital.name, w.hospital2.name, w.hospital3.name, w.lz_hospital.name} <= names
    assert w.gz_hospital.name not in names  # another province
    assert all(set(row) == {"id", "name", "region"} for row in r.json()["data"])
    r = await client.get(API, params={"name": "柳州"}, headers=auth(await token_for(w.hospital2)))
    assert [row["id"] for row in r.json()["data"]] == [w.lz_hospital.id]
    assert r.json()["data"][0]["region"]


async def test_administration_chooses_in_its_jurisdiction_not_cancelled(client):
    w = await make_world()
    await StaffAccount.filter(org_id=w.hospital3.id).update(status=AccountStatus.CANCELLED)
    r = await client.get(API, headers=auth(await token_for(w.nn_admin)))
    assert r.status_code == 200, r.text
    ids = {row["id"] for row in r.json()["data"]}
    assert ids == {w.hospital.id, w.hospital2.id}  # not 柳州, not the cancelled 兴宁区人民医院


async def test_other_roles_may_not_choose(client):
    w = await make_world()
    r = await client.get(API, headers=auth(await token_for(w.industry)))
    assert r.status_code == 403
