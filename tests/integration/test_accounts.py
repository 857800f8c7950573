"""所辖机构账户管理 (SPEC §2): list, 新增, 修改, 激活 / 批量激活, 删除, 重置密码, 注销, 批量导出."""

from __future__ import annotations

import io
from urllib.parse import unquote

from openpyxl import load_workbook

from server.models import AccountStatus, AuditLog, Department, Organisation, OrgKind, StaffAccount
from server.security import hash_password
from server.services.access import Role
from tests.factories import STRONG, account_of, auth, login, make_org, make_physician, make_world, token_for

BASE = "/api/v1/admin/accounts"


async def _create(client, token, **body):
    payload = {"code": "new-1", "name": "新建医院", "kind": "health_institution", "address": "民族大道1号"}
    payload.update(body)
    return await client.post(BASE, headers=auth(token), json=payload)


async def _inactive(name, kind, region, code):
    org = await make_org(name, kind, region, code=code, status=AccountStatus.INACTIVE)
    return await account_of(org)


# --- list ----------------------------------------------------------------------------


async def test_list_accounts_shows_jurisdiction_without_own(client):
    w = await make_world()
    r = await client.get(BASE, headers=auth(await token_for(w.nn_admin)), params={"size": 100})
    assert r.status_code == 200, r.text
    body = r.json()
    codes = {row["code"] for row in body["data"]}
    assert codes == {"qx-admin", "gxmu1", "nn1h", "xnh"}
    assert body["count"] == 4 and body["page"] == 1
    row = next(x for x in body["data"] if x["code"] == "qx-admin")
    assert row["name"] == "青秀区卫健局"
    assert row["kind"] == {"value": "administration", "label": "地方卫健委"}
    assert row["region"]["name"] == "青秀区"
    assert row["status"] == {"value": "active", "label": "激活"}


async def test_list_accounts_national_sees_provinces(client):
    w = await make_world()
    r = await client.get(BASE, headers=auth(await token_for(w.national)),
                         params={"kind": "administration", "size": 100})
    codes = {row["code"] for row in r.json()["data"]}
    assert {"gx-admin", "gz-admin"} <= codes and "national" not in codes


async def test_list_accounts_filters(client):
    w = await make_world()
    await _inactive("新医院", OrgKind.HEALTH_INSTITUTION, w.xingning, "inact-1")
    token = await token_for(w.gx_admin)

    async def codes(**params):
        r = await client.get(BASE, headers=auth(token), params={"size": 100, **params})
        assert r.status_code == 200, r.text
        return {row["code"] for row in r.json()["data"]}

    assert await codes(kind="administration") == {"nn-admin", "lz-admin", "qx-admin"}
    assert await codes(kind="industry_org") == {"gx-mda"}
    assert await codes(status="inactive") == {"inact-1"}
    assert await codes(name="柳州") == {"lz-admin", "lzph"}
    assert await codes(code="NN") == {"nn-admin", "nn1h"}
    assert await codes(region_id=w.xingning.id) == {"xnh", "inact-1"}
    assert await codes(region_id=w.nanning.id, kind="health_institution") == {"gxmu1", "nn1h", "xnh", "inact-1"}
    r = await client.get(BASE, headers=auth(token), params={"page": 2, "size": 3})
    assert r.json()["count"] == 9 and len(r.json()["data"]) == 3


async def test_list_accounts_bad_query(client):
    w = await make_world()
    token = await token_for(w.gx_admin)
    r = await client.get(BASE, headers=auth(token), params={"kind": "alien"})
    assert r.status_code == 422 and r.json()["code"] == "invalid_query"
    r = await client.get(BASE, headers=auth(token), params={"status": "zombie"})
    assert r.status_code == 422 and r.json()["code"] == "invalid_query"
    r = await client.get(BASE, headers=auth(token), params={"region_id": "abc"})
    assert r.status_code == 422
    r = await client.get(BASE, headers=auth(token), params={"size": 1000})
    assert r.status_code == 422 and r.json()["code"] == "invalid_paging"


