"""Browser tests of the web console (docs: /work/shared/CONSOLE.md §14): Python Playwright driving
Debian's chromium against the suite's session app, served by uvicorn on a free port in this process,
so tests seed with tests/factories.py and read the captcha answer from rt().redis.

Marked `e2e`; skipped when DKT_SKIP_CONSOLE=1, when the console is not built, or without chromium."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from server.routes.console import DEFAULT_DIST

SCREENSHOTS = Path(__file__).parent / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage"]


def pytest_collection_modifyitems(config, items):
    why = None
    if os.environ.get("DKT_SKIP_CONSOLE") == "1":
        why = "DKT_SKIP_CONSOLE=1"
    elif not (DEFAULT_DIST / "index.html").is_file():
        why = "console not built (scripts/console-build)"
    elif not Path(CHROMIUM).exists():
        why = "chromium not installed (scripts/system-deps.sh installs it)"
    else:
        try:
            import playwright  # noqa: F401
            import uvicorn  # noqa: F401
        except ImportError:
            why = "playwright/uvicorn not installed (pip install -e .[dev])"
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)
            if why:
                item.add_marker(pytest.mark.skip(reason=why))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
async def live_server(app) -> AsyncIterator[str]:
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        b = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield b
        finally:
            await b.close()


# Answers a page expects and shows as a state, not a problem: (status, URL pattern).
# 404 statistics_not_found before the first 刷新统计 is the statistics pages' empty state.
EXPECTED = [(404, re.compile(r"/api/v1/admin/statistics/(progress|results)(\?|$)"))]


def expected(status: int, url: str) -> bool:
    return any(status == s and pattern.search(url) for s, pattern in EXPECTED)


class Watch:
    """Console errors, failed API calls and error toasts seen by a page."""

    def __init__(self, page) -> None:
        self.problems: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.problems.append(f"pageerror: {e}"))
        page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url} {r.failure}"))
        page.on("response", lambda r: r.status >= 400 and "/api/" in r.url and not expected(r.status, r.url)
                and self.problems.append(f"http {r.status}: {r.url}"))

    def _console(self, m) -> None:
        # chromium logs every 4xx as "Failed to load resource"; an expected one is not a problem
        if m.type != "error" or ("Failed to load resource" in m.text
                                 and expected(404, (m.location or {}).get("url", "")) and "404" in m.text):
            return
        self.problems.append(f"console: {m.text}")

    def clear(self) -> None:
        self.problems.clear()


@pytest.fixture
async def page(browser, live_server, request) -> AsyncIterator:
    context = await browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768},
                                        base_url=live_server, accept_downloads=True)
    page = await context.new_page()
    page.set_default_timeout(10_000)
    page.watch = Watch(page)
    try:
        yield page
    finally:
        failed = getattr(request.node, "rep_call", None)
        if failed is not None and failed.failed:
            SCREENSHOTS.mkdir(exist_ok=True)
            await page.screenshot(path=str(SCREENSHOTS / f"FAILED-{request.node.name}.png"), full_page=True)
        await context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    rep = yield
    if call.when == "call":
        item.rep_call = rep
    return rep
