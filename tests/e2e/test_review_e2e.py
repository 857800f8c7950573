"""The review pages in a real browser: a review queue's batch move with a row that moved underneath
(成功/失败 by name), 驳回 with a required reason, a double click sending one request, 查看 with the
record, its history and the photo viewer, and the other roles' queue pages opening cleanly."""

from __future__ import annotations

import re

import pytest

from server.models import Assessment, AssessmentEvent
from server.models import AssessmentStatus as S
from server.models import DelayStatus as D
from tests.e2e.helpers import login, open_menu, shot, visible_leaves
from tests.e2e.test_console_e2e import PASSWORD, _no_error_toast, _ready
from tests.factories import make_world
from tests.integration.review_support import Driver, open_cycle, staff_move

pytestmark = pytest.mark.e2e

QUEUE = "/console/review/enrolment_report"
NAMES = ("陈晓东", "李建华", "王丽萍")


async def _hospital_queue(client, page, n: int = 3):
    """南宁市第一人民医院 with `n` physicians waiting in 上报考核名单, logged in on that page."""
    w = await make_world()
    cycle = await open_cycle(w.gx, is_current=True)
    drivers = [await Driver.new(client, w, cycle, name=NAMES[i]) for i in range(n)]
    assessments = [await d.main(S.ENROL_SUBMITTED) for d in drivers]
    await _ready(w.hospital2)
    await login(page, "nn1h", PASSWORD)
    await page.wait_for_url("**/console/home")
    await page.wait_for_load_state("networkidle")
    page.watch.clear()  # the login page's own requests (favicon) are not this page's
    await page.goto(QUEUE)
    await page.get_by_text(NAMES[n - 1]).wait_for()
    await page.wait_for_load_state("networkidle")
    assert not page.watch.problems, page.watch.problems
    assert await page.locator("tbody tr").count() == n
    return w, drivers, assessments


def _requests(page, pattern: str) -> list[str]:
    seen: list[str] = []
    page.on("request", lambda r: r.method == "POST" and re.search(pattern, r.url) and seen.append(r.url))
    return seen


async def test_batch_approve_reports_the_row_that_moved_underneath(app, client, page):
    w, drivers, assessments = await _hospital_queue(client, page)
    await page.get_by_role("heading", name="上报考核名单").or_(page.get_by_text("上报考核名单").first).first.wait_for()
    await shot(page, "review-queue-enrolment-report")
    # another reviewer rejects the third one after the page loaded
    await staff_move(await drivers[2].hi(), assessments[2], "hi_reject_enrolment", {"reason": "照片不清晰"})
    await page.locator("thead .t-checkbox").first.click()
    await page.get_by_role("button", name="批量通过（3）").click()
    dialog = page.locator(".t-dialog", has_text="批量操作结果")
    await dialog.wait_for()
    summary = await dialog.locator(".summary").inner_text()
    assert re.sub(r"\s+", "", summary) == "成功2条，失败1条", summary
    failed = dialog.locator("tbody tr")
    assert await failed.count() == 1
    text = await failed.inner_text()
    assert NAMES[2] in text and "不能进行“通过”操作" in text, text
    await shot(page, "review-batch-result")
    await dialog.get_by_role("button", name="知道了").click()
    # reloaded: the two approved rows left the queue
    await page.get_by_text("暂无待处理的记录").wait_for()
    statuses = [(await Assessment.get(id=a.id)).status for a in assessments]
    assert statuses == [S.ENROL_REPORTED, S.ENROL_REPORTED, S.ENROL_RETURNED]


async def test_reject_needs_a_reason_then_leaves_the_queue_with_it_in_the_history(app, client, page):
    w, drivers, assessments = await _hospital_queue(client, page, n=2)
    posts = _requests(page, r"/actions/")
    row = page.locator("tbody tr", has_text=NAMES[0])
    await row.get_by_text("驳回", exact=True).click()
    dialog = page.locator(".t-dialog", has_text=f"驳回 — {NAMES[0]}")
    await dialog.wait_for()
    await dialog.get_by_role("button", name="确定").click()
    await dialog.get_by_text("请填写原因").wait_for()
    assert posts == []
    await dialog.locator("textarea").fill("执业证书照片模糊，请重新上传")
    await dialog.get_by_role("button", name="确定").click()
    await page.locator("tbody tr", has_text=NAMES[0]).wait_for(state="detached")
    assert len(posts) == 1
    assert await page.locator("tbody tr").count() == 1
    event = await AssessmentEvent.filter(assessment_id=assessments[0].id, action="hi_reject_enrolment").first()
    assert event is not None and event.reason == "执业证书照片模糊，请重新上传"
    assert not page.watch.problems, page.watch.problems


