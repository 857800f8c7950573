"""The console's 考核进度统计 / 考核结果统计, 考试进展导出 and 导出记录 in a real browser: the empty
state before the first 刷新统计, the refresh job, the table with the seeded numbers, 统计时间 and the
非实时 notice, the charts, and the Excel files (opened with openpyxl)."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from server.models import Job, JobStatus
from server.security import mask_id_number
from tests.e2e.helpers import login, open_menu, shot
from tests.e2e.test_console_e2e import PASSWORD, _no_error_toast, _ready
from tests.factories import make_physician
from tests.integration.test_statistics import seed_fixture

pytestmark = pytest.mark.e2e

TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
# seed_fixture's 广西, per child region: the non-zero columns in the page's order (在册医师, 参加考核,
# the statuses 未开通报名 已开通报名 待考核机构确认 待卫生机构评定 待考核机构复核 待参加测评 不合格
# 已退出当前周期, then 免考-免考通过 and 延期-待卫生机构审批)
PROGRESS_ROWS = {
    "南宁市": ["10", "8", "2", "1", "2", "1", "1", "1", "1", "1", "1", "1"],
    "柳州市": ["2", "2", "0", "0", "0", "0", "0", "1", "1", "0", "0", "0"],
    "合计": ["12", "10", "2", "1", "2", "1", "1", "2", "2", "1", "1", "1"],
}


def _read(path) -> list[tuple]:
    with open(path, "rb") as f:  # the download's file has no extension
        return list(load_workbook(f, read_only=True).active.iter_rows(values_only=True))


async def _cells(row) -> list[str]:
    return [t.strip() for t in await row.locator("td").all_inner_texts()]


async def _open(page, path: str) -> None:
    page.watch.clear()
    await open_menu(page, path)
    await page.wait_for_url(f"**/console{path}")


async def _refresh_from_empty_state(page, title: str) -> None:
    """the page before any statistics: the empty state with 刷新统计 (no error), then the job"""
    empty = page.locator(".t-empty", has_text="暂无统计结果")
    await empty.wait_for()
    assert f"尚未进行{title}" in await empty.inner_text()
    await page.wait_for_load_state("networkidle")
    await _no_error_toast(page)
    assert not page.watch.problems, page.watch.problems  # the 404 is the empty state, not an error
    await empty.get_by_role("button", name="刷新统计").click()
    when = page.get_by_test_id("computed-at")
    await when.wait_for(timeout=30_000)
    assert TIME.match(await when.inner_text()), await when.inner_text()
    assert await page.get_by_text("非实时统计").is_visible()
    assert await page.get_by_text("此功能不是实时统计，请操作时注意系统展示的统计时间").is_visible()
    await page.locator(".stats-charts canvas").first.wait_for()


async def _excel(page) -> list[tuple]:
    async with page.expect_download() as download_info:
        await page.get_by_role("button", name="下载Excel").click()
    download = await download_info.value
    path = await download.path()
    assert download.suggested_filename.endswith(".xlsx"), download.suggested_filename
    return _read(path)


async def _row_of(rows: list[tuple], first: str, name: str = "") -> dict:
    header = rows[1]
    row = next(r for r in rows if r[0] == first and (not name or r[1] == name))
    return dict(zip(header, row, strict=False))


async def test_statistics_refresh_table_charts_and_excel(app, page):
    from playwright.async_api import expect  # (the e2e conftest skips these tests without playwright)

    fx = await seed_fixture()
    await _ready(fx.w.gx_admin)
    await login(page, "gx-admin", PASSWORD)
    await page.wait_for_url("**/console/home")

    # 考核进度统计
    await _open(page, "/statistics/progress")
    await _refresh_from_empty_state(page, "考核进度统计")
    table = page.locator(".t-table")
    for name, counts in PROGRESS_ROWS.items():
        row = table.locator("tfoot tr" if name == "合计" else "tbody tr", has_text=name).first
        assert await _cells(row) == [name, *counts], name
    head = await table.locator("thead").inner_text()
    for label in ("在册医师", "参加考核", "考核状态", "未开通报名", "待考核机构确认", "免考", "免考通过", "延期"):
        assert label in head, label
    await page.wait_for_load_state("networkidle")
    await shot(page, "statistics-progress")
    # per institution
    await page.get_by_text("按机构").click()
    row = table.locator("tbody tr", has_text=fx.w.hospital2.name)
    assert (await _cells(row))[:4] == [fx.w.hospital2.name, "青秀区", "7", "5"]
    assert await table.locator("tbody tr").count() == 4
    name = page.get_by_placeholder("输入机构名称筛选")
    await name.fill("柳州")
    await name.press("Enter")
    await expect(table.locator("tbody tr")).to_have_count(1)
    assert (await _cells(table.locator("tbody tr")))[:3] == [fx.w.lz_hospital.name, "城中区", "2"]
    await name.fill("")
    # 下载Excel: the snapshot with its 统计时间
    rows = await _excel(page)
    assert "统计时间" in rows[0][0] and "不是实时统计" in rows[0][0]
    assert (await _row_of(rows, "合计"))["在册医师"] == 12
    assert (await _row_of(rows, "地区", "南宁市"))["参加考核"] == 8
    assert (await _row_of(rows, "机构", fx.w.hospital2.name))["待考核机构确认"] == 2
    await _no_error_toast(page)
    assert not page.watch.problems, page.watch.problems

    # 考核结果统计: 简易程序 / 一般程序, the pie of 结果分布
    await _open(page, "/statistics/results")
    await _refresh_from_empty_state(page, "考核结果统计")
    await page.get_by_text("结果分布").wait_for()
    assert await page.locator(".stats-charts canvas").count() >= 2  # the bars and the pie
    head = await table.locator("thead").inner_text()
    for label in ("简易程序", "一般程序", "进行中", "不合格", "未选择程序", "其中：免考", "合计"):
        assert label in head, label
    total = await _cells(table.locator("tfoot tr"))
    assert total[0] == "合计" and total[-1] == "11", total
    nanning = await _cells(table.locator("tbody tr", has_text="南宁市"))
    assert nanning[-1] == "9", nanning  # 11 assessments: 9 in 南宁市, 2 in 柳州市
    await page.wait_for_load_state("networkidle")
    await shot(page, "statistics-results")
    rows = await _excel(page)
    assert (await _row_of(rows, "合计"))["合计"] == 11
    assert (await _row_of(rows, "合计"))["简易程序-不合格"] == 1
    await _no_error_toast(page)
    assert not page.watch.problems, page.watch.problems


async def _download_rows(page, link) -> list[tuple]:
    async with page.expect_download() as download_info:
        await link.click()
    download = await download_info.value
    path = await download.path()
    assert download.suggested_filename.endswith(".xlsx"), download.suggested_filename
    return _read(path)


def _people(rows: list[tuple]) -> set[tuple[str, str]]:
    header = rows[0]
    name, id_number = header.index("姓名"), header.index("证件号码")
    return {(r[name], r[id_number]) for r in rows[1:]}


async def test_exam_progress_export_downloaded_from_dialog_and_records(app, page):
    fx = await seed_fixture()
    await _ready(fx.w.gx_admin)
    e, ll = fx.physicians["e"], fx.physicians["l"]  # the two 待参加测评 of 广西's cycle
    expected = {(e.name, mask_id_number(e.id_number)), (ll.name, mask_id_number(ll.id_number))}
    await login(page, "gx-admin", PASSWORD)
    await page.wait_for_url("**/console/home")
    await _open(page, "/progress/exam-export")
    await page.get_by_text("先申请，再导出").wait_for()

    # 申请导出 → the job → 下载结果 from the dialog
    await page.get_by_role("button", name="申请导出").click()
    dialog = page.locator(".t-dialog", has_text="任务进度")
    result = dialog.get_by_role("button", name="下载结果")
    await result.wait_for(timeout=30_000)
    rows = await _download_rows(page, result)
    assert rows[0][:2] == ("姓名", "证件号码") and "人文医学" in rows[0]
    assert _people(rows) == expected
    assert all("*" in id_number for _, id_number in _people(rows))  # masked, as in the lists
    await dialog.locator(".t-dialog__close").click()

    # with a filter: 简易程序 only
    await page.locator(".t-form__item", has_text="考核程序").locator(".t-select").click()
    await page.locator(".t-select-option", has_text="简易程序").click()
    await page.get_by_role("button", name="申请导出").click()
    await result.wait_for(timeout=30_000)
    assert _people(await _download_rows(page, result)) == {(ll.name, mask_id_number(ll.id_number))}
    await dialog.locator(".t-dialog__close").click()
    await page.locator("tbody tr", has_text="已完成").nth(1).wait_for()  # 最近的考试进展导出
    await dialog.wait_for(state="hidden")
    await shot(page, "exam-progress-export")

    # 导出记录: both, 已完成, 下载 again (the older one: no filter)
    await _open(page, "/exports")
    records = page.locator("tbody tr", has_text="考试进展导出")
    await records.nth(1).wait_for()
    assert await records.count() == 2
    assert "已完成" in await records.nth(1).inner_text()
    assert _people(await _download_rows(page, records.nth(1).get_by_text("下载", exact=True))) == expected
    await page.wait_for_load_state("networkidle")
    await shot(page, "export-records")
    await _no_error_toast(page)
    assert not page.watch.problems, page.watch.problems


async def test_hospital_and_assessment_institution_statistics(app, page):
    from playwright.async_api import expect  # (the e2e conftest skips these tests without playwright)

    fx = await seed_fixture()
    w = fx.w
    await _ready(w.hospital)
    await login(page, "gxmu1", PASSWORD)
    await page.wait_for_url("**/console/home")
    # 卫生机构: itself only, no 按地区
    await _open(page, "/statistics/progress")
    await _refresh_from_empty_state(page, "考核进度统计")
    assert await page.get_by_text("按地区").count() == 0
    assert await _cells(page.locator("tbody tr")) == [w.hospital.name, "青秀区", "2", "2", "1", "1", "1"]
    # a new physician shows after the next 刷新统计 (header button), not before: not real time
    await make_physician(w.hospital, n=99)
    before = await page.get_by_test_id("computed-at").inner_text()
    await page.wait_for_timeout(1100)  # 统计时间 is to the second
    await page.locator(".t-card__actions").get_by_role("button", name="刷新统计").click()
    await expect(page.get_by_test_id("computed-at")).not_to_have_text(before, timeout=30_000)
    await expect(page.locator("tbody tr td").nth(2)).to_have_text("3")
    assert await _cells(page.locator("tbody tr")) == [w.hospital.name, "青秀区", "3", "2", "1", "1", "1", "1"]
    await _open(page, "/statistics/results")
    await _refresh_from_empty_state(page, "考核结果统计")
    await _no_error_toast(page)
    assert not page.watch.problems, page.watch.problems

    # 考核机构: its assigned institutions (itself and 南宁市第一人民医院)
    await page.get_by_role("button", name="身份切换").click()
    await page.get_by_text("切换为考核机构").click()
    await page.get_by_text(f"{w.hospital.name}（考核机构）").wait_for()
    await page.wait_for_url("**/console/home")
    for path, title in (("/statistics/progress", "考核进度统计"), ("/statistics/results", "考核结果统计")):
        await _open(page, path)
        await _refresh_from_empty_state(page, title)  # the health institution's snapshot is not this role's
        names = {(await _cells(r))[0] for r in await page.locator("tbody tr").all()}
        assert names == {w.hospital.name, w.hospital2.name}, names
        await _no_error_toast(page)
        assert not page.watch.problems, page.watch.problems


async def test_export_records_poll_while_a_job_runs_and_stop_after(app, page):
    fx = await seed_fixture()
    await _ready(fx.w.gx_admin)
    job = await Job.create(kind="export_progress", status=JobStatus.RUNNING, org_id=fx.w.gx_admin.id,
                           total=10, processed=4, message="正在导出", started_at=datetime.now(UTC))
    await login(page, "gx-admin", PASSWORD)
    await page.wait_for_url("**/console/home")
    calls: list[str] = []
    page.on("request", lambda r: "/api/v1/admin/exports" in r.url and calls.append(r.url))
    await _open(page, "/exports")
    row = page.locator("tbody tr", has_text="考核进度导出")
    await row.get_by_text("处理中").wait_for()
    assert "40%" in await row.inner_text() and await row.get_by_text("查看进度").is_visible()
    # the job finishes: the row follows without a click
    await Job.filter(id=job.id).update(status=JobStatus.SUCCEEDED, processed=10, succeeded=10,
                                       message="导出完成：共10条", finished_at=datetime.now(UTC))
    await row.get_by_text("已完成").wait_for(timeout=8_000)
    assert "100%" in await row.inner_text() and "导出完成：共10条" in await row.inner_text()
    # nothing unfinished: polling stops
    settled = len(calls)
    await asyncio.sleep(4.5)
    assert len(calls) == settled, calls
    await _no_error_toast(page)
    assert not page.watch.problems, page.watch.problems
