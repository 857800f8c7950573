"""Admin API: 题库管理 (questions, Excel import/export), 组卷方案 and 抽取试卷 (SPEC §5).

Questions: the national office keeps the national bank, a province administration its
province's bank (services.question_bank); other administrations and institutions are
refused. Blueprints and the cycle's paper drawing: the province administration only.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, TypeVar

from sanic import Blueprint
from sanic.request import Request
from sanic_ext import validate

from server.errors import NotFound, ValidationFailed
from server.models import PaperType, PracticeCategory, QuestionType
from server.routes.guards import actor_of, require
from server.routes.render import attachment, ok, page, paging
from server.schemas.exams import BlueprintIn, QuestionCreate, QuestionIn
from server.services.access import Role
from server.services.cycles import paper_plans, papers, question_bank, question_import
from server.services.platform import jobs

bp = Blueprint("admin_question_bank", url_prefix="/question-bank")

ADMIN = Role.ADMINISTRATION
E = TypeVar("E", bound=Enum)


def _enum_arg(request: Request, name: str, enum: type[E]) -> E | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    try:
        return enum(raw)
    except ValueError:
        raise ValidationFailed(f"参数{name}的取值无效", code="invalid_query") from None


def _filters(request: Request) -> dict[str, Any]:
    active = request.args.get("active")
    if active not in (None, "", "true", "false"):
        raise ValidationFailed("参数active应为true或false", code="invalid_query")
    return {
        "paper_type": _enum_arg(request, "paper_type", PaperType),
        "category": _enum_arg(request, "category", PracticeCategory),
        "qtype": _enum_arg(request, "qtype", QuestionType),
        "knowledge_point": request.args.get("knowledge_point") or None,
        "active": None if active in (None, "") else active == "true",
        "keyword": request.args.get("keyword") or None,
        "code": request.args.get("code") or None,
    }


def _upload(request: Request) -> tuple[bytes, str]:
    """The file: a multipart field `file`, or the raw request body (as the registry import)."""
    upload = request.files.get("file") if request.files else None
    if upload is not None:
        return upload.body, upload.name or ""
    if (request.content_type or "").startswith("multipart/"):
        raise ValidationFailed("请选择要上传的文件（字段名 file）", code="empty_file")
    return request.body or b"", request.args.get("filename", "")


def _paper(raw: str) -> PaperType:
    try:
        return PaperType(raw)
    except ValueError:
        raise NotFound("试卷类型不存在（humanities 人文医学 / professional 业务水平）", code="paper_not_found") from None


# --- questions ---------------------------------------------------------------------------------
@bp.get("/questions")
@require(ADMIN)
async def list_questions(request: Request):
    """试题列表: ?bank=national|province|<省份ID>&paper_type&category&knowledge_point&qtype&active&keyword&code."""
    page_no, size = paging(request)
    rows, count = await question_bank.list_questions(actor=actor_of(request), bank=request.args.get("bank"),
                                                     page_no=page_no, size=size, **_filters(request))
    return page(rows, count, page_no=page_no, size=size)


@bp.post("/questions")
@require(ADMIN)
@validate(json=QuestionCreate)
async def create_question(request: Request, body: QuestionCreate):
    """新增试题 (into the bank the caller keeps)."""
    values = body.model_dump(exclude={"code"})
    return ok(await question_bank.create_question(actor=actor_of(request), values=values, code=body.code),
              status=201)


@bp.get("/questions/<question_id:int>")
@require(ADMIN)
async def get_question(request: Request, question_id: int):
    """查看试题 (answer and explanation included)."""
    return ok(await question_bank.get_question(actor=actor_of(request), question_id=question_id))


@bp.put("/questions/<question_id:int>")
@require(ADMIN)
@validate(json=QuestionIn)
async def update_question(request: Request, question_id: int, body: QuestionIn):
    """修改试题 (a question in use keeps its type, options and answer)."""
    return ok(await question_bank.update_question(actor=actor_of(request), question_id=question_id,
                                                  values=body.model_dump()))


@bp.post("/questions/<question_id:int>/disable")
@require(ADMIN)
async def disable_question(request: Request, question_id: int):
    """停用 (no longer drawn)."""
    return ok(await question_bank.set_active(actor=actor_of(request), question_id=question_id, active=False))


@bp.post("/questions/<question_id:int>/enable")
@require(ADMIN)
async def enable_question(request: Request, question_id: int):
    """启用."""
    return ok(await question_bank.set_active(actor=actor_of(request), question_id=question_id, active=True))


@bp.get("/knowledge-points")
@require(ADMIN)
async def knowledge_points(request: Request):
    """知识点 and their active questions per type: ?bank&paper_type&category."""
    return ok({"data": await question_bank.knowledge_points(
        actor=actor_of(request), bank=request.args.get("bank"),
        paper_type=_enum_arg(request, "paper_type", PaperType),
        category=_enum_arg(request, "category", PracticeCategory))})


# --- Excel ---------------------------------------------------------------------------------------
@bp.post("/import")
@require(ADMIN)
async def import_questions(request: Request):
    """导入试题 (multipart field file, or the raw body): 202 with the job; follow it at /jobs/<id>."""
    data, filename = _upload(request)
    job = await question_import.start_import(actor=actor_of(request), data=data, filename=filename)
    return ok(jobs.job_view(job), status=202)


@bp.get("/import/template")
@require(ADMIN)
async def import_template(request: Request):
    """下载模板."""
    question_bank.writable_bank(actor_of(request))
    return attachment(question_import.template(), "试题导入模板.xlsx")


@bp.get("/export")
@require(ADMIN)
async def export_questions(request: Request):
    """导出试题 (same filters as the list)."""
    data = await question_import.export_questions(actor=actor_of(request), bank=request.args.get("bank"),
                                                  **_filters(request))
    return attachment(data, "试题导出.xlsx")


# --- blueprints and drawing ----------------------------------------------------------------------
@bp.get("/cycles/<cycle_id:int>/blueprints")
@require(ADMIN)
async def list_blueprints(request: Request, cycle_id: int):
    """组卷方案: 人文医学 and 业务水平 of each category, with the bank's availability."""
    return ok({"data": await paper_plans.list_blueprints(actor=actor_of(request), cycle_id=cycle_id)})


