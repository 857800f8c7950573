"""Registry import from Excel (医师 / 机构) and the background jobs that run it."""

from __future__ import annotations

import dataclasses
from datetime import date

from server.demo import make_id_number
from server.models import AccountStatus, AuditLog, Department, Job, Organisation, Physician, StaffAccount
from server.services.platform import jobs as jobs_service
from server.services.platform.excel import open_rows, write_rows
from server.services.platform.runtime import rt
from server.services.registry.import_rows import INSTITUTION_HEADERS, PHYSICIAN_HEADERS
from tests.factories import auth, make_physician, make_world, token_for, wait_for_job

URL = "/api/v1/admin/imports/physicians"
H = ["姓名", "证件号码", "执业级别", "执业类别", "执业机构统一社会信用代码", "执业机构名称", "科室", "手机号码"]
_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def credit(n: int) -> str:
    """A valid 统一社会信用代码 (GB 32100-2015) for test institutions."""
    first = f"1245010{n:010d}"
    total = sum(_CHARS.index(c) * pow(3, i, 31) for i, c in enumerate(first))
    return first + _CHARS[(31 - total % 31) % 31]


def idn(i: int, area: str = "450103") -> str:
    return make_id_number(area, date(1970 + i % 30, 1 + i % 12, 1 + i % 28), i)


def cn(i: int) -> str:
    """A digit-free name (names with digits are refused)."""
    return "医师" + "".join("零一二三四五六七八九"[int(d)] for d in str(i))


def xlsx(rows: list[list], headers: list[str] = H) -> bytes:
    return write_rows(headers, rows)


async def _world():
    w = await make_world()
    for n, org in enumerate([w.hospital, w.hospital2, w.hospital3, w.lz_hospital, w.gz_hospital], start=1):
        org.credit_code = credit(n)
        await org.save(update_fields=["credit_code"])
    return w


async def _upload(client, token, data: bytes, url: str = URL):
    return await client.post(url, headers={**auth(token), "content-type": "application/octet-stream"}, content=data)


async def _run(client, token, data: bytes, url: str = URL) -> dict:
    r = await _upload(client, token, data, url)
    assert r.status_code == 202, r.text
    job = await wait_for_job(client, token, r.json()["id"])
    assert job["status"]["value"] == "succeeded", job
    return job


async def _error_rows(client, token, job_id: str) -> list[tuple]:
    r = await client.get(f"/api/v1/admin/jobs/{job_id}/errors", headers=auth(token))
    assert r.status_code == 200, r.text
    headers, rows = open_rows(r.content)
    assert headers[0] == "行号" and headers[-1] == "错误原因"
    return list(rows)


async def test_import_good_file_creates_physicians_with_initial_password(client):
    w = await _world()
    await Department.create(org=w.hospital, name="心内科")
    token = await token_for(w.nn_admin)
    data = xlsx([
        ["张三", idn(1), "执业医师", "临床", w.hospital.credit_code, "", "心内科", "13800138000"],
        ["李四", idn(2), "执业助理医师", "中医", "", "兴宁区人民医院", "", ""],
        ["王五", idn(3).lower() if idn(3).endswith("X") else idn(3), "执业医师", "口腔类别", "", w.hospital2.name, "", ""],
    ])
    job = await _run(client, token, data)
    assert job["outcome"] == {"created": 3, "updated": 0, "unchanged": 0, "failed": 0}
    assert (job["total"], job["processed"], job["succeeded"], job["failed"], job["percent"]) == (3, 3, 3, 0, 100)
    assert job["has_errors"] is False
    p = await Physician.get(id_number=idn(1)).prefetch_related("department")
    assert p.institution_id == w.hospital.id and p.region_path == w.hospital.region_path
    assert p.department.name == "心内科" and p.phone == "13800138000"
    assert p.password_hash is None and p.must_change_password is True
    assert p.gender in ("男", "女") and p.birth_date is not None
    assert (await Physician.get(id_number=idn(2))).institution_id == w.hospital3.id
    assert await AuditLog.filter(action="physician.import").count() == 1


async def test_reimport_same_file_changes_nothing(client):
    w = await _world()
    token = await token_for(w.nn_admin)
    data = xlsx([[cn(i), idn(i), "执业医师", "临床", w.hospital.credit_code, "", "", ""] for i in range(1, 21)])
    await _run(client, token, data)
    before = {p.id_number: (p.id, p.updated_at) for p in await Physician.all()}
    job = await _run(client, token, data)
    assert job["outcome"] == {"created": 0, "updated": 0, "unchanged": 20, "failed": 0}
    after = {p.id_number: (p.id, p.updated_at) for p in await Physician.all()}
    assert after == before and len(after) == 20


