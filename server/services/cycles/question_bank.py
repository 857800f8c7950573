"""Question banks (SPEC §5 "question bank per paper type"): 人文医学 (laws and regulations,
ethics, communication) and 业务水平 by practice category and specialty; single choice,
multiple choice and true/false questions grouped by knowledge point.

Who keeps which bank (national and provincial content, never an institution's):
- the national office (全国定考办) keeps the national bank, used by every province;
- a province administration keeps its own province's bank, drawn together with the national one;
- both read the national bank, the province its own bank too, the national office every bank;
- nobody else reads questions (city/county administrations, institutions: 403 bank_admin_only).
A question of a bank the caller may not read is "not found".

A question drawn into a real paper (``in_use``) keeps its type, options and answer: to
change them, disable it (停用) and add a new one. Stem, explanation, knowledge point and
difficulty stay editable (typos).
"""

from __future__ import annotations

import secrets
from typing import Any

from tortoise.expressions import Q
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from server.errors import Conflict, Forbidden, NotFound, ValidationFailed
from server.models import (
    NATIONAL_BANK,
    Difficulty,
    PaperType,
    PracticeCategory,
    Question,
    QuestionType,
    Region,
)
from server.models.geo import province_id_of_path
from server.schemas.common import Labelled
from server.schemas.question_bank import BankLabel, KnowledgePointCount, QuestionView
from server.services import audit
from server.services.access import Actor

KEYS = "ABCDEFGH"
JUDGE_TEXTS = ("正确", "错误")
MAX_STEM = 2000
MAX_OPTION = 500
FROZEN_WHEN_IN_USE = ("qtype", "options", "answer")
EDITABLE = ("paper_type", "category", "specialty", "knowledge_point", "qtype", "stem", "options", "answer",
            "explanation", "difficulty")


# --- who may read and write which bank ----------------------------------------------------
def _bank_actor(actor: Actor) -> None:
    if not (actor.is_national or actor.is_province):
        raise Forbidden("仅全国定考办和省级卫生行政机构可以查看和维护题库", code="bank_admin_only")


def writable_bank(actor: Actor) -> tuple[str, int | None]:
    """The bank the actor keeps: (bank key, province id)."""
    _bank_actor(actor)
    if actor.is_national:
        return NATIONAL_BANK, None
    pid = province_id_of_path(actor.region_path)
    if pid is None:
        raise Forbidden("仅全国定考办和省级卫生行政机构可以维护题库", code="bank_admin_only")
    return str(pid), pid


def readable_banks(actor: Actor) -> list[str] | None:
    """The banks the actor may read; None = every bank (the national office)."""
    _bank_actor(actor)
    if actor.is_national:
        return None
    return [NATIONAL_BANK, writable_bank(actor)[0]]


def pool_banks(province_id: int) -> list[str]:
    """The banks a province's papers are drawn from."""
    return [NATIONAL_BANK, str(province_id)]


async def bank_label(bank: str, names: dict[str, str] | None = None) -> str:
    if bank == NATIONAL_BANK:
        return "国家题库"
    if names is not None and bank in names:
        return names[bank]
    region = await Region.get_or_none(id=int(bank)) if bank.isdigit() else None
    label = f"{region.name}题库" if region else "省级题库"
    if names is not None:
        names[bank] = label
    return label


