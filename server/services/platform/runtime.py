"""The process's shared resources (settings, Redis, storage).

The listeners (API) and the task worker start-up fill this once; services read
it, so the same service code runs in a request and in a background task.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from server.config import Settings
    from server.services.face.checker import FaceChecker
    from server.services.platform.storage import Storage


@dataclass
class Runtime:
    settings: Settings
    redis: Redis
    storage: Storage
    # The face checker chosen once at start-up (server/background.py), None when face checks are off.
    face: FaceChecker | None = None


# The one process-wide holder: set by open_resources (API listeners, worker start-up, tests).
_runtime: Runtime | None = None


def set_runtime(runtime: Runtime | None) -> None:
    global _runtime
    _runtime = runtime


def rt() -> Runtime:
    if _runtime is None:
        raise RuntimeError("runtime not initialised: call server.listeners.open_resources first")
    return _runtime


def current_runtime() -> Runtime | None:
    """The runtime if one is open (for closing it), else None."""
    return _runtime
