"""成绩评定, 再次考核管理 and 证书打印 in the web console (SPEC §4 stages 5-7, §8; seed manuals:
assessment institution 简易程序成绩评定 / 一般程序成绩评定, administration 2.2.9 再次考核管理 and
2.2.10 证书打印).

确认 / 批量确认 of 成绩评定 (``ai_confirm_results``) and of 评定再次考核 (``admin_judge_reexam``)
go through the reviewers' action endpoints (POST /assessments/<id>/actions/<action>,
/assessments/batch/<action>); the lists here show what they act on, with the scores.
"""

from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request

from server.routes.api import endpoint
from server.routes.guards import actor_of
from server.routes.render import attachment
from server.schemas.common import PDF_FILE, BatchResult, Page
from server.schemas.jobs import JobView
from server.schemas.judging import (
    ResultFilterQuery,
    ResultProcedureQuery,
    ResultRow,
    ScoredResultRow,
)
from server.schemas.results import ReexamConfirmAll, ReexamConfirmBatch
from server.services.access import Role
from server.services.assessment import progress
from server.services.platform import jobs
from server.services.results import certificates, judging, reexam

bp = Blueprint("admin_results", url_prefix="/")

HI, AI, ADMIN = Role.HEALTH_INSTITUTION, Role.ASSESSMENT_INSTITUTION, Role.ADMINISTRATION


def _filters(query: ResultFilterQuery) -> progress.ProgressFilters:
    """The 考核进度 filters of these lists (the procedure is passed on its own)."""
    return progress.ProgressFilters(**query.model_dump(exclude={"page", "size", "procedure"}))


@bp.get("/results/judging")
@endpoint(AI, query=ResultProcedureQuery, response=Page[ScoredResultRow])
async def judging_list(request: Request, query: ResultProcedureQuery):
    """评定简易程序测评结果 (?procedure=simple) / 评定一般程序成绩结果 (?procedure=general): 待成绩评定
    rows with each paper's scores, pass line and what 确认 decides (``preview``). Filters as 考核进度."""
    rows, count = await judging.judging_list(actor=actor_of(request), procedure=query.procedure,
                                             filters=_filters(query), page_no=query.page, size=query.size)
    return Page.of(rows, count, query)


@bp.get("/reexam/candidates")
@endpoint(ADMIN, query=ResultFilterQuery, response=Page[ResultRow])
async def reexam_candidates(request: Request, query: ResultFilterQuery):
    """确认再次考核名单: 不合格 physicians in jurisdiction (every administration may look; only the
    province confirms). 违纪不合格 rows are shown with ``violation`` and cannot be confirmed."""
    rows, count = await reexam.candidates(actor=actor_of(request), filters=_filters(query), page_no=query.page,
                                          size=query.size)
    return Page.of(rows, count, query)


@bp.post("/reexam/confirm")
@endpoint(ADMIN, province_only=True, body=ReexamConfirmBatch, response=BatchResult)
async def reexam_confirm(request: Request, body: ReexamConfirmBatch):
    """确认 / 批量确认 the re-exam list with the suspension (暂停执业3至6个月): {done, failed}."""
    return await reexam.confirm(actor=actor_of(request), ids=body.ids, months=body.suspension_months,
                                start=body.suspended_from)


@bp.post("/reexam/confirm-all")
@endpoint(ADMIN, province_only=True, body=ReexamConfirmAll, response=JobView, status=202)
async def reexam_confirm_all(request: Request, body: ReexamConfirmAll):
    """一键确认: a background job (GET /jobs/<id> for its progress and outcome)."""
    job = await reexam.start_confirm_all(actor=actor_of(request), months=body.suspension_months,
                                         start=body.suspended_from, cycle_id=body.cycle_id)
    return jobs.job_view(job)


@bp.get("/reexam/results")
@endpoint(ADMIN, query=ResultProcedureQuery, response=Page[ScoredResultRow])
async def reexam_results(request: Request, query: ResultProcedureQuery):
    """评定简易程序再次考核 (?procedure=simple) / 评定一般程序再次考核 (?procedure=general):
    再次考核待评定 rows with the re-exam scores; 确认 / 批量确认 with ``admin_judge_reexam``."""
    rows, count = await reexam.results_list(actor=actor_of(request), procedure=query.procedure,
                                            filters=_filters(query), page_no=query.page, size=query.size)
    return Page.of(rows, count, query)


@bp.get("/assessments/<assessment_id:int>/certificate")
@endpoint(HI, AI, ADMIN, response=PDF_FILE)
async def print_certificate(request: Request, assessment_id: int):
    """证书打印: the 考核结果通知书 (PDF) of a 合格 physician in the caller's scope."""
    data, filename = await certificates.certificate_for_reviewer(actor=actor_of(request),
                                                                 assessment_id=assessment_id)
    return attachment(data, filename, "application/pdf")