async def test_reimport_with_changed_name_updates(client):
    w = await _world()
    token = await token_for(w.nn_admin)
    await _run(client, token, xlsx([["旧名", idn(1), "执业医师", "临床", w.hospital.credit_code, "", "", ""]]))
    job = await _run(client, token, xlsx([["新名", idn(1), "执业助理医师", "临床", w.hospital.credit_code, "", "", ""]]))
    assert job["outcome"]["updated"] == 1
    p = await Physician.get(id_number=idn(1))
    assert p.name == "新名" and p.level.value == "assistant"


async def test_import_bad_rows_listed_in_error_report_good_rows_kept(client):
    w = await _world()
    token = await token_for(w.nn_admin)
    bad_check = idn(2)[:-1] + ("0" if idn(2)[-1] != "0" else "1")
    rows = [
        ["好人甲", idn(1), "执业医师", "临床", w.hospital.credit_code, "", "", ""],        # row 2 ok
        ["校验错", bad_check, "执业医师", "临床", w.hospital.credit_code, "", "", ""],       # row 3
        ["无机构", idn(3), "执业医师", "临床", credit(99), "", "", ""],                       # row 4
        ["辖区外", idn(4), "执业医师", "临床", w.lz_hospital.credit_code, "", "", ""],        # row 5
        ["重复", idn(1), "执业医师", "临床", w.hospital.credit_code, "", "", ""],            # row 6
        ["好人乙", idn(5), "执业助理医师", "公共卫生", "", w.hospital3.name, "", ""],          # row 7 ok
    ]
    r = await _upload(client, token, xlsx(rows))
    job = await wait_for_job(client, token, r.json()["id"])
    assert job["status"]["value"] == "succeeded"
    assert (job["succeeded"], job["failed"]) == (2, 4) and job["has_errors"]
    errors = await _error_rows(client, token, job["id"])
    assert [e[0] for e in errors] == [3, 4, 5, 6]
    reasons = {e[0]: e[-1] for e in errors}
    assert reasons[3] == "证件号码校验位错误"
    assert reasons[4] == "执业机构不存在"
    assert reasons[5] == "执业机构不在本机构管辖范围内"
    assert reasons[6] == "证件号码与第2行重复"
    assert errors[0][1:3] == ("校验错", bad_check)  # the original cells are kept
    assert {p.name for p in await Physician.all()} == {"好人甲", "好人乙"}


async def test_import_refuses_moves_and_unknown_values(client):
    w = await _world()
    token = await token_for(w.nn_admin)
    elsewhere = await make_physician(w.hospital3, id_number=idn(1))
    rows = [
        ["甲", idn(1), "执业医师", "临床", w.hospital.credit_code, "", "", ""],    # already at hospital3
        ["乙", idn(2), "主任医师", "临床", w.hospital.credit_code, "", "", ""],
        ["丙", idn(3), "执业医师", "内科", w.hospital.credit_code, "", "", ""],
        ["丁", idn(4), "执业医师", "临床", w.hospital.credit_code, "", "不存在科", ""],
        ["戊", idn(5), "执业医师", "临床", w.hospital.credit_code, "", "", "12345"],
        ["", idn(6), "执业医师", "临床", w.hospital.credit_code, "", "", ""],
    ]
    r = await _upload(client, token, xlsx(rows))
    job = await wait_for_job(client, token, r.json()["id"])
    reasons = [e[-1] for e in await _error_rows(client, token, job["id"])]
    assert reasons == ["该医师已在其他机构登记，变更执业机构请通过变更卫生机构或人员调出办理",
                       "执业级别应为：执业医师、执业助理医师", "执业类别应为：临床、中医、口腔、公共卫生",
                       "科室不存在，请先在本机构科室管理中添加", "手机号码格式不正确", "姓名不能为空"]
    assert (await Physician.get(id=elsewhere.id)).institution_id == w.hospital3.id


async def test_health_institution_imports_into_itself_only(client):
    w = await _world()
    token = await token_for(w.hospital2)
    rows = [
        ["本院甲", idn(1), "执业医师", "临床", "", "", "", ""],                          # blank → this institution
        ["本院乙", idn(2), "执业医师", "临床", w.hospital2.credit_code, "", "", ""],
        ["他院丙", idn(3), "执业医师", "临床", w.hospital.credit_code, "", "", ""],
    ]
    r = await _upload(client, token, xlsx(rows))
    job = await wait_for_job(client, token, r.json()["id"])
    errors = await _error_rows(client, token, job["id"])
    assert [(e[0], e[-1]) for e in errors] == [(4, "卫生机构只能导入本机构的医师")]
    assert {p.institution_id for p in await Physician.all()} == {w.hospital2.id}


