"""The console's organisation pages in a real browser: 所辖机构账户管理, 机构导入, 卫生机构管理,
本机构信息 / 科室信息 / 申请考核机构, and 考核机构管理 (列表, 审批, 指定卫生机构, 行业组织)."""

from __future__ import annotations

import asyncio
import io
import re
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from PIL import Image

from server.models import (
    AccountStatus,
    ApplicationStatus,
    AssessmentApplication,
    AssessmentAssignment,
    Cycle,
    Organisation,
    StaffAccount,
)
from server.security import hash_password
from server.services.registry.import_rows import INSTITUTION_HEADERS
from tests.e2e.helpers import login, open_menu, shot
from tests.factories import make_world

pytestmark = pytest.mark.e2e

PASSWORD = "Console2026"
_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def credit(n: int) -> str:
    """A valid 统一社会信用代码 (GB 32100-2015)."""
    first = f"1245010{n:010d}"
    total = sum(_CHARS.index(c) * pow(3, i, 31) for i, c in enumerate(first))
    return first + _CHARS[(31 - total % 31) % 31]


def bad_credit(n: int) -> str:
    """the same code with a wrong check character"""
    good = credit(n)
    return good[:-1] + ("1" if good[-1] == "0" else "0")


async def _ready(org) -> None:
    """an account past its first login"""
    account = await StaffAccount.get(org_id=org.id)
    account.password_hash = await hash_password(PASSWORD)
    account.must_change_password = False
    await account.save()


async def _world():
    """make_world() with a current cycle (首页 asks for it)"""
    w = await make_world()
    await Cycle.create(province=w.gx, name="2025-2027周期", start_date=date(2025, 1, 1),
                       end_date=date(2027, 12, 31), is_current=True)
    return w


async def _login(page, org, code: str) -> None:
    await _ready(org)
    await login(page, code, PASSWORD)
    await page.wait_for_url("**/console/home")
    await page.wait_for_load_state("networkidle")  # 首页's own calls are done before we move on


async def _logout(page) -> None:
    await page.get_by_role("button", name="退出").click()
    await page.wait_for_url("**/console/login**")


async def _open(page, path: str) -> None:
    """through the side menu (a reload would abort the calls of the page we leave), else by URL"""
    page.watch.clear()
    if await page.locator(f'.t-menu__item[data-path="{path}"]').count():
        await open_menu(page, path)
    else:
        await page.goto(f"/console{path}")
    await page.wait_for_url(f"**/console{path}*")
    await page.wait_for_load_state("networkidle")


async def _clean(page, what: str) -> None:
    toasts = page.locator(".t-message.t-is-error")
    assert await toasts.count() == 0, (what, await toasts.all_inner_texts())
    assert not page.watch.problems, (what, page.watch.problems)


def _xlsx(rows: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(INSTITUTION_HEADERS)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


async def _workbook(download):
    """a downloaded .xlsx opened with openpyxl (the saved file has no extension)"""
    data = await asyncio.to_thread(Path(await download.path()).read_bytes)
    return load_workbook(io.BytesIO(data))


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 40), (20, 120, 200)).save(out, "PNG")
    return out.getvalue()


def field(scope, label: str):
    """the input of the form item with this label (TDesign puts aria-label on the wrapper, not the input)"""
    page = getattr(scope, "page", scope)
    item = scope.locator(".t-form__item").filter(has=page.locator(".t-form__label", has_text=re.compile(f"^{label}$")))
    return item.locator("input, textarea").first


def _row(page, text: str):
    return page.locator("tbody tr", has_text=text)


# --- 机构导入 ---------------------------------------------------------------------------


