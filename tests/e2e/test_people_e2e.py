"""The console's people pages in a real browser: 医师信息列表 (批量参加考核 with a failure, one request
per double click; 查看 drawer), 医师导入 with an error report, 医师管理 → 变更卫生机构, 人员调入审核
(驳回 with a reason, 通过), 消息发送记录 → 重发, 绑定微信; every page opens for its roles."""

from __future__ import annotations

import openpyxl
import pytest

from server.models import (
    AssessmentStatus,
    AuditLog,
    Department,
    OutboxMessage,
    OutboxStatus,
    Physician,
    PhysicianTransfer,
    StaffAccount,
    TransferStatus,
)
from server.security import hash_password
from server.services.assessment import reviews
from server.services.registry import transfers
from tests.e2e.helpers import login, shot
from tests.factories import make_physician, make_world
from tests.integration.review_support import open_cycle, staff
from tests.integration.test_registry_import import credit, idn

pytestmark = pytest.mark.e2e

PASSWORD = "Console2026"


async def _ready(org) -> None:
    """an account past its first login"""
    account = await StaffAccount.get(org_id=org.id)
    account.password_hash = await hash_password(PASSWORD)
    account.must_change_password = False
    await account.save()


async def _enter(page, org, code: str) -> None:
    await _ready(org)
    await login(page, code, PASSWORD)
    await page.wait_for_url("**/console/home")
    await page.wait_for_load_state("networkidle")


async def _no_problem(page) -> None:
    toasts = page.locator(".t-message--error")
    assert await toasts.count() == 0, await toasts.all_inner_texts()
    assert not page.watch.problems, page.watch.problems


async def _open(page, path: str) -> None:
    page.watch.clear()
    await page.goto(f"/console{path}")
    await page.wait_for_load_state("networkidle")


def _row(page, text: str):
    return page.locator(".t-table tbody tr", has_text=text)


async def _choose(page, field, text: str) -> None:
    """a TDesign select: open it, type to filter (filterable ones), click the option"""
    await field.click()
    inp = field.locator("input")
    if await inp.count():
        await inp.first.fill(text)
    await page.locator(".t-select-option", has_text=text).first.click()


# --- 医师信息列表 -----------------------------------------------------------------------------------


async def test_batch_include_with_one_failure_and_one_request_per_double_click(app, page):
    w = await make_world()
    cycle = await open_cycle(w.gx, is_current=True)
    a = await make_physician(w.hospital, name="甲医师")
    b = await make_physician(w.hospital, name="乙医师")
    c = await make_physician(w.hospital, name="丙医师")
    await _enter(page, w.hospital, "gxmu1")
    await _open(page, "/physicians")
    await _row(page, "丙医师").wait_for()
    assert await _row(page, "甲医师").locator(".t-tag", has_text="未开通报名").count() == 1
    await _no_problem(page)

    # another call includes 乙医师 after the page loaded: the batch fails for that one only
    await reviews.include_physician(actor=await staff(w.hospital), physician_id=b.id)
    calls: list[str] = []
    page.on("request", lambda r: r.method == "POST" and r.url.endswith("/assessments/physicians/include")
            and calls.append(r.url))
    await page.locator(".t-table thead .t-checkbox").first.click()
    button = page.get_by_role("button", name="批量参加考核（3）")
    async with page.expect_response(lambda r: r.url.endswith("/assessments/physicians/include")) as answer:
        await button.dblclick()
    body = await (await answer.value).json()
    dialog = page.locator(".t-dialog", has_text="批量操作结果")
    await dialog.wait_for()
    summary = await dialog.locator(".summary").inner_text()
    assert "成功 2 条" in summary and "失败 1 条" in summary, summary
    assert [f["id"] for f in body["failed"]] == [b.id]
    failed_row = dialog.locator("tbody tr")
    assert await failed_row.count() == 1
    assert "乙医师" in await failed_row.inner_text()
    assert body["failed"][0]["message"] in await failed_row.inner_text()
    await page.wait_for_timeout(300)
    assert len(calls) == 1, calls  # the double click sent one request
    await dialog.get_by_role("button", name="知道了").click()
    await page.wait_for_load_state("networkidle")
    for p in (a, c):
        assert await _row(page, p.name).locator(".t-tag", has_text="已开通报名").count() == 1
    assert {x.status for x in await cycle.assessments.all()} == {AssessmentStatus.INCLUDED}

    # 查看: the drawer with the numbers as sent (full for the own institution), the link to the assessment
    async with page.expect_response(lambda r: r.url.endswith(f"/physicians/{a.id}")) as detail:
        await _row(page, "甲医师").get_by_text("查看").click()
    sent = await (await detail.value).json()
    drawer = page.locator(".t-drawer", has_text="医师信息")
    await drawer.get_by_text("调动记录").wait_for()
    await drawer.get_by_text("已参加，查看考核进度").wait_for()
    assert sent["id_number"] in await drawer.inner_text()
    await page.wait_for_load_state("networkidle")
    await shot(page, "people-physician-drawer")
    await drawer.get_by_text("已参加，查看考核进度").click()
    assessment = await cycle.assessments.filter(physician_id=a.id).first()
    await page.wait_for_url(f"**/console/progress/{assessment.id}")


