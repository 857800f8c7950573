"""Open and close the database, Redis, storage and the task broker on app.ctx."""

from __future__ import annotations

import logging
from pathlib import Path

from sanic import Sanic
from tortoise import Tortoise

from server import background
from server.config import Settings
from server.demo import print_demo_physician, seed_if_empty
from server.security import configure_hasher
from server.services.platform.broker import broker
from server.services.platform.db import migrate_once, tortoise_config
from server.services.platform.redis import make_redis
from server.services.platform.runtime import Runtime, current_runtime, set_runtime
from server.services.platform.storage import make_storage
from server.wechat import close_wechat

log = logging.getLogger("server")


async def apply_migrations(settings: Settings) -> None:
    """Bring the schema up to date with Tortoise's built-in migrations, once across processes."""
    await migrate_once(settings.database_url)


async def open_resources(settings: Settings, *, migrate_schema: bool = False) -> Runtime:
    if settings.database_url.startswith("sqlite://"):
        Path(settings.database_url[len("sqlite://") :]).parent.mkdir(parents=True, exist_ok=True)
    if migrate_schema:
        await apply_migrations(settings)
        await Tortoise.close_connections()
    # global fallback: Sanic runs requests (and background loops) in tasks that do not inherit the
    # listener's context, so they must find the ORM through the global state
    # the global fallback lets request handlers (other tasks than the start-up one) see the ORM
    # context, as tortoise.contrib.sanic.register_tortoise does by default
    await Tortoise.init(config=tortoise_config(settings.database_url, pool_reset=settings.DB_POOL_RESET),
                        _enable_global_fallback=True)
    configure_hasher(
        time_cost=settings.ARGON2_TIME_COST,
        memory_kib=settings.ARGON2_MEMORY_KIB,
        parallelism=settings.ARGON2_PARALLELISM,
    )
    runtime = Runtime(settings=settings, redis=make_redis(settings.REDIS_URL), storage=make_storage(settings))
    set_runtime(runtime)
    return runtime


async def close_resources(runtime: Runtime | None) -> None:
    await close_wechat()
    if runtime is not None:
        await runtime.redis.aclose()
        await runtime.storage.close()
    await Tortoise.close_connections()
    set_runtime(None)


def register_listeners(app: Sanic, settings: Settings, *, migrate_schema: bool) -> None:
    @app.before_server_start
    async def _open(app: Sanic) -> None:
        runtime = await open_resources(settings, migrate_schema=migrate_schema)
        app.ctx.settings = settings
        app.ctx.redis = runtime.redis
        app.ctx.storage = runtime.storage
        if migrate_schema and settings.is_embedded and settings.SEED_DEMO:
            await seed_if_empty()
            await print_demo_physician()
        background.import_task_modules()
        await broker.startup()
        await background.start_services(settings, role="api")

    @app.after_server_stop
    async def _close(app: Sanic) -> None:
        await background.stop_services(settings, role="api")
        await broker.shutdown()
        await close_resources(current_runtime())
