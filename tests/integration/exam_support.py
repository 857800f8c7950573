"""Shared set-up of the exam tests: questions made directly, a cycle, physicians with an
active assessment, and the console / mini-program paths."""

from __future__ import annotations

from datetime import date
from typing import Any

from server.models import (
    NATIONAL_BANK,
    Assessment,
    AssessmentStatus,
    Cycle,
    Organisation,
    PaperType,
    Physician,
    PracticeCategory,
    Procedure,
    Question,
    QuestionType,
)
from tests.factories import World, make_physician

ADMIN = "/api/v1/admin/question-bank"
MP = "/api/v1/mp/practice"
KEYS = "ABCDE"


def body(**overrides: Any) -> dict[str, Any]:
    """A valid 新增试题 body (人文医学 single choice)."""
    data: dict[str, Any] = {
        "paper_type": "humanities", "knowledge_point": "卫生法律法规", "qtype": "single",
        "stem": "医师定期考核的周期为", "options": ["一年", "两年", "三年", "五年"], "answer": ["C"],
        "explanation": "考核周期为三年。",
    }
    data.update(overrides)
    return data


async def make_questions(n: int, *, paper_type: PaperType = PaperType.HUMANITIES,
                         category: PracticeCategory | None = None, kp: str = "卫生法律法规",
                         qtype: QuestionType = QuestionType.SINGLE, bank: str = NATIONAL_BANK,
                         province_id: int | None = None, specialty: str = "", active: bool = True,
                         prefix: str = "", practice: bool = False) -> list[Question]:
    """n questions straight into a bank (answer: the second option; multiple: B and D)."""
    rows = []
    tag = prefix or f"{paper_type.value}-{category.value if category else 'hum'}-{kp}-{qtype.value}-{specialty}"
    start = await Question.all().count()
    for i in range(n):
        if qtype == QuestionType.JUDGE:
            options, answer = [{"key": "A", "text": "正确"}, {"key": "B", "text": "错误"}], ["A" if i % 2 else "B"]
        else:
            options = [{"key": k, "text": f"{tag}选项{k}{i}"} for k in KEYS]
            answer = ["B", "D"] if qtype == QuestionType.MULTIPLE else ["B"]
        rows.append(Question(bank=bank, province_id=province_id, code=f"T{start + i:06d}", paper_type=paper_type,
                             category=category, specialty=specialty, knowledge_point=kp, qtype=qtype,
                             stem=f"{tag}题干{start + i}", options=options, answer=answer,
                             explanation=f"解析{start + i}", active=active, practice=practice))
    await Question.bulk_create(rows)
    return list(await Question.filter(code__in=[r.code for r in rows]).order_by("id"))


async def humanities_bank(per_kp: int = 30, *, practice: bool = False) -> None:
    """Three knowledge points of mixed types (90 questions in all); ``practice``: 练习题."""
    for kp in ("卫生法律法规", "医学伦理", "医患沟通"):
        await make_questions(per_kp - 10, kp=kp, practice=practice)
        await make_questions(5, kp=kp, qtype=QuestionType.MULTIPLE, practice=practice)
        await make_questions(5, kp=kp, qtype=QuestionType.JUDGE, practice=practice)


async def professional_bank(category: PracticeCategory, n: int = 150, *, practice: bool = False) -> None:
    half = n // 2
    await make_questions(half, paper_type=PaperType.PROFESSIONAL, category=category, kp="内科学", practice=practice)
    await make_questions(n - half, paper_type=PaperType.PROFESSIONAL, category=category, kp="外科学",
                         qtype=QuestionType.MULTIPLE, practice=practice)


async def make_cycle(w: World, **extra: Any) -> Cycle:
    return await Cycle.create(province=w.gx, name="2025-2027周期", start_date=date(2025, 1, 1),
                              end_date=date(2027, 12, 31), is_current=True, **extra)


async def enrolled(cycle: Cycle, org: Organisation, *, n: int | None = None,
                   procedure: Procedure = Procedure.GENERAL, **extra: Any) -> tuple[Physician, Assessment]:
    """A physician whose assessment is waiting for the exams."""
    p = await make_physician(org, n=n, **extra)
    a = await Assessment.create(physician=p, cycle=cycle, institution=org, region_path=org.region_path,
                                status=AssessmentStatus.AWAITING_EXAM, active=True, procedure=procedure)
    return p, a


def walk_keys(value: Any) -> set[str]:
    """Every dict key anywhere in a JSON value."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in walk_keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in walk_keys(v)}
    return set()
