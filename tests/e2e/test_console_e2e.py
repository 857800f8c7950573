"""The console in a real browser: login, 初始化设置, 身份切换, every menu entry per role."""

from __future__ import annotations

from datetime import date

import pytest

from server.models import Cycle, StaffAccount
from server.security import hash_password
from tests.e2e.helpers import login, open_menu, shot, visible_leaves
from tests.factories import make_physician, make_world

pytestmark = pytest.mark.e2e

PASSWORD = "Console2026"


async def _ready(org) -> None:
    """an account past its first login"""
    account = await StaffAccount.get(org_id=org.id)
    account.password_hash = await hash_password(PASSWORD)
    account.must_change_password = False
    await account.save()


async def _world():
    w = await make_world()
    await Cycle.create(province=w.gx, name="2025-2027周期", start_date=date(2025, 1, 1),
                       end_date=date(2027, 12, 31), is_current=True)
    for _ in range(3):
        await make_physician(w.hospital)
    return w


async def _no_error_toast(page) -> None:
    toasts = page.locator(".t-message.t-is-error")
    assert await toasts.count() == 0, await toasts.all_inner_texts()


UNLABELLED = """() => [...document.querySelectorAll('input, textarea')].filter((el) =>
    el.offsetParent !== null && (el.tagName === 'TEXTAREA' || ['text', 'password', 'number', 'date', 'search', 'email',
    'tel'].includes(el.type)) && !el.closest('.t-pagination, .t-table') && !el.getAttribute('aria-label')
    && !el.getAttribute('aria-labelledby') && !(el.labels && el.labels.length)
).map((el) => el.placeholder || el.outerHTML.slice(0, 80))"""


async def _walk(page, role: str, *, is_province: bool = False, level: str = "province") -> list[str]:
    """click every menu entry of the role; each page must load without a problem"""
    seen = []
    for node in visible_leaves(role, is_province, level):
        page.watch.clear()
        await open_menu(page, node["path"])
        await page.wait_for_url(f"**/console{node['path']}*")
        await page.wait_for_load_state("networkidle")
        await _no_error_toast(page)
        assert not page.watch.problems, (node["title"], page.watch.problems)
        assert not await page.evaluate(UNLABELLED), (node["title"], "inputs without a label")
        seen.append(node["title"])
    return seen


async def test_first_login_setup(app, page):
    w = await make_world()
    await login(page, "nn1h", "666666")
    await page.wait_for_url("**/console/setup")
    await page.get_by_text("初始化设置").first.wait_for()
    fields = page.locator("input[type=password]")
    await fields.nth(0).fill("666666")
    await fields.nth(1).fill(PASSWORD)
    await fields.nth(2).fill(PASSWORD)
    await page.get_by_role("button", name="确定").click()
    await page.wait_for_url("**/console/home")
    await page.get_by_text(f"{w.hospital2.name}（卫生机构）").wait_for()
    # 退出, then the new password works
    await page.get_by_role("button", name="退出").click()
    await page.wait_for_url("**/console/login")
    await login(page, "nn1h", PASSWORD)
    await page.wait_for_url("**/console/home")


async def test_wrong_captcha_shows_message_and_refreshes(app, page):
    await make_world()
    await page.goto("/console/login")
    await page.locator("img.captcha").wait_for()  # the captcha loaded (else the server asks for one)
    await page.get_by_placeholder("机构账号").fill("nn1h")
    await page.get_by_placeholder("密码", exact=True).fill("666666")
    await page.get_by_placeholder("验证码").fill("zzzz")
    await page.get_by_role("button", name="登录").click()
    await page.locator(".error", has_text="验证码错误").wait_for()
    assert "/console/login" in page.url


async def test_unauthenticated_goes_to_login_with_redirect(app, page):
    await page.goto("/console/accounts/health_institution")
    await page.wait_for_url("**/console/login?redirect=**")
    assert "redirect=/accounts/health_institution" in page.url or "redirect=%2Faccounts%2Fhealth_institution" in page.url


async def test_province_administration_walks_its_menus(app, page):
    w = await _world()
    await _ready(w.gx_admin)
    await login(page, "gx-admin", PASSWORD)
    await page.wait_for_url("**/console/home")
    await page.get_by_text("2025-2027周期").wait_for()
    await page.wait_for_load_state("networkidle")
    await shot(page, "administration-home")
    seen = await _walk(page, "administration", is_province=True)
    assert "地方卫健委" in seen
    await open_menu(page, "/accounts/administration")
    await page.get_by_text("南宁市卫健委").wait_for()
    await shot(page, "administration-accounts")


async def test_health_institution_then_assessment_institution(app, page):
    w = await _world()
    await _ready(w.hospital)
    await login(page, "gxmu1", PASSWORD)
    await page.wait_for_url("**/console/home")
    await page.get_by_role("button", name="去确认").click()
    await page.locator(".t-tag", has_text="已确认").wait_for()
    await page.wait_for_load_state("networkidle")
    await shot(page, "health-institution-home")
    seen = await _walk(page, "health_institution")
    assert "医师信息列表" in seen
    await open_menu(page, "/physicians")
    await page.get_by_text("共 3 条数据").wait_for()
    assert await page.locator("tbody tr").count() == 3
    await shot(page, "health-institution-physicians")

    # 身份切换 → 考核机构, from a page the new role may not open
    page.watch.clear()
    await page.get_by_role("button", name="身份切换").click()
    await page.get_by_text("切换为考核机构").click()
    await page.get_by_text(f"{w.hospital.name}（考核机构）").wait_for()
    await page.wait_for_url("**/console/home")
    await page.wait_for_load_state("networkidle")
    await _no_error_toast(page)
    assert not page.watch.problems, page.watch.problems
    await shot(page, "assessment-institution-home")
    seen = await _walk(page, "assessment_institution")
    assert "查看考核进度" in seen and "医师信息列表" not in seen
    # a hidden URL goes to 首页
    await page.goto("/console/physicians")
    await page.wait_for_url("**/console/home")
