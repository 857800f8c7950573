"""The console's settings, question bank and proctoring pages in a real browser: 监考管理 photos
(blob images), 最低相似度, 标记/撤销 by role; 本周期考核设置 saved by the province, refused with the
server's message on the field, read-only below the province; 试题 import and 停用; every page opens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from server.models import Assessment, Cycle, ExemptionReason, ProctoringMark, Question, StaffAccount
from server.security import hash_password
from tests.e2e.helpers import login, open_menu, shot
from tests.factories import make_world
from tests.integration.exam_support import enrolled, humanities_bank, make_cycle
from tests.integration.proctoring_support import add_checks

pytestmark = pytest.mark.e2e

PASSWORD = "Console2026"


async def _ready(*orgs) -> None:
    """accounts past their first login"""
    for org in orgs:
        account = await StaffAccount.get(org_id=org.id)
        account.password_hash = await hash_password(PASSWORD)
        account.must_change_password = False
        await account.save()


async def _as(page, code: str, path: str) -> None:
    """log in (logging out whoever is in) and open a page"""
    if "/console/" in page.url and "/login" not in page.url:
        await page.get_by_role("button", name="退出").click()
        await page.wait_for_url("**/console/login**")
    await login(page, code, PASSWORD)
    await page.wait_for_url("**/console/home")
    await page.wait_for_load_state("networkidle")
    if path != "/home":
        await page.goto(f"/console{path}")
        await page.wait_for_load_state("networkidle")
    page.watch.clear()  # the browser's own /favicon.ico (404) on a fresh load


async def _confirm(page) -> None:
    """the open t-popconfirm's 确定"""
    await page.locator(".t-popconfirm .t-button", has_text="确定").last.click()


def _row(page, text: str):
    return page.locator("tbody tr", has_text=text)


async def _no_problems(page) -> None:
    toasts = page.locator(".t-message.t-is-error")
    assert await toasts.count() == 0, await toasts.all_inner_texts()
    assert not page.watch.problems, page.watch.problems


# --- 监考管理 ------------------------------------------------------------------------------------------