async def test_institution_import_with_error_report(app, page):
    w = await _world()
    await _login(page, w.nn_admin, "nn-admin")
    await _open(page, "/accounts/import")
    await page.get_by_role("button", name="导入机构").click()
    dialog = page.locator(".t-dialog", has_text="下载模板")
    async with page.expect_download() as dl:
        await dialog.get_by_role("button", name="下载模板").click()
    download = await dl.value
    assert download.suggested_filename == "机构信息导入模板.xlsx"
    template = await _workbook(download)
    assert [c.value for c in template.active[1]] == INSTITUTION_HEADERS

    data = _xlsx([
        ["青秀区导入医院", "卫生机构", w.qingxiu.code, credit(21), "青秀区某路1号"],
        ["兴宁区导入卫生院", "卫生机构", w.xingning.code, credit(22), ""],
        ["错码医院", "卫生机构", w.qingxiu.code, bad_credit(23), ""],
    ])
    await dialog.get_by_label("选择导入文件").set_input_files(
        files=[{"name": "机构.xlsx", "mimeType": "application/octet-stream", "buffer": data}])
    await dialog.get_by_role("button", name="开始导入").click()
    await dialog.get_by_text("成功 2 条，失败 1 条").wait_for()
    assert await dialog.locator(".t-progress").count() == 1
    async with page.expect_download() as dl:
        await dialog.get_by_role("button", name="下载错误报告").click()
    report = (await _workbook(await dl.value)).active
    rows = [[c.value for c in r] for r in report.iter_rows()]
    assert rows[0][0] == "行号" and rows[0][-1] == "错误原因"
    assert [(r[0], r[-1]) for r in rows[1:]] == [(4, "统一社会信用代码校验位错误")]
    assert "错码医院" in rows[1]
    await page.get_by_text("本次导入已完成").wait_for()

    # the new institutions are in the 卫生机构 list, 未激活
    await page.keyboard.press("Escape")
    await _open(page, "/accounts/health_institution")
    for name in ("青秀区导入医院", "兴宁区导入卫生院"):
        await _row(page, name).get_by_text("未激活").wait_for()
    assert await _row(page, "错码医院").count() == 0
    # and in 卫生机构管理
    await _open(page, "/institutions")
    for name in ("青秀区导入医院", "兴宁区导入卫生院"):
        await _row(page, name).get_by_text(credit(21) if "青秀" in name else credit(22)).wait_for()
    await _clean(page, "卫生机构管理")


async def test_oversized_import_is_refused_before_upload(app, page, tmp_path):
    w = await _world()
    await _login(page, w.nn_admin, "nn-admin")
    await _open(page, "/accounts/import")
    sent: list[str] = []
    page.on("request", lambda r: "/imports/" in r.url and r.method == "POST" and sent.append(r.url))
    await page.get_by_role("button", name="导入机构").click()
    dialog = page.locator(".t-dialog", has_text="下载模板")
    await dialog.get_by_text("不超过 50 MB").wait_for()  # the server's limit is the page's
    big = tmp_path / "太大.xlsx"
    with big.open("wb") as fh:
        fh.truncate(50 * 1024 * 1024 + 1)  # one byte over the limit (sparse, written instantly)
    await dialog.get_by_label("选择导入文件").set_input_files(big)
    await dialog.get_by_role("alert").filter(has_text="文件超过 50 MB").wait_for()
    start = dialog.get_by_role("button", name="开始导入")
    assert await start.is_disabled()
    await page.wait_for_timeout(300)
    assert sent == []


# --- 指定卫生机构 -------------------------------------------------------------------------


