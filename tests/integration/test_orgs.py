"""本机构信息 and 卫生机构管理 (SPEC §1)."""

from __future__ import annotations

from server.models import AccountStatus, AuditLog, Cycle, CycleConfirmation, Organisation, StaffAccount
from tests.factories import auth, make_world, token_for

SELF = "/api/v1/admin/orgs/self"
INSTITUTIONS = "/api/v1/admin/institutions"

COMMISSION = {"name": "广西壮族自治区卫生健康委员会", "leader": "张主任", "contact": "李干事",
              "phone": "0771-2800000", "address": "南宁市桃源路35号", "postcode": "530021",
              "email": "dk@gxhc.gov.cn"}
INSTITUTION = {"level": "level3", "category": "general_hospital", "legal_person": "王院长", "contact": "陈老师",
               "phone": "13877100000", "address": "南宁市双拥路6号", "postcode": "530021"}


async def test_get_self_administration_lists_three_forms(client):
    w = await make_world()
    r = await client.get(SELF, headers=auth(await token_for(w.gx_admin)))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["id"] == w.gx_admin.id and body["kind"]["value"] == "administration"
    assert [f["label"] for f in body["forms"]] == ["卫健委", "考核管理委员会", "考核办公室"]
    assert body["info"] == {"health_commission": None, "committee": None, "office": None}


async def test_update_self_administration_forms_saved_and_audited(client):
    w = await make_world()
    token = await token_for(w.gx_admin)
    office = {"name": "广西医师定期考核办公室", "contact": "赵老师", "phone": "13900000000"}
    r = await client.put(SELF, headers=auth(token), json={"health_commission": COMMISSION, "office": office})
    assert r.status_code == 200, r.text
    info = r.json()["info"]
    assert info["health_commission"]["email"] == "dk@gxhc.gov.cn"
    assert info["office"]["contact"] == "赵老师" and info["committee"] is None
    org = await Organisation.get(id=w.gx_admin.id)
    assert org.info["health_commission"]["leader"] == "张主任"
    log = await AuditLog.filter(action="org.info.update").first()
    assert log.before == {"health_commission": None, "office": None}
    assert log.after["office"]["name"] == "广西医师定期考核办公室"
    # a later PUT of one form leaves the others alone
    r = await client.put(SELF, headers=auth(token), json={"committee": {"name": "考核管理委员会", "contact": "孙",
                                                                         "phone": "0771-2800001"}})
    assert r.status_code == 200
    assert r.json()["info"]["health_commission"]["name"] == COMMISSION["name"]


async def test_update_self_institution_form(client):
    w = await make_world()
    token = await token_for(w.hospital2)
    r = await client.put(SELF, headers=auth(token), json={"institution": INSTITUTION})
    assert r.status_code == 200, r.text
    assert r.json()["info"]["institution"]["legal_person"] == "王院长"
    assert [f["key"] for f in r.json()["forms"]] == ["institution"]


async def test_update_self_form_of_other_kind_refused(client):
    w = await make_world()
    r = await client.put(SELF, headers=auth(await token_for(w.hospital2)), json={"health_commission": COMMISSION})
    assert r.status_code == 422 and r.json()["code"] == "form_not_applicable"
    r = await client.put(SELF, headers=auth(await token_for(w.gx_admin)), json={"institution": INSTITUTION})
    assert r.status_code == 422 and r.json()["code"] == "form_not_applicable"


async def test_update_self_bad_input_refused(client):
    w = await make_world()
    token = await token_for(w.gx_admin)
    for bad in ({"phone": "12345"}, {"email": "not-an-email"}, {"postcode": "5300"}, {"name": ""},
                {"name": "x" * 129}, {"fax": "abc"}, {"website": "http://x"}):
        r = await client.put(SELF, headers=auth(token), json={"health_commission": {**COMMISSION, **bad}})
        assert r.status_code == 422, (bad, r.text)
        assert r.json()["code"] == "invalid_input"
    r = await client.put(SELF, headers=auth(token), json={"unknown_form": {}})
    assert r.status_code == 422
    r = await client.put(SELF, headers=auth(token), json={})
    assert r.status_code == 422 and r.json()["code"] == "empty_update"
    r = await client.put(SELF, headers=auth(await token_for(w.hospital2)),
                         json={"institution": {**INSTITUTION, "level": "level9"}})
    assert r.status_code == 422
    assert (await Organisation.get(id=w.gx_admin.id)).info == {}


async def test_update_self_wrong_role_and_setup_required(client):
    w = await make_world()
    from server.services.access import Role

    token = await token_for(w.hospital, Role.ASSESSMENT_INSTITUTION)
    r = await client.put(SELF, headers=auth(token), json={"institution": INSTITUTION})
    assert r.status_code == 403 and r.json()["code"] == "wrong_role"
    token = await token_for(w.hospital2, must_change=True)
    r = await client.get(SELF, headers=auth(token))
    assert r.status_code == 403 and r.json()["code"] == "setup_required"
    assert (await client.get(SELF)).status_code == 401


