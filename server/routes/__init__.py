"""Blueprints per audience, versioned: /api/v1/mp/..., /api/v1/admin/..."""

from sanic import Sanic

from server.routes import admin, common, mp, public, wechat


def register_routes(app: Sanic) -> None:
    app.blueprint(common.bp)
    app.blueprint(admin.group)
    app.blueprint(mp.group)
    app.blueprint(wechat.bp)  # the official account's callback
    app.blueprint(public.bp)  # /verify/<token>: the certificates' public verification page
