"""Practice in the mini-program (SPEC §5 "the physician can practise on the question bank,
take mock tests and keep a wrong-answer book (错题收藏); practice never touches real exams").

- Practice uses the practice pool only (``Question.practice``: 练习题, never drawn into a real
  paper), so no answer it reveals belongs to a question a real paper may contain.
- 章节练习: N random active questions of one knowledge point from the physician's practice pool
  (national + their province's bank; 业务水平 of their practice category). Answers are
  checked on the server; the right answer and the explanation come back only then.
  A wrong answer goes into the 错题收藏 automatically.
- 模拟考试: a paper drawn like a real one (their cycle's blueprint and question count, or
  the defaults), stored as a ``MockTest`` — never a ``Paper`` — and scored on submission
  (idempotent), with the review of every question.
- 错题收藏: the physician's own list; add and remove by hand.
Nothing here reads or writes real papers or attempts.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tortoise.expressions import F
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from server.errors import Conflict, NotFound, RateLimited, ValidationFailed
from server.models import (
    Cycle,
    MockTest,
    PaperType,
    Physician,
    PracticeCategory,
    PracticeRecord,
    Question,
    QuestionType,
    WrongAnswer,
)
from server.models.geo import province_id_of_path
from server.schemas.common import Labelled
from server.schemas.exams import PracticeAnswer
from server.schemas.exams_mp import OptionView, PaperQuestion, ReviewedQuestion
from server.schemas.practice import (
    AnsweredQuestion,
    CheckedAnswer,
    KnowledgePointCount,
    MockDetail,
    MockReviewed,
    MockRow,
    MockStarted,
    PracticeCatalogue,
    PracticeQuestion,
    WrongCollected,
    WrongRemoved,
    WrongRow,
)
from server.services.access import Actor
from server.services.assessment.transitions import current_cycle_for, utcnow
from server.services.cycles import papers
from server.services.cycles.paper_plans import exam_settings
from server.services.cycles.question_bank import pool_banks

MAX_PRACTICE = 50
MOCKS_PER_DAY = 20


async def _physician(actor: Actor) -> tuple[Physician, int]:
    physician = await Physician.get_or_none(id=actor.physician_id)
    if physician is None:
        raise NotFound("医师信息不存在", code="physician_not_found")
    province_id = province_id_of_path(physician.region_path)
    if province_id is None:
        raise Conflict("未找到所在省份，无法使用题库练习", code="no_province")
    return physician, province_id


def _pool_filter(province_id: int, paper_type: PaperType | None = None) -> dict[str, Any]:
    """Active questions of the province's pool (业务水平 narrowed further by ``_in_pool``)."""
    return {"bank__in": pool_banks(province_id), "active": True, "practice": True,
            **({"paper_type": paper_type} if paper_type else {})}


def _in_pool(physician: Physician, q: Question) -> bool:
    if q.paper_type == PaperType.PROFESSIONAL:
        return q.category == physician.category and q.specialty in ("", physician.practice_scope or "")
    return True


async def _pool_question(physician: Physician, province_id: int, question_id: int) -> Question:
    q = await Question.get_or_none(id=question_id, **_pool_filter(province_id))
    if q is None or not _in_pool(physician, q):
        raise NotFound("试题不存在", code="question_not_found")
    return q


def practice_view(q: Question) -> PracticeQuestion:
    """A practice question before answering: no answer, no explanation."""
    return PracticeQuestion(question_id=q.id, paper_type=Labelled.of(q.paper_type),
                            knowledge_point=q.knowledge_point, qtype=Labelled.of(q.qtype), stem=q.stem,
                            options=[OptionView(label=o["key"], text=o["text"]) for o in q.options])


def answered_view(q: Question) -> AnsweredQuestion:
    """A question with its answer and explanation (after answering, 错题收藏)."""
    return AnsweredQuestion(**dict(practice_view(q)), answer=q.answer, explanation=q.explanation)


# --- 章节练习 ------------------------------------------------------------------------------------
async def knowledge_points(*, actor: Actor) -> PracticeCatalogue:
    """What the physician can practise: knowledge points of 人文医学 and of 业务水平 (their category)."""
    physician, province_id = await _physician(actor)
    out: dict[str, list[KnowledgePointCount]] = {}
    for paper_type in PaperType:
        qs = Question.filter(**_pool_filter(province_id, paper_type))
        if paper_type == PaperType.PROFESSIONAL:
            qs = qs.filter(category=physician.category, specialty__in=["", physician.practice_scope or ""])
        rows = await qs.annotate(n=Count("id")).group_by("knowledge_point").values("knowledge_point", "n")
        out[paper_type.value] = [KnowledgePointCount(knowledge_point=r["knowledge_point"], count=r["n"])
                                 for r in sorted(rows, key=lambda r: r["knowledge_point"])]
    return PracticeCatalogue(category=Labelled.of(physician.category), **out)


