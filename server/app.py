"""The app factory: `sanic server.app:create_app --factory`, or `python -m server`."""

from __future__ import annotations

import itertools

from sanic import Sanic
from sanic_ext import Extend

from server.config import Settings
from server.errors import register_error_handlers
from server.listeners import register_listeners
from server.routes import register_routes
from server.routes.console import mount_console
from server.routes.openapi import register_openapi

_counter = itertools.count()


def create_app(settings: Settings | None = None, *, migrate_schema: bool = True, name: str | None = None) -> Sanic:
    settings = settings or Settings.from_env()
    app = Sanic(name or f"dingkaotong{next(_counter) or ''}")
    app.config.REQUEST_MAX_SIZE = max(settings.MAX_UPLOAD_BYTES, settings.MAX_IMPORT_BYTES) + 1024 * 1024
    app.config.FALLBACK_ERROR_FORMAT = "json"
    app.config.OAS = False  # /docs/openapi.json is written by server/routes/openapi.py
    app.config.CORS = False
    app.config.API_TITLE = "定考通 API"
    app.config.API_VERSION = "1.0"
    Extend(app)
    app.ctx.settings = settings
    register_error_handlers(app)
    register_routes(app)
    register_openapi(app)
    mount_console(app, settings.CONSOLE_DIST)
    register_listeners(app, settings, migrate_schema=migrate_schema)
    return app
