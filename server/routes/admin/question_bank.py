"""Admin API: 题库管理 (questions, Excel import/export), 组卷方案 and 抽取试卷 (SPEC §5).

Questions: the national office keeps the national bank, a province administration its
province's bank (services.question_bank); other administrations and institutions are
refused. Blueprints and the cycle's paper drawing: the province administration only.
"""

from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request

from server.errors import NotFound
from server.models import PaperType
from server.routes.api import endpoint, uploaded_file
from server.routes.guards import actor_of
from server.routes.render import attachment
from server.schemas.common import XLSX_FILE, Page
from server.schemas.exams import BlueprintIn, QuestionCreate, QuestionIn
from server.schemas.jobs import JobView, UploadQuery
from server.schemas.question_bank import (
    BlueprintQuery,
    Blueprints,
    BlueprintView,
    KnowledgePointQuery,
    KnowledgePoints,
    QuestionFilters,
    QuestionQuery,
    QuestionView,
)
from server.services.access import Role
from server.services.cycles import paper_plans, papers, question_bank, question_import
from server.services.platform import jobs

bp = Blueprint("admin_question_bank", url_prefix="/question-bank")

ADMIN = Role.ADMINISTRATION


def _paper(raw: str) -> PaperType:
    try:
        return PaperType(raw)
    except ValueError:
        raise NotFound("试卷类型不存在（humanities 人文医学 / professional 业务水平）", code="paper_not_found") from None


# --- questions ---------------------------------------------------------------------------------
@bp.get("/questions")
@endpoint(ADMIN, query=QuestionQuery, response=Page[QuestionView])
async def list_questions(request: Request, query: QuestionQuery):
    """试题列表: ?bank=national|province|<省份ID>&paper_type&category&knowledge_point&qtype&active&keyword&code."""
    rows, count = await question_bank.list_questions(actor=actor_of(request), bank=query.bank, page_no=query.page,
                                                     size=query.size, **query.filters())
    return Page.of(rows, count, query)


@bp.post("/questions")
@endpoint(ADMIN, body=QuestionCreate, response=QuestionView, status=201)
async def create_question(request: Request, body: QuestionCreate):
    """新增试题 (into the bank the caller keeps)."""
    values = body.model_dump(exclude={"code"})
    return await question_bank.create_question(actor=actor_of(request), values=values, code=body.code)


@bp.get("/questions/<question_id:int>")
@endpoint(ADMIN, response=QuestionView)
async def get_question(request: Request, question_id: int):
    """查看试题 (answer and explanation included)."""
    return await question_bank.get_question(actor=actor_of(request), question_id=question_id)


@bp.put("/questions/<question_id:int>")
@endpoint(ADMIN, body=QuestionIn, response=QuestionView)
async def update_question(request: Request, question_id: int, body: QuestionIn):
    """修改试题 (a question in use keeps its type, options and answer)."""
    return await question_bank.update_question(actor=actor_of(request), question_id=question_id,
                                               values=body.model_dump())


@bp.post("/questions/<question_id:int>/disable")
@endpoint(ADMIN, response=QuestionView)
async def disable_question(request: Request, question_id: int):
    """停用 (no longer drawn)."""
    return await question_bank.set_active(actor=actor_of(request), question_id=question_id, active=False)


@bp.post("/questions/<question_id:int>/enable")
@endpoint(ADMIN, response=QuestionView)
async def enable_question(request: Request, question_id: int):
    """启用."""
    return await question_bank.set_active(actor=actor_of(request), question_id=question_id, active=True)


@bp.get("/knowledge-points")
@endpoint(ADMIN, query=KnowledgePointQuery, response=KnowledgePoints)
async def knowledge_points(request: Request, query: KnowledgePointQuery):
    """知识点 and their active questions per type: ?bank&paper_type&category."""
    return KnowledgePoints(data=await question_bank.knowledge_points(
        actor=actor_of(request), bank=query.bank, paper_type=query.paper_type, category=query.category))


# --- Excel ---------------------------------------------------------------------------------------
@bp.post("/import")
@endpoint(ADMIN, query=UploadQuery, files=("file",), response=JobView, status=202)
async def import_questions(request: Request, query: UploadQuery):
    """导入试题 (multipart field file, or the raw body): 202 with the job; follow it at /jobs/<id>."""
    data, filename = uploaded_file(request, query.filename)
    job = await question_import.start_import(actor=actor_of(request), data=data, filename=filename)
    return jobs.job_view(job)


@bp.get("/import/template")
@endpoint(ADMIN, response=XLSX_FILE)
async def import_template(request: Request):
    """下载模板."""
    question_bank.writable_bank(actor_of(request))
    return attachment(question_import.template(), "试题导入模板.xlsx")


@bp.get("/export")
@endpoint(ADMIN, query=QuestionFilters, response=XLSX_FILE)
async def export_questions(request: Request, query: QuestionFilters):
    """导出试题 (same filters as the list)."""
    data = await question_import.export_questions(actor=actor_of(request), bank=query.bank, **query.filters())
    return attachment(data, "试题导出.xlsx")


# --- blueprints and drawing ----------------------------------------------------------------------
@bp.get("/cycles/<cycle_id:int>/blueprints")
@endpoint(ADMIN, response=Blueprints)
async def list_blueprints(request: Request, cycle_id: int):
    """组卷方案: 人文医学 and 业务水平 of each category, with the bank's availability."""
    return Blueprints(data=await paper_plans.list_blueprints(actor=actor_of(request), cycle_id=cycle_id))


@bp.get("/cycles/<cycle_id:int>/blueprints/<paper_type:str>")
@endpoint(ADMIN, query=BlueprintQuery, response=BlueprintView)
async def get_blueprint(request: Request, cycle_id: int, paper_type: str, query: BlueprintQuery):
    """One paper's 组卷方案 (?category= for 业务水平)."""
    return await paper_plans.get_blueprint(actor=actor_of(request), cycle_id=cycle_id, paper_type=_paper(paper_type),
                                           category=query.category)


@bp.put("/cycles/<cycle_id:int>/blueprints/<paper_type:str>")
@endpoint(ADMIN, province_only=True, body=BlueprintIn, response=BlueprintView)
async def set_blueprint(request: Request, cycle_id: int, paper_type: str, body: BlueprintIn):
    """保存组卷方案 (省级专属). 422 bank_shortage lists what the bank lacks."""
    return await paper_plans.set_blueprint(actor=actor_of(request), cycle_id=cycle_id, paper_type=_paper(paper_type),
                                           category=body.category, items=body.items)


@bp.post("/cycles/<cycle_id:int>/papers/draw")
@endpoint(ADMIN, province_only=True, response=JobView, status=202)
async def draw_papers(request: Request, cycle_id: int):
    """抽取试卷 for every active assessment of the cycle (background job; idempotent)."""
    job = await papers.start_cycle_draw(actor=actor_of(request), cycle_id=cycle_id)
    return jobs.job_view(job)
