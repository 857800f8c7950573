"""The background queue (taskiq).

Embedded default: an in-memory broker that runs tasks inside the API process.
With TASK_BROKER=redis, tasks go through Redis to any number of workers:

    taskiq worker server.services.platform.broker:broker

Tasks take plain ids, load what they need, and report progress on their Job row.
Notification delivery (server/services/dispatch.py): `dkt.deliver_outbox` is kicked when a
message is queued, and a periodic sweep runs in the API process (in-memory broker) or in
each worker process (TASK_BROKER=redis).
"""

from __future__ import annotations

import os

from taskiq import InMemoryBroker, TaskiqEvents, TaskiqState
from taskiq.abc.broker import AsyncBroker


def _make_broker() -> AsyncBroker:
    if os.environ.get("TASK_BROKER", "inmemory") == "redis":
        # The worker waits on BRPOP with no time limit: redis-py's default 5 s socket read
        # timeout would kill every idle worker, so reads are unbounded (connects stay bounded).
        from taskiq_redis import ListQueueBroker, RedisAsyncResultBackend

        broker = ListQueueBroker(os.environ["REDIS_URL"], queue_name="dingkaotong:tasks", socket_timeout=None,
                                 socket_connect_timeout=5, socket_keepalive=True)
        # results (face checks awaited by the API) live in Redis for 10 minutes
        return broker.with_result_backend(RedisAsyncResultBackend(os.environ["REDIS_URL"], result_ex_time=600))
    return InMemoryBroker(await_inplace=False)


broker = _make_broker()


@broker.on_event(TaskiqEvents.WORKER_STARTUP)
async def _worker_startup(state: TaskiqState) -> None:
    # A separate worker process opens its own database and Redis connections;
    # the in-memory broker runs inside the API process, which already has them.
    if not broker.is_worker_process:
        return
    from server.config import Settings
    from server.listeners import open_resources

    state.resources = await open_resources(Settings.from_env())
    import_task_modules()
    from server.services.notify import dispatch

    await dispatch.start_background(role="worker")  # each worker process sweeps the outbox
    from server.services.exams import deadline_sweeper

    await deadline_sweeper.start_background(role="worker")  # and submits attempts at their deadline
    from server.services.results import outcome

    await outcome.start_background()  # missed-round sweep, at most once per interval across processes

    from server.services.exams import window_notices


    await window_notices.start_background()  # 考核通知 (services/exams/window_notices.py)
    from server.services.proctoring import retention

    await retention.start_background()  # face data retention, at most once per interval across processes


@broker.on_event(TaskiqEvents.WORKER_SHUTDOWN)
async def _worker_shutdown(state: TaskiqState) -> None:
    if not broker.is_worker_process:
        return
    from server.listeners import close_resources
    from server.services.notify import dispatch

    await dispatch.stop_background()
    from server.services.exams import deadline_sweeper

    await deadline_sweeper.stop_background()
    from server.services.results import outcome

    await outcome.stop_background()

    from server.services.exams import window_notices


    await window_notices.stop_background()
    from server.services.proctoring import retention

    await retention.stop_background()
    await close_resources(state.resources)


def import_task_modules() -> None:
    """Import every module that defines tasks, so the broker knows them."""
    import server.services.cycles.papers  # noqa: F401
    import server.services.cycles.question_import  # noqa: F401
    import server.services.exams.window_notices  # noqa: F401
    import server.services.notify.dispatch  # noqa: F401
    import server.services.notify.reminders  # noqa: F401
    import server.services.platform.jobs  # noqa: F401
    import server.services.proctoring.retention  # noqa: F401
    import server.services.registry.importer  # noqa: F401
    import server.services.reports.exports  # noqa: F401
    import server.services.reports.statistics  # noqa: F401
    import server.services.results.outcome  # noqa: F401
    import server.services.results.reexam  # noqa: F401

    try:  # the face tasks need the face extra (numpy, mediapipe, dlib)
        import server.face.queue  # noqa: F401
    except ImportError:  # pragma: no cover - a worker without the face extra takes no face checks
        pass
