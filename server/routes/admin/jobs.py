"""Admin API: background jobs — progress, result and error-report downloads."""

from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request

from server.routes.guards import actor_of, require
from server.routes.render import ok, page, paging, send_file
from server.services.platform import jobs

bp = Blueprint("admin_jobs", url_prefix="/")


@bp.get("/jobs")
@require()
async def list_jobs(request: Request):
    """本机构的后台任务 (newest first)."""
    page_no, size = paging(request)
    rows, count = await jobs.list_jobs(actor=actor_of(request), page_no=page_no, size=size,
                                       kind=request.args.get("kind") or None)
    return page([jobs.job_view(j) for j in rows], count, page_no=page_no, size=size)


@bp.get("/jobs/<job_id:str>")
@require()
async def get_job(request: Request, job_id: str):
    """任务进度: status, counters and percent."""
    return ok(jobs.job_view(await jobs.get_job_for(actor=actor_of(request), job_id=job_id)))


@bp.get("/jobs/<job_id:str>/result")
@require()
async def job_result(request: Request, job_id: str):
    """结果文件 (e.g. an export), streamed from storage."""
    await send_file(request, await jobs.job_file(actor=actor_of(request), job_id=job_id, errors=False))


@bp.get("/jobs/<job_id:str>/errors")
@require()
async def job_errors(request: Request, job_id: str):
    """错误报告 (行号, the original cells, 错误原因)."""
    await send_file(request, await jobs.job_file(actor=actor_of(request), job_id=job_id, errors=True))