async def test_import_multipart_upload(client):
    w = await _world()
    token = await token_for(w.hospital)
    data = xlsx([["甲", idn(1), "执业医师", "临床", "", "", "", ""]])
    r = await client.post(URL, headers=auth(token), files={"file": ("医师.xlsx", data)})
    assert r.status_code == 202, r.text
    assert (await wait_for_job(client, token, r.json()["id"]))["succeeded"] == 1


async def test_import_not_excel_refused_before_any_job(client):
    w = await _world()
    token = await token_for(w.nn_admin)
    for data in (b"%PDF-1.4 not a workbook", b"PK\x03\x04 broken zip", "姓名,证件号码\n".encode()):
        r = await _upload(client, token, data)
        assert r.status_code == 422 and r.json()["code"] == "not_excel", r.text
    r = await _upload(client, token, b"")
    assert r.status_code == 422 and r.json()["code"] == "empty_file"
    assert await Job.all().count() == 0


async def test_import_wrong_headers_name_the_missing_columns(client):
    w = await _world()
    token = await token_for(w.nn_admin)
    r = await _upload(client, token, xlsx([["甲", idn(1)]], headers=["姓名", "身份证"]))
    assert r.status_code == 422 and r.json()["code"] == "bad_headers"
    assert r.json()["details"]["missing"] == ["证件号码", "执业级别", "执业类别"]
    r = await _upload(client, token, xlsx([], headers=["姓名", "证件号码", "执业级别", "执业类别"]))
    assert r.status_code == 422 and r.json()["code"] == "bad_headers"
    assert "执业机构名称" in r.json()["details"]["missing"]
    assert await Job.all().count() == 0


async def test_import_too_large_refused(client, monkeypatch):
    w = await _world()
    token = await token_for(w.nn_admin)
    monkeypatch.setattr(rt(), "settings", dataclasses.replace(rt().settings, MAX_IMPORT_BYTES=1000))
    r = await _upload(client, token, xlsx([["甲", idn(i), "执业医师", "临床", "", "", "", ""] for i in range(50)]))
    assert r.status_code == 413 and r.json()["code"] == "file_too_large"
    assert await Job.all().count() == 0


async def test_import_wrong_role_refused(client):
    w = await _world()
    data = xlsx([["甲", idn(1), "执业医师", "临床", "", "", "", ""]])
    from server.services.access import Role

    for token in (await token_for(w.hospital, Role.ASSESSMENT_INSTITUTION), await token_for(w.industry)):
        r = await _upload(client, token, data)
        assert r.status_code == 403 and r.json()["code"] == "wrong_role"
        r = await client.get(URL + "/template", headers=auth(token))
        assert r.status_code == 403
    r = await _upload(client, await token_for(w.hospital), data, "/api/v1/admin/imports/institutions")
    assert r.status_code == 403 and r.json()["code"] == "wrong_role"
    r = await _upload(client, "nope", data)
    assert r.status_code == 401


async def test_templates_have_the_expected_headers(client):
    w = await _world()
    token = await token_for(w.nn_admin)
    r = await client.get(URL + "/template", headers=auth(token))
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    assert open_rows(r.content)[0] == PHYSICIAN_HEADERS
    r = await client.get("/api/v1/admin/imports/institutions/template", headers=auth(token))
    assert open_rows(r.content)[0] == INSTITUTION_HEADERS


async def test_large_import_runs_in_batches_with_progress(client, monkeypatch):
    w = await _world()
    token = await token_for(w.gx_admin)
    seen: list[tuple[int | None, int | None]] = []
    real = jobs_service.report_progress

    async def spy(job, **kw):
        seen.append((kw.get("processed"), kw.get("failed")))
        await real(job, **kw)

    monkeypatch.setattr(jobs_service, "report_progress", spy)
    rows, bad = [], []
    for i in range(5000):
        id_number = make_id_number(f"45{i // 1000:02d}03", date(1960 + i % 40, 1 + i % 12, 1 + i % 28), i % 1000)
        if i % 100 == 7:
            id_number = id_number[:-1] + ("0" if id_number[-1] != "0" else "1")
            bad.append(i + 2)
        org = w.hospital if i % 2 else w.lz_hospital
        rows.append([cn(i), id_number, "执业医师", "临床", org.credit_code, "", "", ""])
    r = await _upload(client, token, xlsx(rows))
    job = await wait_for_job(client, token, r.json()["id"], within=120)
    assert job["status"]["value"] == "succeeded", job
    assert (job["total"], job["processed"], job["succeeded"], job["failed"]) == (5000, 5000, 4950, 50)
    assert await Physician.all().count() == 4950
    batch_progress = [p for p, _ in seen if p is not None][:-1]
    assert batch_progress == [1000, 2000, 3000, 4000, 5000]
    assert await AuditLog.filter(action="physician.import").count() == 5
    errors = await _error_rows(client, token, job["id"])
    assert [e[0] for e in errors] == bad
    # re-import: nothing new, the same 50 errors
    job = await _run(client, token, xlsx(rows))
    assert job["outcome"] == {"created": 0, "updated": 0, "unchanged": 4950, "failed": 50}


