"""Question banks in and out of Excel (SPEC §5 "import and export question banks as Excel").

Import (`start_import`): the upload is checked before any job exists — size, a real .xlsx
(422 not_excel), the header row (422 bad_headers naming the missing columns) — then kept
and a background job (services.jobs, kind ``question_import``) reads it row by row. Every
row is checked on its own (services.question_bank.normalise); a bad row goes to the error
report (行号, the original cells, 错误原因) and never stops the good ones. Rows are keyed by
题目编码 within the importer's bank: a known code updates that question, so importing the
same file twice changes nothing. A question already drawn into a paper keeps its type,
options and answer (the row is refused).

Who: the national office imports into the national bank, a province administration into
its own province's bank (services.question_bank). Export: the questions the caller reads,
filtered like the list, in the import's own columns (an export imports back unchanged).
"""

from __future__ import annotations

import asyncio
import re
from enum import Enum
from typing import Any

from tortoise.transactions import in_transaction

from server.models import Difficulty, Job, PaperType, PracticeCategory, Question, QuestionType, StoredFile
from server.services import audit
from server.services.access import Actor, Role
from server.services.cycles.question_bank import (
    EDITABLE,
    FROZEN_WHEN_IN_USE,
    KEYS,
    bank_label,
    filters_q,
    normalise,
    scope_q,
    writable_bank,
)
from server.services.platform import files, jobs
from server.services.platform.excel import check_headers, open_rows, write_rows
from server.services.platform.uploads import start_upload_job
from server.services.registry.import_rows import estimate_rows, safe_cell, take_rows, text

BATCH_SIZE = 500
OPTION_HEADERS = [f"选项{k}" for k in KEYS]
HEADERS = ["题目编码", "试卷类型", "执业类别", "专业", "知识点", "题型", "题干", *OPTION_HEADERS, "正确答案", "解析",
           "难度", "状态"]
REQUIRED = ["题目编码", "试卷类型", "执业类别", "知识点", "题型", "题干", "选项A", "选项B", "正确答案"]
# 用途: 考试 (drawn into real papers) or 练习 (练习题: practice and mock tests only); optional, 考试 by default
PURPOSE_HEADER = "用途"
PURPOSES = {"": False, "考试": False, "练习": True}
EXPORT_HEADERS = [*HEADERS, PURPOSE_HEADER, "题库"]

PAPER_TYPES = {**{m.label: m for m in PaperType}, **{m.value: m for m in PaperType}}
CATEGORIES = {**{m.label: m for m in PracticeCategory}, **{m.value: m for m in PracticeCategory},
              **{m.label + "类别": m for m in PracticeCategory}, **{m.label + "类": m for m in PracticeCategory}}
QTYPES = {**{m.label: m for m in QuestionType}, **{m.value: m for m in QuestionType},
          "单选": QuestionType.SINGLE, "单项选择题": QuestionType.SINGLE, "A1": QuestionType.SINGLE,
          "A2": QuestionType.SINGLE, "A1型题": QuestionType.SINGLE, "A2型题": QuestionType.SINGLE,
          "多选": QuestionType.MULTIPLE, "多项选择题": QuestionType.MULTIPLE, "X型题": QuestionType.MULTIPLE,
          "判断": QuestionType.JUDGE}
DIFFICULTIES = {**{m.label: m for m in Difficulty}, **{m.value: m for m in Difficulty}, "较易": Difficulty.EASY,
                "中等": Difficulty.MEDIUM, "较难": Difficulty.HARD}
STATES = {"": True, "启用": True, "停用": False}
JUDGE_ANSWERS = {**dict.fromkeys(["正确", "对", "√", "✓", "T", "TRUE", "是", "A"], "A"),
                 **dict.fromkeys(["错误", "错", "×", "✗", "F", "FALSE", "否", "B"], "B")}
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
_SEPARATORS = re.compile(r"[\s,，、;；]+")


def template() -> bytes:
    """下载模板: the columns the import expects."""
    return write_rows([*HEADERS, PURPOSE_HEADER], [], title="试题导入模板")


# --- one row -----------------------------------------------------------------------------------
def parse_answer(raw: str, qtype: QuestionType | None) -> list[str] | None:
    value = raw.strip().upper()
    if qtype == QuestionType.JUDGE:
        key = JUDGE_ANSWERS.get(value)
        return [key] if key else None
    letters = _SEPARATORS.sub("", value)
    if not letters or any(c not in KEYS for c in letters):
        return None
    return list(letters)


