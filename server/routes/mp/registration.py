"""Mini-program: 快速注册 (where the province opens it), and resubmission after 注册审核未通过."""

from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request

from server.routes.api import endpoint
from server.schemas.common import Items
from server.schemas.registration import (
    InstitutionOption,
    InstitutionSearch,
    RegistrationIn,
    RegistrationState,
    ResubmitIn,
)
from server.services.registry import registration

bp = Blueprint("mp_registration", url_prefix="/auth/register")


@bp.get("/institutions")
@endpoint(public=True, query=InstitutionSearch, response=Items[InstitutionOption])
async def institutions(request: Request, query: InstitutionSearch):
    """搜索执业机构 (provinces that opened 快速注册)."""
    return Items(data=await registration.search_institutions(province_code=query.province_code, name=query.name))


@bp.post("")
@endpoint(public=True, body=RegistrationIn, response=RegistrationState, status=201)
async def register(request: Request, body: RegistrationIn):
    """快速注册: waits for the institution's 注册审核."""
    return await registration.register(**body.model_dump())


@bp.post("/resubmit")
@endpoint(public=True, body=ResubmitIn, response=RegistrationState)
async def resubmit(request: Request, body: ResubmitIn):
    """注册审核未通过 → 选择正确的执业机构, 重新提交."""
    return await registration.resubmit(id_number=body.id_number, password=body.password,
                                       institution_id=body.institution_id)
