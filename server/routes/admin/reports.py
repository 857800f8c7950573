"""Admin API: 考核进度统计 / 考核结果统计 snapshots and the background Excel exports
(SPEC §8). Exports are applied for here and followed / downloaded at /jobs/<id> and
/jobs/<id>/result (server/routes/admin/jobs.py).

The kinds are a fixed set, so each has its own path (no path parameter: nothing here names
an object; the scope is always the caller's own):

- POST /statistics/{progress,results}/refresh  刷新统计: 202 with the job; 409 statistics_running
- GET  /statistics/{progress,results}          the latest snapshot with computed_at (统计时间);
                                               404 statistics_not_found before the first refresh
- GET  /statistics/{progress,results}/excel    下载 it as Excel (统计时间 in the first row)
- POST /exports/{progress,exam-progress,physicians}  申请导出, filters as query args (those of
                                               the list being exported): 202 with the job
- GET  /exports                                导出记录 of the caller's organisation
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sanic import Blueprint, HTTPResponse
from sanic.request import Request

from server.routes.api import endpoint
from server.routes.guards import actor_of
from server.routes.render import attachment, ok
from server.schemas.common import XLSX_FILE, In, Page
from server.schemas.exports import (
    ExamProgressExportQuery,
    ExportListQuery,
    PhysicianExportQuery,
    ProgressExportQuery,
)
from server.schemas.jobs import JobView
from server.schemas.statistics import StatsSnapshotView
from server.services.access import Role
from server.services.platform import jobs
from server.services.reports import exports, statistics

bp = Blueprint("admin_reports", url_prefix="/")

ADMIN, HI, AI = Role.ADMINISTRATION, Role.HEALTH_INSTITUTION, Role.ASSESSMENT_INSTITUTION
Handler = Callable[[Request], Awaitable[HTTPResponse]]


KIND_LABELS = {"progress": "考核进度统计", "results": "考核结果统计"}


def _refresh(kind: str) -> Handler:
    async def handler(request: Request) -> HTTPResponse:
        job = await statistics.start_refresh(actor=actor_of(request), kind=kind)
        return ok(jobs.job_view(job), status=202)

    handler.__name__ = f"refresh_{kind}"
    handler.__doc__ = f"刷新统计（{KIND_LABELS[kind]}）: 202 with the job; 409 statistics_running."
    return endpoint(ADMIN, HI, AI, response=JobView, status=202)(handler)


def _latest(kind: str) -> Handler:
    async def handler(request: Request) -> HTTPResponse:
        return ok(await statistics.latest_view(actor=actor_of(request), kind=kind))

    handler.__name__ = f"latest_{kind}"
    handler.__doc__ = (f"{KIND_LABELS[kind]}: the latest snapshot with computed_at (统计时间); "
                       "404 statistics_not_found before the first refresh.")
    return endpoint(ADMIN, HI, AI, response=StatsSnapshotView)(handler)


def _excel(kind: str) -> Handler:
    async def handler(request: Request) -> HTTPResponse:
        data, filename = await statistics.snapshot_excel(actor=actor_of(request), kind=kind)
        return attachment(data, filename)

    handler.__name__ = f"excel_{kind}"
    handler.__doc__ = f"下载{KIND_LABELS[kind]} as Excel (统计时间 in the first row)."
    return endpoint(ADMIN, HI, AI, response=XLSX_FILE)(handler)


EXPORT_QUERIES: dict[str, type[In]] = {
    "progress": ProgressExportQuery, "exam_progress": ExamProgressExportQuery, "physicians": PhysicianExportQuery,
}


def _export(what: str) -> Handler:
    model = EXPORT_QUERIES[what]
    if set(model.model_fields) != set(exports.EXPORTS[what].filters):  # the query names every filter
        raise RuntimeError(f"export {what}: query fields differ from the service's filters")

    @endpoint(ADMIN, HI, AI, query=model, response=JobView, status=202)
    async def handler(request: Request, query: In):
        job = await exports.start_export(actor=actor_of(request), what=what, filters=query.model_dump())
        return jobs.job_view(job)

    handler.__name__ = f"export_{what}"  # a stable operationId per export
    handler.__doc__ = f"导出{exports.EXPORTS[what].title}: 202 with the job; the file when it is done (导出记录)."
    return handler


for _kind in ("progress", "results"):
    bp.add_route(_refresh(_kind), f"/statistics/{_kind}/refresh", methods=["POST"], name=f"refresh_{_kind}")
    bp.add_route(_latest(_kind), f"/statistics/{_kind}", methods=["GET"], name=f"latest_{_kind}")
    bp.add_route(_excel(_kind), f"/statistics/{_kind}/excel", methods=["GET"], name=f"excel_{_kind}")
for _what in exports.EXPORTS:
    bp.add_route(_export(_what), f"/exports/{_what.replace('_', '-')}", methods=["POST"], name=f"export_{_what}")


@bp.get("/exports")
@endpoint(ADMIN, HI, AI, query=ExportListQuery, response=Page[JobView])
async def list_exports(request: Request, query: ExportListQuery):
    """导出记录: this organisation's exports, newest first, with progress."""
    rows, count = await exports.list_exports(actor=actor_of(request), page_no=query.page, size=query.size)
    return Page.of([jobs.job_view(j) for j in rows], count, query)
