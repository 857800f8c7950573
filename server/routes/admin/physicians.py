"""Admin API: 医师管理 (list, view, 重置密码), 变更卫生机构, 人员调出 / 调入审核 and
the 暂存区 applications."""

from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request
from sanic_ext import validate

from server.routes.guards import actor_of, require
from server.routes.render import int_arg, ok, page, paging
from server.schemas.physicians import ChangeInstitution, Decision, HoldingIn, HoldingOut, TransferOut
from server.services.access import Role
from server.services.registry import physicians, transfers

bp = Blueprint("admin_physicians", url_prefix="/")

ADMIN, HI, AI = Role.ADMINISTRATION, Role.HEALTH_INSTITUTION, Role.ASSESSMENT_INSTITUTION


def _transfer_out(t) -> dict:
    return {"id": t.id, "kind": t.kind.value, "status": {"value": t.status.value, "label": t.status.label}}


@bp.get("/physicians")
@require(ADMIN, HI, AI)
async def list_physicians(request: Request):
    """医师管理 → 查询 (证件号码、手机号码脱敏)."""
    page_no, size = paging(request)
    a = request.args
    filters = physicians.PhysicianFilters(
        name=a.get("name") or None, id_number=a.get("id_number") or None,
        institution_id=int_arg(request, "institution_id"), department_id=int_arg(request, "department_id"),
        category=a.get("category") or None, level=a.get("level") or None,
        registry_status=a.get("registry_status") or None,
    )
    rows, count = await physicians.list_physicians(actor=actor_of(request), filters=filters, page_no=page_no,
                                                   size=size)
    return page(rows, count, page_no=page_no, size=size)


@bp.get("/physicians/<physician_id:int>")
@require(ADMIN, HI, AI)
async def physician_detail(request: Request, physician_id: int):
    return ok(await physicians.physician_detail(actor=actor_of(request), physician_id=physician_id))


@bp.get("/physicians/<physician_id:int>/transfers")
@require(ADMIN, HI, AI)
async def physician_history(request: Request, physician_id: int):
    """变更记录."""
    return ok({"data": await physicians.physician_history(actor=actor_of(request), physician_id=physician_id)})


@bp.post("/physicians/<physician_id:int>/reset-password")
@require(HI)
async def reset_password(request: Request, physician_id: int):
    """重置密码 → the initial password, change forced at next login."""
    await physicians.reset_password(actor=actor_of(request), physician_id=physician_id)
    return ok()


@bp.post("/physicians/<physician_id:int>/change-institution")
@require(ADMIN)
@validate(json=ChangeInstitution)
async def change_institution(request: Request, physician_id: int, body: ChangeInstitution):
    """变更卫生机构."""
    t = await transfers.change_institution(actor=actor_of(request), physician_id=physician_id,
                                           institution_id=body.institution_id, reason=body.reason)
    return ok(_transfer_out(t))


@bp.get("/transfers")
@require(ADMIN, HI)
async def list_transfers(request: Request):
    """申请记录; ?todo=1 for what waits for my decision (人员调入审核 / 暂存区备案)."""
    page_no, size = paging(request)
    rows, count = await transfers.list_transfers(
        actor=actor_of(request), page_no=page_no, size=size, kind=request.args.get("kind") or None,
        status=request.args.get("status") or None, todo=request.args.get("todo") in ("1", "true"),
    )
    return page(rows, count, page_no=page_no, size=size)


@bp.post("/transfers/out")
@require(HI)
@validate(json=TransferOut)
async def transfer_out(request: Request, body: TransferOut):
    """人员调出申请."""
    t = await transfers.request_transfer_out(actor=actor_of(request), id_number=body.id_number,
                                             to_institution_id=body.to_institution_id, note=body.note)
    return ok(_transfer_out(t), status=201)


@bp.post("/transfers/holding-in")
@require(ADMIN, HI)
@validate(json=HoldingIn)
async def holding_in(request: Request, body: HoldingIn):
    """调入暂存区申请."""
    t = await transfers.request_holding_in(actor=actor_of(request), id_number=body.id_number, reason=body.reason,
                                           note=body.note)
    return ok(_transfer_out(t), status=201)


@bp.post("/transfers/holding-out")
@require(ADMIN, HI)
@validate(json=HoldingOut)
async def holding_out(request: Request, body: HoldingOut):
    """调出暂存区申请."""
    t = await transfers.request_holding_out(actor=actor_of(request), id_number=body.id_number,
                                            to_institution_id=body.to_institution_id, note=body.note)
    return ok(_transfer_out(t), status=201)


@bp.post("/transfers/<transfer_id:int>/decision")
@require(ADMIN, HI)
@validate(json=Decision)
async def decide(request: Request, transfer_id: int, body: Decision):
    """人员调入审核 / 暂存区备案: 通过 or 驳回."""
    t = await transfers.decide(actor=actor_of(request), transfer_id=transfer_id, approve=body.approve,
                               reason=body.reason)
    return ok(_transfer_out(t))