async def test_list_accounts_region_outside_jurisdiction(client):
    w = await make_world()
    r = await client.get(BASE, headers=auth(await token_for(w.gx_admin)), params={"region_id": w.guiyang.id})
    assert r.status_code == 403 and r.json()["code"] == "out_of_jurisdiction"
    assert "data" not in r.json()


async def test_list_accounts_wrong_role(client):
    w = await make_world()
    for org, role in ((w.hospital, None), (w.hospital, Role.ASSESSMENT_INSTITUTION), (w.industry, None)):
        r = await client.get(BASE, headers=auth(await token_for(org, role)))
        assert r.status_code == 403 and r.json()["code"] == "wrong_role"


# --- 新增 ------------------------------------------------------------------------------


async def test_create_account_starts_inactive_with_initial_password(client):
    w = await make_world()
    r = await _create(client, await token_for(w.nn_admin), region_id=w.xingning.id)
    assert r.status_code == 201, r.text
    row = r.json()
    assert row["status"] == {"value": "inactive", "label": "未激活"}
    assert row["kind"]["label"] == "卫生机构" and row["region"]["name"] == "兴宁区"
    account = await StaffAccount.get(code="new-1").prefetch_related("org")
    assert account.password_hash is None and account.must_change_password
    assert account.org.region_path == w.xingning.path and account.org.address == "民族大道1号"
    nn_account = await account_of(w.nn_admin)
    assert account.created_by_id == nn_account.id
    log = await AuditLog.get(action="account.create", target_id=str(account.id))
    assert log.actor_id == nn_account.id and log.after["account_code"] == "new-1"
    # not usable before 激活
    assert (await login(client, "new-1")).json()["code"] == "account_inactive"


async def test_create_administration_must_be_below_and_alone(client):
    w = await make_world()
    token = await token_for(w.nn_admin)
    r = await _create(client, token, code="a1", name="南宁另一个卫健委", kind="administration", region_id=w.nanning.id)
    assert r.status_code == 422 and r.json()["code"] == "region_not_below"
    r = await _create(client, token, code="a2", name="青秀第二卫健局", kind="administration", region_id=w.qingxiu.id)
    assert r.status_code == 409 and r.json()["code"] == "region_has_administration"
    r = await _create(client, token, code="a3", name="兴宁区卫健局", kind="administration", region_id=w.xingning.id)
    assert r.status_code == 201, r.text
    assert not await StaffAccount.filter(code__in=["a1", "a2"]).exists()
    # a health institution may sit at the caller's own region
    r = await _create(client, token, code="h-nn", region_id=w.nanning.id)
    assert r.status_code == 201


async def test_create_account_outside_jurisdiction(client):
    w = await make_world()
    r = await _create(client, await token_for(w.nn_admin), region_id=w.chengzhong.id)
    assert r.status_code == 403 and r.json()["code"] == "out_of_jurisdiction"
    r = await _create(client, await token_for(w.gx_admin), region_id=w.guiyang.id)
    assert r.status_code == 403 and r.json()["code"] == "out_of_jurisdiction"
    assert not await StaffAccount.filter(code="new-1").exists()


async def test_create_account_duplicate_code(client):
    w = await make_world()
    orgs_before = await Organisation.all().count()
    r = await _create(client, await token_for(w.gx_admin), code="nn1h", region_id=w.nanning.id)
    assert r.status_code == 409 and r.json()["code"] == "duplicate_account_code"
    assert "已存在" in r.json()["message"]
    assert await Organisation.all().count() == orgs_before


async def test_create_account_bad_input(client):
    w = await make_world()
    token = await token_for(w.gx_admin)
    r = await client.post(BASE, headers=auth(token), json={"code": "x"})
    assert r.status_code == 422 and r.json()["code"] == "invalid_input"
    r = await _create(client, token, kind="alien", region_id=w.nanning.id)
    assert r.status_code == 422
    r = await _create(client, token, region_id=999999)
    assert r.status_code == 422 and r.json()["code"] == "invalid_region"
    assert r.json()["details"] == [{"field": "region_id", "problem": "invalid", "message": "地区不存在"}]
    r = await _create(client, token, name="   ", region_id=w.nanning.id)
    assert r.status_code == 422
    assert r.json()["details"][0]["field"] == "name"
    # the service's own checks name the form field too (the console shows them on it)
    r = await _create(client, token, code="has space", region_id=w.nanning.id)
    assert r.status_code == 422
    assert r.json()["details"] == [{"field": "code", "problem": "invalid", "message": "机构账号不能包含空格"}]
    assert await StaffAccount.filter(code__in=["new-1", "x", "has space"]).count() == 0


