"""The web console (管理端): the built single-page app from console/dist served at /console/.

Hashed assets are cached for a year; index.html is answered for every /console/... path
(history-mode routes survive a reload) with no-cache. Without a build, a plain page says so.
"""

from __future__ import annotations

from pathlib import Path

from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse, html, redirect
from sanic_ext.extensions.openapi import openapi

DEFAULT_DIST = Path(__file__).resolve().parents[2] / "console" / "dist"

NOT_BUILT = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>定考通管理端</title></head>
<body><h1>管理端尚未构建</h1><p>请安装 Node.js 20.19 或更高版本后运行 <code>scripts/console-build</code>
（<code>scripts/run</code> 会自动构建）。接口 <code>/api/v1/...</code> 不受影响。</p></body></html>"""


def mount_console(app: Sanic, dist: str | Path | None = None) -> None:
    root = Path(dist) if dist else DEFAULT_DIST
    assets = root / "assets"
    if assets.is_dir():
        app.static("/console/assets", assets, name="console_assets")

        @app.on_response
        async def _immutable(request: Request, response: HTTPResponse) -> None:
            if request.path.startswith("/console/assets/") and response.status == 200:
                response.headers["cache-control"] = "public, max-age=31536000, immutable"

    @openapi.exclude()
    async def index(request: Request, path: str = "") -> HTTPResponse:
        page = root / "index.html"
        if not page.is_file():  # checked per request: a build made while the server runs is picked up
            return html(NOT_BUILT, headers={"cache-control": "no-cache"})
        return html(page.read_text(encoding="utf-8"), headers={"cache-control": "no-cache"})

    @openapi.exclude()
    async def home(request: Request) -> HTTPResponse:
        return redirect("/console/")

    app.add_route(index, "/console", methods=["GET"], name="console_index", strict_slashes=False)
    app.add_route(index, "/console/<path:path>", methods=["GET"], name="console_page")
    app.add_route(home, "/", methods=["GET"], name="console_home")
