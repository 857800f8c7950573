"""Mini-program: 题库练习, 模拟考试 and 错题收藏 (SPEC §5). Never touches real papers."""

from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request
from sanic_ext import validate

from server.errors import ValidationFailed
from server.models import PaperType, QuestionType
from server.routes.guards import actor_of, require
from server.routes.render import int_arg, ok, page, paging
from server.schemas.exams import MockCreate, MockSubmit, PracticeSubmit, WrongAdd
from server.services.access import Role
from server.services.exams import practice

bp = Blueprint("mp_practice", url_prefix="/practice")
PHYSICIAN = Role.PHYSICIAN


def _paper_type(request: Request, *, required: bool) -> PaperType | None:
    raw = request.args.get("paper_type")
    if not raw:
        if required:
            raise ValidationFailed("请选择试卷类型（人文医学或业务水平）", code="invalid_query")
        return None
    try:
        return PaperType(raw)
    except ValueError:
        raise ValidationFailed("试卷类型应为 humanities 或 professional", code="invalid_query") from None


@bp.get("/knowledge-points")
@require(PHYSICIAN)
async def knowledge_points(request: Request):
    """练习目录: 人文医学 and 业务水平 (the physician's category) knowledge points."""
    return ok(await practice.knowledge_points(actor=actor_of(request)))


@bp.get("/questions")
@require(PHYSICIAN)
async def questions(request: Request):
    """章节练习: ?paper_type=&knowledge_point=&count=10&qtype= — questions without answers."""
    raw_type = request.args.get("qtype")
    try:
        qtype = QuestionType(raw_type) if raw_type else None
    except ValueError:
        raise ValidationFailed("题型应为 single、multiple 或 judge", code="invalid_query") from None
    rows = await practice.practice_questions(
        actor=actor_of(request), paper_type=_paper_type(request, required=True),  # type: ignore[arg-type]
        knowledge_point=request.args.get("knowledge_point") or None, count=int_arg(request, "count") or 10,
        qtype=qtype)
    return ok({"data": rows})


@bp.post("/answers")
@require(PHYSICIAN)
@validate(json=PracticeSubmit)
async def answers(request: Request, body: PracticeSubmit):
    """提交练习答案: checked on the server; answer and explanation come back; wrong ones are collected."""
    rows = await practice.check_answers(actor=actor_of(request), answers=[a.model_dump() for a in body.answers])
    return ok({"data": rows})


@bp.post("/mock-tests")
@require(PHYSICIAN)
@validate(json=MockCreate)
async def create_mock(request: Request, body: MockCreate):
    """开始模拟考试 (drawn like a real paper; not timed)."""
    return ok(await practice.create_mock(actor=actor_of(request), paper_type=body.paper_type), status=201)


@bp.get("/mock-tests")
@require(PHYSICIAN)
async def list_mocks(request: Request):
    page_no, size = paging(request)
    rows, count = await practice.list_mocks(actor=actor_of(request), page_no=page_no, size=size)
    return page(rows, count, page_no=page_no, size=size)


@bp.get("/mock-tests/<mock_id:int>")
@require(PHYSICIAN)
async def get_mock(request: Request, mock_id: int):
    return ok(await practice.get_mock(actor=actor_of(request), mock_id=mock_id))


@bp.post("/mock-tests/<mock_id:int>/submit")
@require(PHYSICIAN)
@validate(json=MockSubmit)
async def submit_mock(request: Request, mock_id: int, body: MockSubmit):
    """交卷: score and review (idempotent)."""
    return ok(await practice.submit_mock(actor=actor_of(request), mock_id=mock_id, answers=body.answers))


@bp.get("/wrong-answers")
@require(PHYSICIAN)
async def list_wrong(request: Request):
    """错题收藏 (?paper_type=&knowledge_point=)."""
    page_no, size = paging(request)
    rows, count = await practice.list_wrong(actor=actor_of(request), page_no=page_no, size=size,
                                            paper_type=_paper_type(request, required=False),
                                            knowledge_point=request.args.get("knowledge_point") or None)
    return page(rows, count, page_no=page_no, size=size)


@bp.post("/wrong-answers")
@require(PHYSICIAN)
@validate(json=WrongAdd)
async def add_wrong(request: Request, body: WrongAdd):
    """收藏错题."""
    return ok(await practice.add_wrong(actor=actor_of(request), question_id=body.question_id))


@bp.delete("/wrong-answers/<question_id:int>")
@require(PHYSICIAN)
async def remove_wrong(request: Request, question_id: int):
    """移出错题收藏."""
    return ok(await practice.remove_wrong(actor=actor_of(request), question_id=question_id))