async def test_list_institutions_in_jurisdiction_only(client):
    w = await make_world()
    r = await client.get(INSTITUTIONS, headers=auth(await token_for(w.nn_admin)))
    assert r.status_code == 200, r.text
    names = {row["name"] for row in r.json()["data"]}
    assert names == {w.hospital.name, w.hospital2.name, w.hospital3.name}
    assert r.json()["count"] == 3
    r = await client.get(INSTITUTIONS, headers=auth(await token_for(w.gx_admin)))
    assert r.json()["count"] == 4  # every 广西 hospital, not 贵州's, not administrations or industry orgs
    r = await client.get(INSTITUTIONS, headers=auth(await token_for(w.national)))
    assert r.json()["count"] == 5


async def test_list_institutions_filters_and_paging(client):
    w = await make_world()
    token = await token_for(w.gx_admin)
    r = await client.get(INSTITUTIONS, headers=auth(token), params={"name": "南宁"})
    assert [row["name"] for row in r.json()["data"]] == ["南宁市第一人民医院"]
    r = await client.get(INSTITUTIONS, headers=auth(token), params={"region_id": w.liuzhou.id})
    assert [row["id"] for row in r.json()["data"]] == [w.lz_hospital.id]
    r = await client.get(INSTITUTIONS, headers=auth(token), params={"is_assessment_institution": "true"})
    assert [row["id"] for row in r.json()["data"]] == [w.hospital.id]
    r = await client.get(INSTITUTIONS, headers=auth(token), params={"page": 2, "size": 3})
    assert r.json()["count"] == 4 and len(r.json()["data"]) == 1 and r.json()["page"] == 2
    r = await client.get(INSTITUTIONS, headers=auth(token), params={"is_assessment_institution": "maybe"})
    assert r.status_code == 422 and r.json()["code"] == "invalid_query"
    r = await client.get(INSTITUTIONS, headers=auth(token), params={"size": 1000})
    assert r.status_code == 422 and r.json()["code"] == "invalid_paging"


async def test_list_institutions_region_outside_jurisdiction(client):
    w = await make_world()
    r = await client.get(INSTITUTIONS, headers=auth(await token_for(w.nn_admin)), params={"region_id": w.liuzhou.id})
    assert r.status_code == 403 and r.json()["code"] == "out_of_jurisdiction"
    r = await client.get(INSTITUTIONS, headers=auth(await token_for(w.gx_admin)), params={"region_id": w.gz.id})
    assert r.status_code == 403


async def test_list_institutions_shows_account_status_masked_phone_and_confirmation(client):
    w = await make_world()
    await StaffAccount.filter(org_id=w.hospital3.id).update(status=AccountStatus.INACTIVE)
    w.hospital2.info = {"institution": INSTITUTION}
    await w.hospital2.save()
    cycle = await Cycle.create(province=w.gx, name="2024-2026周期", start_date="2024-01-01", end_date="2026-12-31")
    await CycleConfirmation.create(cycle=cycle, org=w.hospital2)
    r = await client.get(INSTITUTIONS, headers=auth(await token_for(w.qx_admin)))
    rows = {row["id"]: row for row in r.json()["data"]}
    assert set(rows) == {w.hospital.id, w.hospital2.id}
    assert rows[w.hospital2.id]["phone"] == "138****0000"
    assert rows[w.hospital2.id]["cycle_confirmed"] is True and rows[w.hospital.id]["cycle_confirmed"] is False
    assert rows[w.hospital2.id]["assessor"]["id"] == w.hospital.id
    assert rows[w.hospital.id]["account"]["status"] == {"value": "active", "label": "激活"}
    r = await client.get(INSTITUTIONS, headers=auth(await token_for(w.nn_admin)), params={"name": "兴宁"})
    assert r.json()["data"][0]["account"] == {"code": "xnh", "status": {"value": "inactive", "label": "未激活"},
                                              "active": False}


async def test_list_institutions_wrong_role(client):
    w = await make_world()
    for org in (w.hospital2, w.industry):
        r = await client.get(INSTITUTIONS, headers=auth(await token_for(org)))
        assert r.status_code == 403 and r.json()["code"] == "wrong_role"


async def test_get_institution_in_and_out_of_jurisdiction(client):
    w = await make_world()
    w.hospital3.info = {"institution": INSTITUTION}
    await w.hospital3.save()
    token = await token_for(w.nn_admin)
    r = await client.get(f"{INSTITUTIONS}/{w.hospital3.id}", headers=auth(token))
    assert r.status_code == 200, r.text
    assert r.json()["phone"] == "13877100000" and r.json()["info"]["legal_person"] == "王院长"
    r = await client.get(f"{INSTITUTIONS}/{w.lz_hospital.id}", headers=auth(token))
    assert r.status_code == 403 and r.json()["code"] == "out_of_jurisdiction"
    r = await client.get(f"{INSTITUTIONS}/{w.gz_hospital.id}", headers=auth(await token_for(w.gx_admin)))
    assert r.status_code == 403
    r = await client.get(f"{INSTITUTIONS}/{w.nn_admin.id}", headers=auth(token))  # not a health institution
    assert r.status_code == 404
    r = await client.get(f"{INSTITUTIONS}/999999", headers=auth(token))
    assert r.status_code == 404 and r.json()["code"] == "org_not_found"
