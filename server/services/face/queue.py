"""Face checks across machines: the pipeline behind a taskiq task (FACE_BACKEND=queue).

With ``TASK_BROKER=redis`` the API sends each check to the queue and awaits its result
(stored in Redis), and any number of face machines run it::

    TASK_BROKER=redis REDIS_URL=... DATABASE_URL=... taskiq worker server.worker:broker --workers 2

Each worker process loads the models once (about 1 s, 200 MB) and runs checks in a thread, so
the API machines carry no inference at all. On the embedded default the in-memory broker runs
the task in the API process (useful for tests; the process pool is the better local choice).
Domain errors (invalid image, no face in a standard photo) come back with their code.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
from collections.abc import Sequence
from typing import Any

from taskiq.exceptions import TaskiqResultTimeoutError

from server import errors
from server.face import CheckResult, Reference, Thresholds
from server.face.liveness import Observation
from server.services.face.pool import _as_bytes, check_sync, reference_sync
from server.services.platform.broker import broker
from server.services.platform.runtime import rt


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _bytes(text: str) -> bytes:
    return base64.b64decode(text)


def _failure(exc: errors.DomainError) -> dict[str, Any]:
    return {"error": {"kind": type(exc).__name__, "code": exc.code, "message": exc.message}}


@broker.task(task_name="dkt.face_check")
async def face_check_task(image: str, reference: str, thresholds: dict[str, float],
                          previous: list[dict[str, Any]]) -> dict[str, Any]:
    seen = tuple(Observation(_bytes(p["embedding"]), tuple(p.get("pose") or ())) for p in previous)
    try:
        result = await asyncio.to_thread(check_sync, _bytes(image), _bytes(reference), thresholds, seen)
    except errors.DomainError as exc:
        return _failure(exc)
    out = dataclasses.asdict(result)
    out["embedding"] = _b64(result.embedding) if result.embedding is not None else None
    return {"result": out}


@broker.task(task_name="dkt.face_reference")
async def face_reference_task(image: str, thresholds: dict[str, float]) -> dict[str, Any]:
    try:
        ref = await asyncio.to_thread(reference_sync, _bytes(image), thresholds)
    except errors.DomainError as exc:
        return _failure(exc)
    return {"result": {"embedding": _b64(ref.embedding), "faces": ref.faces, "ms": ref.ms}}


async def _await(task: Any) -> dict[str, Any]:
    try:
        res = await (await task).wait_result(timeout=rt().settings.FACE_QUEUE_TIMEOUT_SECONDS)
    except TaskiqResultTimeoutError:
        raise errors.UpstreamError("人脸核验超时，请重试", code="face_timeout") from None
    if res.is_err:
        raise errors.UpstreamError("人脸核验服务暂时不可用，请重试", code="face_unavailable")
    payload = res.return_value
    if "error" in payload:
        failure = payload["error"]
        cls = getattr(errors, failure["kind"], None)
        if not (isinstance(cls, type) and issubclass(cls, errors.DomainError)):
            cls = errors.ValidationFailed
        raise cls(failure["message"], code=failure["code"])
    return payload["result"]


async def run_check(image: bytes, reference_embedding: bytes, thresholds: Thresholds | None = None, *,
                    previous: Sequence[Observation] = ()) -> CheckResult:
    th = dataclasses.asdict(thresholds or Thresholds())
    seen = [{"embedding": _b64(bytes(o.embedding)) if isinstance(o.embedding, bytes | bytearray)
             else _b64(_floats(o.embedding)), "pose": list(o.pose)} for o in previous]
    data = await _await(face_check_task.kiq(_b64(image), _b64(reference_embedding), th, seen))
    data["embedding"] = _bytes(data["embedding"]) if data.get("embedding") else None
    for key in ("pose", "flags", "scores"):
        data[key] = tuple(data.get(key) or ())
    return CheckResult(**data)


async def run_reference(image: bytes, thresholds: Thresholds | None = None) -> Reference:
    th = dataclasses.asdict(thresholds or Thresholds())
    data = await _await(face_reference_task.kiq(_b64(image), th))
    return Reference(embedding=_bytes(data["embedding"]), faces=data["faces"], ms=data["ms"])


class QueueChecker:
    """The FaceChecker of FACE_BACKEND=queue: every check is a task on the face workers."""

    async def check(self, image: bytes, reference_embedding: bytes | Sequence[float],
                    thresholds: Thresholds | None = None, *, previous: Sequence[Observation] = ()) -> CheckResult:
        reference = bytes(reference_embedding) if isinstance(reference_embedding, bytes | bytearray) \
            else _as_bytes(reference_embedding)
        return await run_check(image, reference, thresholds, previous=previous)

    async def reference(self, image: bytes, thresholds: Thresholds | None = None) -> Reference:
        return await run_reference(image, thresholds)

    async def warm_up(self) -> None:
        """Nothing to load here: the face workers load their models."""

    def close(self) -> None:
        """Nothing to close: the broker is closed with the process."""


def _floats(values: Sequence[float]) -> bytes:
    import numpy as np  # the face extra; only called with float embeddings

    return np.asarray(values, dtype=np.float32).tobytes()