async def test_row_cancel_include_and_password_reset(app, page):
    w = await make_world()
    await open_cycle(w.gx, is_current=True)
    p = await make_physician(w.hospital, name="丁医师")
    await reviews.include_physician(actor=await staff(w.hospital), physician_id=p.id)
    await _enter(page, w.hospital, "gxmu1")
    await _open(page, "/physicians")
    row = _row(page, "丁医师")
    await row.get_by_text("取消参加考核").click()
    await row.locator(".t-tag", has_text="未开通报名").wait_for()
    await row.get_by_text("参加考核", exact=True).wait_for()
    await row.get_by_text("密码重置").click()
    await page.locator(".t-popconfirm").get_by_role("button", name="确定").click()
    await page.locator(".t-dialog", has_text="密码已重置").wait_for()
    assert (await Physician.get(id=p.id)).must_change_password is True
    await _no_problem(page)


async def test_move_department_and_export(app, page, tmp_path):
    w = await make_world()
    await open_cycle(w.gx, is_current=True)
    ward = await Department.create(org=w.hospital, name="心内科")
    p1 = await make_physician(w.hospital, name="子医师")
    p2 = await make_physician(w.hospital, name="丑医师")
    await _enter(page, w.hospital, "gxmu1")
    await _open(page, "/physicians")
    await _row(page, "子医师").locator(".t-checkbox").click()
    await _row(page, "丑医师").locator(".t-checkbox").click()
    await page.get_by_role("button", name="调整科室").click()
    dialog = page.locator(".t-dialog", has_text="将已选的 2 名医师调整到")
    await _choose(page, dialog.locator(".t-select"), "心内科")
    await dialog.get_by_role("button", name="确定").click()
    result = page.locator(".t-dialog", has_text="批量操作结果")
    await result.get_by_text("成功 2 条").wait_for()
    await result.get_by_role("button", name="知道了").click()
    await _row(page, "丑医师").get_by_text("心内科").wait_for()
    assert {p.department_id for p in await Physician.filter(id__in=[p1.id, p2.id])} == {ward.id}

    # 导出 with the filters → the job's progress → 下载结果
    await page.locator(".t-form__item", has_text="姓名").locator("input").fill("子医师")
    await page.get_by_role("button", name="查询").click()
    await page.get_by_text("共 1 条数据").wait_for()
    await page.get_by_role("button", name="导出").click()
    job = page.locator(".t-dialog", has_text="任务进度")
    await job.get_by_role("button", name="下载结果").wait_for(timeout=30_000)
    async with page.expect_download() as download:
        await job.get_by_role("button", name="下载结果").click()
    saved = tmp_path / "export.xlsx"
    await (await download.value).save_as(saved)
    cells = [c for row in openpyxl.load_workbook(saved).active.iter_rows(values_only=True) for c in row]
    assert "子医师" in cells and "丑医师" not in cells
    await _no_problem(page)