async def practice_questions(*, actor: Actor, paper_type: PaperType, knowledge_point: str | None, count: int,
                             qtype: QuestionType | None = None) -> list[PracticeQuestion]:
    """N random questions (without answers) of a knowledge point, or of the whole paper type."""
    if not 1 <= count <= MAX_PRACTICE:
        raise ValidationFailed(f"每次练习1至{MAX_PRACTICE}题", code="invalid_count")
    physician, province_id = await _physician(actor)
    qs = Question.filter(**_pool_filter(province_id, paper_type))
    if paper_type == PaperType.PROFESSIONAL:
        qs = qs.filter(category=physician.category, specialty__in=["", physician.practice_scope or ""])
    if knowledge_point:
        qs = qs.filter(knowledge_point=knowledge_point)
    if qtype:
        qs = qs.filter(qtype=qtype)
    ids = list(await qs.values_list("id", flat=True))
    chosen = papers.rng.sample(ids, min(count, len(ids)))
    rows = {q.id: q for q in await Question.filter(id__in=chosen)}
    return [practice_view(rows[i]) for i in chosen]


async def _note_answers(physician_id: int, results: list[tuple[Question, list[str], bool]], source: str,
                        conn: Any) -> None:
    """Keep the answers given; wrong ones go into the 错题收藏 (or count again there)."""
    await PracticeRecord.bulk_create([
        PracticeRecord(physician_id=physician_id, question_id=q.id, source=source, answer=given, correct=ok)
        for q, given, ok in results], using_db=conn)
    wrong = {q.id for q, _, ok in results if not ok}
    if not wrong:
        return
    have = set(await WrongAnswer.filter(physician_id=physician_id, question_id__in=list(wrong)).using_db(
        conn).values_list("question_id", flat=True))
    if have:
        await WrongAnswer.filter(physician_id=physician_id, question_id__in=list(have)).using_db(conn).update(
            wrong_count=F("wrong_count") + 1, updated_at=utcnow())
    await WrongAnswer.bulk_create([WrongAnswer(physician_id=physician_id, question_id=qid, added_by="auto",
                                               wrong_count=1) for qid in wrong - have],
                                  ignore_conflicts=True, using_db=conn)


async def check_answers(*, actor: Actor, answers: list[PracticeAnswer]) -> list[CheckedAnswer]:
    """提交练习答案: each answer checked here; the right answer and the explanation returned."""
    physician, province_id = await _physician(actor)
    results: list[tuple[Question, list[str], bool]] = []
    for item in answers:
        q = await _pool_question(physician, province_id, item.question_id)
        given = sorted(papers.letters_of(item.answer))
        results.append((q, given, given == sorted(q.answer)))
    async with in_transaction() as conn:
        await _note_answers(physician.id, results, "practice", conn)
    return [CheckedAnswer(**dict(answered_view(q)), chosen=given, correct=ok) for q, given, ok in results]


# --- 模拟考试 ------------------------------------------------------------------------------------
def _mock_out(m: MockTest) -> MockRow:
    return MockRow(id=m.id, paper_type=Labelled.of(m.paper_type),
                   category=Labelled.of(PracticeCategory(m.category)) if m.category else None,
                   question_count=len(m.question_ids), submitted=m.submitted_at is not None, score=m.score,
                   correct_count=m.correct_count, created_at=m.created_at, submitted_at=m.submitted_at)


async def create_mock(*, actor: Actor, paper_type: PaperType) -> MockStarted:
    """开始模拟考试: drawn like the physician's real paper, kept as a mock test only."""
    physician, province_id = await _physician(actor)
    since = utcnow() - timedelta(days=1)
    if await MockTest.filter(physician_id=physician.id, created_at__gte=since).count() >= MOCKS_PER_DAY:
        raise RateLimited(f"每天最多进行{MOCKS_PER_DAY}次模拟考试", code="mock_limit")
    cycle = await current_cycle_for(physician)
    category = physician.category if paper_type == PaperType.PROFESSIONAL else None
    ids, orders = await _mock_paper(physician, cycle, province_id, paper_type, category)
    mock = await MockTest.create(physician_id=physician.id, paper_type=paper_type,
                                 category=category.value if category else "", question_ids=ids, option_orders=orders)
    settings = exam_settings(cycle, paper_type)
    return MockStarted(**dict(_mock_out(mock)), suggested_minutes=settings["duration_minutes"],
                       points_each=papers.points_each(len(ids)), questions=await papers.questions_view(mock))


