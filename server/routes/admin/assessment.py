"""Admin API: assessment (placeholder, filled in by its area)."""

from __future__ import annotations

from sanic import Blueprint

bp = Blueprint("admin_assessment", url_prefix="/")