# --- the content rules (shared with the Excel import) -------------------------------------
def normalise(values: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """Check one question's content. ``options`` are the option texts in order (keys A, B, …
    by position; a judge question's are always 正确 / 错误), ``answer`` the correct keys.
    Returns the clean values or the Chinese reason they are refused."""
    paper_type, category, qtype = values.get("paper_type"), values.get("category"), values.get("qtype")
    if not isinstance(paper_type, PaperType):
        return {}, "试卷类型应为：人文医学、业务水平"
    if paper_type == PaperType.HUMANITIES and category is not None:
        return {}, "人文医学试题不区分执业类别，执业类别应为空"
    if paper_type == PaperType.PROFESSIONAL and not isinstance(category, PracticeCategory):
        return {}, "业务水平试题应填写执业类别：临床、中医、口腔、公共卫生"
    if not isinstance(qtype, QuestionType):
        return {}, "题型应为：单选题、多选题、判断题"
    specialty = (values.get("specialty") or "").strip()
    if paper_type == PaperType.HUMANITIES and specialty:
        return {}, "人文医学试题不区分专业，专业应为空"
    knowledge_point = (values.get("knowledge_point") or "").strip()
    stem = (values.get("stem") or "").strip()
    explanation = (values.get("explanation") or "").strip()
    for label, text, low, high in (("知识点", knowledge_point, 1, 64), ("专业", specialty, 0, 64),
                                   ("题干", stem, 1, MAX_STEM), ("解析", explanation, 0, MAX_STEM)):
        if not low <= len(text) <= high:
            return {}, f"{label}{'不能为空且' if low else ''}不超过{high}个字符"
        if text.startswith("="):
            return {}, f"{label}不能以“=”开头"
    texts = [str(t).strip() for t in values.get("options") or []]
    while texts and not texts[-1]:
        texts.pop()
    if qtype == QuestionType.JUDGE:
        if texts and tuple(texts) != JUDGE_TEXTS:
            return {}, "判断题的选项应为：A 正确、B 错误（可留空）"
        texts = list(JUDGE_TEXTS)
    low = 3 if qtype == QuestionType.MULTIPLE else 2
    if not low <= len(texts) <= len(KEYS):
        return {}, f"{qtype.label}应有{low}至{len(KEYS)}个选项"
    if any(not t for t in texts):
        return {}, "选项不能有空项（选项须从A起连续填写）"
    if any(len(t) > MAX_OPTION or t.startswith("=") for t in texts):
        return {}, f"选项不超过{MAX_OPTION}个字符且不能以“=”开头"
    if len(set(texts)) != len(texts):
        return {}, "选项内容不能重复"
    keys = KEYS[: len(texts)]
    answer = sorted({str(a).strip().upper() for a in values.get("answer") or [] if str(a).strip()})
    if any(a not in keys for a in answer):
        return {}, f"正确答案只能是{keys[0]}至{keys[-1]}中的选项"
    if qtype in (QuestionType.SINGLE, QuestionType.JUDGE) and len(answer) != 1:
        return {}, f"{qtype.label}应有且只有一个正确答案"
    if qtype == QuestionType.MULTIPLE and len(answer) < 2:
        return {}, "多选题应有至少两个正确答案"
    difficulty = values.get("difficulty") or Difficulty.MEDIUM
    if not isinstance(difficulty, Difficulty):
        return {}, "难度应为：易、中、难"
    return {
        "paper_type": paper_type, "category": category if paper_type == PaperType.PROFESSIONAL else None,
        "specialty": specialty, "knowledge_point": knowledge_point, "qtype": qtype, "stem": stem,
        "options": [{"key": k, "text": t} for k, t in zip(keys, texts, strict=True)], "answer": answer,
        "explanation": explanation, "difficulty": difficulty,
    }, None


def frozen_change(current: Question | dict[str, Any], clean: dict[str, Any]) -> bool:
    """Whether these values would change what a drawn paper is scored against."""
    get = current.get if isinstance(current, dict) else lambda k: getattr(current, k)  # type: ignore[union-attr]
    return any(get(k) != clean[k] for k in FROZEN_WHEN_IN_USE)


def new_code() -> str:
    return "Q" + secrets.token_hex(6).upper()


# --- views -----------------------------------------------------------------------------------
async def question_view(q: Question, names: dict[str, str] | None = None) -> QuestionView:
    """The full question, answer included: for bank keepers only (never for physicians)."""
    return QuestionView(
        id=q.id, code=q.code, bank=BankLabel(value=q.bank, label=await bank_label(q.bank, names)),
        paper_type=Labelled.of(q.paper_type), category=Labelled.of(q.category), specialty=q.specialty,
        knowledge_point=q.knowledge_point, qtype=Labelled.of(q.qtype), stem=q.stem, options=q.options,
        answer=q.answer, explanation=q.explanation, difficulty=Labelled.of(q.difficulty), active=q.active,
        in_use=q.in_use, created_at=q.created_at, updated_at=q.updated_at,
    )


# --- reading ---------------------------------------------------------------------------------
def filters_q(*, paper_type: PaperType | None = None, category: PracticeCategory | None = None,
              knowledge_point: str | None = None, qtype: QuestionType | None = None, active: bool | None = None,
              keyword: str | None = None, code: str | None = None) -> Q:
    q = Q()
    for name, value in (("paper_type", paper_type), ("category", category), ("knowledge_point", knowledge_point),
                        ("qtype", qtype), ("active", active), ("code", code)):
        if value is not None and value != "":
            q &= Q(**{name: value})
    if keyword:
        q &= Q(stem__icontains=keyword)
    return q


async def scope_q(actor: Actor, bank: str | None = None) -> Q:
    """The banks a listing covers: ``bank`` = national / province (the actor's own) / a
    province id (national office) / None (every bank the actor reads)."""
    readable = readable_banks(actor)
    if bank in (None, "", "all"):
        return Q() if readable is None else Q(bank__in=readable)
    if bank == "province" and not actor.is_national:
        bank = writable_bank(actor)[0]
    if readable is not None and bank not in readable:
        raise Forbidden("不能查看其他省份的题库", code="out_of_jurisdiction")
    return Q(bank=bank)


async def list_questions(*, actor: Actor, bank: str | None, page_no: int, size: int,
                         **filters: Any) -> tuple[list[QuestionView], int]:
    """试题列表 (filters: paper type, category, knowledge point, type, active, keyword, code)."""
    qs = Question.filter(await scope_q(actor, bank), filters_q(**filters))
    count = await qs.count()
    rows = await qs.order_by("paper_type", "category", "knowledge_point", "id").offset((page_no - 1) * size).limit(size)
    names: dict[str, str] = {}
    return [await question_view(q, names) for q in rows], count


async def _readable_question(actor: Actor, question_id: int, conn: Any = None, *, lock: bool = False) -> Question:
    qs = Question.select_for_update() if lock else Question.all()
    q = await (qs.using_db(conn) if conn is not None else qs).get_or_none(id=question_id)
    readable = readable_banks(actor)
    if q is None or (readable is not None and q.bank not in readable):
        raise NotFound("试题不存在", code="question_not_found")
    return q


async def get_question(*, actor: Actor, question_id: int) -> QuestionView:
    return await question_view(await _readable_question(actor, question_id))


async def knowledge_points(*, actor: Actor, paper_type: PaperType | None, category: PracticeCategory | None,
                           bank: str | None = None) -> list[KnowledgePointCount]:
    """知识点 with the number of active questions per type (for filters and blueprints)."""
    qs = Question.filter(await scope_q(actor, bank), filters_q(paper_type=paper_type, category=category, active=True))
    rows = await qs.annotate(n=Count("id")).group_by("paper_type", "category", "knowledge_point", "qtype").values(
        "paper_type", "category", "knowledge_point", "qtype", "n")
    out: dict[tuple[str, str, str], KnowledgePointCount] = {}
    for r in rows:
        key = (str(r["paper_type"]), str(r["category"] or ""), r["knowledge_point"])
        item = out.get(key)
        if item is None:
            item = out[key] = KnowledgePointCount(paper_type=key[0], category=key[1] or None,
                                                  knowledge_point=key[2], total=0,
                                                  by_type={t.value: 0 for t in QuestionType})
        item.by_type[str(r["qtype"])] += r["n"]
        item.total += r["n"]
    return [out[k] for k in sorted(out)]


# --- writing ---------------------------------------------------------------------------------
def _clean_or_fail(values: dict[str, Any]) -> dict[str, Any]:
    clean, problem = normalise(values)
    if problem:
        raise ValidationFailed(problem, code="invalid_question")
    return clean


async def create_question(*, actor: Actor, values: dict[str, Any], code: str | None = None) -> QuestionView:
    """新增试题 into the bank the actor keeps."""
    bank, province_id = writable_bank(actor)
    clean = _clean_or_fail(values)
    code = code or new_code()
    async with in_transaction() as conn:
        if await Question.filter(bank=bank, code=code).using_db(conn).exists():
            raise Conflict("题目编码已存在", code="question_code_taken")
        q = await Question.create(bank=bank, province_id=province_id, code=code, created_by_id=actor.account_id,
                                  updated_by_id=actor.account_id, using_db=conn, **clean)
        await audit.record(actor, "question.create", "question", q.id, after=audit.snapshot(q), using_db=conn)
    return await question_view(q)


async def _writable_question(actor: Actor, question_id: int, conn: Any) -> Question:
    q = await _readable_question(actor, question_id, conn, lock=True)
    if q.bank != writable_bank(actor)[0]:
        raise Forbidden("只能维护本级题库的试题", code="bank_read_only")
    return q


async def update_question(*, actor: Actor, question_id: int, values: dict[str, Any]) -> QuestionView:
    """修改试题. Type, options and answer of a question in use stay as they are (409)."""
    writable_bank(actor)
    clean = _clean_or_fail(values)
    async with in_transaction() as conn:
        q = await _writable_question(actor, question_id, conn)
        if q.in_use and frozen_change(q, clean):
            raise Conflict("该试题已被抽入考生试卷，题型、选项和答案不能修改；请停用后新增试题",
                           code="question_in_use")
        changed = [k for k in EDITABLE if getattr(q, k) != clean[k]]
        if changed:
            before = audit.snapshot(q, changed)
            for k in changed:
                setattr(q, k, clean[k])
            q.updated_by_id = actor.account_id
            await q.save(using_db=conn, update_fields=[*changed, "updated_by_id", "updated_at"])
            await audit.record(actor, "question.update", "question", q.id, before=before,
                               after=audit.snapshot(q, changed), using_db=conn)
    return await question_view(q)


async def set_active(*, actor: Actor, question_id: int, active: bool) -> QuestionView:
    """启用 / 停用 (a disabled question is never drawn again; papers already drawn keep it)."""
    async with in_transaction() as conn:
        q = await _writable_question(actor, question_id, conn)
        if q.active != active:
            q.active = active
            q.updated_by_id = actor.account_id
            await q.save(using_db=conn, update_fields=["active", "updated_by_id", "updated_at"])
            await audit.record(actor, "question.enable" if active else "question.disable", "question", q.id,
                               before={"active": not active}, after={"active": active}, using_db=conn)
    return await question_view(q)
