"""Mini-program: 考核结果 and the 考核结果通知书 (SPEC §4 stages 6-7, §8; physician manual
查询考核结果，打印合格证书)."""

from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request

from server.routes.api import endpoint
from server.routes.guards import actor_of
from server.routes.render import attachment
from server.schemas.common import PDF_FILE
from server.schemas.results_mp import CertificateQuery, PhysicianResult
from server.services.access import Role
from server.services.results import certificates, judging

bp = Blueprint("mp_results")


@bp.get("/results")
@endpoint(Role.PHYSICIAN, response=PhysicianResult)
async def my_result(request: Request):
    """考核结果: outcome, paper scores, re-exam details (暂停执业, 不得评优和晋升), the notice."""
    result = await judging.physician_result(actor=actor_of(request))
    return result.model_dump(exclude_unset=True)  # papers / reexam_papers absent when none, as always


@bp.get("/results/certificate")
@endpoint(Role.PHYSICIAN, query=CertificateQuery, response=PDF_FILE)
async def my_certificate(request: Request, query: CertificateQuery):
    """下载考核结果通知书 (PDF), only the physician's own and only when 合格 (?assessment_id= for an
    earlier cycle)."""
    data, filename = await certificates.certificate_for_physician(actor=actor_of(request),
                                                                  assessment_id=query.assessment_id)
    return attachment(data, filename, "application/pdf")