def parse_row(cells: tuple[Any, ...], cols: dict[str, int]) -> tuple[dict[str, Any], str | None]:
    """The values of one question row (code, content, active), or why it is refused."""
    def get(header: str) -> str:
        i = cols.get(header)
        return text(cells[i]) if i is not None and i < len(cells) else ""

    code = get("题目编码")
    if not _CODE.match(code):
        return {}, "题目编码不能为空，只能包含字母、数字、下划线、点和短横线，最多64个字符"
    paper_type = PAPER_TYPES.get(get("试卷类型").replace(" ", ""))
    if paper_type is None:
        return {}, "试卷类型应为：人文医学、业务水平"
    raw_category = get("执业类别").replace(" ", "")
    category = CATEGORIES.get(raw_category) if raw_category else None
    if raw_category and category is None:
        return {}, "执业类别应为：临床、中医、口腔、公共卫生"
    raw_type = get("题型").replace(" ", "")
    qtype = QTYPES.get(raw_type) or QTYPES.get(raw_type.upper())
    if qtype is None:
        return {}, "题型应为：单选题、多选题、判断题"
    answer = parse_answer(get("正确答案"), qtype)
    if answer is None:
        return {}, "正确答案格式不正确（如 A、ACD；判断题填 正确 或 错误）"
    difficulty = DIFFICULTIES.get(get("难度"), None) if get("难度") else Difficulty.MEDIUM
    if difficulty is None:
        return {}, "难度应为：易、中、难"
    state = get("状态")
    if state not in STATES:
        return {}, "状态应为：启用、停用"
    purpose = get(PURPOSE_HEADER).replace(" ", "")
    if purpose not in PURPOSES:
        return {}, "用途应为：考试、练习"
    clean, problem = normalise({
        "paper_type": paper_type, "category": category, "specialty": get("专业"),
        "knowledge_point": get("知识点"), "qtype": qtype, "stem": get("题干"),
        "options": [get(h) for h in OPTION_HEADERS], "answer": answer, "explanation": get("解析"),
        "difficulty": difficulty,
    })
    if problem:
        return {}, problem
    return {**clean, "code": code, "active": STATES[state], "practice": PURPOSES[purpose]}, None


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


# --- the upload --------------------------------------------------------------------------------
async def start_import(*, actor: Actor, data: bytes, filename: str) -> Job:
    """导入试题: check the upload, keep it, queue the job. Nothing is created for a bad file."""
    bank, province_id = writable_bank(actor)
    return await start_upload_job(actor=actor, kind="question_import", data=data, filename=filename,
                                  params={"bank": bank, "province_id": province_id, "ip": actor.ip},
                                  check_headers=lambda headers: check_headers(headers, REQUIRED),
                                  audit_after={"bank": bank})