async def test_double_click_on_a_batch_button_sends_one_request(app, client, page):
    await _hospital_queue(client, page, n=2)
    posts = _requests(page, r"/assessments/batch/")
    await page.locator("thead .t-checkbox").first.click()
    await page.get_by_role("button", name="批量通过（2）").dblclick()
    await page.locator(".t-dialog", has_text="批量操作结果").wait_for()
    await page.wait_for_load_state("networkidle")
    assert len(posts) == 1, posts


async def test_view_opens_the_whole_record_and_the_photo(app, client, page):
    w, drivers, assessments = await _hospital_queue(client, page, n=1)
    await page.locator("tbody tr", has_text=NAMES[0]).get_by_text("查看", exact=True).click()
    await page.wait_for_url(f"**/console/progress/{assessments[0].id}")
    await page.get_by_text(f"考核详情：{NAMES[0]}").wait_for()
    history = page.locator(".history tbody tr")
    await history.first.wait_for()
    text = await history.all_inner_texts()
    assert any("参加考核" in t for t in text) and any("提交信息" in t for t in text), text
    assert "待卫生机构审核" in await page.locator(".detail").inner_text()
    # the caller's moves are buttons here too
    await page.get_by_role("button", name="通过").wait_for()
    photo = page.locator("button[data-kind=photo]")
    await photo.click()
    await page.locator(".t-image-viewer__modal-pic").wait_for()
    img = page.locator('.t-image-viewer__modal-pic img[src^="blob:"]').first  # from an object URL
    await img.wait_for(state="attached")
    await page.wait_for_function(
        "() => [...document.querySelectorAll('.t-image-viewer__modal-pic img')].some(i => i.complete && i.naturalWidth > 0)")
    assert await img.evaluate("i => i.naturalWidth") == 295
    await shot(page, "assessment-detail-photo")
    await page.keyboard.press("Escape")
    await page.locator(".t-image-viewer__modal-pic").wait_for(state="hidden")
    await page.wait_for_timeout(400)  # the viewer's fade-out, for the screenshot
    await page.wait_for_load_state("networkidle")
    await page.mouse.wheel(0, 2000)
    await shot(page, "assessment-detail")
    await _no_error_toast(page)
    assert not page.watch.problems, page.watch.problems
    # 驳回 from the record: the reason shows in 操作记录
    await page.get_by_role("button", name="驳回").click()
    dialog = page.locator(".t-dialog", has_text=f"驳回 — {NAMES[0]}")
    await dialog.locator("textarea").fill("学历信息有误")
    await dialog.get_by_role("button", name="确定").click()
    await page.locator(".history tbody tr", has_text="学历信息有误").wait_for()
    # 返回
    await page.get_by_role("button", name="返回").click()
    await page.wait_for_url(f"**{QUEUE}")


async def _open_each(page, paths: list[str]) -> None:
    for path in paths:
        page.watch.clear()
        await open_menu(page, path)
        await page.wait_for_url(f"**/console{path}*")
        await page.wait_for_load_state("networkidle")
        await page.locator(".t-table").first.wait_for()
        await _no_error_toast(page)
        assert not page.watch.problems, (path, page.watch.problems)


async def test_assessment_institution_queues_open(app, client, page):
    w = await make_world()
    cycle = await open_cycle(w.gx, is_current=True)
    d = await Driver.new(client, w, cycle, name=NAMES[0])
    await d.main(S.ENROL_REPORTED)
    await _ready(w.hospital)
    await login(page, "gxmu1", PASSWORD)
    await page.wait_for_url("**/console/home")
    await page.get_by_role("button", name="身份切换").click()
    await page.get_by_text("切换为考核机构").click()
    await page.get_by_text(f"{w.hospital.name}（考核机构）").wait_for()
    paths = [n["path"] for n in visible_leaves("assessment_institution")
             if n.get("page") in ("review/QueuePage", "results/Judging") or n["path"] == "/progress"]
    assert "/review/enrolment_confirm" in paths and "/results/judging-simple" in paths
    await _open_each(page, paths)
    # 确认考核医师名单 has the row with its moves
    await open_menu(page, "/review/enrolment_confirm")
    row = page.locator("tbody tr", has_text=NAMES[0])
    await row.get_by_text("通过", exact=True).wait_for()
    await row.get_by_text("驳回", exact=True).wait_for()
    await shot(page, "review-queue-enrolment-confirm")


