"""Admin API: background jobs — progress, result and error-report downloads."""

from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request

from server.routes.api import endpoint
from server.routes.guards import actor_of
from server.schemas.common import XLSX_FILE, Page
from server.schemas.jobs import JobQuery, JobView
from server.services.platform import jobs

bp = Blueprint("admin_jobs", url_prefix="/")


@bp.get("/jobs")
@endpoint(query=JobQuery, response=Page[JobView])
async def list_jobs(request: Request, query: JobQuery):
    """本机构的后台任务 (newest first)."""
    rows, count = await jobs.list_jobs(actor=actor_of(request), page_no=query.page, size=query.size,
                                       kind=query.kind or None)
    return Page.of([jobs.job_view(j) for j in rows], count, query)


@bp.get("/jobs/<job_id:str>")
@endpoint(response=JobView)
async def get_job(request: Request, job_id: str):
    """任务进度: status, counters and percent."""
    return jobs.job_view(await jobs.get_job_for(actor=actor_of(request), job_id=job_id))


@bp.get("/jobs/<job_id:str>/result")
@endpoint(response=XLSX_FILE)
async def job_result(request: Request, job_id: str):
    """结果文件 (e.g. an export), streamed from storage."""
    return await jobs.job_file(actor=actor_of(request), job_id=job_id, errors=False)


@bp.get("/jobs/<job_id:str>/errors")
@endpoint(response=XLSX_FILE)
async def job_errors(request: Request, job_id: str):
    """错误报告 (行号, the original cells, 错误原因)."""
    return await jobs.job_file(actor=actor_of(request), job_id=job_id, errors=True)
