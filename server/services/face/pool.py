"""Face inference off the event loop: a process pool here, queue workers across machines.

A face check costs ~20 ms of CPU with the ONNX Runtime embedder (~100 ms with dlib's, which
holds the GIL), so it never runs on the server's event loop: answer saves must not wait behind face checks at the exam peak. ``FacePool`` keeps
``FACE_POOL_SIZE`` worker processes (spawned, models loaded once per worker by the pool's
initializer, about 1.5 s and 210–280 MB each) and is awaited with ``loop.run_in_executor``::

    result = await pool.run_check(image, reference_embedding, thresholds, previous=[...])
    reference = await pool.run_reference(standard_photo)

Sizing: each API process has its own pool, so the face processes of a machine are
``WORKERS x FACE_POOL_SIZE``; on a 2-core machine one face process leaves a core to the API.
Face workers run at a lower CPU priority (nice +19, the lowest), so when cores are short the API process
and its answer saves go first.
At most FACE_POOL_MAX_PENDING checks wait for a worker; past that a check is refused with 429
``face_busy`` (the client retries) rather than piling up memory and latency.

Across machines: the same synchronous entry points (``check_sync``, ``reference_sync``) run
in a taskiq task on dedicated face workers, and the API awaits the task's result instead of
the pool::

    @broker.task(task_name="face.check")           # server/services/face/queue.py, TASK_BROKER=redis
    def face_check(image_b64: str, reference: str, thresholds: dict, previous: list) -> dict:
        result = check_sync(b64decode(image_b64), b64decode(reference), thresholds, previous)
        return result.as_dict() | {"embedding": ...}

    taskiq worker server.worker:broker --workers 2   # on each face machine (one per core)

Domain errors (invalid image, no face in a standard photo) cross the process boundary as
values and are raised again in the caller with their code and Chinese message.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from server import errors
from server.face import CheckResult, FacePipeline, Reference, Thresholds
from server.face.embed import as_vector, to_bytes
from server.services.platform.runtime import rt

if TYPE_CHECKING:
    from server.config import Settings
    from server.face.liveness import Observation

log = logging.getLogger("server.face.pool")
WORKER_NICE = 19  # face workers yield the CPU to the API process (answer saves) under contention

# --- inside a worker process ---------------------------------------------------------------
# Per-process state on purpose: each spawned pool worker (and each taskiq face worker) loads the
# models once into its own pipeline; the API process never touches these.
_pipeline: FacePipeline | None = None
_pipeline_options: dict[str, Any] = {}
_pipeline_lock = threading.Lock()


@dataclass(frozen=True)
class _Failure:
    """A DomainError carried back from a worker (exceptions lose their code when pickled)."""

    kind: str
    message: str
    code: str
    details: Any

    def raise_again(self) -> None:
        cls = getattr(errors, self.kind, None)
        if not (isinstance(cls, type) and issubclass(cls, errors.DomainError)):
            cls = errors.ValidationFailed
        raise cls(self.message, code=self.code, details=self.details)


def init_worker(options: dict[str, Any] | None = None, nice: int = 0) -> None:
    """Pool initializer: lower this process's CPU priority (the API process wins when both want
    a core), then load and verify the models once."""
    global _pipeline_options
    if nice > 0 and hasattr(os, "nice"):
        os.nice(nice)
    _pipeline_options = dict(options or {})
    worker_pipeline()


def worker_pipeline() -> FacePipeline:
    """This process's pipeline (created on first use; also for taskiq face workers)."""
    global _pipeline
    with _pipeline_lock:
        if _pipeline is None:
            options = dict(_pipeline_options)
            if "embedder" not in options:  # a taskiq face worker: FACE_EMBEDDER of its runtime
                options["embedder"] = _configured_embedder()
            _pipeline = FacePipeline(**options)
        return _pipeline


def _configured_embedder() -> str:
    """FACE_EMBEDDER of this process's runtime, "auto" where there is none."""
    try:
        return str(rt().settings.FACE_EMBEDDER)
    except RuntimeError:
        return "auto"


def check_sync(image: bytes, reference_embedding: bytes | Sequence[float],
               thresholds: Thresholds | dict[str, float] | None = None,
               previous: Sequence[Observation] = ()) -> CheckResult:
    th = thresholds if isinstance(thresholds, Thresholds) else Thresholds.from_mapping(thresholds or {})
    return worker_pipeline().check(image, reference_embedding, th, previous=previous)


def reference_sync(image: bytes, thresholds: Thresholds | dict[str, float] | None = None) -> Reference:
    th = thresholds if isinstance(thresholds, Thresholds) else Thresholds.from_mapping(thresholds or {})
    return worker_pipeline().reference(image, th)