# --- 医师导入 --------------------------------------------------------------------------------------


async def test_physician_import_with_error_report(app, page, tmp_path):
    w = await make_world()
    w.hospital.credit_code = credit(1)
    await w.hospital.save(update_fields=["credit_code"])
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["姓名", "证件号码", "执业级别", "执业类别", "执业机构统一社会信用代码", "执业机构名称", "科室", "手机号码"])
    sheet.append(["导入甲", idn(1), "执业医师", "临床", w.hospital.credit_code, "", "", ""])
    sheet.append(["导入乙", idn(2), "主任医师", "临床", w.hospital.credit_code, "", "", ""])  # bad 执业级别
    path = tmp_path / "医师.xlsx"
    book.save(path)

    await _enter(page, w.nn_admin, "nn-admin")
    await _open(page, "/physicians/import")
    async with page.expect_download() as template:
        await page.get_by_role("button", name="下载模板").click()
    assert (await template.value).suggested_filename == "医师信息导入模板.xlsx"
    await page.get_by_label("选择导入文件").set_input_files(str(path))
    await page.get_by_role("button", name="开始导入").click()
    await page.get_by_text("成功 1 条，失败 1 条").wait_for(timeout=30_000)
    async with page.expect_download() as report:
        await page.get_by_role("button", name="下载错误报告").click()
    saved = tmp_path / "errors.xlsx"
    await (await report.value).save_as(saved)
    rows = list(openpyxl.load_workbook(saved).active.iter_rows(values_only=True))
    assert rows[0][0] == "行号" and rows[0][-1] == "错误原因"
    assert rows[1][0] == 3 and rows[1][1] == "导入乙" and rows[1][-1] == "执业级别应为：执业医师、执业助理医师"
    assert await Physician.filter(name="导入甲", institution_id=w.hospital.id).exists()
    await _no_problem(page)


# --- 医师管理 → 变更卫生机构 --------------------------------------------------------------------------


async def test_administration_changes_institution(app, page):
    w = await make_world()
    p = await make_physician(w.hospital, name="戊医师")
    await _enter(page, w.nn_admin, "nn-admin")
    await _open(page, "/physicians/all")
    row = _row(page, "戊医师")
    await row.get_by_text(w.hospital.name).wait_for()
    await row.get_by_text("变更卫生机构").click()
    dialog = page.locator(".t-dialog", has_text="新的卫生机构")
    await _choose(page, dialog.locator(".t-select"), w.hospital3.name)
    await dialog.locator("textarea").fill("工作调动")
    await dialog.get_by_role("button", name="确定").click()
    await row.get_by_text(w.hospital3.name).wait_for()
    fresh = await Physician.get(id=p.id)
    assert fresh.institution_id == w.hospital3.id and fresh.region_path == w.hospital3.region_path
    t = await PhysicianTransfer.get(physician_id=p.id)
    assert (t.from_org_id, t.to_org_id, t.note) == (w.hospital.id, w.hospital3.id, "工作调动")
    await row.get_by_text("调动记录").click()
    history = page.locator(".t-dialog", has_text="调动记录")
    await history.locator("tbody tr", has_text="变更卫生机构").wait_for()
    await _no_problem(page)


# --- 人员调动 → 人员调入审核 --------------------------------------------------------------------------


