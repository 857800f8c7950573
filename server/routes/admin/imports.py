"""Admin API: imports (placeholder, filled in by its area)."""

from __future__ import annotations

from sanic import Blueprint

bp = Blueprint("admin_imports", url_prefix="/")
