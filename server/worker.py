"""The taskiq worker's start-up (TASK_BROKER=redis):

    taskiq worker server.worker:broker --workers 2

A worker process opens its own database and Redis connections, imports every task module and
runs the background services listed in server/background.py. The in-memory broker (embedded
default) runs tasks inside the API process, which already did all this in its listeners.
"""

from __future__ import annotations

from taskiq import TaskiqEvents, TaskiqState

from server import background
from server.config import Settings
from server.listeners import close_resources, open_resources
from server.services.platform.broker import broker

__all__ = ["broker"]

background.import_task_modules()  # the worker must know every task before it consumes the queue


@broker.on_event(TaskiqEvents.WORKER_STARTUP)
async def _worker_startup(state: TaskiqState) -> None:
    if not broker.is_worker_process:
        return
    settings = Settings.from_env()
    state.resources = await open_resources(settings)
    state.settings = settings
    await background.start_services(settings, role="worker")


@broker.on_event(TaskiqEvents.WORKER_SHUTDOWN)
async def _worker_shutdown(state: TaskiqState) -> None:
    if not broker.is_worker_process:
        return
    await background.stop_services(state.settings, role="worker")
    await close_resources(state.resources)