def _guarded(fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except errors.DomainError as exc:
        return _Failure(type(exc).__name__, exc.message, exc.code, exc.details)


def _job_check(image: bytes, reference: bytes, thresholds: Thresholds, previous: tuple[Any, ...]) -> Any:
    return _guarded(check_sync, image, reference, thresholds, previous)


def _job_reference(image: bytes, thresholds: Thresholds) -> Any:
    return _guarded(reference_sync, image, thresholds)


def _job_ping() -> int:
    worker_pipeline()
    return os.getpid()


# --- in the API process ----------------------------------------------------------------------
def allow_children() -> None:
    """Sanic runs each worker (``--workers N``, N > 1) as a daemonic process, and multiprocessing
    refuses children to a daemonic process ("daemonic processes are not allowed to have
    children"): the server did not start with the face pool on. The face workers are ours to
    stop — ``close()`` at shutdown, and each exits when its parent's pipe closes — so the flag is
    cleared for this process before the pool starts."""
    current = multiprocessing.current_process()
    if current.daemon:
        current._config["daemon"] = False  # type: ignore[attr-defined]  # noqa: SLF001


class FacePool:
    def __init__(self, size: int = 1, *, max_pending: int = 64, timeout: float = 30.0,
                 pipeline_options: dict[str, Any] | None = None, nice: int = WORKER_NICE) -> None:
        if size < 1:
            raise ValueError("a face pool needs at least one process")
        self.size = size
        self.max_pending = max_pending
        self.timeout = timeout
        self.pipeline_options = dict(pipeline_options or {})
        self.nice = nice
        self._executor: ProcessPoolExecutor | None = None
        self._pending = 0

    @classmethod
    def from_settings(cls, settings: Settings) -> FacePool:
        return cls(
            settings.FACE_POOL_SIZE, max_pending=settings.FACE_POOL_MAX_PENDING,
            timeout=settings.FACE_CHECK_TIMEOUT_SECONDS,
            pipeline_options={"max_side": settings.FACE_MAX_SIDE, "max_bytes": settings.FACE_MAX_IMAGE_BYTES,
                              "max_pixels": settings.MAX_IMAGE_PIXELS, "embedder": settings.FACE_EMBEDDER},
        )

    @property
    def pending(self) -> int:
        return self._pending

    def executor(self) -> ProcessPoolExecutor:
        if self._executor is None:
            allow_children()
            self._executor = ProcessPoolExecutor(
                max_workers=self.size, mp_context=multiprocessing.get_context("spawn"),
                initializer=init_worker, initargs=(self.pipeline_options, self.nice),
            )
        return self._executor

    async def warm_up(self) -> list[int]:
        """Start every worker and load its models now (instead of on the first check)."""
        loop = asyncio.get_running_loop()
        executor = self.executor()
        return list(await asyncio.gather(*(loop.run_in_executor(executor, _job_ping) for _ in range(self.size))))

    def close(self) -> None:
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)

    async def _submit(self, fn: Any, *args: Any) -> Any:
        if self._pending >= self.max_pending:
            raise errors.RateLimited("人脸核验繁忙，请稍后重试", code="face_busy")
        self._pending += 1
        loop = asyncio.get_running_loop()
        try:
            future = loop.run_in_executor(self.executor(), fn, *args)
            outcome = await asyncio.wait_for(future, self.timeout)
        except TimeoutError:
            raise errors.UpstreamError("人脸核验超时，请重试", code="face_timeout") from None
        except BrokenProcessPool:
            log.exception("face worker died; restarting the pool")
            broken, self._executor = self._executor, None
            if broken is not None:
                broken.shutdown(wait=False, cancel_futures=True)
            raise errors.UpstreamError("人脸核验服务暂时不可用，请重试", code="face_unavailable") from None
        finally:
            self._pending -= 1
        if isinstance(outcome, _Failure):
            outcome.raise_again()
        return outcome

    async def run_check(self, image: bytes, reference_embedding: bytes | Sequence[float],
                        thresholds: Thresholds | None = None, *,
                        previous: Sequence[Observation] = ()) -> CheckResult:
        reference = bytes(reference_embedding) if isinstance(reference_embedding, bytes | bytearray) \
            else bytes(_as_bytes(reference_embedding))
        result: CheckResult = await self._submit(_job_check, bytes(image), reference,
                                                 thresholds or Thresholds(), tuple(previous))
        return result

    async def run_reference(self, image: bytes, thresholds: Thresholds | None = None) -> Reference:
        result: Reference = await self._submit(_job_reference, bytes(image), thresholds or Thresholds())
        return result

    # the FaceChecker protocol (server/services/face/checker.py)
    check = run_check
    reference = run_reference


def _as_bytes(values: Sequence[float]) -> bytes:
    try:
        return to_bytes(as_vector(values))
    except ValueError as exc:
        raise errors.ValidationFailed("标准照特征数据无效，请重新上传标准照", code="invalid_reference") from exc
