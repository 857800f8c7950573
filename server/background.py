"""The one list of task modules and of background services (read by the server and the worker).

``server.listeners`` (the API process) and ``server.worker`` (a taskiq worker process) both
start and stop what is listed here, so a new periodic service or task module is added once.
No service imports this module: it sits above all of them (pyproject's import-linter layers).
"""

from __future__ import annotations

import importlib
import logging
from typing import Literal

from server.config import Settings
from server.services.accounts import sessions
from server.services.exams import deadline_sweeper, window_notices
from server.services.face.checker import make_checker
from server.services.notify import dispatch, reminders
from server.services.platform.runtime import rt
from server.services.proctoring import retention
from server.services.results import outcome

log = logging.getLogger("server.background")

Role = Literal["api", "worker"]

# Every module that defines @broker.task functions: importing them registers the tasks.
TASK_MODULES = (
    "server.services.accounts.sessions",
    "server.services.cycles.papers",
    "server.services.cycles.question_import",
    "server.services.exams.window_notices",
    "server.services.notify.dispatch",
    "server.services.notify.reminders",
    "server.services.platform.jobs",
    "server.services.proctoring.retention",
    "server.services.registry.importer",
    "server.services.reports.exports",
    "server.services.reports.statistics",
    "server.services.results.outcome",
    "server.services.results.reexam",
)
# The face tasks need the face extra (numpy, mediapipe, dlib): a worker without it takes no face checks.
OPTIONAL_TASK_MODULES = ("server.services.face.queue",)


def import_task_modules() -> None:
    """Import every module that defines tasks, so the broker knows them."""
    for name in TASK_MODULES:
        importlib.import_module(name)
    for name in OPTIONAL_TASK_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:  # pragma: no cover - no face extra
            log.info("face extra not installed: %s not loaded", name)


async def start_services(settings: Settings, *, role: Role) -> None:
    """Start the periodic services of this process, in order."""
    await dispatch.start_background(role=role, also=(reminders.maybe_run,))  # outbox kicks; the sweep in workers (or the in-memory broker)
    await deadline_sweeper.start_background(role=role)  # submits attempts at their deadline
    await outcome.start_background()  # missed-round sweep, at most once per interval across processes
    await window_notices.start_background()  # 考核通知 (services/exams/window_notices.py)
    await retention.start_background()  # face data retention, at most once per interval across processes
    await sessions.start_background()  # deletes expired session records, at most once per interval across processes
    if role == "api" and settings.FACE_VERIFY_ENABLED:  # the real face pipeline in the exam (face_verify.py)
        checker = make_checker(settings)  # chosen once: FACE_BACKEND pool (this process) or queue
        await checker.warm_up()
        rt().face = checker


async def stop_services(settings: Settings, *, role: Role) -> None:
    """Stop what start_services started."""
    await dispatch.stop_background()
    await deadline_sweeper.stop_background()
    await outcome.stop_background()
    await window_notices.stop_background()
    await retention.stop_background()
    await sessions.stop_background()
    checker, rt().face = rt().face, None
    if checker is not None:
        checker.close()
