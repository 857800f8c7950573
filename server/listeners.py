"""Open and close the database, Redis, storage and the task broker on app.ctx."""

from __future__ import annotations

import logging
from pathlib import Path

from sanic import Sanic
from tortoise import Tortoise

from server.config import Settings
from server.security import configure_hasher
from server.services.platform.db import migrate_once, tortoise_config
from server.services.platform.redis import make_redis
from server.services.platform.runtime import Runtime, set_runtime
from server.services.platform.storage import LocalStorage

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
    await Tortoise.init(config=tortoise_config(settings.database_url), _enable_global_fallback=True)
    configure_hasher(
        time_cost=settings.ARGON2_TIME_COST,
        memory_kib=settings.ARGON2_MEMORY_KIB,
        parallelism=settings.ARGON2_PARALLELISM,
    )
    runtime = Runtime(settings=settings, redis=make_redis(settings.REDIS_URL), storage=LocalStorage(settings.storage_path()))
    set_runtime(runtime)
    return runtime


async def close_resources(runtime: Runtime | None) -> None:
    from server.wechat import close_wechat

    await close_wechat()
    if runtime is not None:
        await runtime.redis.aclose()
    await Tortoise.close_connections()
    set_runtime(None)


def register_listeners(app: Sanic, settings: Settings, *, migrate_schema: bool) -> None:
    @app.before_server_start
    async def _open(app: Sanic) -> None:
        from server.services.platform.broker import broker, import_task_modules

        runtime = await open_resources(settings, migrate_schema=migrate_schema)
        app.ctx.settings = settings
        app.ctx.redis = runtime.redis
        app.ctx.storage = runtime.storage
        if migrate_schema and settings.is_embedded and settings.SEED_DEMO:
            from server.demo import print_demo_physician, seed_if_empty

            await seed_if_empty()
            await print_demo_physician()
        import_task_modules()
        await broker.startup()
        from server.services.notify import dispatch

        await dispatch.start_background(role="api")  # outbox kicks (+ the sweep on the in-memory broker)
        from server.services.exams import deadline_sweeper

        await deadline_sweeper.start_background(role="api")  # exam deadlines (on the in-memory broker)
        from server.services.results import outcome

        await outcome.start_background()  # missed-round sweep (services/outcome.py)

        from server.services.exams import window_notices


        await window_notices.start_background()  # 考核通知 (services/exams/window_notices.py)
        from server.services.proctoring import retention

        await retention.start_background()  # face data retention (services/retention.py)
        if settings.FACE_VERIFY_ENABLED:  # the real face pipeline in the exam (services/face_verify.py)
            from server.face import pool
            from server.services.exams import face_gate, face_verify

            await pool.default_pool(settings).warm_up()
            face_gate.set_verifier(face_verify.PipelineVerifier())

    @app.after_server_stop
    async def _close(app: Sanic) -> None:
        from server.services.notify import dispatch
        from server.services.platform.broker import broker
        from server.services.platform.runtime import _runtime

        await dispatch.stop_background()
        from server.services.exams import deadline_sweeper

        await deadline_sweeper.stop_background()
        from server.services.results import outcome

        await outcome.stop_background()

        from server.services.exams import window_notices


        await window_notices.stop_background()
        from server.services.proctoring import retention

        await retention.stop_background()
        await broker.shutdown()
        if settings.FACE_VERIFY_ENABLED:
            from server.face import pool
            from server.services.exams import face_gate

            face_gate.set_verifier(face_gate.BasicImageVerifier())
            pool.shutdown_default()
        await close_resources(_runtime)
