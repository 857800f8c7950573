"""Admin API: cycles (placeholder, filled in by its area)."""

from __future__ import annotations

from sanic import Blueprint

bp = Blueprint("admin_cycles", url_prefix="/")
