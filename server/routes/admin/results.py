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
from sanic_ext import validate

from server.routes.api import endpoint
from server.routes.guards import actor_of, require
from server.routes.render import attachment, int_arg, ok, page, paging
from server.schemas.common import PDF_FILE
from server.schemas.results import ReexamConfirmAll, ReexamConfirmBatch
from server.services.access import Role
from server.services.assessment import progress
from server.services.platform import jobs
from server.services.results import certificates, judging, reexam

bp = Blueprint("admin_results", url_prefix="/")

HI, AI, ADMIN = Role.HEALTH_INSTITUTION, Role.ASSESSMENT_INSTITUTION, Role.ADMINISTRATION
TEXT_ARGS = ("category", "level", "name", "id_number", "practice_cert_no", "qualification_cert_no", "phone")


def _filters(request: Request) -> progress.ProgressFilters:
    """The 考核进度 filters that make sense on these lists (status and procedure are the list's own)."""
    return progress.ProgressFilters(
        **{name: request.args.get(name) for name in TEXT_ARGS},
        cycle_id=int_arg(request, "cycle_id"), institution_id=int_arg(request, "institution_id"),
        department_id=int_arg(request, "department_id"),
    )


@bp.get("/results/judging")
@require(AI)
async def judging_list(request: Request):
    """评定简易程序测评结果 (?procedure=simple) / 评定一般程序成绩结果 (?procedure=general): 待成绩评定
    rows with each paper's scores, pass line and what 确认 decides (``preview``). Filters as 考核进度."""
    page_no, size = paging(request)
    rows, count = await judging.judging_list(actor=actor_of(request), procedure=request.args.get("procedure"),
                                             filters=_filters(request), page_no=page_no, size=size)
    return page(rows, count, page_no=page_no, size=size)


@bp.get("/reexam/candidates")
@require(ADMIN)
async def reexam_candidates(request: Request):
    """确认再次考核名单: 不合格 physicians in jurisdiction (every administration may look; only the
    province confirms). 违纪不合格 rows are shown with ``violation`` and cannot be confirmed."""
    page_no, size = paging(request)
    rows, count = await reexam.candidates(actor=actor_of(request), filters=_filters(request), page_no=page_no,
                                          size=size)
    return page(rows, count, page_no=page_no, size=size)


@bp.post("/reexam/confirm")
@require(ADMIN, province_only=True)
@validate(json=ReexamConfirmBatch)
async def reexam_confirm(request: Request, body: ReexamConfirmBatch):
    """确认 / 批量确认 the re-exam list with the suspension (暂停执业3至6个月): {done, failed}."""
    return ok(await reexam.confirm(actor=actor_of(request), ids=body.ids, months=body.suspension_months,
                                   start=body.suspended_from))


@bp.post("/reexam/confirm-all")
@require(ADMIN, province_only=True)
@validate(json=ReexamConfirmAll)
async def reexam_confirm_all(request: Request, body: ReexamConfirmAll):
    """一键确认: a background job (GET /jobs/<id> for its progress and outcome)."""
    job = await reexam.start_confirm_all(actor=actor_of(request), months=body.suspension_months,
                                         start=body.suspended_from, cycle_id=body.cycle_id)
    return ok(jobs.job_view(job), status=202)


@bp.get("/reexam/results")
@require(ADMIN)
async def reexam_results(request: Request):
    """评定简易程序再次考核 (?procedure=simple) / 评定一般程序再次考核 (?procedure=general):
    再次考核待评定 rows with the re-exam scores; 确认 / 批量确认 with ``admin_judge_reexam``."""
    page_no, size = paging(request)
    rows, count = await reexam.results_list(actor=actor_of(request), procedure=request.args.get("procedure"),
                                            filters=_filters(request), page_no=page_no, size=size)
    return page(rows, count, page_no=page_no, size=size)


@bp.get("/assessments/<assessment_id:int>/certificate")
@endpoint(HI, AI, ADMIN, response=PDF_FILE)
async def print_certificate(request: Request, assessment_id: int):
    """证书打印: the 考核结果通知书 (PDF) of a 合格 physician in the caller's scope."""
    data, filename = await certificates.certificate_for_reviewer(actor=actor_of(request),
                                                                 assessment_id=assessment_id)
    return attachment(data, filename, "application/pdf")
