"""Blueprints per audience, versioned: /api/v1/mp/..., /api/v1/admin/..."""

from sanic import Sanic

from server.errors import NotFound
from server.routes import admin, common, mp, public, wechat

# Path ids beyond the columns' range (int4 on PostgreSQL) can name no row: answer 404 before any
# query (PostgreSQL would refuse the parameter with an error).
MAX_PATH_ID = 2**31 - 1


def register_routes(app: Sanic) -> None:
    @app.on_request
    async def _ids_in_range(request):
        for value in (request.match_info or {}).values():
            if isinstance(value, int) and not 0 <= value <= MAX_PATH_ID:
                raise NotFound("记录不存在", code="not_found")

    app.blueprint(common.bp)
    app.blueprint(admin.group)
    app.blueprint(mp.group)
    app.blueprint(wechat.bp)  # the official account's callback
    app.blueprint(public.bp)  # /verify/<token>: the certificates' public verification page