async def test_proctoring_photos_similarity_filter_and_marks_by_role(app, page):
    w = await make_world()
    cycle = await make_cycle(w)
    low_p, low = await enrolled(cycle, w.hospital2, name="张低分")
    high_p, high = await enrolled(cycle, w.hospital2, name="李高分")
    await add_checks(low, [(0.92, "passed", True), (0.45, "low_similarity", False), (None, "no_face", False)])
    await add_checks(high, [(0.88, "passed", True), (0.81, "passed", True)])
    await _ready(w.hospital2, w.hospital, w.nn_admin)

    # the health institution: both examinees, then 最低相似度 ≤ 0.5 leaves the low one
    await _as(page, "nn1h", "/proctoring/marks")
    await _row(page, "李高分").wait_for()
    assert await page.locator("tbody tr").count() == 2
    await page.locator(".filters .t-input-number input").fill("0.5")
    await page.get_by_role("button", name="查询").click()
    await page.wait_for_url("**max_similarity=0.5**")
    await _row(page, "李高分").wait_for(state="detached")
    assert await page.locator("tbody tr").count() == 1
    await _row(page, "张低分").wait_for()
    assert "45.0%" in await _row(page, "张低分").inner_text()

    # 照片: three checks, two stored images shown from blob: URLs that loaded, with similarity and time
    await _row(page, "张低分").get_by_text("照片").click()
    dialog = page.locator(".t-dialog", has_text="监考照片")
    await dialog.wait_for()
    imgs = dialog.locator("img")
    await page.wait_for_function("document.querySelectorAll('.t-dialog img').length === 3")  # every check's image
    await page.wait_for_function(
        "[...document.querySelectorAll('.t-dialog img')].every(i => i.complete && i.naturalWidth > 0)")
    srcs = [await imgs.nth(i).get_attribute("src") for i in range(await imgs.count())]
    assert all(s.startswith("blob:") for s in srcs), srcs
    text = await dialog.inner_text()
    assert "92.0%" in text and "45.0%" in text and "相似度过低" in text
    assert datetime.now().strftime("%Y-%m-%d") in text or str(datetime.now(UTC).date()) in text
    await page.wait_for_timeout(200)
    await shot(page, "setup-proctoring-photos")
    await _no_problems(page)
    await dialog.locator(".t-dialog__close").click()
    await dialog.wait_for(state="hidden")
    revoked = await page.evaluate("async (u) => { try { await fetch(u); return false } catch { return true } }", srcs[0])
    assert revoked, "object URLs are revoked on close"
    page.watch.clear()  # that fetch of a revoked URL is logged as a failure

    # 标记 by the health institution; it has no 撤销
    await _row(page, "张低分").get_by_text("标记").click()
    await _confirm(page)
    await _row(page, "张低分").locator(".t-tag", has_text="疑似作弊").wait_for()
    assert await ProctoringMark.filter(assessment_id=low.id, suspected=True).exists()
    assert await _row(page, "张低分").get_by_text("撤销").count() == 0

    # the assessment institution (w.hospital assesses hospital2): sees the mark, no 撤销
    await _as(page, "gxmu1", "/home")
    await page.get_by_role("button", name="身份切换").click()
    await page.get_by_text("切换为考核机构").click()
    await page.get_by_text(f"{w.hospital.name}（考核机构）").wait_for()
    await page.wait_for_load_state("networkidle")
    await open_menu(page, "/proctoring/marks")
    await _row(page, "张低分").locator(".t-tag", has_text="疑似作弊").wait_for()
    await _row(page, "李高分").get_by_text("标记").wait_for()
    assert await page.get_by_text("撤销", exact=True).count() == 0
    await _no_problems(page)

    # 撤销 by the city administration (the server opens 撤销 to administrations only)
    await _as(page, "nn-admin", "/proctoring")
    await _row(page, "张低分").get_by_text("撤销").click()
    await _confirm(page)
    await _row(page, "张低分").get_by_text("标记").wait_for()
    assert await _row(page, "张低分").locator(".t-tag", has_text="疑似作弊").count() == 0
    assert not await ProctoringMark.filter(assessment_id=low.id, suspected=True).exists()
    await _no_problems(page)

    # 处理 (administrations): a required reason, then 违纪不合格, listed in 违纪处理记录 with the reason
    await _row(page, "张低分").get_by_text("处理", exact=True).click()
    reason = page.locator(".t-dialog", has_text="处理为违纪不合格")
    await reason.locator("textarea").fill("抓拍照片显示他人代考")
    await reason.get_by_role("button", name="确定").click()
    await _row(page, "张低分").locator(".t-tag", has_text="违纪不合格").wait_for()
    assert (await Assessment.get(id=low.id)).violation is True
    await open_menu(page, "/proctoring/violations")
    await _row(page, "张低分").get_by_text("抓拍照片显示他人代考").wait_for()
    assert await page.locator("tbody tr").count() == 1
    await _no_problems(page)


# --- 本周期考核设置 -----------------------------------------------------------------------------------


async def _window(page, label: str, start: str, end: str) -> None:
    """type a window into its two pickers"""
    inputs = page.locator(".t-form__item", has_text=label).locator("input")
    for i, value in ((0, start), (1, end)):
        await inputs.nth(i).click()
        await page.wait_for_timeout(300)  # the opening popup resets the input to the picker's value: wait for it
        await inputs.nth(i).fill(value)
        await inputs.nth(i).press("Enter")
        await page.locator(".t-card__title", has_text="考核时间设置").click()  # close the picker
        await page.wait_for_timeout(300)  # its closing animation, before the next picker opens
        assert await inputs.nth(i).input_value() == value


