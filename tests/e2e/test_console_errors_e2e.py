"""The console when things go wrong (issue #13 "Bad input"): a session that ends mid-work, a right
lost while a page is open, a network error, a 422 shown on its field; and every menu entry of the
roles test_console_e2e.py does not walk (national, city and county administrations, 行业组织)."""

from __future__ import annotations

import re

import pytest

from server.models import StaffAccount
from server.services.accounts import sessions
from tests.e2e.helpers import fill_login, login, open_menu, shot
from tests.e2e.test_console_e2e import PASSWORD, _no_error_toast, _ready, _walk, _world

pytestmark = pytest.mark.e2e


async def _signed_in(page, org, code: str) -> None:
    await _ready(org)
    await login(page, code, PASSWORD)
    await page.wait_for_url("**/console/home")
    await page.wait_for_load_state("networkidle")


async def test_session_ended_mid_work_returns_to_the_page_after_login(app, page):
    w = await _world()
    await _signed_in(page, w.gx_admin, "gx-admin")
    await open_menu(page, "/progress")
    await page.wait_for_url("**/console/progress")
    await page.get_by_label("姓名").fill("张")
    # the server ends every session of the account (e.g. expired, or the password changed elsewhere)
    account = await StaffAccount.get(org_id=w.gx_admin.id)
    await sessions.end_all_sessions(sessions.staff_subject(account.id))
    await page.get_by_role("button", name="查询").click()
    await page.wait_for_url("**/console/login?redirect=**")
    assert "progress" in page.url
    # after logging in again the user is back on the page they were on, with their filter
    await fill_login(page, "gx-admin", PASSWORD)
    await page.wait_for_url("**/console/progress?name=*")
    assert await page.get_by_label("姓名").input_value() == "张"


async def test_a_right_lost_while_the_page_is_open_shows_the_message_not_a_blank_page(app, page):
    w = await _world()
    await _signed_in(page, w.hospital, "gxmu1")
    await open_menu(page, "/physicians")
    await page.get_by_text("共 3 条数据").wait_for()
    # another tab of the same session (sessionStorage is copied to tabs opened from the console)
    # switches to 考核机构: this page's next call is refused with 403 wrong_role
    token = await page.evaluate("() => sessionStorage.getItem('dkt-token')")
    await sessions.update_session(token, role="assessment_institution")
    page.watch.clear()
    await page.get_by_role("button", name="查询").click()
    await page.locator(".t-message.t-is-error", has_text="当前身份无权进行此操作").first.wait_for()
    assert any("http 403" in p for p in page.watch.problems), page.watch.problems
    # no blank page: the console reloads the account, shows the new role's menu and leaves the
    # page that role may not open for 首页
    await page.get_by_text(f"{w.hospital.name}（考核机构）").wait_for()
    await page.wait_for_url("**/console/home")
    assert await page.locator('.t-menu__item[data-path="/physicians"]').count() == 0
    await page.get_by_text("本周期考核时间").wait_for()
    await shot(page, "errors-403")


async def test_network_error_shows_a_message_and_keeps_the_page(app, page):
    w = await _world()
    await _signed_in(page, w.gx_admin, "gx-admin")
    await open_menu(page, "/progress")
    await page.get_by_text("共 0 条数据").wait_for()
    listing = re.compile(r"/api/v1/admin/assessments\?")
    await page.route(listing, lambda route: route.abort("internetdisconnected"))
    await page.get_by_role("button", name="查询").click()
    await page.locator(".t-message.t-is-error", has_text="网络连接失败，请检查网络后重试").first.wait_for()
    assert await page.get_by_role("button", name="查询").is_visible()
    await page.unroute(listing)
    page.watch.clear()
    await page.get_by_role("button", name="查询").click()
    await page.wait_for_load_state("networkidle")
    assert not page.watch.problems


async def test_422_details_show_on_their_fields(app, page):
    w = await _world()
    await _signed_in(page, w.gx_admin, "gx-admin")
    await open_menu(page, "/security")
    await page.get_by_label("原密码").fill("not-my-password")
    await page.get_by_label("新密码", exact=True).fill("Better2026x")
    await page.get_by_label("确认新密码").fill("Better2026x")
    await page.get_by_role("button", name="确定").click()
    old_field = page.locator(".t-form__item", has=page.get_by_label("原密码"))
    new_field = page.locator(".t-form__item", has=page.get_by_label("新密码", exact=True))
    await old_field.locator(".t-input__extra", has_text="原密码错误").wait_for()
    assert not await page.locator("[role=alert]").count()  # on the field, not in a general message
    # the weak new password's message lands on 新密码
    await page.get_by_label("原密码").fill(PASSWORD)
    await page.get_by_label("新密码", exact=True).fill("abcdefgh")
    await page.get_by_label("确认新密码").fill("abcdefgh")
    await page.get_by_role("button", name="确定").click()
    await new_field.locator(".t-input__extra").wait_for()
    assert (await new_field.locator(".t-input__extra").inner_text()).strip()
    await shot(page, "errors-422-on-field")


@pytest.mark.parametrize("who", ["national", "nn_admin", "qx_admin", "industry"])
async def test_other_roles_walk_their_menus(app, page, who):
    w = await _world()
    org = getattr(w, who)
    code = {"national": "national", "nn_admin": "nn-admin", "qx_admin": "qx-admin", "industry": "gx-mda"}[who]
    await _signed_in(page, org, code)
    await _no_error_toast(page)
    assert not page.watch.problems, page.watch.problems
    role = "industry_org" if who == "industry" else "administration"
    level = {"national": "national", "nn_admin": "city", "qx_admin": "county", "industry": "province"}[who]
    seen = await _walk(page, role, level=level)
    assert seen and "安全设置" in seen
    if who == "qx_admin":
        assert "地方卫健委" not in seen  # a county has no administrations below it
    await shot(page, f"home-{who}")


async def test_login_with_the_keyboard_only(app, page):
    """Tab through the labelled fields, type, Enter: signed in (forms usable with the keyboard)."""
    w = await _world()
    await _ready(w.gx_admin)
    await page.goto("/console/login")
    img = page.locator("img.captcha")
    await img.wait_for()
    from server.services.platform.runtime import rt
    answer = (await rt().redis.get(f"captcha:{await img.get_attribute('data-captcha-id')}")).decode()
    await page.get_by_label("机构账号").focus()
    await page.keyboard.type("gx-admin")
    await page.keyboard.press("Tab")
    focused = await page.evaluate("() => document.activeElement.getAttribute('aria-label')")
    if focused != "密码":  # the clear button of 机构账号 may take a tab stop
        await page.keyboard.press("Tab")
    assert await page.evaluate("() => document.activeElement.getAttribute('aria-label')") == "密码"
    await page.keyboard.type(PASSWORD)
    await page.keyboard.press("Tab")
    assert await page.evaluate("() => document.activeElement.getAttribute('aria-label')") == "验证码"
    await page.keyboard.type(answer)
    await page.keyboard.press("Enter")
    await page.wait_for_url("**/console/home")


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
async def test_list_page_fits_the_screen(app, page, size):
    """Readable at 1366×768 and 1920×1080: no sideways scrolling of the page (tables scroll inside)."""
    w = await _world()
    await page.set_viewport_size({"width": size[0], "height": size[1]})
    await _signed_in(page, w.hospital, "gxmu1")
    await open_menu(page, "/physicians")
    await page.get_by_text("共 3 条数据").wait_for()
    overflow = await page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px at {size}"
    await shot(page, f"physicians-{size[0]}x{size[1]}")
