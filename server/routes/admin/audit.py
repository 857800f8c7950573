"""Admin API: the audit log (history of who did what)."""

from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request

from server.routes.api import endpoint
from server.routes.guards import actor_of
from server.schemas.audit import AuditLogQuery, AuditLogRow
from server.schemas.common import Page
from server.services.audit import list_audit_logs

bp = Blueprint("admin_audit", url_prefix="/")


@bp.get("/audit-logs")
@endpoint(query=AuditLogQuery, response=Page[AuditLogRow])
async def audit_logs(request: Request, query: AuditLogQuery):
    """操作日志: filter by action prefix, target, time range."""
    rows, count = await list_audit_logs(
        actor=actor_of(request),
        action=query.action,
        target_type=query.target_type,
        target_id=query.target_id,
        since=query.since,
        until=query.until,
        page_no=query.page,
        size=query.size,
    )
    return Page.of(rows, count, query)
