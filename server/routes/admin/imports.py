"""Admin API: registry import from Excel (医师 / 机构) and its templates."""

from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request

from server.routes.api import endpoint, uploaded_file
from server.routes.guards import actor_of
from server.routes.render import attachment
from server.schemas.common import XLSX_FILE
from server.schemas.jobs import JobView, UploadQuery
from server.services.access import Role
from server.services.platform import jobs
from server.services.registry import importer

bp = Blueprint("admin_imports", url_prefix="/")

TEMPLATE_NAMES = {"physicians": "医师信息导入模板.xlsx", "institutions": "机构信息导入模板.xlsx"}


@bp.post("/imports/physicians")
@endpoint(Role.ADMINISTRATION, Role.HEALTH_INSTITUTION, query=UploadQuery, files=("file",), response=JobView,
          status=202)
async def import_physicians(request: Request, query: UploadQuery):
    """导入医师: 202 with the job id; follow it at /jobs/<id>."""
    data, filename = uploaded_file(request, query.filename)
    job = await importer.start_import(actor=actor_of(request), what="physicians", data=data, filename=filename)
    return jobs.job_view(job)


@bp.post("/imports/institutions")
@endpoint(Role.ADMINISTRATION, query=UploadQuery, files=("file",), response=JobView, status=202)
async def import_institutions(request: Request, query: UploadQuery):
    """导入机构 (accounts created 未激活)."""
    data, filename = uploaded_file(request, query.filename)
    job = await importer.start_import(actor=actor_of(request), what="institutions", data=data, filename=filename)
    return jobs.job_view(job)


@bp.get("/imports/physicians/template")
@endpoint(Role.ADMINISTRATION, Role.HEALTH_INSTITUTION, response=XLSX_FILE)
async def physician_template(request: Request):
    """下载模板 (医师)."""
    return attachment(importer.template("physicians"), TEMPLATE_NAMES["physicians"])


@bp.get("/imports/institutions/template")
@endpoint(Role.ADMINISTRATION, response=XLSX_FILE)
async def institution_template(request: Request):
    """下载模板 (机构)."""
    return attachment(importer.template("institutions"), TEMPLATE_NAMES["institutions"])