async def test_cycle_settings_province_saves_refusal_on_field_city_read_only(app, page):
    w = await make_world()
    cycle = await make_cycle(w)
    await _ready(w.gx_admin, w.nn_admin)

    await _as(page, "gx-admin", "/settings/cycle")
    await page.get_by_text("考核时间设置").wait_for()
    await _window(page, "报名时间", "2025-03-01 08:00:00", "2025-03-31 18:00:00")
    await page.get_by_role("button", name="保存时间设置").click()
    await page.locator(".t-message.t-is-success", has_text="保存成功").wait_for()
    saved = await Cycle.get(id=cycle.id)
    cst = timezone(timedelta(hours=8))
    assert saved.enrol_start == datetime(2025, 3, 1, 8, tzinfo=cst)
    assert saved.enrol_end == datetime(2025, 3, 31, 18, tzinfo=cst)
    await _no_problems(page)

    # a 评定 window ending before it starts: the server's message on that field, nothing saved
    await _window(page, "评定时间", "2025-05-01 08:00:00", "2025-04-01 08:00:00")
    await page.get_by_role("button", name="保存时间设置").click()
    item = page.locator(".t-form__item", has_text="评定时间")
    await item.get_by_text("评定开始时间必须早于结束时间").wait_for()
    await shot(page, "setup-cycle-settings-refused")
    after = await Cycle.get(id=cycle.id)
    assert after.evaluation_start is None and after.evaluation_end is None
    assert after.enrol_start == saved.enrol_start
    page.watch.clear()  # the 422 itself

    # 考核内容: an empty 职业道德 is refused by the schema (422 details → the field); 考试参数 saved per paper
    items = page.locator(".t-card", has_text="考核内容")
    await items.locator(".t-form__item", has_text="职业道德").locator("textarea").fill("")
    await items.get_by_role("button", name="保存").click()
    await items.locator(".t-form__item", has_text="职业道德").get_by_text("职业道德至少1项").wait_for()
    assert (await Cycle.get(id=cycle.id)).evaluation_items == after.evaluation_items  # nothing saved
    page.watch.clear()
    exam = page.locator(".t-col", has_text="人文医学")
    await exam.locator(".t-form__item", has_text="题量").locator("input").fill("60")
    await exam.get_by_role("button", name="保存").click()
    await page.locator(".t-message.t-is-success", has_text="保存成功").last.wait_for()
    settings = (await Cycle.get(id=cycle.id)).exam_settings
    assert settings["humanities"]["question_count"] == 60 and settings["professional"]["question_count"] == 100
    await _no_problems(page)

    # the city administration reads the same settings, without a 保存 button
    await _as(page, "nn-admin", "/settings/cycle")
    await page.get_by_text("当前为只读").wait_for()
    await page.get_by_text("考核时间设置").wait_for()
    assert await page.get_by_role("button", name="保存时间设置").count() == 0
    assert await page.get_by_role("button", name="保存").count() == 0
    value = await page.locator(".t-form__item", has_text="报名时间").locator("input").first.input_value()
    assert value.startswith("2025-03-01 08:00")
    await shot(page, "setup-cycle-settings-city")
    await _no_problems(page)


# --- 试题: import and 停用 ------------------------------------------------------------------------------


def _question_row(code: str, **cells: str) -> list[str]:
    from server.services.cycles.question_import import HEADERS

    values = {"题目编码": code, "试卷类型": "人文医学", "知识点": "卫生法律法规", "题型": "单选题", "题干": f"题干{code}",
              "选项A": "甲", "选项B": "乙", "选项C": "丙", "选项D": "丁", "正确答案": "B", "难度": "中", "状态": "启用"}
    values.update(cells)
    return [values.get(h, "") for h in HEADERS]