async def test_transfer_in_review_reject_with_reason_and_approve(app, page):
    w = await make_world()
    out = await staff(w.hospital2)
    p1 = await make_physician(w.hospital2, name="己医师")
    p2 = await make_physician(w.hospital2, name="庚医师")
    t1 = await transfers.request_transfer_out(actor=out, id_number=p1.id_number, to_institution_id=w.hospital.id)
    t2 = await transfers.request_transfer_out(actor=out, id_number=p2.id_number, to_institution_id=w.hospital.id)
    await _enter(page, w.hospital, "gxmu1")
    await _open(page, "/transfers/mine?tab=in")
    await _row(page, "庚医师").wait_for()

    await _row(page, "己医师").get_by_text("驳回").click()
    dialog = page.locator(".t-dialog", has_text="驳回理由")
    await dialog.get_by_role("button", name="确定").click()
    await dialog.get_by_text("请填写原因").wait_for()  # a reason is required
    await dialog.locator("textarea").fill("本院无此岗位")
    await dialog.get_by_role("button", name="确定").click()
    await _row(page, "己医师").locator(".t-tag", has_text="已驳回").wait_for()
    assert await _row(page, "己医师").get_by_text("本院无此岗位").count() == 1
    assert await _row(page, "己医师").get_by_text("驳回", exact=True).count() == 0
    rejected = await PhysicianTransfer.get(id=t1.id)
    assert rejected.status == TransferStatus.REJECTED and rejected.decision_reason == "本院无此岗位"
    assert (await Physician.get(id=p1.id)).institution_id == w.hospital2.id

    await _row(page, "庚医师").get_by_text("通过").click()
    await page.locator(".t-popconfirm").get_by_role("button", name="确定").click()
    await _row(page, "庚医师").locator(".t-tag", has_text="已通过").wait_for()
    assert (await PhysicianTransfer.get(id=t2.id)).status == TransferStatus.APPROVED
    assert (await Physician.get(id=p2.id)).institution_id == w.hospital.id
    await _no_problem(page)

    # 人员调出申请 lists only what this institution sent (none here)
    await page.locator(".t-tabs__nav-item", has_text="人员调出申请").click()
    await page.wait_for_load_state("networkidle")
    await page.get_by_text("共 0 条数据").wait_for()
    await _no_problem(page)


async def test_hospital_applies_transfer_out(app, page):
    w = await make_world()
    p = await make_physician(w.hospital, name="辛医师")
    await _enter(page, w.hospital, "gxmu1")
    await _open(page, "/transfers/mine")
    await page.get_by_role("button", name="添加").click()
    dialog = page.locator(".t-dialog", has_text="人员调出申请")
    await dialog.get_by_placeholder("请输入医师的身份证号码").fill(p.id_number)
    await _choose(page, dialog.locator(".t-select"), w.hospital2.name)
    await dialog.get_by_role("button", name="保存").click()
    await _row(page, "辛医师").locator(".t-tag", has_text="待审核").wait_for()
    t = await PhysicianTransfer.get(physician_id=p.id)
    assert (t.from_org_id, t.to_org_id, t.status) == (w.hospital.id, w.hospital2.id, TransferStatus.PENDING)
    await _no_problem(page)


async def test_holding_in_applied_by_hospital_and_filed_by_province(app, page):
    w = await make_world()
    p = await make_physician(w.hospital, name="寅医师")
    await _enter(page, w.hospital, "gxmu1")
    await _open(page, "/transfers/mine?tab=holding")
    await page.get_by_role("button", name="调入暂存区申请").click()
    dialog = page.locator(".t-dialog", has_text="调入暂存区的原因")
    await dialog.get_by_placeholder("请输入医师的身份证号码").fill(p.id_number)
    await dialog.get_by_role("button", name="保存").click()
    await dialog.get_by_text("请选择调入暂存区的原因").wait_for()  # the reason is required
    await dialog.get_by_text("退休（不再执业）").click()
    await dialog.get_by_role("button", name="保存").click()
    await _row(page, "寅医师").locator(".t-tag", has_text="待审核").wait_for()
    assert await _row(page, "寅医师").get_by_text("通过").count() == 0  # the province decides
    await _no_problem(page)

    await page.goto("/console/login")
    await _enter(page, w.gx_admin, "gx-admin")
    await _open(page, "/transfers")
    row = _row(page, "寅医师")
    await row.get_by_text("退休（不再执业）").wait_for()
    await row.get_by_text("通过").click()
    await page.locator(".t-popconfirm").get_by_role("button", name="确定").click()
    await row.locator(".t-tag", has_text="已通过").wait_for()
    fresh = await Physician.get(id=p.id)
    assert fresh.registry_status.value == "holding" and fresh.institution_id is None
    await _no_problem(page)


