"""Background Excel exports: apply, follow the progress, download (only those who may see the rows)."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from server.models import AssessmentAssignment, AuditLog, OutboxMessage, StaffAccount
from server.services.access import Role
from server.services.reports import exports
from tests.factories import auth, make_world, token_for, wait_for_job
from tests.integration.test_statistics import seed_fixture

API = "/api/v1/admin"
MASKED = re.compile(r"^\d{4}\*{12}[\dX]{2}$")


async def apply(client, token: str, what: str, **filters) -> dict:
    r = await client.post(f"{API}/exports/{what.replace('_', '-')}", params=filters, headers=auth(token))
    assert r.status_code == 202, r.text
    job = await wait_for_job(client, token, r.json()["id"])
    assert job["status"]["value"] == "succeeded", job
    return job


async def download(client, token: str, job_id: str) -> list[tuple]:
    r = await client.get(f"{API}/jobs/{job_id}/result", headers=auth(token))
    assert r.status_code == 200, r.text
    return list(load_workbook(io.BytesIO(r.content), read_only=True).worksheets[0].iter_rows(values_only=True))


async def export_rows(client, token: str, what: str, **filters) -> list[tuple]:
    job = await apply(client, token, what, **filters)
    return (await download(client, token, job["id"]))[1:]


def names(rows: list[tuple]) -> list[str]:
    return sorted(r[0] for r in rows)


async def test_progress_export_reaches_100_percent_with_every_row_masked(client):
    fx = await seed_fixture()
    token = await token_for(fx.w.gx_admin)
    job = await apply(client, token, "progress")
    assert (job["total"], job["processed"], job["percent"], job["has_result"]) == (11, 11, 100, True)
    assert job["outcome"] == {"rows": 11} and "共11条" in job["message"]
    rows = await download(client, token, job["id"])
    assert list(rows[0]) == ["姓名", "证件号码", "机构", "科室", "执业类别", "医师级别", "考核程序", "考核状态",
                             "工作成绩", "职业道德", "免考", "延期", "更新时间", "不合格考核内容"]
    body = rows[1:]
    assert names(body) == sorted(f"医师{k}" for k in "abcdeghijlm")  # 贵州 and the physician without a row: no
    for row in body:
        assert MASKED.match(row[1]), row[1]
    full_ids = {p.id_number for p in fx.physicians.values()}
    assert not any(cell in full_ids for row in body for cell in row)
    e = next(r for r in body if r[0] == "医师e")
    assert e[2:10] == ("南宁市第一人民医院", None, "临床", "执业医师", "一般程序", "待参加测评", None, None)
    assert e[10:12] == ("免考通过", "未申请") and re.match(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$", e[12])
    assert await AuditLog.filter(action="export.progress").count() == 1


async def test_progress_export_applies_filters(client):
    fx = await seed_fixture()
    token = await token_for(fx.w.gx_admin)
    assert names(await export_rows(client, token, "progress", status="failed")) == ["医师d", "医师m"]
    assert names(await export_rows(client, token, "progress", status="failed,enrol_reported")) == \
        ["医师a", "医师b", "医师d", "医师m"]
    assert names(await export_rows(client, token, "progress", procedure="simple",
                                   institution_id=str(fx.w.lz_hospital.id))) == ["医师l", "医师m"]
    assert names(await export_rows(client, token, "progress", name="医师h")) == ["医师h"]
    assert names(await export_rows(client, token, "progress", id_number=fx.physicians["c"].id_number)) == ["医师c"]


async def test_export_with_bad_filters_is_refused_before_any_job(client):
    fx = await seed_fixture()
    token = await token_for(fx.w.hospital2)
    r = await client.post(f"{API}/exports/progress", params={"status": "nope"}, headers=auth(token))
    assert r.status_code == 422 and r.json()["code"] == "invalid_query"
    r = await client.post(f"{API}/exports/progress", params={"institution_id": fx.w.hospital3.id},
                          headers=auth(token))
    assert r.status_code == 403 and r.json()["code"] == "out_of_jurisdiction"
    r = await client.post(f"{API}/exports/nope", headers=auth(token))
    assert r.status_code == 404
    r = await client.post(f"{API}/exports/progress", headers=auth(await token_for(fx.w.industry)))
    assert r.status_code == 403 and r.json()["code"] == "wrong_role"
    r = await client.get(f"{API}/exports", headers=auth(token))
    assert r.json()["count"] == 0


async def test_export_reads_in_keyset_chunks(client, monkeypatch):
    fx = await seed_fixture()
    token = await token_for(fx.w.gx_admin)
    calls: list[int | None] = []
    real = exports.fetch_chunk

    async def spy(qs, fields, after, size):
        calls.append(after)
        assert size == 3
        return await real(qs, fields, after, size)

    monkeypatch.setattr(exports, "CHUNK_SIZE", 3)
    monkeypatch.setattr(exports, "fetch_chunk", spy)
    job = await apply(client, token, "progress")
    assert (job["total"], job["processed"]) == (11, 11)
    ids = sorted(a.id for k, a in fx.assessments.items() if k != "z")
    # 3 + 3 + 3 + 2 rows: each chunk starts after the last id of the one before, never at an offset
    assert calls == [None, ids[2], ids[5], ids[8]]
    rows = (await download(client, token, job["id"]))[1:]
    by_id = {a.id: f"医师{k}" for k, a in fx.assessments.items()}
    assert [r[0] for r in rows] == [by_id[i] for i in ids]  # every row once, in id order


async def test_other_institutions_and_outside_administrations_cannot_download(client):
    fx = await seed_fixture()
    w = fx.w
    owner = await token_for(w.hospital2)
    job = await apply(client, owner, "progress")
    assert len(await download(client, owner, job["id"])) == 1 + 6
    for org, role in ((w.hospital3, None), (w.hospital, Role.ASSESSMENT_INSTITUTION), (w.lz_admin, None),
                      (w.gz_admin, None), (w.gz_hospital, None)):
        token = await token_for(org, role)
        for suffix in ("", "/result"):
            r = await client.get(f"{API}/jobs/{job['id']}{suffix}", headers=auth(token))
            assert r.status_code == 404, (org.name, suffix, r.status_code)
            assert r.json()["code"] == "job_not_found"
    for org in (w.qx_admin, w.nn_admin, w.gx_admin, w.national):  # their jurisdiction contains the rows
        assert len(await download(client, await token_for(org), job["id"])) == 1 + 6


async def test_assessment_institution_export_needs_an_administration_over_every_row(client):
    fx = await seed_fixture()
    w = fx.w
    await AssessmentAssignment.create(assessor=w.hospital, institution=w.hospital3)  # 兴宁区, not 青秀区
    ai = await token_for(w.hospital, Role.ASSESSMENT_INSTITUTION)
    job = await apply(client, ai, "progress")
    rows = await download(client, ai, job["id"])
    assert names(rows[1:]) == ["医师a", "医师b", "医师c", "医师d", "医师e", "医师g", "医师h", "医师i", "医师j"]
    # 青秀区 contains the assessment institution, but not the 兴宁区 rows
    r = await client.get(f"{API}/jobs/{job['id']}/result", headers=auth(await token_for(w.qx_admin)))
    assert r.status_code == 404
    assert len(await download(client, await token_for(w.nn_admin), job["id"])) == 10


async def test_physician_export_lists_the_institution_with_cycle_status(client):
    fx = await seed_fixture()
    token = await token_for(fx.w.hospital2)
    job = await apply(client, token, "physicians")
    assert (job["total"], job["processed"], job["percent"]) == (7, 7, 100)
    rows = await download(client, token, job["id"])
    assert rows[0][:4] == ("姓名", "证件号码", "性别", "手机号码") and rows[0][-1] == "本周期考核状态"
    by_name = {r[0]: r for r in rows[1:]}
    assert set(by_name) == {f"医师{k}" for k in "abcdefg"}
    assert MASKED.match(by_name["医师a"][1]) and by_name["医师a"][3] == "138****0001"
    assert by_name["医师a"][-1] == "待考核机构确认" and by_name["医师f"][-1] == "未开通报名"
    assert by_name["医师a"][11] == "在册"
    assert names(await export_rows(client, token, "physicians", name="医师c")) == ["医师c"]


async def test_exam_progress_export_shows_each_paper(client):
    fx = await seed_fixture()
    token = await token_for(fx.w.gx_admin)
    rows = await export_rows(client, token, "exam_progress")
    by_name = {r[0]: r for r in rows}
    assert set(by_name) == {"医师e", "医师l"}  # at 待参加测评
    assert by_name["医师e"][-2:] == ("未参加", "免考")  # general procedure, exempted from 业务水平
    assert by_name["医师l"][-2:] == ("未参加", "无需参加")  # simple procedure: 人文医学 only


async def test_finished_export_is_listed_and_notifies_the_bound_account(client):
    fx = await seed_fixture()
    await StaffAccount.filter(org_id=fx.w.hospital2.id).update(wechat_openid="oa-openid-h2")
    token = await token_for(fx.w.hospital2)
    job = await apply(client, token, "physicians")
    message = await OutboxMessage.get(template="export_finished")
    assert message.payload["job_id"] == job["id"] and message.payload["count"] == 7
    r = await client.get(f"{API}/exports", headers=auth(token))
    assert r.status_code == 200 and [j["id"] for j in r.json()["data"]] == [job["id"]]
    r = await client.get(f"{API}/exports", headers=auth(await token_for(fx.w.hospital3)))
    assert r.json()["count"] == 0


async def test_empty_export_still_gives_a_workbook_with_headers(client):
    w = await make_world()
    token = await token_for(w.hospital3)
    job = await apply(client, token, "progress")
    assert (job["total"], job["processed"], job["percent"]) == (0, 0, 100)
    rows = await download(client, token, job["id"])
    assert len(rows) == 1 and rows[0][0] == "姓名"


async def test_progress_export_lists_failed_evaluation_items(client):
    """The province's 考核内容 in the exports (issue #12): each 不合格 item with its reason."""
    from server.models import Assessment

    fx = await seed_fixture()
    await Assessment.filter(id=fx.assessments["d"].id).update(evaluation_items={
        "work_performance": [{"item": "医疗质量与安全", "result": "pass", "reason": ""}],
        "ethics": [{"item": "医患沟通", "result": "fail", "reason": "患者投诉两次"}]})
    rows = await export_rows(client, await token_for(fx.w.gx_admin), "progress")
    d = next(r for r in rows if r[0] == "医师d")
    assert d[13] == "职业道德-医患沟通：患者投诉两次"
    assert next(r for r in rows if r[0] == "医师a")[13] in (None, "")
