"""组卷方案 — the blueprint of each paper (SPEC §5 "a paper is drawn per physician from a
blueprint (counts per category)"; §3 question counts).

A blueprint belongs to one cycle and paper type (业务水平: also one practice category) and
lists ``{knowledge_point, qtype, count}`` items (qtype null = any type). The counts sum to
the paper's question count of the cycle's exam settings (50 人文医学 / 100 业务水平 by
default). For one knowledge point there is either one item of any type, or items of
distinct types — so items never overlap and each can be checked against the bank alone.

Only the province administration writes its province's blueprints (route: 省级专属); the
national office and the province read them. Without a stored blueprint the default one
spreads the count over the knowledge points in proportion to the bank.

Availability is counted in the province's pool (national bank + provincial bank, active
questions) among the questions common to the whole category (no specialty): every
physician of the category, whatever the specialty, can then draw a full paper.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TypedDict

from tortoise.transactions import in_transaction

from server.errors import NotFound, OutOfJurisdiction, ValidationFailed
from server.models import (
    DEFAULT_EXAM_SETTINGS,
    Blueprint,
    Cycle,
    Paper,
    PaperType,
    PracticeCategory,
    Question,
    QuestionType,
)
from server.models.geo import province_id_of_path
from server.schemas.common import Labelled
from server.schemas.exams import BlueprintItem
from server.schemas.question_bank import (
    BlueprintItemView,
    BlueprintShortage,
    BlueprintView,
    PoolKnowledgePoint,
)
from server.services import audit
from server.services.access import Actor
from server.services.cycles.question_bank import pool_banks, readable_banks, writable_bank

Key = tuple[str, str | None]  # (knowledge point, question type or None = any)


class PlanItem(TypedDict):
    """One item of a blueprint as stored (Blueprint.items): qtype None = any type."""

    knowledge_point: str
    qtype: str | None
    count: int


class Shortage(TypedDict):
    """An item the bank cannot fill (the details of a bank_shortage error)."""

    knowledge_point: str
    qtype: str | None
    needed: int
    available: int


def exam_settings(cycle: Cycle | None, paper_type: PaperType) -> dict[str, int]:
    """The paper's parameters: the cycle's settings over the defaults (SPEC §3)."""
    own = ((cycle.exam_settings or {}) if cycle else {}).get(paper_type.value) or {}
    return {**DEFAULT_EXAM_SETTINGS[paper_type.value], **own}


@dataclass(frozen=True)
class PoolQuestion:
    id: int
    knowledge_point: str
    qtype: str
    keys: tuple[str, ...]
    specialty: str


class Pool:
    """The active questions one province's papers of one type (and category) are drawn from."""

    def __init__(self, rows: list[PoolQuestion]) -> None:
        self.groups: dict[tuple[str, str], list[PoolQuestion]] = defaultdict(list)
        for row in rows:
            self.groups[(row.knowledge_point, row.qtype)].append(row)
        self._cache: dict[tuple[str, str | None, str], list[PoolQuestion]] = {}

    @classmethod
    async def load(cls, *, province_id: int, paper_type: PaperType, category: PracticeCategory | None,
                   practice: bool = False) -> Pool:
        """The exam pool (``practice=False``: real papers) or the practice pool (模拟考试)."""
        qs = Question.filter(bank__in=pool_banks(province_id), paper_type=paper_type, active=True, practice=practice)
        qs = qs.filter(category=category) if paper_type == PaperType.PROFESSIONAL else qs
        rows = await qs.values("id", "knowledge_point", "qtype", "options", "specialty")
        return cls([PoolQuestion(r["id"], r["knowledge_point"], str(r["qtype"]),
                                 tuple(o["key"] for o in r["options"] or []), r["specialty"] or "") for r in rows])

    def candidates(self, knowledge_point: str, qtype: str | None, specialty: str = "") -> list[PoolQuestion]:
        """Questions for one item: common ones, and the specialty's own if given."""
        key = (knowledge_point, qtype, specialty)
        if key not in self._cache:
            groups = [self.groups.get((knowledge_point, qtype), [])] if qtype else [
                rows for (kp, _), rows in self.groups.items() if kp == knowledge_point]
            self._cache[key] = [q for rows in groups for q in rows if q.specialty in ("", specialty)]
        return self._cache[key]

    def common_counts(self) -> dict[str, dict[str, int]]:
        """Per knowledge point, common questions per type."""
        out: dict[str, dict[str, int]] = {}
        for (kp, qtype), rows in sorted(self.groups.items()):
            n = sum(1 for q in rows if not q.specialty)
            if n:
                out.setdefault(kp, {t.value: 0 for t in QuestionType})[qtype] = n
        return out


