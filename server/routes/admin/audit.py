"""Admin API: the audit log (history of who did what)."""

from __future__ import annotations

from datetime import datetime

from sanic import Blueprint
from sanic.request import Request

from server.errors import ValidationFailed
from server.routes.guards import actor_of, require
from server.routes.render import page, paging
from server.services.audit import list_audit_logs

bp = Blueprint("admin_audit", url_prefix="/")


def _dt(request: Request, name: str) -> datetime | None:
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed(f"参数{name}应为日期时间（如2026-01-31T00:00:00+08:00）", code="invalid_query") from None


@bp.get("/audit-logs")
@require()
async def audit_logs(request: Request):
    """操作日志: filter by action prefix, target, time range."""
    page_no, size = paging(request)
    rows, count = await list_audit_logs(
        actor=actor_of(request),
        action=request.args.get("action"),
        target_type=request.args.get("target_type"),
        target_id=request.args.get("target_id"),
        since=_dt(request, "since"),
        until=_dt(request, "until"),
        page_no=page_no,
        size=size,
    )
    return page(rows, count, page_no=page_no, size=size)
