"""Admin API: 医师管理 (list, view, 重置密码), 变更卫生机构, 人员调出 / 调入审核 and
the 暂存区 applications."""

from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request

from server.routes.api import endpoint
from server.routes.guards import actor_of
from server.schemas.common import Items, Page
from server.schemas.physicians import (
    ChangeInstitution,
    Decision,
    HoldingIn,
    HoldingOut,
    PasswordResetDone,
    PhysicianDetail,
    PhysicianQuery,
    PhysicianRow,
    TransferCreated,
    TransferOut,
    TransferQuery,
    TransferView,
)
from server.services.access import Role
from server.services.registry import physicians, transfers

bp = Blueprint("admin_physicians", url_prefix="/")

ADMIN, HI, AI = Role.ADMINISTRATION, Role.HEALTH_INSTITUTION, Role.ASSESSMENT_INSTITUTION


@bp.get("/physicians")
@endpoint(ADMIN, HI, AI, query=PhysicianQuery, response=Page[PhysicianRow])
async def list_physicians(request: Request, query: PhysicianQuery):
    """医师管理 → 查询 (证件号码、手机号码脱敏)."""
    return await physicians.list_physicians(actor=actor_of(request), query=query)


@bp.get("/physicians/<physician_id:int>")
@endpoint(ADMIN, HI, AI, response=PhysicianDetail)
async def physician_detail(request: Request, physician_id: int):
    """医师信息 (查看)."""
    return await physicians.physician_detail(actor=actor_of(request), physician_id=physician_id)


@bp.get("/physicians/<physician_id:int>/transfers")
@endpoint(ADMIN, HI, AI, response=Items[TransferView])
async def physician_history(request: Request, physician_id: int):
    """变更记录."""
    return Items(data=await physicians.physician_history(actor=actor_of(request), physician_id=physician_id))


@bp.post("/physicians/<physician_id:int>/reset-password")
@endpoint(HI, response=PasswordResetDone)
async def reset_password(request: Request, physician_id: int):
    """重置密码 → the initial password, change forced at next login (under the province's rule
    initial_password: a new random one, returned this once)."""
    handed_out = await physicians.reset_password(actor=actor_of(request), physician_id=physician_id)
    return PasswordResetDone(initial_password=handed_out)


@bp.post("/physicians/<physician_id:int>/change-institution")
@endpoint(ADMIN, body=ChangeInstitution, response=TransferCreated)
async def change_institution(request: Request, physician_id: int, body: ChangeInstitution):
    """变更卫生机构."""
    t = await transfers.change_institution(actor=actor_of(request), physician_id=physician_id,
                                           institution_id=body.institution_id, reason=body.reason)
    return transfers.transfer_created(t)


@bp.get("/transfers")
@endpoint(ADMIN, HI, query=TransferQuery, response=Page[TransferView])
async def list_transfers(request: Request, query: TransferQuery):
    """申请记录; ?todo=1 for what waits for my decision (人员调入审核 / 暂存区备案)."""
    return await transfers.list_transfers(actor=actor_of(request), query=query)


@bp.post("/transfers/out")
@endpoint(HI, body=TransferOut, response=TransferCreated, status=201)
async def transfer_out(request: Request, body: TransferOut):
    """人员调出申请."""
    t = await transfers.request_transfer_out(actor=actor_of(request), id_number=body.id_number,
                                             to_institution_id=body.to_institution_id, note=body.note)
    return transfers.transfer_created(t)


@bp.post("/transfers/holding-in")
@endpoint(ADMIN, HI, body=HoldingIn, response=TransferCreated, status=201)
async def holding_in(request: Request, body: HoldingIn):
    """调入暂存区申请."""
    t = await transfers.request_holding_in(actor=actor_of(request), id_number=body.id_number, reason=body.reason,
                                           note=body.note)
    return transfers.transfer_created(t)


@bp.post("/transfers/holding-out")
@endpoint(ADMIN, HI, body=HoldingOut, response=TransferCreated, status=201)
async def holding_out(request: Request, body: HoldingOut):
    """调出暂存区申请."""
    t = await transfers.request_holding_out(actor=actor_of(request), id_number=body.id_number,
                                            to_institution_id=body.to_institution_id, note=body.note)
    return transfers.transfer_created(t)


@bp.post("/transfers/<transfer_id:int>/decision")
@endpoint(ADMIN, HI, body=Decision, response=TransferCreated)
async def decide(request: Request, transfer_id: int, body: Decision):
    """人员调入审核 / 暂存区备案: 通过 or 驳回."""
    t = await transfers.decide(actor=actor_of(request), transfer_id=transfer_id, approve=body.approve,
                               reason=body.reason)
    return transfers.transfer_created(t)