def shortages(pool: Pool, items: list[PlanItem]) -> list[Shortage]:
    """The items the bank cannot fill, with what is needed and what is there."""
    out: list[Shortage] = []
    for item in items:
        available = len(pool.candidates(item["knowledge_point"], item.get("qtype")))
        if available < item["count"]:
            out.append({"knowledge_point": item["knowledge_point"], "qtype": item.get("qtype"),
                        "needed": item["count"], "available": available})
    return out


def default_items(pool: Pool, count: int) -> list[PlanItem]:
    """The count spread over the knowledge points in proportion to their common questions
    (largest remainders). A bank too small gives items that show the shortage."""
    avail = {kp: sum(by_type.values()) for kp, by_type in pool.common_counts().items()}
    total = sum(avail.values())
    if total <= count:
        items: list[PlanItem] = [{"knowledge_point": kp, "qtype": None, "count": n} for kp, n in avail.items()]
        if total < count:
            items.append({"knowledge_point": "（题库试题不足）", "qtype": None, "count": count - total})
        return items
    quotas = {kp: count * n / total for kp, n in avail.items()}
    counts = {kp: int(q) for kp, q in quotas.items()}
    for kp in sorted(quotas, key=lambda k: (counts[k] - quotas[k], k))[: count - sum(counts.values())]:
        counts[kp] += 1
    return [{"knowledge_point": kp, "qtype": None, "count": n} for kp, n in counts.items() if n]


def _category_key(paper_type: PaperType, category: PracticeCategory | None) -> str:
    return category.value if paper_type == PaperType.PROFESSIONAL and category else ""


async def items_for(cycle: Cycle | None, paper_type: PaperType, category: PracticeCategory | None,
                    pool: Pool) -> tuple[list[PlanItem], bool]:
    """The blueprint items of a paper, and whether they are the default ones."""
    stored = None
    if cycle is not None:
        stored = await Blueprint.get_or_none(cycle_id=cycle.id, paper_type=paper_type,
                                             category=_category_key(paper_type, category))
    if stored is not None and stored.items:
        return stored.items, False
    return default_items(pool, exam_settings(cycle, paper_type)["question_count"]), True


# --- console ---------------------------------------------------------------------------------
def check_paper(paper_type: PaperType, category: PracticeCategory | None) -> None:
    if paper_type == PaperType.PROFESSIONAL and category is None:
        raise ValidationFailed("业务水平的组卷方案须选择执业类别", code="category_required")
    if paper_type == PaperType.HUMANITIES and category is not None:
        raise ValidationFailed("人文医学的组卷方案不区分执业类别", code="category_not_allowed")


async def cycle_for_bank(actor: Actor, cycle_id: int, *, write: bool) -> Cycle:
    readable_banks(actor)  # national office or province administration only (403 bank_admin_only)
    cycle = await Cycle.get_or_none(id=cycle_id)
    if cycle is None:
        raise NotFound("考核周期不存在", code="cycle_not_found")
    own = province_id_of_path(actor.region_path)
    if (write or not actor.is_national) and not (actor.is_province and own == cycle.province_id):
        raise OutOfJurisdiction("只能设置本省考核周期的组卷方案" if write else None)
    return cycle


async def _view(cycle: Cycle, paper_type: PaperType, category: PracticeCategory | None) -> BlueprintView:
    pool = await Pool.load(province_id=cycle.province_id, paper_type=paper_type, category=category)
    items, is_default = await items_for(cycle, paper_type, category, pool)
    drawn = Paper.filter(cycle_id=cycle.id, paper_type=paper_type)
    if paper_type == PaperType.PROFESSIONAL and category:
        drawn = drawn.filter(category=category.value)
    return BlueprintView(
        cycle_id=cycle.id,
        paper_type=Labelled.of(paper_type),
        category=Labelled.of(category),
        question_count=exam_settings(cycle, paper_type)["question_count"],
        is_default=is_default,
        items=[BlueprintItemView(knowledge_point=i["knowledge_point"], qtype=i.get("qtype"), count=i["count"],
                                 available=len(pool.candidates(i["knowledge_point"], i.get("qtype"))))
               for i in items],
        shortages=[BlueprintShortage(**m) for m in shortages(pool, items)],
        knowledge_points=[PoolKnowledgePoint(knowledge_point=kp, by_type=by_type, total=sum(by_type.values()))
                          for kp, by_type in pool.common_counts().items()],
        drawn_papers=await drawn.count(),
    )