async def test_assign_and_unassign_through_the_transfer(app, page):
    w = await _world()
    await _login(page, w.gx_admin, "gx-admin")
    # from 考核机构列表 → 指定卫生机构 of that assessment institution
    await _open(page, "/assessment-orgs")
    await _row(page, w.hospital.name).get_by_text("2").wait_for()  # assigned_count
    await _row(page, w.hospital.name).get_by_text("指定卫生机构").click()
    await page.wait_for_url(f"**/assessment-orgs/assign?assessor={w.hospital.id}")
    lists = page.locator(".t-transfer__list")
    source, target = lists.nth(0), lists.nth(1)
    await target.get_by_text(w.hospital2.name).wait_for()
    await source.get_by_text(w.hospital3.name).wait_for()
    await shot(page, "orgs-assign-transfer")
    await _clean(page, "指定卫生机构")

    # 添加 兴宁区人民医院 (searching the left list)
    await source.get_by_placeholder("搜索机构名称").fill("兴宁")
    await source.get_by_text(w.hospital3.name).click()
    await page.get_by_role("button", name="添加").click()
    await page.get_by_role("status").filter(has_text=f"已添加 1 家卫生机构：{w.hospital3.name}").wait_for()
    await target.get_by_text(w.hospital3.name).wait_for()
    assert await AssessmentAssignment.filter(assessor_id=w.hospital.id, institution_id=w.hospital3.id).exists()

    # 撤销 南宁市第一人民医院
    await target.get_by_text(w.hospital2.name).click()
    await page.get_by_role("button", name="撤销").click()
    await page.get_by_role("status").filter(has_text=f"已撤销 1 家卫生机构：{w.hospital2.name}").wait_for()
    await source.get_by_placeholder("搜索机构名称").fill("")
    await source.get_by_text(w.hospital2.name).wait_for()
    assert not await AssessmentAssignment.filter(institution_id=w.hospital2.id).exists()
    assert await AssessmentAssignment.filter(assessor_id=w.hospital.id).count() == 2
    await _clean(page, "添加/撤销")
    await shot(page, "orgs-assign-transfer-after")


# --- 新增 (422 on the field), 批量激活 -------------------------------------------------------


async def test_new_account_field_error_then_batch_activate(app, page):
    w = await _world()
    await _login(page, w.gx_admin, "gx-admin")
    await _open(page, "/accounts/health_institution")
    await _row(page, w.hospital2.name).wait_for()
    await page.get_by_role("button", name="新增").click()
    dialog = page.locator(".t-dialog", has_text="确认新增")
    await field(dialog, "机构账号").fill("bad code")
    await field(dialog, "机构名称").fill("南宁市新建医院")
    await dialog.locator(".t-tree-select").click()
    await page.locator(".t-tree__label", has_text="南宁市").click()
    await field(dialog, "详细地址").fill("南宁市某路8号")
    await dialog.get_by_role("button", name="确认新增").click()
    code_item = dialog.locator(".t-form__item", has_text="机构账号")
    await code_item.locator(".t-input__extra", has_text="机构账号不能包含空格").wait_for()
    assert not await StaffAccount.filter(code="bad code").exists()

    # the same account code as an existing one: the conflict lands on the field too
    await field(dialog, "机构账号").fill("nn1h")
    await dialog.get_by_role("button", name="确认新增").click()
    await code_item.locator(".t-input__extra", has_text="已存在").wait_for()

    await field(dialog, "机构账号").fill("nn-new-1")
    await dialog.get_by_role("button", name="确认新增").click()
    await dialog.wait_for(state="hidden")
    row = _row(page, "南宁市新建医院")
    await row.get_by_text("未激活").wait_for()
    created = await StaffAccount.get(code="nn-new-1").prefetch_related("org")
    assert created.org.region_id == w.nanning.id and created.org.address == "南宁市某路8号"
    await shot(page, "orgs-account-list")

    # 批量激活: the new one and an already active one → 成功 1 条，失败 1 条 with the name
    page.watch.clear()
    await row.locator(".t-checkbox").click()
    await _row(page, w.hospital2.name).locator(".t-checkbox").click()
    await page.get_by_role("button", name="批量激活（2）").click()
    result = page.locator(".t-dialog", has_text="批量操作结果")
    await result.get_by_text("成功 1 条，失败 1 条").wait_for()
    await result.locator("tbody tr", has_text=w.hospital2.name).wait_for()
    assert (await StaffAccount.get(code="nn-new-1")).status == AccountStatus.ACTIVE
    await result.get_by_role("button", name="知道了").click()
    await row.get_by_text("激活").first.wait_for()
    await _clean(page, "批量激活")
    await shot(page, "orgs-account-list-after")


