"""A job that each process runs every N seconds, at most once per N seconds across processes
(a Redis key with that lifetime decides who runs). Used by the outcome sweep and face
retention; both also exist as taskiq tasks for an external scheduler."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from server.services.platform.runtime import rt

log = logging.getLogger("server.periodic")


class PeriodicJob:
    def __init__(self, name: str, *, seconds_setting: str, run: Callable[[], Awaitable[Any]]) -> None:
        self.name = name
        self.seconds_setting = seconds_setting
        self.run = run
        self._task: asyncio.Task[None] | None = None

    def seconds(self) -> int:
        return int(getattr(rt().settings, self.seconds_setting))

    async def maybe_run(self) -> Any | None:
        """Run once, unless another process ran it within the interval."""
        if not await rt().redis.set(f"{self.name}:sweep", b"1", nx=True, ex=max(1, self.seconds())):
            return None
        return await self.run()

    async def _loop(self, seconds: int) -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                await self.maybe_run()
            except Exception:
                log.exception("%s failed; trying again next time", self.name)

    async def start(self) -> None:
        """Start in this process (off when the interval is 0, or when background scans are off
        with OUTBOX_AUTO_DISPATCH=false, as in tests)."""
        await self.stop()
        seconds = self.seconds()
        if seconds <= 0 or not rt().settings.OUTBOX_AUTO_DISPATCH:
            return
        self._task = asyncio.create_task(self._loop(seconds), name=self.name)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
