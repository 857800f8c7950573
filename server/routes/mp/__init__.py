"""The mini-program's API (/api/v1/mp/...)."""

from sanic import Blueprint

from server.routes.mp import auth

group = Blueprint.group(auth.bp, url_prefix="/api/v1/mp")
