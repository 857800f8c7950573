"""Admin API: registry import from Excel (医师 / 机构) and its templates."""

from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request

from server.errors import ValidationFailed
from server.routes.api import endpoint
from server.routes.guards import actor_of
from server.routes.render import attachment
from server.schemas.common import XLSX_FILE
from server.schemas.jobs import JobView, UploadQuery
from server.services.access import Role
from server.services.platform import jobs
from server.services.registry import importer

bp = Blueprint("admin_imports", url_prefix="/")

TEMPLATE_NAMES = {"physicians": "医师信息导入模板.xlsx", "institutions": "机构信息导入模板.xlsx"}


def _upload(request: Request, query: UploadQuery) -> tuple[bytes, str]:
    """The file: a multipart field `file`, or the raw request body (named by ?filename=)."""
    upload = request.files.get("file") if request.files else None
    if upload is not None:
        return upload.body, upload.name or ""
    if (request.content_type or "").startswith("multipart/"):
        raise ValidationFailed("请选择要上传的文件（字段名 file）", code="empty_file")
    return request.body or b"", query.filename


@bp.post("/imports/physicians")
@endpoint(Role.ADMINISTRATION, Role.HEALTH_INSTITUTION, query=UploadQuery, files=("file",), response=JobView,
          status=202)
async def import_physicians(request: Request, query: UploadQuery):
    """导入医师: 202 with the job id; follow it at /jobs/<id>."""
    data, filename = _upload(request, query)
    job = await importer.start_import(actor=actor_of(request), what="physicians", data=data, filename=filename)
    return jobs.job_view(job)


@bp.post("/imports/institutions")
@endpoint(Role.ADMINISTRATION, query=UploadQuery, files=("file",), response=JobView, status=202)
async def import_institutions(request: Request, query: UploadQuery):
    """导入机构 (accounts created 未激活)."""
    data, filename = _upload(request, query)
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
