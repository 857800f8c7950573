"""The mini-program's API (/api/v1/mp/...)."""

from sanic import Blueprint

from server.routes.mp import auth, me

group = Blueprint.group(auth.bp, me.bp, url_prefix="/api/v1/mp")
