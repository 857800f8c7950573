"""Admin API: audit (placeholder, filled in by its area)."""

from __future__ import annotations

from sanic import Blueprint

bp = Blueprint("admin_audit", url_prefix="/")
