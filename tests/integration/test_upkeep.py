"""Upkeep of organisations (issue #12): 调整科室 by the institution, 修改名称 / 隶属关系调整 and 注销机构 by
administrations in their jurisdiction; refusals write nothing."""

from __future__ import annotations

from datetime import date

from server.models import (
    AccountStatus,
    Assessment,
    AssessmentStatus,
    AuditLog,
    Cycle,
    Department,
    Organisation,
    Physician,
    RegistryStatus,
    StaffAccount,
)
from server.services.accounts import sessions
from tests.factories import auth, make_physician, make_world, token_for

API = "/api/v1/admin"


async def test_institution_moves_its_physicians_to_another_department(client):
    w = await make_world()
    old = await Department.create(org=w.hospital, name="内科", level=1)
    new = await Department.create(org=w.hospital, name="心内科", level=1)
    theirs = await Department.create(org=w.hospital2, name="外科", level=1)
    a = await make_physician(w.hospital, department=old)
    b = await make_physician(w.hospital, department=old)
    other = await make_physician(w.hospital2, department=theirs)
    token = await token_for(w.hospital)
    r = await client.post(f"{API}/physicians/move-department", headers=auth(token),
                          json={"physician_ids": [a.id, b.id, other.id], "department_id": new.id})
    assert r.status_code == 200, r.text
    assert r.json()["done"] == [a.id, b.id]
    assert [(f["id"], f["code"]) for f in r.json()["failed"]] == [(other.id, "physician_not_found")]
    assert await Physician.filter(department_id=new.id).count() == 2
    assert (await Physician.get(id=other.id)).department_id == theirs.id
    assert await AuditLog.filter(action="physician.move_department").count() == 2
    # the department is empty now: it can be deleted; the other one is not
    r = await client.delete(f"{API}/departments/{old.id}", headers=auth(token))
    assert r.status_code in (200, 204), r.text
    r = await client.delete(f"{API}/departments/{new.id}", headers=auth(token))
    assert r.status_code == 409 and r.json()["code"] == "department_in_use" and "2名医师" in r.json()["message"]
    # another institution's department, and a wrong role
    r = await client.post(f"{API}/physicians/move-department", headers=auth(token),
                          json={"physician_ids": [a.id], "department_id": theirs.id})
    assert r.status_code == 404 and r.json()["code"] == "department_not_found"
    r = await client.post(f"{API}/physicians/move-department", headers=auth(await token_for(w.gx_admin)),
                          json={"physician_ids": [a.id], "department_id": new.id})
    assert r.status_code == 403


async def test_province_renames_and_reattaches_an_institution(client):
    w = await make_world()
    p = await make_physician(w.hospital3)
    cycle = await Cycle.create(province=w.gx, name="周期", start_date=date(2024, 1, 1), end_date=date(2026, 12, 31))
    a = await Assessment.create(physician=p, cycle=cycle, institution=w.hospital3, region_path=w.hospital3.region_path,
                                status=AssessmentStatus.ENROLLED, active=True)
    staff_token = await token_for(w.hospital3)
    r = await client.put(f"{API}/institutions/{w.hospital3.id}/upkeep", headers=auth(await token_for(w.gx_admin)),
                         json={"name": "兴宁区人民医院（新院区）", "region_id": w.chengzhong.id})
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "兴宁区人民医院（新院区）" and r.json()["region"]["id"] == w.chengzhong.id
    org = await Organisation.get(id=w.hospital3.id)
    assert org.region_path == w.chengzhong.path
    assert (await Physician.get(id=p.id)).region_path == w.chengzhong.path
    assert (await Assessment.get(id=a.id)).region_path == w.chengzhong.path
    assert await sessions.load_session(staff_token) is None  # its staff sign in again
    assert await AuditLog.filter(action="institution.update", target_id=str(org.id)).count() == 1
    # now it lies in 柳州: 柳州's city administration sees it, 南宁's no longer
    r = await client.put(f"{API}/institutions/{org.id}/upkeep", headers=auth(await token_for(w.nn_admin)),
                         json={"name": "x"})
    assert r.status_code == 403


async def test_reattach_outside_the_jurisdiction_is_refused_and_writes_nothing(client):
    w = await make_world()
    token = await token_for(w.nn_admin)  # 南宁: may move between its counties only
    r = await client.put(f"{API}/institutions/{w.hospital2.id}/upkeep", headers=auth(token),
                         json={"region_id": w.chengzhong.id})
    assert r.status_code == 403 and r.json()["code"] == "out_of_jurisdiction"
    r = await client.put(f"{API}/institutions/{w.hospital2.id}/upkeep", headers=auth(token),
                         json={"region_id": w.xingning.id})
    assert r.status_code == 200
    r = await client.put(f"{API}/institutions/{w.gz_hospital.id}/upkeep", headers=auth(await token_for(w.gx_admin)),
                         json={"name": "改名"})
    assert r.status_code == 403
    assert (await Organisation.get(id=w.gz_hospital.id)).name == "贵阳市第一人民医院"
    await StaffAccount.filter(org_id=w.hospital3.id).update(status=AccountStatus.INACTIVE)
    r = await client.put(f"{API}/institutions/{w.hospital3.id}/upkeep", headers=auth(token), json={"name": "改名"})
    assert r.status_code == 409 and r.json()["code"] == "institution_not_active"
    r = await client.put(f"{API}/institutions/{w.hospital2.id}/upkeep", headers=auth(token), json={})
    assert r.status_code == 422


async def test_cancel_moves_physicians_to_holding_unless_one_is_in_the_cycle(client):
    w = await make_world()
    p1 = await make_physician(w.hospital3)
    p2 = await make_physician(w.hospital3)
    cycle = await Cycle.create(province=w.gx, name="周期", start_date=date(2024, 1, 1), end_date=date(2026, 12, 31),
                               is_current=True)
    a = await Assessment.create(physician=p1, cycle=cycle, institution=w.hospital3, region_path=w.hospital3.region_path,
                                status=AssessmentStatus.ENROLLED, active=True)
    token = await token_for(w.gx_admin)
    r = await client.post(f"{API}/institutions/{w.hospital3.id}/cancel", headers=auth(token))
    assert r.status_code == 409 and r.json()["code"] == "institution_in_cycle" and "1名医师" in r.json()["message"]
    assert (await Physician.get(id=p2.id)).registry_status == RegistryStatus.ACTIVE  # nothing written
    await Assessment.filter(id=a.id).update(status=AssessmentStatus.LEFT, active=False)
    r = await client.post(f"{API}/institutions/{w.hospital3.id}/cancel", headers=auth(token))
    assert r.status_code == 200, r.text
    assert r.json() == {"accounts_cancelled": 1, "physicians_to_holding": 2}
    for p in (p1, p2):
        fresh = await Physician.get(id=p.id)
        assert fresh.registry_status == RegistryStatus.HOLDING and fresh.holding_reason.label == "机构注销"
    assert (await StaffAccount.get(org_id=w.hospital3.id)).status == AccountStatus.CANCELLED
    r = await client.post(f"{API}/institutions/{w.hospital3.id}/cancel", headers=auth(token))
    assert r.status_code == 409 and r.json()["code"] == "institution_cancelled"
    r = await client.post(f"{API}/institutions/{w.hospital2.id}/cancel", headers=auth(await token_for(w.hospital2)))
    assert r.status_code == 403
