"""The background queue (taskiq).

Embedded default: an in-memory broker that runs tasks inside the API process.
With TASK_BROKER=redis, tasks go through Redis to any number of workers:

    taskiq worker server.tasks:broker

Tasks take plain ids, load what they need, and report progress on their Job row.
"""

from __future__ import annotations

import os

from taskiq import InMemoryBroker, TaskiqEvents, TaskiqState
from taskiq.abc.broker import AsyncBroker


def _make_broker() -> AsyncBroker:
    if os.environ.get("TASK_BROKER", "inmemory") == "redis":
        from taskiq_redis import ListQueueBroker

        return ListQueueBroker(os.environ["REDIS_URL"], queue_name="dingkaotong:tasks")
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


@broker.on_event(TaskiqEvents.WORKER_SHUTDOWN)
async def _worker_shutdown(state: TaskiqState) -> None:
    if not broker.is_worker_process:
        return
    from server.listeners import close_resources

    await close_resources(state.resources)


def import_task_modules() -> None:
    """Import every module that defines tasks, so the broker knows them."""
    import server.services.jobs  # noqa: F401