async def get_blueprint(*, actor: Actor, cycle_id: int, paper_type: PaperType,
                        category: PracticeCategory | None) -> BlueprintView:
    """组卷方案 of one paper, with what the bank holds for it."""
    check_paper(paper_type, category)
    cycle = await cycle_for_bank(actor, cycle_id, write=False)
    return await _view(cycle, paper_type, category)


async def list_blueprints(*, actor: Actor, cycle_id: int) -> list[BlueprintView]:
    """All the cycle's papers: 人文医学 and 业务水平 of each practice category."""
    cycle = await cycle_for_bank(actor, cycle_id, write=False)
    out = [await _view(cycle, PaperType.HUMANITIES, None)]
    for category in PracticeCategory:
        out.append(await _view(cycle, PaperType.PROFESSIONAL, category))
    return out


def check_items(items: list[BlueprintItem], expected: int) -> list[PlanItem]:
    """Shape rules of a blueprint (no overlap, the right sum); the clean items."""
    seen: dict[str, set[str | None]] = defaultdict(set)
    clean: list[PlanItem] = []
    for item in items:
        kp, count = item.knowledge_point.strip(), item.count
        qtype = QuestionType(item.qtype).value if item.qtype else None
        if qtype in seen[kp]:
            raise ValidationFailed(f"知识点“{kp}”的题型重复", code="blueprint_duplicate")
        if seen[kp] and (qtype is None or None in seen[kp]):
            raise ValidationFailed(f"知识点“{kp}”不能同时按题型和不分题型设置", code="blueprint_overlap")
        seen[kp].add(qtype)
        clean.append({"knowledge_point": kp, "qtype": qtype, "count": count})
    total = sum(i["count"] for i in clean)
    if total != expected:
        raise ValidationFailed(f"各知识点题量之和应为{expected}题，当前为{total}题", code="blueprint_sum",
                               details={"expected": expected, "actual": total})
    return clean


async def set_blueprint(*, actor: Actor, cycle_id: int, paper_type: PaperType, category: PracticeCategory | None,
                        items: list[BlueprintItem]) -> BlueprintView:
    """保存组卷方案 (province administration, its own province's cycle). Refused with 422 and
    the list of shortages if the bank cannot fill it. Papers already drawn keep their questions."""
    check_paper(paper_type, category)
    writable_bank(actor)
    cycle = await cycle_for_bank(actor, cycle_id, write=True)
    clean = check_items(items, exam_settings(cycle, paper_type)["question_count"])
    pool = await Pool.load(province_id=cycle.province_id, paper_type=paper_type, category=category)
    missing = shortages(pool, clean)
    if missing:
        raise ValidationFailed("题库中可用试题不足，无法按此方案组卷", code="bank_shortage",
                               details={"shortages": missing})
    key = _category_key(paper_type, category)
    async with in_transaction() as conn:
        bp = await Blueprint.filter(cycle_id=cycle.id, paper_type=paper_type, category=key).using_db(
            conn).select_for_update().first()
        before = bp.items if bp else None
        if bp is None:
            bp = await Blueprint.create(cycle_id=cycle.id, paper_type=paper_type, category=key, items=clean,
                                        updated_by_id=actor.account_id, using_db=conn)
        else:
            bp.items, bp.updated_by_id = clean, actor.account_id
            await bp.save(using_db=conn, update_fields=["items", "updated_by_id", "updated_at"])
        await audit.record(actor, "blueprint.set", "blueprint", bp.id, before={"items": before},
                           after={"cycle_id": cycle.id, "paper_type": paper_type.value, "category": key,
                                  "items": clean}, using_db=conn)
    return await _view(cycle, paper_type, category)