# --- 审批考核机构: 驳回 with a reason ---------------------------------------------------------


async def test_application_submitted_then_rejected_with_reason(app, page):
    w = await _world()
    await Organisation.filter(id=w.hospital2.id).update(may_apply_assessment=True)
    # the institution applies: upload a material, 提交申请
    await _login(page, w.hospital2, "nn1h")
    await _open(page, "/org/application")
    await field(page, "申请说明").fill("本院具备承担考核工作的条件")
    await page.get_by_label("选择申请材料").set_input_files(
        files=[{"name": "资质.png", "mimeType": "image/png", "buffer": _png()}])
    await page.get_by_text("资质.png").wait_for()
    await page.get_by_role("button", name="提交申请").click()
    await page.get_by_text("待卫生健康行政部门审批").wait_for()
    await _clean(page, "申请考核机构")
    await _logout(page)

    # the city administration rejects it
    await _login(page, w.nn_admin, "nn-admin")
    await _open(page, "/assessment-orgs/applications")
    row = _row(page, w.hospital2.name)
    await row.get_by_text("待审批").wait_for()
    await row.get_by_text("查看").click()
    drawer = page.locator(".t-drawer")
    await drawer.locator("img.preview").wait_for()  # the material, fetched with the token
    await page.wait_for_timeout(500)  # let the drawer/dialog animation end for the picture
    await shot(page, "orgs-application-view")
    await drawer.get_by_role("button", name="驳回").click()
    dialog = page.locator(".t-dialog", has_text="驳回原因")
    await dialog.get_by_role("button", name="确定").click()
    await dialog.get_by_text("请填写原因").wait_for()  # the reason is required
    await field(dialog, "驳回原因").fill("材料不全，请补充考核场地证明")
    await dialog.get_by_role("button", name="确定").click()
    await row.get_by_text("已驳回").wait_for()
    await row.get_by_text("材料不全，请补充考核场地证明").wait_for()
    application = await AssessmentApplication.get(org_id=w.hospital2.id)
    assert application.status == ApplicationStatus.REJECTED and application.reason == "材料不全，请补充考核场地证明"
    await _clean(page, "驳回")
    await _logout(page)

    # the institution sees the reason
    await login(page, "nn1h", PASSWORD)
    await page.wait_for_url("**/console/home")
    await page.wait_for_load_state("networkidle")
    await _open(page, "/org/application")
    await page.get_by_text("驳回原因：材料不全，请补充考核场地证明").wait_for()


# --- every page opens for its roles ---------------------------------------------------------

ADMIN_PAGES = ["/accounts/administration", "/accounts/health_institution", "/accounts/industry_org", "/accounts/import",
               "/institutions", "/org/self", "/assessment-orgs", "/assessment-orgs/applications",
               "/assessment-orgs/assign", "/assessment-orgs/industry"]


@pytest.mark.parametrize("who", ["gx_admin", "nn_admin"])
async def test_administration_pages_open(app, page, who):
    w = await _world()
    org = getattr(w, who)
    code = (await StaffAccount.get(org_id=org.id)).code
    await _login(page, org, code)
    for path in ADMIN_PAGES:
        await _open(page, path)
        await page.locator(".t-card").first.wait_for()
        await _clean(page, path)
    # 本机构信息: the administration's three forms
    await _open(page, "/org/self")
    for tab in ("卫健委", "考核管理委员会", "考核办公室"):
        await page.locator(".t-tabs__nav-item", has_text=tab).wait_for()
    # 卫生机构管理 lists the institutions in the jurisdiction; 查看 opens the drawer
    await _open(page, "/institutions")
    await _row(page, w.hospital2.name).get_by_text("查看").click()
    await page.locator(".t-drawer").get_by_text(w.hospital2.name).first.wait_for()
    await _clean(page, "卫生机构管理 查看")
    await page.wait_for_timeout(500)  # let the drawer/dialog animation end for the picture
    await shot(page, f"orgs-institutions-{who}")
    await page.locator(".t-drawer__mask").click()
    await page.locator(".t-drawer--open").wait_for(state="detached")
    if who != "gx_admin":
        return  # the industry organisation sits at the province, outside a city's jurisdiction
    # 行业组织作为考核机构: the switch calls the API
    await _open(page, "/assessment-orgs/industry")
    await _row(page, w.industry.name).locator(".t-switch").click()
    await page.get_by_text(f"“{w.industry.name}”已作为考核机构").wait_for()
    assert (await Organisation.get(id=w.industry.id)).is_assessment_institution
    await _clean(page, "行业组织作为考核机构")