async def test_administration_delay_and_reexam_pages_open(app, client, page):
    w = await make_world()
    cycle = await open_cycle(w.gx, is_current=True)
    d = await Driver.new(client, w, cycle, name=NAMES[1])
    a = await d.side("delay", D.ADMIN_PENDING)
    await _ready(w.gx_admin)
    await login(page, "gx-admin", PASSWORD)
    await page.wait_for_url("**/console/home")
    await _open_each(page, ["/review/delay_approval", "/reexam/candidates", "/reexam/judging-simple",
                            "/reexam/judging-general", "/progress"])
    # 延期考核审批: 同意 is one call
    await open_menu(page, "/review/delay_approval")
    row = page.locator("tbody tr", has_text=NAMES[1])
    await row.get_by_text("同意", exact=True).click()
    await page.get_by_text("暂无待处理的记录").wait_for()
    assert (await Assessment.get(id=a.id)).delay == D.APPROVED
    await _no_error_toast(page)


async def test_evaluation_form_checks_its_fields_then_submits(app, client, page):
    w = await make_world()
    cycle = await open_cycle(w.gx, is_current=True)
    d = await Driver.new(client, w, cycle, name=NAMES[0])
    a = await d.main(S.ENROLLED)
    await _ready(w.hospital2)
    await login(page, "nn1h", PASSWORD)
    await page.wait_for_url("**/console/home")
    await page.wait_for_load_state("networkidle")
    await page.goto("/console/review/evaluation-general")
    posts = _requests(page, r"/actions/")
    row = page.locator("tbody tr", has_text=NAMES[0])
    await row.get_by_text("提交", exact=True).click()
    dialog = page.locator(".t-dialog", has_text=f"提交 — {NAMES[0]}")
    await dialog.wait_for()
    await dialog.get_by_role("button", name="确定").click()
    await dialog.get_by_text("请评定工作成绩").wait_for()
    await dialog.get_by_text("请评定职业道德").wait_for()
    assert posts == []
    await dialog.locator(".t-form__item", has_text="工作成绩").get_by_text("合格", exact=True).click()
    await dialog.locator(".t-form__item", has_text="职业道德").get_by_text("不合格", exact=True).click()
    await dialog.locator("textarea").fill("医德考评未通过")
    await dialog.get_by_role("button", name="确定").click()
    await page.get_by_text("暂无待处理的记录").wait_for()
    assert len(posts) == 1
    a = await Assessment.get(id=a.id)
    assert a.status == S.EVALUATED and a.work_result.value == "pass" and a.ethics_result.value == "fail"
    assert a.evaluation_opinion == "医德考评未通过"


async def test_province_confirms_the_reexam_list_with_the_suspension(app, client, page):
    w = await make_world()
    cycle = await open_cycle(w.gx, is_current=True)
    failed = [await (await Driver.new(client, w, cycle, name=n)).main(S.FAILED) for n in NAMES[:2]]
    await _ready(w.gx_admin)
    await login(page, "gx-admin", PASSWORD)
    await page.wait_for_url("**/console/home")
    await page.wait_for_load_state("networkidle")
    await page.goto("/console/reexam/candidates")
    await page.get_by_text(NAMES[1]).wait_for()
    await page.locator("thead .t-checkbox").first.click()
    await page.get_by_role("button", name="确认（2）").click()
    dialog = page.locator(".t-dialog", has_text="确认再次考核名单（2 人）")
    await dialog.wait_for()
    await dialog.get_by_text("6个月").click()
    await dialog.get_by_role("button", name="确定").click()
    result = page.locator(".t-dialog", has_text="批量操作结果")
    await result.wait_for()
    assert re.sub(r"\s+", "", await result.locator(".summary").inner_text()) == "成功2条，失败0条"
    for a in failed:
        a = await Assessment.get(id=a.id)
        assert a.status == S.REEXAM_LISTED and a.suspension_months == 6


