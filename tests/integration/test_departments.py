"""科室信息维护: 一级/二级科室, 批量创建, rename, delete while in use."""

from __future__ import annotations

from server.models import AuditLog, Department
from server.services.access import Role
from tests.factories import auth, make_physician, make_world, token_for

DEPTS = "/api/v1/admin/departments"


async def _create(client, token, name, parent_id=None, **extra):
    return await client.post(DEPTS, headers=auth(token), json={"name": name, "parent_id": parent_id, **extra})


async def test_create_first_and_second_level_and_tree(client):
    w = await make_world()
    token = await token_for(w.hospital2)
    r = await _create(client, token, "内科", description="内科系统")
    assert r.status_code == 201, r.text
    internal = r.json()
    assert internal["level"] == 1 and internal["org_id"] == w.hospital2.id
    r = await _create(client, token, "心血管内科", internal["id"])
    assert r.status_code == 201 and r.json()["level"] == 2
    await _create(client, token, "外科")
    r = await client.get(DEPTS, headers=auth(token))
    assert r.status_code == 200
    tree = r.json()["data"]
    assert [d["name"] for d in tree] == ["内科", "外科"]
    assert tree[0]["level_label"] == "一级科室" and tree[0]["description"] == "内科系统"
    assert [c["name"] for c in tree[0]["children"]] == ["心血管内科"]
    assert r.json()["count"] == 3
    assert await AuditLog.filter(action="department.create").count() == 3


async def test_create_duplicate_name_refused_same_parent_only(client):
    w = await make_world()
    token = await token_for(w.hospital2)
    internal = (await _create(client, token, "内科")).json()
    surgery = (await _create(client, token, "外科")).json()
    r = await _create(client, token, "内科")
    assert r.status_code == 409 and r.json()["code"] == "department_exists"
    assert "内科" in r.json()["message"]
    assert (await _create(client, token, "门诊", internal["id"])).status_code == 201
    r = await _create(client, token, " 门诊 ", internal["id"])
    assert r.status_code == 409 and r.json()["code"] == "department_exists"
    assert (await _create(client, token, "门诊", surgery["id"])).status_code == 201  # other parent: fine
    # another institution may use the same names
    assert (await _create(client, await token_for(w.hospital3), "内科")).status_code == 201


async def test_create_bad_input(client):
    w = await make_world()
    token = await token_for(w.hospital2)
    for body in ({"name": ""}, {"name": "   "}, {"name": "x" * 65}, {"name": "内科", "colour": "red"}, {}):
        r = await client.post(DEPTS, headers=auth(token), json=body)
        assert r.status_code == 422, (body, r.text)
    internal = (await _create(client, token, "内科")).json()
    second = (await _create(client, token, "心内科", internal["id"])).json()
    r = await _create(client, token, "三级", second["id"])
    assert r.status_code == 422 and r.json()["code"] == "invalid_parent"
    r = await _create(client, token, "无父", 999999)
    assert r.status_code == 422 and r.json()["code"] == "invalid_parent"
    assert await Department.all().count() == 2


async def test_create_under_other_institutions_parent_refused(client):
    w = await make_world()
    other = (await _create(client, await token_for(w.hospital3), "内科")).json()
    r = await _create(client, await token_for(w.hospital2), "心内科", other["id"])
    assert r.status_code == 403 and r.json()["code"] == "out_of_jurisdiction"


async def test_write_wrong_role(client):
    w = await make_world()
    for token in (await token_for(w.nn_admin), await token_for(w.hospital, Role.ASSESSMENT_INSTITUTION),
                  await token_for(w.industry)):
        r = await _create(client, token, "内科")
        assert r.status_code == 403 and r.json()["code"] == "wrong_role"
    dept = await Department.create(org=w.hospital2, name="内科")
    r = await client.delete(f"{DEPTS}/{dept.id}", headers=auth(await token_for(w.qx_admin)))
    assert r.status_code == 403 and r.json()["code"] == "wrong_role"


async def test_batch_create_all_rows(client):
    w = await make_world()
    token = await token_for(w.hospital2)
    internal = (await _create(client, token, "内科")).json()
    rows = [{"name": "心血管内科"}, {"name": "呼吸内科", "description": "呼吸与危重症"}, {"name": "消化内科"}]
    r = await client.post(f"{DEPTS}/batch", headers=auth(token), json={"parent_id": internal["id"], "items": rows})
    assert r.status_code == 201, r.text
    assert r.json()["count"] == 3 and all(d["level"] == 2 for d in r.json()["data"])
    assert await Department.filter(parent_id=internal["id"]).count() == 3
    log = await AuditLog.get(action="department.batch_create")
    assert len(log.after["departments"]) == 3


async def test_batch_create_all_or_nothing_reports_each_bad_row(client):
    w = await make_world()
    token = await token_for(w.hospital2)
    await _create(client, token, "内科")
    rows = [{"name": "外科"}, {"name": "内科"}, {"name": "儿科"}, {"name": "外科"}, {"name": "  "}]
    r = await client.post(f"{DEPTS}/batch", headers=auth(token), json={"items": rows})
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == "department_batch_invalid" and "未创建任何科室" in body["message"]
    problems = {(p["row"], p["code"]) for p in body["details"]["rows"]}
    assert problems == {(2, "department_exists"), (4, "duplicate_in_batch"), (5, "empty_name")}
    assert "第1行" in next(p["problem"] for p in body["details"]["rows"] if p["row"] == 4)
    assert await Department.all().count() == 1  # nothing created


