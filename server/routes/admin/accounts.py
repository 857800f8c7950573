"""所辖机构账户管理: an administration's subordinate accounts (SPEC §2)."""

from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request
from sanic_ext import validate

from server.routes.guards import actor_of, require
from server.routes.render import attachment, int_arg, ok, page, paging
from server.schemas.accounts import AccountCreate, AccountUpdate, IdList
from server.services.access import Role
from server.services.accounts import org_accounts

bp = Blueprint("admin_accounts", url_prefix="/")

ADMIN = Role.ADMINISTRATION


def _filter(request: Request) -> org_accounts.AccountFilter:
    """?kind=&status=&name=&code=&region_id= (values checked by the service)."""
    return org_accounts.AccountFilter(
        kind=request.args.get("kind"),
        status=request.args.get("status"),
        name=request.args.get("name"),
        code=request.args.get("code"),
        region_id=int_arg(request, "region_id"),
    )


@bp.get("/accounts")
@require(ADMIN)
async def list_accounts(request: Request):
    """所辖机构账户列表 (查询)."""
    page_no, size = paging(request)
    rows, count = await org_accounts.list_accounts(actor=actor_of(request), flt=_filter(request),
                                               page_no=page_no, size=size)
    return page(rows, count, page_no=page_no, size=size)


@bp.get("/accounts/export")
@require(ADMIN)
async def export_accounts(request: Request):
    """批量导出: the filtered list as 所辖机构账户.xlsx."""
    data = await org_accounts.export_accounts(actor=actor_of(request), flt=_filter(request))
    return attachment(data, "所辖机构账户.xlsx")


@bp.post("/accounts")
@require(ADMIN)
@validate(json=AccountCreate)
async def create_account(request: Request, body: AccountCreate):
    """新增 → 确认新增."""
    row = await org_accounts.create_account(actor=actor_of(request), code=body.code, name=body.name,
                                        region_id=body.region_id, kind=body.kind, address=body.address)
    return ok(row, status=201)


@bp.post("/accounts/batch-activate")
@require(ADMIN)
@validate(json=IdList)
async def batch_activate(request: Request, body: IdList):
    """批量激活: {done: [ids], failed: [{id, code, message}]}."""
    return ok(await org_accounts.batch_activate(actor=actor_of(request), ids=body.ids))


@bp.get("/accounts/<account_id:int>")
@require(ADMIN)
async def get_account(request: Request, account_id: int):
    return ok(await org_accounts.get_account(actor=actor_of(request), account_id=account_id))


@bp.put("/accounts/<account_id:int>")
@require(ADMIN)
@validate(json=AccountUpdate)
async def update_account(request: Request, account_id: int, body: AccountUpdate):
    """修改 → 确认修改 (未激活 only)."""
    row = await org_accounts.update_account(actor=actor_of(request), account_id=account_id, name=body.name,
                                        address=body.address, region_id=body.region_id)
    return ok(row)


@bp.delete("/accounts/<account_id:int>")
@require(ADMIN)
async def delete_account(request: Request, account_id: int):
    """删除 (未激活 only)."""
    await org_accounts.delete_account(actor=actor_of(request), account_id=account_id)
    return ok()


@bp.post("/accounts/<account_id:int>/activate")
@require(ADMIN)
async def activate_account(request: Request, account_id: int):
    """激活."""
    return ok(await org_accounts.activate_account(actor=actor_of(request), account_id=account_id))


@bp.post("/accounts/<account_id:int>/reset-password")
@require(ADMIN)
async def reset_password(request: Request, account_id: int):
    """重置密码 → 666666."""
    await org_accounts.reset_password(actor=actor_of(request), account_id=account_id)
    return ok()


@bp.post("/accounts/<account_id:int>/cancel")
@require(ADMIN)
async def cancel_account(request: Request, account_id: int):
    """注销."""
    return ok(await org_accounts.cancel_account(actor=actor_of(request), account_id=account_id))