@bp.get("/cycles/<cycle_id:int>/blueprints/<paper_type:str>")
@require(ADMIN)
async def get_blueprint(request: Request, cycle_id: int, paper_type: str):
    """One paper's 组卷方案 (?category= for 业务水平)."""
    return ok(await paper_plans.get_blueprint(actor=actor_of(request), cycle_id=cycle_id, paper_type=_paper(paper_type),
                                             category=_enum_arg(request, "category", PracticeCategory)))


@bp.put("/cycles/<cycle_id:int>/blueprints/<paper_type:str>")
@require(ADMIN, province_only=True)
@validate(json=BlueprintIn)
async def set_blueprint(request: Request, cycle_id: int, paper_type: str, body: BlueprintIn):
    """保存组卷方案 (省级专属). 422 bank_shortage lists what the bank lacks."""
    return ok(await paper_plans.set_blueprint(actor=actor_of(request), cycle_id=cycle_id, paper_type=_paper(paper_type),
                                             category=body.category,
                                             items=[i.model_dump() for i in body.items]))


@bp.post("/cycles/<cycle_id:int>/papers/draw")
@require(ADMIN, province_only=True)
async def draw_papers(request: Request, cycle_id: int):
    """抽取试卷 for every active assessment of the cycle (background job; idempotent)."""
    job = await papers.start_cycle_draw(actor=actor_of(request), cycle_id=cycle_id)
    return ok(jobs.job_view(job), status=202)
