"""Mini-program: 题库练习, 模拟考试 and 错题收藏 (SPEC §5). Never touches real papers."""

from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request

from server.routes.api import endpoint
from server.routes.guards import actor_of
from server.schemas.common import Items, Page, PageQuery
from server.schemas.exams import MockCreate, MockSubmit, PracticeSubmit, WrongAdd
from server.schemas.practice import (
    CheckedAnswer,
    MockDetail,
    MockReviewed,
    MockRow,
    MockStarted,
    PracticeCatalogue,
    PracticeQuery,
    PracticeQuestion,
    WrongCollected,
    WrongQuery,
    WrongRemoved,
    WrongRow,
)
from server.services.access import Role
from server.services.exams import practice

bp = Blueprint("mp_practice", url_prefix="/practice")
PHYSICIAN = Role.PHYSICIAN


@bp.get("/knowledge-points")
@endpoint(PHYSICIAN, response=PracticeCatalogue)
async def knowledge_points(request: Request):
    """练习目录: 人文医学 and 业务水平 (the physician's category) knowledge points."""
    return await practice.knowledge_points(actor=actor_of(request))


@bp.get("/questions")
@endpoint(PHYSICIAN, query=PracticeQuery, response=Items[PracticeQuestion])
async def questions(request: Request, query: PracticeQuery):
    """章节练习: ?paper_type=&knowledge_point=&count=10&qtype= — questions without answers."""
    rows = await practice.practice_questions(
        actor=actor_of(request), paper_type=query.paper_type, knowledge_point=query.knowledge_point,
        count=query.count or 10, qtype=query.qtype)
    return Items[PracticeQuestion](data=rows)


@bp.post("/answers")
@endpoint(PHYSICIAN, body=PracticeSubmit, response=Items[CheckedAnswer])
async def answers(request: Request, body: PracticeSubmit):
    """提交练习答案: checked on the server; answer and explanation come back; wrong ones are collected."""
    rows = await practice.check_answers(actor=actor_of(request), answers=body.answers)
    return Items[CheckedAnswer](data=rows)


@bp.post("/mock-tests")
@endpoint(PHYSICIAN, body=MockCreate, response=MockStarted, status=201)
async def create_mock(request: Request, body: MockCreate):
    """开始模拟考试 (drawn like a real paper; not timed)."""
    return await practice.create_mock(actor=actor_of(request), paper_type=body.paper_type)


@bp.get("/mock-tests")
@endpoint(PHYSICIAN, query=PageQuery, response=Page[MockRow])
async def list_mocks(request: Request, query: PageQuery):
    rows, count = await practice.list_mocks(actor=actor_of(request), page_no=query.page, size=query.size)
    return Page.of(rows, count, query)


@bp.get("/mock-tests/<mock_id:int>")
@endpoint(PHYSICIAN, response=MockDetail)
async def get_mock(request: Request, mock_id: int):
    return await practice.get_mock(actor=actor_of(request), mock_id=mock_id)


@bp.post("/mock-tests/<mock_id:int>/submit")
@endpoint(PHYSICIAN, body=MockSubmit, response=MockReviewed)
async def submit_mock(request: Request, mock_id: int, body: MockSubmit):
    """交卷: score and review (idempotent)."""
    return await practice.submit_mock(actor=actor_of(request), mock_id=mock_id, answers=body.answers)


@bp.get("/wrong-answers")
@endpoint(PHYSICIAN, query=WrongQuery, response=Page[WrongRow])
async def list_wrong(request: Request, query: WrongQuery):
    """错题收藏 (?paper_type=&knowledge_point=)."""
    rows, count = await practice.list_wrong(actor=actor_of(request), page_no=query.page, size=query.size,
                                            paper_type=query.paper_type, knowledge_point=query.knowledge_point)
    return Page.of(rows, count, query)


@bp.post("/wrong-answers")
@endpoint(PHYSICIAN, body=WrongAdd, response=WrongCollected)
async def add_wrong(request: Request, body: WrongAdd):
    """收藏错题."""
    return await practice.add_wrong(actor=actor_of(request), question_id=body.question_id)


@bp.delete("/wrong-answers/<question_id:int>")
@endpoint(PHYSICIAN, response=WrongRemoved)
async def remove_wrong(request: Request, question_id: int):
    """移出错题收藏."""
    return await practice.remove_wrong(actor=actor_of(request), question_id=question_id)