async def _mock_paper(physician: Physician, cycle: Cycle | None, province_id: int, paper_type: PaperType,
                      category: PracticeCategory | None) -> tuple[list[int], list[list[str]]]:
    """A mock paper from the practice pool: by the real paper's blueprint where the practice pool can
    fill it, else as many random practice questions as the real paper has (never exam questions)."""
    pool, items = await papers.plan(cycle=cycle, province_id=province_id, paper_type=paper_type, category=category,
                                    practice=True)
    try:
        return papers.compose(pool, items, physician.practice_scope or "")
    except Conflict:
        qs = Question.filter(**_pool_filter(province_id, paper_type))
        if paper_type == PaperType.PROFESSIONAL:
            qs = qs.filter(category=physician.category, specialty__in=["", physician.practice_scope or ""])
        rows = list(await qs.values_list("id", "options", "qtype"))
        if not rows:
            raise Conflict("练习题库暂无试题，无法进行模拟考试", code="bank_shortage") from None
        count = exam_settings(cycle, paper_type)["question_count"]
        chosen = papers.rng.sample(rows, min(count, len(rows)))
        orders = []
        for _, options, qtype in chosen:
            keys = [o["key"] for o in options or []]
            judge = getattr(qtype, "value", qtype) == QuestionType.JUDGE.value
            orders.append(keys if judge else papers.rng.sample(keys, len(keys)))
        return [qid for qid, _, _ in chosen], orders


async def _own_mock(actor: Actor, mock_id: int, conn: Any = None) -> MockTest:
    qs = MockTest.filter(id=mock_id, physician_id=actor.physician_id)
    mock = await (qs.using_db(conn).select_for_update() if conn is not None else qs).first()
    if mock is None:
        raise NotFound("模拟考试不存在", code="mock_not_found")
    return mock


async def get_mock(*, actor: Actor, mock_id: int) -> MockDetail:
    """One mock test: the questions (and, once submitted, the review with answers)."""
    mock = await _own_mock(actor, mock_id)
    questions: list[ReviewedQuestion | PaperQuestion]
    if mock.submitted_at is None:
        questions = list(await papers.questions_view(mock))
    else:
        questions = list(await papers.review(mock, mock.answers))
    return MockDetail(**dict(_mock_out(mock)), questions=questions)


async def list_mocks(*, actor: Actor, page_no: int, size: int) -> tuple[list[MockRow], int]:
    qs = MockTest.filter(physician_id=actor.physician_id)
    count = await qs.count()
    rows = await qs.order_by("-id").offset((page_no - 1) * size).limit(size)
    return [_mock_out(m) for m in rows], count


async def submit_mock(*, actor: Actor, mock_id: int, answers: dict[str, list[str] | str]) -> MockReviewed:
    """交卷 (模拟): score and review. Submitting again returns the first result."""
    async with in_transaction() as conn:
        mock = await _own_mock(actor, mock_id, conn)
        if mock.submitted_at is None:
            score, correct = await papers.score(mock, answers)
            mock.answers = {str(k): sorted(papers.letters_of(v)) for k, v in answers.items()}
            mock.score, mock.correct_count, mock.submitted_at = score, sum(correct), utcnow()
            await mock.save(using_db=conn, update_fields=["answers", "score", "correct_count", "submitted_at"])
            questions = {q.id: q for q in await Question.filter(id__in=mock.question_ids).using_db(conn)}
            results = [(questions[qid], sorted(papers.to_keys(order, set(mock.answers.get(str(no), []))) or []), ok)
                       for no, (qid, order, ok) in enumerate(
                           zip(mock.question_ids, mock.option_orders, correct, strict=True), start=1)
                       if qid in questions]
            await _note_answers(mock.physician_id, results, "mock", conn)
    return MockReviewed(**dict(_mock_out(mock)), questions=await papers.review(mock, mock.answers))


# --- 错题收藏 ------------------------------------------------------------------------------------
async def list_wrong(*, actor: Actor, page_no: int, size: int, paper_type: PaperType | None = None,
                     knowledge_point: str | None = None) -> tuple[list[WrongRow], int]:
    qs = WrongAnswer.filter(physician_id=actor.physician_id)
    if paper_type:
        qs = qs.filter(question__paper_type=paper_type)
    if knowledge_point:
        qs = qs.filter(question__knowledge_point=knowledge_point)
    count = await qs.count()
    rows = await qs.order_by("-updated_at", "-id").offset((page_no - 1) * size).limit(size).prefetch_related(
        "question")
    return [WrongRow(**dict(answered_view(w.question)), wrong_count=w.wrong_count, added_by=w.added_by,
                     added_at=w.created_at) for w in rows], count


async def add_wrong(*, actor: Actor, question_id: int) -> WrongCollected:
    """收藏 a question into the 错题收藏 (idempotent)."""
    physician, province_id = await _physician(actor)
    q = await _pool_question(physician, province_id, question_id)
    await WrongAnswer.get_or_create(physician_id=physician.id, question_id=q.id, defaults={"added_by": "manual"})
    return WrongCollected(question_id=q.id, collected=True)


async def remove_wrong(*, actor: Actor, question_id: int) -> WrongRemoved:
    """移出错题收藏 (only the physician's own; idempotent)."""
    removed = await WrongAnswer.filter(physician_id=actor.physician_id, question_id=question_id).delete()
    return WrongRemoved(question_id=question_id, collected=False, removed=bool(removed))