async def test_job_visible_to_owner_and_administrations_above_only(client):
    w = await _world()
    owner = await token_for(w.qx_admin)
    r = await _upload(client, owner, xlsx([["甲", idn(1), "执业医师", "临床", "", "无此医院", "", ""]]))
    job_id = r.json()["id"]
    await wait_for_job(client, owner, job_id)
    for org in (w.nn_admin, w.gx_admin, w.national):
        token = await token_for(org)
        assert (await client.get(f"/api/v1/admin/jobs/{job_id}", headers=auth(token))).status_code == 200
        assert (await client.get(f"/api/v1/admin/jobs/{job_id}/errors", headers=auth(token))).status_code == 200
    for org in (w.lz_admin, w.gz_admin, w.hospital):
        token = await token_for(org)
        for suffix in ("", "/errors", "/result"):
            r = await client.get(f"/api/v1/admin/jobs/{job_id}{suffix}", headers=auth(token))
            assert r.status_code == 404 and r.json()["code"] == "job_not_found"
    r = await client.get(f"/api/v1/admin/jobs/{job_id}/result", headers=auth(owner))
    assert r.status_code == 404 and r.json()["code"] == "job_file_missing"
    r = await client.get("/api/v1/admin/jobs/not-a-uuid", headers=auth(owner))
    assert r.status_code == 404
    r = await client.get("/api/v1/admin/jobs", headers=auth(owner))
    assert r.json()["count"] == 1 and r.json()["data"][0]["id"] == job_id
    assert (await client.get("/api/v1/admin/jobs", headers=auth(await token_for(w.gx_admin)))).json()["count"] == 0


async def test_failed_job_is_visible_as_failed(client, monkeypatch):
    w = await _world()
    token = await token_for(w.nn_admin)

    async def boom(job):
        raise RuntimeError("disk on fire")

    monkeypatch.setitem(jobs_service._HANDLERS, "physician_import", boom)
    r = await _upload(client, token, xlsx([["甲", idn(1), "执业医师", "临床", "", w.hospital.name, "", ""]]))
    job = await wait_for_job(client, token, r.json()["id"])
    assert job["status"]["value"] == "failed" and "服务器内部错误" in job["message"]
    assert "disk" not in job["message"]


# --- institutions -----------------------------------------------------------------------
INST_URL = "/api/v1/admin/imports/institutions"


async def test_institution_import_creates_inactive_accounts_idempotently(client):
    w = await _world()
    token = await token_for(w.nn_admin)
    rows = [
        ["南宁市第二人民医院", "卫生机构", "450103", credit(11), "青秀区某路1号"],  # row 2
        ["南宁市医学会", "行业组织", "450102", credit(12), ""],                        # row 3
        ["柳州某医院", "卫生机构", "450202", credit(13), ""],                          # row 4 outside
        ["错码医院", "卫生机构", "450103", credit(14)[:-1] + "0", ""],                 # row 5 (maybe) bad check
        ["重复医院", "卫生机构", "450103", credit(11), ""],                           # row 6 duplicate
        ["未知地区医院", "卫生机构", "459999", credit(15), ""],                        # row 7
        ["行政机构", "卫生行政机构", "450103", credit(16), ""],                        # row 8
    ]
    if credit(14).endswith("0"):
        rows[3][3] = credit(14)[:-1] + "1"
    job = await _run(client, token, xlsx(rows, INSTITUTION_HEADERS), INST_URL)
    assert job["outcome"] == {"created": 2, "updated": 0, "unchanged": 0, "failed": 5}
    errors = {e[0]: e[-1] for e in await _error_rows(client, token, job["id"])}
    assert errors == {4: "行政区划不在本机构管辖范围内", 5: "统一社会信用代码校验位错误",
                      6: "统一社会信用代码与第2行重复", 7: "行政区划代码不存在", 8: "机构类型应为：卫生机构、行业组织"}
    account = await StaffAccount.get(code=credit(11)).prefetch_related("org")
    assert account.status == AccountStatus.INACTIVE and account.password_hash is None and account.must_change_password
    assert account.org.name == "南宁市第二人民医院" and account.org.region_path == w.qingxiu.path
    assert account.org.credit_code == credit(11) and account.org.address == "青秀区某路1号"
    count = await Organisation.all().count()
    job = await _run(client, token, xlsx(rows, INSTITUTION_HEADERS), INST_URL)
    assert job["outcome"] == {"created": 0, "updated": 0, "unchanged": 2, "failed": 5}
    assert await Organisation.all().count() == count
    rows[0][0] = "南宁市第二人民医院（更名）"
    job = await _run(client, token, xlsx(rows[:2], INSTITUTION_HEADERS), INST_URL)
    assert job["outcome"]["updated"] == 1
    assert (await Organisation.get(id=account.org.id)).name == "南宁市第二人民医院（更名）"