async def test_health_institution_pages_then_assessment_institution(app, page):
    w = await _world()
    await _login(page, w.hospital, "gxmu1")
    for path in ("/org/self", "/org/departments", "/org/application"):
        await _open(page, path)
        await page.locator(".t-card").first.wait_for()
        await _clean(page, path)
    await page.get_by_text("本机构已是考核机构").wait_for()

    # 科室信息: 创建一级科室, then 批量创建 二级科室
    await _open(page, "/org/departments")
    await page.get_by_role("button", name="创建一级科室").click()
    dialog = page.locator(".t-dialog", has_text="确认创建")
    await field(dialog, "科室名称").fill("内科")
    await dialog.get_by_role("button", name="确认创建").click()
    await _row(page, "内科").wait_for()
    await _row(page, "内科").get_by_text("批量创建二级科室").click()
    batch = page.locator(".t-dialog", has_text="批量创建二级科室")
    await batch.locator("textarea").fill("心内科，心血管\n消化内科")
    await batch.get_by_role("button", name="确认创建").click()
    await _row(page, "消化内科").wait_for()
    assert await page.locator("tbody tr").count() == 3
    await _clean(page, "科室信息")
    await page.wait_for_timeout(500)  # let the drawer/dialog animation end for the picture
    await shot(page, "orgs-departments")

    # 本机构信息: 编辑 → 保存 the institution form
    await _open(page, "/org/self")
    await page.get_by_role("button", name="编辑").click()
    await page.locator(".t-form__item", has_text="机构级别").locator(".t-select").click()
    await page.locator(".t-select-option", has_text="三级").click()
    await page.locator(".t-form__item", has_text="机构类别").locator(".t-select").click()
    await page.locator(".t-select-option", has_text="综合医院").click()
    await field(page, "法人").fill("张院长")
    await field(page, "联系人").fill("李主任")
    await field(page, "联系电话").fill("12345")
    await page.get_by_role("button", name="保存").click()
    await page.locator(".t-form__item", has_text="联系电话").locator(".t-input__extra").wait_for()
    await field(page, "联系电话").fill("0771-5356789")
    await page.get_by_role("button", name="保存").click()
    await page.get_by_text("保存成功").wait_for()
    await page.get_by_text("张院长").wait_for()
    await shot(page, "orgs-self-institution")
    org = await Organisation.get(id=w.hospital.id)
    assert org.info["institution"]["phone"] == "0771-5356789" and org.info["institution"]["level"] == "level3"

    # 身份切换 → 考核机构: 已指定卫生机构列表
    await page.get_by_role("button", name="身份切换").click()
    await page.get_by_text("切换为考核机构").click()
    await page.get_by_text(f"{w.hospital.name}（考核机构）").wait_for()
    await page.wait_for_url("**/console/home")
    await page.wait_for_load_state("networkidle")
    await _open(page, "/assessor/institutions")
    await _row(page, w.hospital2.name).wait_for()
    await _clean(page, "已指定卫生机构列表")


async def test_industry_org_sees_its_own_information(app, page):
    w = await _world()
    await _login(page, w.industry, "gx-mda")
    await _open(page, "/org/self")
    await page.get_by_text(w.industry.name).first.wait_for()
    assert await page.locator(".t-tabs__nav-item").count() >= 1
    await _clean(page, "行业组织 本机构信息")
