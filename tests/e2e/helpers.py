from __future__ import annotations

import json
from pathlib import Path

from server.services.platform.runtime import rt

MENU = json.loads((Path(__file__).resolve().parents[2] / "console" / "src" / "menu.json").read_text("utf-8"))
SCREENSHOTS = Path(__file__).parent / "screenshots"


async def login(page, code: str, password: str) -> None:
    """Through the real login page; the captcha answer comes from Redis (same process)."""
    await page.goto("/console/login")
    await fill_login(page, code, password)


async def fill_login(page, code: str, password: str) -> None:
    """fill and send the login page already open (keeps its ?redirect=)"""
    img = page.locator("img.captcha")
    await img.wait_for()
    captcha_id = await img.get_attribute("data-captcha-id")
    answer = (await rt().redis.get(f"captcha:{captcha_id}")).decode()
    await page.get_by_placeholder("机构账号").fill(code)
    await page.get_by_placeholder("密码", exact=True).fill(password)
    await page.get_by_placeholder("验证码").fill(answer)
    await page.get_by_role("button", name="登录").click()


def visible_leaves(me_role: str, is_province: bool = False, level: str = "province") -> list[dict]:
    """menu.json's leaves shown to a role (as console/src/menus.ts filters them)"""
    out = []

    def walk(nodes):
        for n in nodes:
            if me_role not in n["roles"] or (n.get("province") and not is_province):
                continue
            if "level" in n and level not in n["level"]:
                continue
            if "children" in n:
                walk(n["children"])
            else:
                out.append(n)

    walk(MENU)
    return out


def menu_groups(path: str, nodes: list | None = None, parent: str = "") -> list[str] | None:
    """the submenu keys (title paths, as MenuTree names them) above a menu path"""
    for n in MENU if nodes is None else nodes:
        key = f"{parent}/{n['title']}"
        if n.get("path") == path:
            return []
        if "children" in n:
            below = menu_groups(path, n["children"], key)
            if below is not None:
                return [key, *below]
    return None


async def open_menu(page, path: str) -> None:
    """click the side-menu entry of a path, opening its groups first (only the current page's are open)"""
    item = page.locator(f'.t-menu__item[data-path="{path}"]')
    for key in menu_groups(path) or []:
        if await item.is_visible():
            break
        group = page.locator(f'[data-menu="{key}"]')
        title = group.locator(".t-menu__item").first
        if "t-is-opened" not in (await group.get_attribute("class") or ""):
            await title.click()
    await item.click()


async def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