async def test_progress_filters_reject_to_leave_and_export(app, client, page):
    w = await make_world()
    cycle = await open_cycle(w.gx, is_current=True)
    drivers = [await Driver.new(client, w, cycle, name=n) for n in NAMES[:2]]
    first = await drivers[0].main(S.ENROLLED)
    await drivers[1].main(S.ENROL_SUBMITTED)
    await _ready(w.gx_admin)
    await login(page, "gx-admin", PASSWORD)
    await page.wait_for_url("**/console/home")
    await page.wait_for_load_state("networkidle")
    await page.goto("/console/progress")
    await page.get_by_text(NAMES[1]).wait_for()
    # 考核状态 filter → one row, in the URL
    await page.locator(".t-form__item", has_text="考核状态").locator(".t-select").click()
    await page.locator(".t-select-option", has_text="待卫生机构评定").click()
    await page.get_by_role("button", name="查询").click()
    await page.locator("tbody tr", has_text=NAMES[1]).wait_for(state="detached")
    assert "status=enrolled" in page.url
    row = page.locator("tbody tr", has_text=NAMES[0])
    await row.get_by_text("驳回到重新选择程序").wait_for()
    await shot(page, "progress-list")
    # 导出 with the filters → job progress → 下载结果
    exports = _requests(page, r"/exports/progress")
    await page.get_by_role("button", name="导出").click()
    job = page.locator(".t-dialog", has_text="任务进度")
    await job.get_by_role("button", name="下载结果").wait_for(timeout=20_000)
    assert len(exports) == 1 and "status=enrolled" in exports[0], exports
    async with page.expect_download() as dl:
        await job.get_by_role("button", name="下载结果").click()
    assert (await dl.value).suggested_filename.endswith(".xlsx")
    await job.locator(".t-dialog__close").click()
    # 驳回到退出当前周期 with a reason
    await row.get_by_text("驳回到退出当前周期").click()
    dialog = page.locator(".t-dialog", has_text=f"驳回到退出当前周期 — {NAMES[0]}")
    await dialog.locator("textarea").fill("已调离本省")
    await dialog.get_by_role("button", name="确定").click()
    await page.locator("tbody tr", has_text=NAMES[0]).wait_for(state="detached")
    a = await Assessment.get(id=first.id)
    assert a.status == S.LEFT and a.last_reason == "已调离本省"
    # 卫生机构 filter: the administration's institutions, searched by name
    page.watch.clear()
    await page.get_by_role("button", name="重置").click()
    await page.get_by_text(NAMES[1]).wait_for()
    await page.locator(".t-form__item", has_text="卫生机构").locator("input").fill("南宁市第一")
    await page.locator(".t-select-option", has_text=w.hospital2.name).click()
    await page.get_by_role("button", name="查询").click()
    await page.wait_for_url(f"**institution_id={w.hospital2.id}*")
    await page.get_by_text(NAMES[1]).wait_for()
    await _no_error_toast(page)
    assert not page.watch.problems, page.watch.problems


async def test_judging_batch_confirm_then_certificate(app, client, page):
    from tests.integration.results_support import exam_world, new_driver

    w, cycle = await exam_world()
    drivers = [await new_driver(client, w, cycle, name=n) for n in NAMES[:2]]
    done = [await drivers[0].exams_done(humanities=80, professional=70),
            await drivers[1].exams_done(humanities=80, professional=50)]
    await _ready(w.hospital)
    await login(page, "gxmu1", PASSWORD)
    await page.wait_for_url("**/console/home")
    await page.get_by_role("button", name="身份切换").click()
    await page.get_by_text("切换为考核机构").click()
    await page.get_by_text(f"{w.hospital.name}（考核机构）").wait_for()
    await page.wait_for_load_state("networkidle")
    await open_menu(page, "/results/judging-general")
    await page.get_by_text(NAMES[1]).wait_for()
    rows = await page.locator("tbody tr").all_inner_texts()
    assert "合格" in rows[0] and "不合格" in rows[1], rows  # what 确认 decides
    await shot(page, "results-judging")
    await page.locator("thead .t-checkbox").first.click()
    await page.get_by_role("button", name="批量确认（2）").click()
    result = page.locator(".t-dialog", has_text="批量操作结果")
    await result.wait_for()
    assert re.sub(r"\s+", "", await result.locator(".summary").inner_text()) == "成功2条，失败0条"
    statuses = [(await Assessment.get(id=a.id)).status for a in done]
    assert statuses == [S.QUALIFIED, S.FAILED]
    await result.get_by_role("button", name="知道了").click()
    # 证书打印 of the 合格 one: the PDF opens in a new tab from an object URL
    await page.goto(f"/console/progress?name={NAMES[0]}")
    row = page.locator("tbody tr", has_text=NAMES[0])
    async with page.context.expect_page() as popup:
        await row.get_by_text("证书打印").click()
    tab = await popup.value
    assert tab.url.startswith("blob:"), tab.url
    await _no_error_toast(page)