# --- 消息发送记录 ----------------------------------------------------------------------------------


async def test_outbox_resend_failed_message(app, page):
    w = await make_world()
    p = await make_physician(w.hospital2, name="壬医师", phone="13912345678")
    failed = await OutboxMessage.create(channel="sms", recipient_type="physician", recipient_id=p.id,
                                        address="13912345678", template="ai_confirm_results", attempts=5,
                                        status=OutboxStatus.FAILED, last_error="provider: 签名未审核")
    await _enter(page, w.gx_admin, "gx-admin")
    await _open(page, "/outbox?status=failed")
    row = _row(page, "壬医师")
    await row.get_by_text("签名未审核").wait_for()
    assert "139****5678" in await row.inner_text()
    await row.get_by_text("重发").click()
    await page.get_by_text("已重新加入发送队列").wait_for()
    fresh = await OutboxMessage.get(id=failed.id)
    assert fresh.status != OutboxStatus.FAILED or fresh.attempts < 5
    assert await AuditLog.filter(action="outbox.resend", target_id=str(failed.id)).count() == 1
    await page.get_by_role("button", name="重置").click()
    await page.wait_for_load_state("networkidle")
    assert await _row(page, "壬医师").get_by_text("重发").count() == (1 if fresh.status == OutboxStatus.FAILED else 0)
    await _no_problem(page)


# --- 绑定微信 ------------------------------------------------------------------------------------


async def test_wechat_binding_shows_state_qrcode_and_unbinds(app, page):
    w = await make_world()
    await _enter(page, w.hospital2, "nn1h")
    await _open(page, "/wechat")
    await page.get_by_text("未绑定").wait_for()
    await page.get_by_role("button", name="生成绑定二维码").click()
    await page.locator(".qr canvas").wait_for()
    await page.get_by_text("请使用微信扫描二维码").wait_for()
    await _no_problem(page)
    # the scan arrives (the callback's own test covers it): the page polls and shows the binding
    await StaffAccount.filter(org_id=w.hospital2.id).update(wechat_openid="oAbCdEfGhIjKlMnOp")
    await page.get_by_text("绑定成功").wait_for(timeout=10_000)
    await page.get_by_text("已绑定").wait_for()
    await page.get_by_text("oAbC****MnOp").wait_for()
    await page.get_by_role("button", name="解除绑定").click()
    await page.locator(".t-popconfirm").get_by_role("button", name="确定").click()
    await page.get_by_text("未绑定").wait_for()
    assert (await StaffAccount.get(org_id=w.hospital2.id)).wechat_openid is None
    await _no_problem(page)


# --- every page opens for its roles --------------------------------------------------------------


async def _walk(page, paths: list[str]) -> None:
    for path in paths:
        await _open(page, path)
        await page.locator(".t-card, .t-tabs").first.wait_for()
        assert "页面建设中" not in await page.content(), path
        await _no_problem(page)


async def test_pages_open_for_their_roles(app, page):
    w = await make_world()
    await open_cycle(w.gx, is_current=True)
    await make_physician(w.hospital, name="癸医师")
    await _enter(page, w.gx_admin, "gx-admin")
    await _walk(page, ["/physicians/all", "/transfers", "/physicians/import", "/outbox", "/wechat"])
    await page.goto("/console/login")
    await _enter(page, w.hospital, "gxmu1")
    await _walk(page, ["/physicians", "/physicians/import", "/transfers/mine?tab=out", "/transfers/mine?tab=in",
                       "/transfers/mine?tab=holding", "/wechat"])
    await page.goto("/console/login")
    await _enter(page, w.industry, "gx-mda")
    await _walk(page, ["/wechat"])
