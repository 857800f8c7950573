"""The web console's API (/api/v1/admin/...): one blueprint per area."""

from sanic import Blueprint

from server.routes.admin import accounts, assessment, audit, auth, cycles, imports, jobs, orgs, physicians
from server.routes.admin import appeals as appeals_console
from server.routes.admin import assessments as assessments_console
from server.routes.admin import documents as documents_console
from server.routes.admin import materials as materials_console
from server.routes.admin import outbox as outbox_console
from server.routes.admin import proctoring as proctoring_console
from server.routes.admin import publication as publication_console
from server.routes.admin import question_bank as question_bank_console
from server.routes.admin import regions as regions_console
from server.routes.admin import registrations as registrations_console
from server.routes.admin import reports as reports_console
from server.routes.admin import results as results_console
from server.routes.admin import upkeep as upkeep_console
from server.routes.admin import wechat as wechat_console

group = Blueprint.group(
    auth.bp, accounts.bp, assessment.bp, orgs.bp, cycles.bp, physicians.bp, imports.bp, jobs.bp, audit.bp,
    assessments_console.bp, wechat_console.bp, reports_console.bp,
    question_bank_console.bp,
    results_console.bp,
    proctoring_console.bp,
    regions_console.bp,
    outbox_console.bp,
    materials_console.bp,
    documents_console.bp,
    upkeep_console.bp,
    appeals_console.bp,
    publication_console.bp,
    registrations_console.bp,
    url_prefix="/api/v1/admin",
)