async def test_create_account_wrong_role(client):
    w = await make_world()
    r = await _create(client, await token_for(w.hospital), region_id=w.qingxiu.id)
    assert r.status_code == 403 and r.json()["code"] == "wrong_role"
    assert not await StaffAccount.filter(code="new-1").exists()


# --- 修改 ------------------------------------------------------------------------------


async def test_update_inactive_account(client):
    w = await make_world()
    account = await _inactive("待修改医院", OrgKind.HEALTH_INSTITUTION, w.qingxiu, "edit-1")
    p = await make_physician(await Organisation.get(id=account.org_id))
    r = await client.put(f"{BASE}/{account.id}", headers=auth(await token_for(w.nn_admin)),
                         json={"name": "已修改医院", "address": "新地址", "region_id": w.xingning.id})
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "已修改医院" and r.json()["region"]["name"] == "兴宁区"
    org = await Organisation.get(id=account.org_id)
    assert org.region_path == w.xingning.path and org.address == "新地址"
    await p.refresh_from_db()
    assert p.region_path == w.xingning.path
    log = await AuditLog.get(action="account.update", target_id=str(account.id))
    assert log.before["name"] == "待修改医院" and log.after["name"] == "已修改医院"


async def test_update_active_account_refused(client):
    w = await make_world()
    account = await account_of(w.hospital2)
    r = await client.put(f"{BASE}/{account.id}", headers=auth(await token_for(w.nn_admin)), json={"name": "改名"})
    assert r.status_code == 409 and r.json()["code"] == "account_not_inactive"
    assert (await Organisation.get(id=w.hospital2.id)).name == "南宁市第一人民医院"


async def test_update_account_outside_jurisdiction(client):
    w = await make_world()
    account = await _inactive("贵州新医院", OrgKind.HEALTH_INSTITUTION, w.guiyang, "gz-new")
    r = await client.put(f"{BASE}/{account.id}", headers=auth(await token_for(w.gx_admin)), json={"name": "改名"})
    assert r.status_code == 403 and r.json()["code"] == "out_of_jurisdiction"
    assert "name" not in r.json()
    assert (await Organisation.get(id=account.org_id)).name == "贵州新医院"
    # moving one's own account into a region outside is refused too
    mine = await _inactive("新医院", OrgKind.HEALTH_INSTITUTION, w.liuzhou, "lz-new")
    r = await client.put(f"{BASE}/{mine.id}", headers=auth(await token_for(w.lz_admin)),
                         json={"region_id": w.nanning.id})
    assert r.status_code == 403


async def test_update_administration_region_taken(client):
    w = await make_world()
    account = await _inactive("兴宁区卫健局", OrgKind.ADMINISTRATION, w.xingning, "xn-admin")
    r = await client.put(f"{BASE}/{account.id}", headers=auth(await token_for(w.nn_admin)),
                         json={"region_id": w.qingxiu.id})
    assert r.status_code == 409 and r.json()["code"] == "region_has_administration"


async def test_get_account(client):
    w = await make_world()
    account = await account_of(w.hospital3)
    r = await client.get(f"{BASE}/{account.id}", headers=auth(await token_for(w.nn_admin)))
    assert r.status_code == 200 and r.json()["code"] == "xnh"
    r = await client.get(f"{BASE}/{account.id}", headers=auth(await token_for(w.lz_admin)))
    assert r.status_code == 403 and "xnh" not in r.text
    r = await client.get(f"{BASE}/999999", headers=auth(await token_for(w.nn_admin)))
    assert r.status_code == 404 and r.json()["code"] == "account_not_found"
    own = await account_of(w.nn_admin)
    r = await client.get(f"{BASE}/{own.id}", headers=auth(await token_for(w.nn_admin)))
    assert r.status_code == 403 and r.json()["code"] == "own_account"


