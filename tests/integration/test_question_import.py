"""试题导入 / 导出 (Excel): row-by-row checks with an error report, idempotent re-imports,
refused files, and the export that imports back unchanged."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from server.models import Job, PaperType, Question, QuestionType
from server.services.cycles.question_import import HEADERS
from server.services.platform.excel import write_rows
from tests.factories import auth, make_world, token_for, wait_for_job
from tests.integration.exam_support import ADMIN, make_questions

URL = f"{ADMIN}/import"


def row(code: str, **cells: str) -> list[str]:
    values = {"题目编码": code, "试卷类型": "人文医学", "执业类别": "", "专业": "", "知识点": "卫生法律法规",
              "题型": "单选题", "题干": f"题干{code}", "选项A": "甲", "选项B": "乙", "选项C": "丙", "选项D": "丁",
              "正确答案": "B", "解析": "解析", "难度": "中", "状态": "启用"}
    values.update(cells)
    return [values.get(h, "") for h in HEADERS]


def xlsx(rows: list[list[str]], headers: list[str] = HEADERS) -> bytes:
    return write_rows(headers, rows)


def sheet(data: bytes) -> list[list]:
    ws = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    return [list(r) for r in ws.iter_rows(values_only=True)]


async def upload(client, token: str, data: bytes):
    return await client.post(URL, headers={**auth(token), "content-type": "application/octet-stream"}, content=data)


async def run(client, token: str, data: bytes) -> dict:
    r = await upload(client, token, data)
    assert r.status_code == 202, r.text
    job = await wait_for_job(client, token, r.json()["id"])
    assert job["status"]["value"] == "succeeded", job
    return job


GOOD = [
    row("H-001"),
    row("H-002", 题型="多选题", 正确答案="A,C", 知识点="医学伦理"),
    row("H-003", 题型="判断题", 选项A="", 选项B="", 选项C="", 选项D="", 正确答案="错误", 知识点="医患沟通"),
    row("P-001", 试卷类型="业务水平", 执业类别="临床", 专业="心血管内科", 知识点="内科学", 题型="A2型题", 正确答案="d"),
]


async def test_import_good_rows_creates_questions(app, client):
    w = await make_world()
    token = await token_for(w.gx_admin)
    job = await run(client, token, xlsx(GOOD))
    assert job["outcome"] == {"created": 4, "updated": 0, "unchanged": 0, "failed": 0}
    assert job["has_errors"] is False
    rows = {q.code: q for q in await Question.all()}
    assert set(rows) == {"H-001", "H-002", "H-003", "P-001"}
    assert all(q.bank == str(w.gx.id) and q.province_id == w.gx.id for q in rows.values())
    assert rows["H-002"].qtype == QuestionType.MULTIPLE and rows["H-002"].answer == ["A", "C"]
    assert rows["H-003"].options == [{"key": "A", "text": "正确"}, {"key": "B", "text": "错误"}]
    assert rows["H-003"].answer == ["B"]
    assert rows["P-001"].paper_type == PaperType.PROFESSIONAL and rows["P-001"].specialty == "心血管内科"
    assert rows["P-001"].answer == ["D"] and rows["P-001"].qtype == QuestionType.SINGLE


async def test_import_bad_rows_reported_good_rows_kept(app, client):
    w = await make_world()
    token = await token_for(w.national)
    rows = [
        row("OK-1"),
        row("", 题干="没有编码"),
        row("BAD-2", 试卷类型="技能"),
        row("BAD-3", 正确答案="AB"),
        row("BAD-4", 题型="多选题", 正确答案="A"),
        row("BAD-5", 试卷类型="业务水平"),
        row("BAD-6", 选项C="", 选项D="丁"),
        row("OK-1", 题干="重复编码"),
        row("BAD-8", 正确答案="Z"),
        row("BAD-9", 难度="超难"),
    ]
    job = await run(client, token, xlsx(rows))
    assert job["outcome"]["created"] == 1 and job["outcome"]["failed"] == 9
    assert await Question.filter(code="OK-1").count() == 1 and await Question.all().count() == 1
    report = await client.get(f"/api/v1/admin/jobs/{job['id']}/errors", headers=auth(token))
    assert report.status_code == 200
    lines = sheet(report.content)
    assert lines[0][0] == "行号" and lines[0][-1] == "错误原因"
    reasons = {line[0]: line[-1] for line in lines[1:]}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 9, 10, 11]
    assert "题目编码" in reasons[3] and "试卷类型" in reasons[4] and "一个正确答案" in reasons[5]
    assert "至少两个" in reasons[6] and "执业类别" in reasons[7] and "空项" in reasons[8]
    assert "第2行重复" in reasons[9] and "正确答案" in reasons[10] and "难度" in reasons[11]
    assert lines[-1][HEADERS.index("题目编码") + 1] == "BAD-9"  # the original cells come back


async def test_import_twice_changes_nothing_then_updates_by_code(app, client):
    w = await make_world()
    token = await token_for(w.gx_admin)
    await run(client, token, xlsx(GOOD))
    before = {q.code: (q.id, q.updated_at) for q in await Question.all()}
    again = await run(client, token, xlsx(GOOD))
    assert again["outcome"] == {"created": 0, "updated": 0, "unchanged": 4, "failed": 0}
    assert {q.code: (q.id, q.updated_at) for q in await Question.all()} == before
    changed = [row("H-001", 题干="改过的题干", 状态="停用"), *GOOD[1:]]
    third = await run(client, token, xlsx(changed))
    assert third["outcome"] == {"created": 0, "updated": 1, "unchanged": 3, "failed": 0}
    q = await Question.get(code="H-001")
    assert q.stem == "改过的题干" and q.active is False and q.id == before["H-001"][0]
    assert await Question.all().count() == 4


async def test_import_refuses_changing_answer_of_question_in_use(app, client):
    w = await make_world()
    token = await token_for(w.national)
    await run(client, token, xlsx([row("U-1")]))
    await Question.filter(code="U-1").update(in_use=True)
    job = await run(client, token, xlsx([row("U-1", 正确答案="C"), row("U-2")]))
    assert job["outcome"]["failed"] == 1 and job["outcome"]["created"] == 1
    assert (await Question.get(code="U-1")).answer == ["B"]
    job = await run(client, token, xlsx([row("U-1", 解析="新解析")]))
    assert job["outcome"]["updated"] == 1


async def test_import_refuses_not_excel_and_bad_headers_without_a_job(app, client):
    w = await make_world()
    token = await token_for(w.national)
    r = await upload(client, token, b"%PDF-1.4 not a spreadsheet")
    assert r.status_code == 422 and r.json()["code"] == "not_excel"
    r = await upload(client, token, b"")
    assert r.status_code == 422 and r.json()["code"] == "empty_file"
    r = await upload(client, token, xlsx([["x"]], headers=["题目编码", "题干"]))
    assert r.status_code == 422 and r.json()["code"] == "bad_headers"
    assert "正确答案" in r.json()["details"]["missing"]
    assert await Job.all().count() == 0


async def test_import_refused_below_province(app, client):
    w = await make_world()
    r = await upload(client, await token_for(w.nn_admin), xlsx(GOOD))
    assert r.status_code == 403 and r.json()["code"] == "bank_admin_only"
    r = await upload(client, await token_for(w.hospital), xlsx(GOOD))
    assert r.status_code == 403 and r.json()["code"] == "wrong_role"
    assert await Job.all().count() == 0


async def test_import_multipart_upload(app, client):
    w = await make_world()
    token = await token_for(w.national)
    r = await client.post(URL, headers=auth(token), files={"file": ("试题.xlsx", xlsx(GOOD[:1]))})
    assert r.status_code == 202, r.text
    job = await wait_for_job(client, token, r.json()["id"])
    assert job["outcome"]["created"] == 1


async def test_export_round_trip_imports_back_unchanged(app, client):
    w = await make_world()
    token = await token_for(w.gx_admin)
    await run(client, token, xlsx(GOOD))
    await make_questions(2, prefix="国家题")  # national bank: read, exported with its bank name
    r = await client.get(f"{ADMIN}/export?bank=province", headers=auth(token))
    assert r.status_code == 200
    lines = sheet(r.content)
    assert lines[0] == [*HEADERS, "用途", "题库"] and len(lines) == 5
    by_code = {line[0]: dict(zip(lines[0], line, strict=True)) for line in lines[1:]}
    assert by_code["H-002"]["正确答案"] == "AC" and by_code["H-003"]["正确答案"] == "错误"
    assert by_code["P-001"]["执业类别"] == "临床" and by_code["P-001"]["题库"] == "广西壮族自治区题库"
    again = await run(client, token, r.content)
    assert again["outcome"] == {"created": 0, "updated": 0, "unchanged": 4, "failed": 0}
    everything = sheet((await client.get(f"{ADMIN}/export", headers=auth(token))).content)
    assert len(everything) == 7 and {line[-1] for line in everything[1:]} == {"广西壮族自治区题库", "国家题库"}
    other = await client.get(f"{ADMIN}/export", headers=auth(await token_for(w.gz_admin)))
    assert len(sheet(other.content)) == 3  # 贵州 sees the national bank only


async def test_template_has_the_import_columns(app, client):
    w = await make_world()
    r = await client.get(f"{URL}/template", headers=auth(await token_for(w.national)))
    assert r.status_code == 200 and sheet(r.content)[0] == [*HEADERS, "用途"]



async def test_purpose_column_puts_questions_in_the_practice_pool(app, client):
    """用途 练习: a 练习题, never drawn into a real paper; an in-use exam question cannot become one."""
    from server.models import Question

    w = await make_world()
    token = await token_for(w.gx_admin)
    headers = [*HEADERS, "用途"]
    rows = [row("Q-EXAM") + ["考试"], row("Q-PRAC") + ["练习"], row("Q-NONE") + [""], row("Q-BAD") + ["其他"]]
    r = await upload(client, token, xlsx(rows, headers))
    job = await wait_for_job(client, token, r.json()["id"])
    assert job["outcome"]["created"] == 3 and job["outcome"]["failed"] == 1
    flags = dict(await Question.filter(code__startswith="Q-").values_list("code", "practice"))
    assert flags == {"Q-EXAM": False, "Q-PRAC": True, "Q-NONE": False}
    await Question.filter(code="Q-EXAM").update(in_use=True)
    r = await upload(client, token, xlsx([row("Q-EXAM") + ["练习"]], headers))
    job = await wait_for_job(client, token, r.json()["id"])
    assert job["outcome"]["failed"] == 1
    assert (await Question.get(code="Q-EXAM")).practice is False
