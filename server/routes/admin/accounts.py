"""所辖机构账户管理: an administration's subordinate accounts (SPEC §2)."""

from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request

from server.routes.api import endpoint
from server.routes.guards import actor_of
from server.routes.render import attachment
from server.schemas.accounts import AccountCreate, AccountFilterQuery, AccountRow, AccountUpdate, IdList
from server.schemas.common import XLSX_FILE, BatchResult, Done, Page
from server.services.access import Role
from server.services.accounts import org_accounts

bp = Blueprint("admin_accounts", url_prefix="/")

ADMIN = Role.ADMINISTRATION


def _filter(query: AccountFilterQuery) -> org_accounts.AccountFilter:
    """?kind=&status=&name=&code=&region_id= (values checked by the service)."""
    return org_accounts.AccountFilter(kind=query.kind, status=query.status, name=query.name, code=query.code,
                                      region_id=query.region_id)


@bp.get("/accounts")
@endpoint(ADMIN, query=AccountFilterQuery, response=Page[AccountRow])
async def list_accounts(request: Request, query: AccountFilterQuery):
    """所辖机构账户列表 (查询)."""
    rows, count = await org_accounts.list_accounts(actor=actor_of(request), flt=_filter(query),
                                                   page_no=query.page, size=query.size)
    return Page.of(rows, count, query)


@bp.get("/accounts/export")
@endpoint(ADMIN, query=AccountFilterQuery, response=XLSX_FILE)
async def export_accounts(request: Request, query: AccountFilterQuery):
    """批量导出: the filtered list as 所辖机构账户.xlsx."""
    data = await org_accounts.export_accounts(actor=actor_of(request), flt=_filter(query))
    return attachment(data, "所辖机构账户.xlsx")


@bp.post("/accounts")
@endpoint(ADMIN, body=AccountCreate, response=AccountRow, status=201)
async def create_account(request: Request, body: AccountCreate):
    """新增 → 确认新增."""
    return await org_accounts.create_account(actor=actor_of(request), code=body.code, name=body.name,
                                             region_id=body.region_id, kind=body.kind, address=body.address)


@bp.post("/accounts/batch-activate")
@endpoint(ADMIN, body=IdList, response=BatchResult)
async def batch_activate(request: Request, body: IdList):
    """批量激活: {done: [ids], failed: [{id, code, message}]}."""
    return await org_accounts.batch_activate(actor=actor_of(request), ids=body.ids)


@bp.get("/accounts/<account_id:int>")
@endpoint(ADMIN, response=AccountRow)
async def get_account(request: Request, account_id: int):
    return await org_accounts.get_account(actor=actor_of(request), account_id=account_id)


@bp.put("/accounts/<account_id:int>")
@endpoint(ADMIN, body=AccountUpdate, response=AccountRow)
async def update_account(request: Request, account_id: int, body: AccountUpdate):
    """修改 → 确认修改 (未激活 only)."""
    return await org_accounts.update_account(actor=actor_of(request), account_id=account_id, name=body.name,
                                             address=body.address, region_id=body.region_id)


@bp.delete("/accounts/<account_id:int>")
@endpoint(ADMIN, response=Done)
async def delete_account(request: Request, account_id: int):
    """删除 (未激活 only)."""
    await org_accounts.delete_account(actor=actor_of(request), account_id=account_id)
    return Done()


@bp.post("/accounts/<account_id:int>/activate")
@endpoint(ADMIN, response=AccountRow)
async def activate_account(request: Request, account_id: int):
    """激活."""
    return await org_accounts.activate_account(actor=actor_of(request), account_id=account_id)


@bp.post("/accounts/<account_id:int>/reset-password")
@endpoint(ADMIN, response=Done)
async def reset_password(request: Request, account_id: int):
    """重置密码 → 666666."""
    await org_accounts.reset_password(actor=actor_of(request), account_id=account_id)
    return Done()


@bp.post("/accounts/<account_id:int>/cancel")
@endpoint(ADMIN, response=AccountRow)
async def cancel_account(request: Request, account_id: int):
    """注销."""
    return await org_accounts.cancel_account(actor=actor_of(request), account_id=account_id)
