"""The web console's API (/api/v1/admin/...): one blueprint per area."""

from sanic import Blueprint

from server.routes.admin import accounts, assessment, audit, auth, cycles, imports, jobs, orgs, physicians

group = Blueprint.group(
    auth.bp, accounts.bp, assessment.bp, orgs.bp, cycles.bp, physicians.bp, imports.bp, jobs.bp, audit.bp,
    url_prefix="/api/v1/admin",
)
