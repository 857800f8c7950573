"""The mini-program's API (/api/v1/mp/...)."""

from sanic import Blueprint

from server.routes.mp import assessment, auth, me, messages

group = Blueprint.group(auth.bp, me.bp, assessment.bp, messages.bp, url_prefix="/api/v1/mp")
