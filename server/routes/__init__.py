"""Blueprints per audience, versioned: /api/v1/mp/..., /api/v1/admin/..."""

from sanic import Sanic

from server.routes import admin, common, mp


def register_routes(app: Sanic) -> None:
    app.blueprint(common.bp)
    app.blueprint(admin.group)
    app.blueprint(mp.group)
