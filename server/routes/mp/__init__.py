"""The mini-program's API (/api/v1/mp/...)."""

from sanic import Blueprint

from server.routes.mp import appeals, assessment, auth, documents, me, messages, registration
from server.routes.mp import exams as exams_mp
from server.routes.mp import practice as practice_mp
from server.routes.mp import results as results_mp

group = Blueprint.group(auth.bp, me.bp, assessment.bp, messages.bp, practice_mp.bp, results_mp.bp, exams_mp.bp, documents.bp, appeals.bp, registration.bp,
                           url_prefix="/api/v1/mp")