async def test_question_import_with_error_report_then_disable(app, page):
    from server.services.cycles.question_import import HEADERS
    from server.services.platform.excel import write_rows

    w = await make_world()
    await make_cycle(w)
    await _ready(w.gx_admin)
    data = write_rows(HEADERS, [_question_row("E2E-001"), _question_row("E2E-002", 题型="多选题", 正确答案="A,C"),
                                _question_row("E2E-BAD", 试卷类型="技能")])

    await _as(page, "gx-admin", "/question-bank/questions")
    await page.get_by_role("button", name="导入").click()
    dialog = page.locator(".t-dialog", has_text="导入试题")
    await dialog.wait_for()
    async with page.expect_download() as template:
        await dialog.get_by_role("button", name="下载模板").click()
    assert (await template.value).suggested_filename == "试题导入模板.xlsx"
    await dialog.get_by_label("选择导入文件").set_input_files(
        files=[{"name": "试题.xlsx", "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "buffer": data}])
    await dialog.get_by_role("button", name="开始导入").click()
    await dialog.get_by_text("成功 2 条，失败 1 条").wait_for(timeout=30_000)
    await dialog.get_by_role("button", name="下载错误报告").wait_for()
    await shot(page, "setup-question-import")
    await dialog.locator(".t-dialog__close").click()
    await _row(page, "E2E-002").wait_for()  # the list reloaded
    assert set(await Question.all().values_list("code", flat=True)) == {"E2E-001", "E2E-002"}

    # 停用 (a popconfirm), then the row shows 停用 and offers 启用
    await _row(page, "E2E-001").get_by_text("停用", exact=True).click()
    await _confirm(page)
    await _row(page, "E2E-001").get_by_text("启用", exact=True).wait_for()
    assert (await Question.get(code="E2E-001")).active is False
    assert (await Question.get(code="E2E-002")).active is True

    # 修改 the stem; 导出 downloads the list as .xlsx
    await _row(page, "E2E-002").get_by_text("修改", exact=True).click()
    editor = page.locator(".t-dialog", has_text="修改试题")
    await editor.get_by_label("题干").locator("textarea").fill("修改后的题干")
    await editor.get_by_role("button", name="保存").click()
    await _row(page, "修改后的题干").wait_for()
    assert (await Question.get(code="E2E-002")).stem == "修改后的题干"
    async with page.expect_download() as exported:
        await page.get_by_role("button", name="导出").click()
    assert (await exported.value).suggested_filename == "试题导出.xlsx"
    await _no_problems(page)
    await shot(page, "setup-questions")


# --- every page of this part opens for its roles ---------------------------------------------------------


async def _visit(page, path: str) -> None:
    page.watch.clear()
    await open_menu(page, path)
    await page.wait_for_url(f"**/console{path}*")
    await page.wait_for_load_state("networkidle")
    await _no_problems(page)


async def test_pages_open_for_province_city_and_institutions(app, page):
    w = await make_world()
    cycle = await make_cycle(w)
    await humanities_bank(per_kp=12)
    _, a = await enrolled(cycle, w.hospital2, name="王考生")
    await add_checks(a, [(0.66, "passed", True)])
    await _ready(w.gx_admin, w.nn_admin, w.hospital2, w.hospital)

    await _as(page, "gx-admin", "/home")
    for path in ("/settings/cycle", "/settings/exemption", "/question-bank/questions", "/question-bank/knowledge-points",
                 "/question-bank/plans", "/question-bank/draw", "/proctoring", "/proctoring/violations"):
        await _visit(page, path)
        if path == "/question-bank/plans":
            await page.get_by_text("试卷题量").first.wait_for()
            await shot(page, "setup-paper-plans")
        if path == "/question-bank/draw":
            await page.get_by_role("button", name="抽取试卷").click()
            await _confirm(page)
            job = page.locator(".t-dialog", has_text="任务进度")
            await job.get_by_text("已处理 1/1").wait_for(timeout=30_000)
            await job.locator(".t-dialog__close").click()
        if path == "/question-bank/knowledge-points":
            await page.get_by_role("cell", name="医学伦理").wait_for()
        if path == "/proctoring":
            await _row(page, "王考生").wait_for()
            assert await page.evaluate("document.documentElement.scrollWidth") <= 1366  # the table scrolls inside
            await shot(page, "setup-proctoring-list")

    # 免考设置 by the province: add a reason, open the 人文医学 application
    await _visit(page, "/settings/exemption")
    card = page.locator('[data-paper="humanities"]')
    await card.get_by_role("button", name="添加免考理由").click()
    await page.locator(".t-dialog textarea").fill("在援外医疗队工作")
    await page.locator(".t-dialog").get_by_role("button", name="确认").click()
    await card.get_by_text("在援外医疗队工作").wait_for()
    await card.get_by_role("button", name="开启申请").click()
    await _confirm(page)
    await card.get_by_text("申请已开启").wait_for()
    assert (await Cycle.get(id=cycle.id)).humanities_exemption_open is True
    await card.get_by_role("button", name="添加免考理由").click()
    await page.locator(".t-dialog textarea").fill("临时理由")
    await page.locator(".t-dialog").get_by_role("button", name="确认").click()
    await _row(card, "临时理由").get_by_text("编辑").click()
    await page.locator(".t-dialog textarea").fill("临时理由（已改）")
    await page.locator(".t-dialog").get_by_role("button", name="确认").click()
    await _row(card, "临时理由（已改）").get_by_text("删除").click()
    await _confirm(page)
    await _row(card, "临时理由").wait_for(state="detached")
    assert await ExemptionReason.filter(cycle_id=cycle.id).values_list("text", flat=True) == ["在援外医疗队工作"]
    await _no_problems(page)
    await shot(page, "setup-exemption")

    # the city administration: settings read-only, no 题库管理 (the server keeps banks to national/province)
    await _as(page, "nn-admin", "/home")
    for path in ("/settings/cycle", "/settings/exemption", "/proctoring", "/proctoring/violations"):
        await _visit(page, path)
    await open_menu(page, "/settings/exemption")
    await page.get_by_text("在援外医疗队工作").wait_for()
    assert await page.get_by_role("button", name="添加免考理由").count() == 0
    assert await page.get_by_text("删除", exact=True).count() == 0
    assert await page.locator(".t-menu").get_by_text("题库管理").count() == 0

    # the health institution and the assessment institution: 监考管理
    await _as(page, "nn1h", "/home")
    await _visit(page, "/proctoring/marks")
    await _row(page, "王考生").wait_for()
    await _as(page, "gxmu1", "/home")
    await page.get_by_role("button", name="身份切换").click()
    await page.get_by_text("切换为考核机构").click()
    await page.get_by_text(f"{w.hospital.name}（考核机构）").wait_for()
    await page.wait_for_load_state("networkidle")
    await _visit(page, "/proctoring/marks")
    await _row(page, "王考生").wait_for()


async def test_province_creates_the_cycle_national_reads_a_province(app, page):
    w = await make_world()
    await _ready(w.gx_admin, w.national)
    await _as(page, "gx-admin", "/settings/cycle")
    await page.get_by_text("本省尚未设置当前考核周期").wait_for()
    page.watch.clear()  # the 404 that says so
    await page.locator(".t-form__item", has_text="周期名称").locator("input").fill("2026-2028周期")
    dates = page.locator(".t-form__item", has_text="考核周期").locator("input")
    for i, value in ((0, "2026-01-01"), (1, "2028-12-31")):
        await dates.nth(i).click()
        await page.wait_for_timeout(300)  # the opening popup resets the input to the picker's value: wait for it
        await dates.nth(i).fill(value)
        await dates.nth(i).press("Enter")
        await page.get_by_text("本省尚未设置当前考核周期").click()  # close the picker
        await page.wait_for_timeout(300)  # its closing animation, before the next picker opens
        assert await dates.nth(i).input_value() == value
    await page.get_by_role("button", name="新建本周期").click()
    await page.get_by_text("考核时间设置").wait_for()
    cycle = await Cycle.get(province_id=w.gx.id, is_current=True)
    assert (cycle.name, str(cycle.start_date), str(cycle.end_date)) == ("2026-2028周期", "2026-01-01", "2028-12-31")
    await _no_problems(page)

    # the national office: picks a province and reads it; 题库管理 without 组卷蓝图/抽题 (province pages)
    await _as(page, "national", "/home")
    await _visit(page, "/settings/cycle")
    await page.get_by_text("本周期考核设置（广西壮族自治区）").wait_for()
    assert await page.get_by_role("button", name="保存时间设置").count() == 0
    for path in ("/settings/exemption", "/question-bank/questions", "/question-bank/knowledge-points", "/proctoring"):
        await _visit(page, path)
    assert await page.locator('.t-menu__item[data-path="/question-bank/plans"]').count() == 0