# --- 激活 / 批量激活 ---------------------------------------------------------------------


async def test_activate_account_then_login(client):
    w = await make_world()
    account = await _inactive("新医院", OrgKind.HEALTH_INSTITUTION, w.qingxiu, "act-1")
    token = await token_for(w.nn_admin)
    r = await client.post(f"{BASE}/{account.id}/activate", headers=auth(token))
    assert r.status_code == 200 and r.json()["status"]["value"] == "active"
    assert await AuditLog.filter(action="account.activate", target_id=str(account.id)).count() == 1
    r = await login(client, "act-1")
    assert r.status_code == 200 and r.json()["must_change_password"] is True
    r = await client.post(f"{BASE}/{account.id}/activate", headers=auth(token))
    assert r.status_code == 409 and r.json()["code"] == "account_not_inactive"


async def test_activate_outside_jurisdiction_and_wrong_role(client):
    w = await make_world()
    account = await _inactive("新医院", OrgKind.HEALTH_INSTITUTION, w.chengzhong, "act-lz")
    r = await client.post(f"{BASE}/{account.id}/activate", headers=auth(await token_for(w.nn_admin)))
    assert r.status_code == 403 and r.json()["code"] == "out_of_jurisdiction"
    r = await client.post(f"{BASE}/{account.id}/activate", headers=auth(await token_for(w.lz_hospital)))
    assert r.status_code == 403 and r.json()["code"] == "wrong_role"
    assert (await StaffAccount.get(id=account.id)).status == AccountStatus.INACTIVE


