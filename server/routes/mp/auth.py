"""Mini-program API: physician login (placeholder, filled in by its area)."""

from __future__ import annotations

from sanic import Blueprint

bp = Blueprint("mp_auth", url_prefix="/auth")