# --- the job -----------------------------------------------------------------------------------
class _Import:
    def __init__(self, job: Job) -> None:
        self.job = job
        self.bank: str = job.params["bank"]
        self.province_id: int | None = job.params.get("province_id")
        self.actor = Actor(kind="staff", role=Role.ADMINISTRATION, token="", account_id=job.owner_account_id,
                           org_id=job.org_id, ip=job.params.get("ip"))
        self.seen: dict[str, int] = {}
        self.errors: list[tuple[int, tuple[Any, ...], str]] = []
        self.counts = {"created": 0, "updated": 0, "unchanged": 0}
        self.processed = 0

    async def batch(self, rows: list[tuple[int, tuple[Any, ...], dict[str, Any], str | None]]) -> None:
        good: list[tuple[int, tuple[Any, ...], dict[str, Any]]] = []
        for no, cells, values, problem in rows:
            if problem is None:
                first = self.seen.get(values["code"])
                if first is not None:
                    problem = f"题目编码与第{first}行重复"
                else:
                    self.seen[values["code"]] = no
            if problem:
                self.errors.append((no, cells, problem))
            else:
                good.append((no, cells, values))
        fields = ["id", "code", "in_use", "active", "practice", *EDITABLE]
        existing = {r["code"]: r for r in await Question.filter(
            bank=self.bank, code__in=[v["code"] for _, _, v in good]).values(*fields)}
        creates: list[Question] = []
        updates: list[Question] = []
        for no, cells, v in good:
            current = existing.get(v["code"])
            if current is None:
                creates.append(Question(bank=self.bank, province_id=self.province_id, created_by_id=self.actor.account_id,
                                        updated_by_id=self.actor.account_id, **v))
                continue
            wanted = {k: v[k] for k in (*EDITABLE, "active", "practice")}
            diff = [k for k in wanted if _plain(current[k]) != _plain(wanted[k])]
            if not diff:
                self.counts["unchanged"] += 1
                continue
            if current["in_use"] and "practice" in diff:
                self.errors.append((no, cells, "该试题已被抽入考生试卷，不能改为练习题（练习会公开答案）"))
                continue
            if current["in_use"] and set(diff) & set(FROZEN_WHEN_IN_USE):
                self.errors.append((no, cells, "该试题已被抽入考生试卷，题型、选项和答案不能修改；请停用后以新编码导入"))
                continue
            updates.append(Question(id=current["id"], bank=self.bank, code=v["code"], in_use=current["in_use"],
                                    province_id=self.province_id, updated_by_id=self.actor.account_id, **wanted))
        if creates or updates:
            async with in_transaction() as conn:
                if creates:
                    await Question.bulk_create(creates, batch_size=200, using_db=conn)
                if updates:
                    now = jobs.now()
                    for q in updates:
                        q.updated_at = now
                    await Question.bulk_update(updates, fields=[*EDITABLE, "active", "practice", "updated_by_id",
                                                                "updated_at"],
                                               batch_size=200, using_db=conn)
                await audit.record(self.actor, "question.import", "job", self.job.id, using_db=conn, after={
                    "bank": self.bank, "rows": [rows[0][0], rows[-1][0]],
                    "created": [q.code for q in creates], "updated": [q.code for q in updates]})
        self.counts["created"] += len(creates)
        self.counts["updated"] += len(updates)

    async def run(self) -> None:
        stored = await StoredFile.get(id=self.job.params["file_id"])
        data = await files.read(stored)
        total = await asyncio.to_thread(estimate_rows, data)
        headers, rows = await asyncio.to_thread(open_rows, data)
        cols = check_headers(headers, REQUIRED)
        await jobs.report_progress(self.job, total=total, message="正在导入")
        numbered = enumerate(rows, start=2)
        while True:
            read, parsed = await asyncio.to_thread(take_rows, numbered, BATCH_SIZE, parse_row, cols)
            if not read:
                break
            if parsed:
                await self.batch(parsed)
                self.processed += len(parsed)
            await jobs.report_progress(self.job, total=max(total, self.processed), processed=self.processed,
                                       succeeded=self.processed - len(self.errors), failed=len(self.errors))
        if self.errors:
            width = len(headers)
            self.errors.sort(key=lambda e: e[0])
            report_rows = ([no, *[safe_cell(c) for c in (list(cells) + [None] * width)[:width]], reason]
                           for no, cells, reason in self.errors)
            report = await asyncio.to_thread(write_rows, ["行号", *headers, "错误原因"], report_rows, title="错误报告")
            await jobs.attach_file(self.job, report, filename="试题导入错误报告.xlsx", errors=True)
        c = self.counts
        await jobs.report_progress(
            self.job, total=self.processed, processed=self.processed, succeeded=self.processed - len(self.errors),
            failed=len(self.errors), message=(f"导入完成：共{self.processed}行，新增{c['created']}题，更新{c['updated']}题，"
                                              f"未变化{c['unchanged']}题，失败{len(self.errors)}行"))
        await jobs.set_outcome(self.job, {**c, "failed": len(self.errors)})


@jobs.job_handler("question_import")
async def run_question_import(job: Job) -> None:
    await _Import(job).run()


# --- export ------------------------------------------------------------------------------------
def export_row(q: dict[str, Any], bank_name: str) -> list[Any]:
    qtype = QuestionType(_plain(q["qtype"]))
    options = [o["text"] for o in q["options"]] + [""] * (len(KEYS) - len(q["options"]))
    answer = ("正确" if q["answer"] == ["A"] else "错误") if qtype == QuestionType.JUDGE else "".join(q["answer"])
    category = PracticeCategory(_plain(q["category"])).label if q["category"] else ""
    return [q["code"], PaperType(_plain(q["paper_type"])).label, category, q["specialty"], q["knowledge_point"],
            qtype.label, q["stem"], *options, answer, q["explanation"], Difficulty(_plain(q["difficulty"])).label,
            "启用" if q["active"] else "停用", "练习" if q.get("practice") else "考试", bank_name]


async def export_questions(*, actor: Actor, bank: str | None, **filters: Any) -> bytes:
    """导出试题: the questions the caller reads, filtered like the list, answers included."""
    qs = Question.filter(await scope_q(actor, bank), filters_q(**filters)).order_by(
        "bank", "paper_type", "category", "knowledge_point", "id")
    rows = await qs.values("bank", "code", "paper_type", "category", "specialty", "knowledge_point", "qtype", "stem",
                           "options", "answer", "explanation", "difficulty", "active", "practice")
    names: dict[str, str] = {}
    out = [export_row(r, await bank_label(r["bank"], names)) for r in rows]
    await audit.record(actor, "question.export", "question", None, after={"bank": bank, "rows": len(out)})
    return await asyncio.to_thread(write_rows, EXPORT_HEADERS, out, title="试题")