async def test_batch_activate_reports_each_failure(client):
    w = await make_world()
    a = await _inactive("甲医院", OrgKind.HEALTH_INSTITUTION, w.qingxiu, "b-a")
    b = await _inactive("乙医院", OrgKind.HEALTH_INSTITUTION, w.xingning, "b-b")
    outside = await _inactive("丙医院", OrgKind.HEALTH_INSTITUTION, w.guiyang, "b-c")
    active = await account_of(w.hospital2)
    r = await client.post(f"{BASE}/batch-activate", headers=auth(await token_for(w.gx_admin)),
                          json={"ids": [a.id, active.id, b.id, outside.id, 999999, a.id]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["done"] == [a.id, b.id]
    failed = {f["id"]: f["code"] for f in body["failed"]}
    assert failed == {active.id: "account_not_inactive", outside.id: "out_of_jurisdiction",
                      999999: "account_not_found"}
    assert all(f["message"] for f in body["failed"])
    assert (await StaffAccount.get(id=outside.id)).status == AccountStatus.INACTIVE
    assert (await StaffAccount.get(id=b.id)).status == AccountStatus.ACTIVE
    assert await AuditLog.filter(action="account.activate").count() == 2


async def test_batch_activate_bad_input(client):
    w = await make_world()
    token = await token_for(w.gx_admin)
    for body in ({"ids": []}, {"ids": "1"}, {}, {"ids": list(range(501))}):
        r = await client.post(f"{BASE}/batch-activate", headers=auth(token), json=body)
        assert r.status_code == 422, body


# --- 删除 ------------------------------------------------------------------------------


async def test_delete_inactive_account_removes_org(client):
    w = await make_world()
    account = await _inactive("待删除医院", OrgKind.HEALTH_INSTITUTION, w.qingxiu, "del-1")
    r = await client.delete(f"{BASE}/{account.id}", headers=auth(await token_for(w.nn_admin)))
    assert r.status_code == 200, r.text
    assert not await StaffAccount.filter(id=account.id).exists()
    assert not await Organisation.filter(id=account.org_id).exists()
    log = await AuditLog.get(action="account.delete", target_id=str(account.id))
    assert log.before["account_code"] == "del-1"


async def test_delete_active_or_referenced_refused(client):
    w = await make_world()
    token = await token_for(w.nn_admin)
    active = await account_of(w.hospital3)
    r = await client.delete(f"{BASE}/{active.id}", headers=auth(token))
    assert r.status_code == 409 and r.json()["code"] == "account_not_inactive"
    used = await _inactive("有医师的医院", OrgKind.HEALTH_INSTITUTION, w.qingxiu, "del-2")
    await make_physician(await Organisation.get(id=used.org_id))
    r = await client.delete(f"{BASE}/{used.id}", headers=auth(token))
    assert r.status_code == 409 and r.json()["code"] == "org_in_use"
    with_dept = await _inactive("有科室的医院", OrgKind.HEALTH_INSTITUTION, w.qingxiu, "del-3")
    await Department.create(org_id=with_dept.org_id, name="内科")
    r = await client.delete(f"{BASE}/{with_dept.id}", headers=auth(token))
    assert r.status_code == 409 and r.json()["code"] == "org_in_use"
    assert await Department.filter(org_id=with_dept.org_id).exists()
    assert await StaffAccount.filter(id__in=[active.id, used.id, with_dept.id]).count() == 3
    assert not await AuditLog.filter(action="account.delete").exists()


async def test_delete_outside_jurisdiction(client):
    w = await make_world()
    account = await _inactive("贵州医院", OrgKind.HEALTH_INSTITUTION, w.guiyang, "del-gz")
    r = await client.delete(f"{BASE}/{account.id}", headers=auth(await token_for(w.gx_admin)))
    assert r.status_code == 403 and r.json()["code"] == "out_of_jurisdiction"
    assert await StaffAccount.filter(id=account.id).exists()


# --- 重置密码 / 注销 ---------------------------------------------------------------------


async def test_reset_password_ends_sessions(client):
    w = await make_world()
    account = await account_of(w.hospital2)
    await StaffAccount.filter(id=account.id).update(password_hash=await hash_password(STRONG),
                                                    must_change_password=False)
    victim = await token_for(w.hospital2)
    assert (await client.get("/api/v1/admin/auth/me", headers=auth(victim))).status_code == 200
    r = await client.post(f"{BASE}/{account.id}/reset-password", headers=auth(await token_for(w.nn_admin)))
    assert r.status_code == 200, r.text
    r = await client.get("/api/v1/admin/auth/me", headers=auth(victim))
    assert r.status_code == 401
    await account.refresh_from_db()
    assert account.password_hash is None and account.must_change_password
    assert await AuditLog.filter(action="account.reset_password", target_id=str(account.id)).exists()
    r = await login(client, "nn1h", "666666")
    assert r.status_code == 200 and r.json()["must_change_password"] is True


async def test_national_office_resets_province_password(client):
    w = await make_world()
    gx = await account_of(w.gx_admin)
    await StaffAccount.filter(id=gx.id).update(password_hash=await hash_password(STRONG))
    for org in (w.gz_admin, w.nn_admin):  # a peer province, a subordinate: refused
        r = await client.post(f"{BASE}/{gx.id}/reset-password", headers=auth(await token_for(org)))
        assert r.status_code == 403 and r.json()["code"] == "out_of_jurisdiction"
    assert (await StaffAccount.get(id=gx.id)).password_hash is not None
    r = await client.post(f"{BASE}/{gx.id}/reset-password", headers=auth(await token_for(w.national)))
    assert r.status_code == 200
    assert (await StaffAccount.get(id=gx.id)).password_hash is None


async def test_reset_password_wrong_role(client):
    w = await make_world()
    account = await account_of(w.hospital2)
    r = await client.post(f"{BASE}/{account.id}/reset-password", headers=auth(await token_for(w.hospital)))
    assert r.status_code == 403 and r.json()["code"] == "wrong_role"


async def test_cancel_account_ends_sessions_and_login(client):
    w = await make_world()
    account = await account_of(w.hospital3)
    victim = await token_for(w.hospital3)
    token = await token_for(w.nn_admin)
    r = await client.post(f"{BASE}/{account.id}/cancel", headers=auth(token))
    assert r.status_code == 200 and r.json()["status"] == {"value": "cancelled", "label": "注销"}
    assert (await client.get("/api/v1/admin/auth/me", headers=auth(victim))).status_code == 401
    assert (await login(client, "xnh")).json()["code"] == "account_cancelled"
    assert await AuditLog.filter(action="account.cancel", target_id=str(account.id)).exists()
    r = await client.post(f"{BASE}/{account.id}/cancel", headers=auth(token))
    assert r.status_code == 409 and r.json()["code"] == "account_not_active"
    r = await client.post(f"{BASE}/{account.id}/reset-password", headers=auth(token))
    assert r.status_code == 409 and r.json()["code"] == "account_cancelled"
    r = await client.post(f"{BASE}/{account.id}/activate", headers=auth(token))
    assert r.status_code == 409


async def test_cancel_outside_jurisdiction_keeps_sessions(client):
    w = await make_world()
    account = await account_of(w.lz_hospital)
    victim = await token_for(w.lz_hospital)
    r = await client.post(f"{BASE}/{account.id}/cancel", headers=auth(await token_for(w.nn_admin)))
    assert r.status_code == 403 and r.json()["code"] == "out_of_jurisdiction"
    assert (await client.get("/api/v1/admin/auth/me", headers=auth(victim))).status_code == 200
    assert (await StaffAccount.get(id=account.id)).status == AccountStatus.ACTIVE


# --- 批量导出 ---------------------------------------------------------------------------


async def test_export_filtered_list(client):
    w = await make_world()
    r = await client.get(f"{BASE}/export", headers=auth(await token_for(w.gx_admin)),
                         params={"kind": "health_institution"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "所辖机构账户.xlsx" in unquote(r.headers["content-disposition"])
    ws = load_workbook(io.BytesIO(r.content), read_only=True).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:5] == ("机构名称", "机构类型", "所在地区", "机构账号", "账号状态")
    codes = {row[3] for row in rows[1:]}
    assert codes == {"gxmu1", "nn1h", "xnh", "lzph"}
    assert all(row[1] == "卫生机构" and row[4] == "激活" for row in rows[1:])
    assert await AuditLog.filter(action="account.export").exists()
    # 创建时间 in Asia/Shanghai (it was written in the server's zone, UTC here)
    from datetime import timedelta, timezone

    from server.models import Organisation, StaffAccount

    account = await StaffAccount.get(code="gxmu1")
    expected = account.created_at.astimezone(timezone(timedelta(hours=8))).strftime("%Y-%m-%d %H:%M")
    row = next(r for r in rows[1:] if r[3] == "gxmu1")
    assert row[6] == expected, (row[6], expected)
    assert await Organisation.filter(id=account.org_id).exists()


async def test_export_wrong_role_and_bad_filter(client):
    w = await make_world()
    r = await client.get(f"{BASE}/export", headers=auth(await token_for(w.hospital)))
    assert r.status_code == 403 and r.json()["code"] == "wrong_role"
    r = await client.get(f"{BASE}/export", headers=auth(await token_for(w.gx_admin)),
                         params={"region_id": w.gz.id})
    assert r.status_code == 403 and r.json()["code"] == "out_of_jurisdiction"


# --- the audit log of these writes (typed contract, issue #10) ----------------------------------


async def test_audit_log_lists_account_writes_filtered_by_action_and_time(client):
    w = await make_world()
    token = await token_for(w.nn_admin)
    assert (await _create(client, token, region_id=w.xingning.id)).status_code == 201
    r = await client.get("/api/v1/admin/audit-logs", headers=auth(token),
                         params={"action": "account.", "since": "2000-01-01T00:00:00+08:00"})
    assert r.status_code == 200, r.text
    rows = r.json()["data"]
    assert rows and all(row["action"].startswith("account.") for row in rows)
    r = await client.get("/api/v1/admin/audit-logs", headers=auth(token), params={"until": "2000-01-01T00:00:00"})
    assert r.status_code == 200 and r.json()["data"] == []


async def test_audit_log_refuses_a_time_that_is_not_one(client):
    w = await make_world()
    r = await client.get("/api/v1/admin/audit-logs", headers=auth(await token_for(w.nn_admin)),
                         params={"since": "yesterday"})
    assert r.status_code == 422 and r.json()["code"] == "invalid_query"
