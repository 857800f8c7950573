"""One small protocol for face checks, chosen once at start-up and held on the runtime (``rt().face``).

``FACE_BACKEND=pool``: a process pool in this API process (pool.FacePool);
``FACE_BACKEND=queue``: a taskiq task on face workers on other machines (queue.QueueChecker).
The pipeline itself (detection, embedding, liveness) is the pure package server/face/.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from server.config import Settings
    from server.face import CheckResult, Reference, Thresholds
    from server.face.liveness import Observation


class FaceChecker(Protocol):
    async def check(self, image: bytes, reference_embedding: bytes | Sequence[float],
                    thresholds: Thresholds | None = None, *, previous: Sequence[Observation] = ()) -> CheckResult:
        """Compare a picture with a reference embedding (passed / review / refused, with the reason)."""

    async def reference(self, image: bytes, thresholds: Thresholds | None = None) -> Reference:
        """The reference embedding of a standard photo; raises no_face / multiple_faces."""

    async def warm_up(self) -> Any:
        """Load what the checks need now rather than on the first check."""

    def close(self) -> None:
        """Release processes and connections."""


def make_checker(settings: Settings) -> FaceChecker:
    """The checker of FACE_BACKEND (called once, by server/background.py)."""
    # Imported here: the back-ends need the face extra (numpy, mediapipe, dlib), which may be absent;
    # only start-ups with FACE_VERIFY_ENABLED (default: the extra is installed) call this.
    if settings.FACE_BACKEND == "queue":
        from server.services.face.queue import QueueChecker

        return QueueChecker()
    from server.services.face.pool import FacePool

    return FacePool.from_settings(settings)