async def test_institution_import_does_not_touch_other_jurisdictions(client):
    w = await _world()
    token = await token_for(w.nn_admin)
    rows = [["改名柳州医院", "卫生机构", "450103", w.lz_hospital.credit_code, ""]]
    await StaffAccount.filter(org_id=w.lz_hospital.id).update(code=w.lz_hospital.credit_code)
    job = await _run(client, token, xlsx(rows, INSTITUTION_HEADERS), INST_URL)
    errors = await _error_rows(client, token, job["id"])
    assert errors[0][-1] == "该统一社会信用代码已被其他机构使用"
    assert (await Organisation.get(id=w.lz_hospital.id)).name == "柳州市人民医院"


async def test_error_report_never_carries_formulas(client):
    w = await _world()
    token = await token_for(w.nn_admin)
    headers = [*H, "执业证书编号"]
    r = await _upload(client, token, xlsx([["甲", idn(1), "执业医师", "临床", w.hospital.credit_code, "", "", "",
                                             "-1+cmd|' /C calc'!A0"]], headers))
    job = await wait_for_job(client, token, r.json()["id"])
    errors = await _error_rows(client, token, job["id"])
    assert errors[0][-1] == "执业证书编号格式不正确"
    assert errors[0][-2] == "'-1+cmd|' /C calc'!A0"
    assert not await Physician.exists()


async def test_institution_import_recognises_an_existing_credit_code(client):
    w = await _world()
    token = await token_for(w.nn_admin)
    count = await Organisation.all().count()
    rows = [["南宁市第一人民医院（新名）", "卫生机构", "450103", w.hospital2.credit_code, ""],
            [w.hospital3.name, "卫生机构", "450103", w.hospital3.credit_code, ""]]  # 兴宁区 in reality
    job = await _run(client, token, xlsx(rows, INSTITUTION_HEADERS), INST_URL)
    assert job["outcome"] == {"created": 0, "updated": 1, "unchanged": 0, "failed": 1}
    assert (await Organisation.get(id=w.hospital2.id)).name == "南宁市第一人民医院（新名）"
    assert await Organisation.all().count() == count
    errors = await _error_rows(client, token, job["id"])
    assert errors[0][-1] == "该机构已存在，所在地区或机构类型不能通过导入修改"
    assert await AuditLog.filter(action="org.import_update", target_id=str(w.hospital2.id)).exists()


async def test_raw_upload_is_named_by_the_filename_query_and_listed_by_job_kind(client):
    w = await _world()
    token = await token_for(w.hospital)
    r = await client.post(f"{URL}?filename=本院医师.xlsx",
                          headers={**auth(token), "content-type": "application/octet-stream"},
                          content=xlsx([[cn(1), idn(1), "执业医师", "临床", credit(1), "", "", "13800000001"]]))
    assert r.status_code == 202, r.text
    job_id = r.json()["id"]
    assert (await Job.get(id=job_id)).params["filename"] == "本院医师.xlsx"
    await wait_for_job(client, token, job_id)
    listed = await client.get("/api/v1/admin/jobs", headers=auth(token), params={"kind": "physician_import"})
    assert listed.status_code == 200 and [j["id"] for j in listed.json()["data"]] == [job_id]
    other = await client.get("/api/v1/admin/jobs", headers=auth(token), params={"kind": "institution_import"})
    assert other.status_code == 200 and other.json()["count"] == 0