async def test_batch_create_bad_shape(client):
    w = await make_world()
    token = await token_for(w.hospital2)
    for body in ({"items": []}, {"items": [{"name": "a", "x": 1}]}, {"items": [{"name": "a"}] * 201}):
        r = await client.post(f"{DEPTS}/batch", headers=auth(token), json=body)
        assert r.status_code == 422


async def test_rename_department(client):
    w = await make_world()
    token = await token_for(w.hospital2)
    internal = (await _create(client, token, "内科")).json()
    await _create(client, token, "外科")
    r = await client.put(f"{DEPTS}/{internal['id']}", headers=auth(token), json={"name": "大内科"})
    assert r.status_code == 200 and r.json()["name"] == "大内科"
    r = await client.put(f"{DEPTS}/{internal['id']}", headers=auth(token), json={"name": "大内科", "description": "新"})
    assert r.status_code == 200 and r.json()["description"] == "新"  # own name again is fine
    r = await client.put(f"{DEPTS}/{internal['id']}", headers=auth(token), json={"name": "外科"})
    assert r.status_code == 409 and r.json()["code"] == "department_exists"
    r = await client.put(f"{DEPTS}/{internal['id']}", headers=auth(token), json={"name": ""})
    assert r.status_code == 422
    log = await AuditLog.filter(action="department.update").first()
    assert log.before["name"] == "内科" and log.after["name"] == "大内科"


async def test_rename_or_delete_other_institutions_department_refused(client):
    w = await make_world()
    dept = await Department.create(org=w.hospital3, name="内科")
    token = await token_for(w.hospital2)
    r = await client.put(f"{DEPTS}/{dept.id}", headers=auth(token), json={"name": "改名"})
    assert r.status_code == 403 and r.json()["code"] == "out_of_jurisdiction"
    r = await client.delete(f"{DEPTS}/{dept.id}", headers=auth(token))
    assert r.status_code == 403
    assert (await Department.get(id=dept.id)).name == "内科"
    r = await client.delete(f"{DEPTS}/999999", headers=auth(token))
    assert r.status_code == 404 and r.json()["code"] == "department_not_found"


async def test_delete_department(client):
    w = await make_world()
    token = await token_for(w.hospital2)
    dept = (await _create(client, token, "内科")).json()
    r = await client.delete(f"{DEPTS}/{dept['id']}", headers=auth(token))
    assert r.status_code == 200
    assert not await Department.exists(id=dept["id"])
    log = await AuditLog.get(action="department.delete")
    assert log.before["name"] == "内科"


async def test_delete_department_in_use_refused(client):
    w = await make_world()
    token = await token_for(w.hospital2)
    internal = (await _create(client, token, "内科")).json()
    cardio = (await _create(client, token, "心内科", internal["id"])).json()
    await make_physician(w.hospital2, department_id=cardio["id"])
    r = await client.delete(f"{DEPTS}/{cardio['id']}", headers=auth(token))
    assert r.status_code == 409 and r.json()["code"] == "department_in_use"
    assert r.json()["details"]["physicians"] == 1 and "医师" in r.json()["message"]
    r = await client.delete(f"{DEPTS}/{internal['id']}", headers=auth(token))  # has a 二级科室
    assert r.status_code == 409 and r.json()["code"] == "department_in_use"
    assert r.json()["details"]["children"] == 1
    tree = (await client.get(DEPTS, headers=auth(token))).json()["data"]
    assert tree[0]["children"][0]["physician_count"] == 1
    assert await Department.all().count() == 2


async def test_read_departments_by_administration_in_jurisdiction_only(client):
    w = await make_world()
    await Department.create(org=w.hospital3, name="内科")
    r = await client.get(DEPTS, headers=auth(await token_for(w.nn_admin)), params={"org_id": w.hospital3.id})
    assert r.status_code == 200 and [d["name"] for d in r.json()["data"]] == ["内科"]
    r = await client.get(DEPTS, headers=auth(await token_for(w.lz_admin)), params={"org_id": w.hospital3.id})
    assert r.status_code == 403 and r.json()["code"] == "out_of_jurisdiction"
    r = await client.get(DEPTS, headers=auth(await token_for(w.gz_admin)), params={"org_id": w.hospital3.id})
    assert r.status_code == 403
    # an institution reads only its own
    r = await client.get(DEPTS, headers=auth(await token_for(w.hospital2)), params={"org_id": w.hospital3.id})
    assert r.status_code == 403
    # an assessment institution reads its assigned institutions
    token = await token_for(w.hospital, Role.ASSESSMENT_INSTITUTION)
    assert (await client.get(DEPTS, headers=auth(token), params={"org_id": w.hospital2.id})).status_code == 200
    assert (await client.get(DEPTS, headers=auth(token), params={"org_id": w.hospital3.id})).status_code == 403
    r = await client.get(DEPTS, headers=auth(await token_for(w.industry)))
    assert r.status_code == 403 and r.json()["code"] == "wrong_role"
