"""Face-identity embedding: dlib's 5-point alignment on the BlazeFace box, then dlib's ResNet
(128 floats; the same person is usually within euclidean distance 0.6).

Two engines compute the same ResNet, chosen once per process (``FACE_EMBEDDER``):

- ``onnx``: dlib cuts the aligned 150x150 chip, ONNX Runtime runs the network rebuilt from the
  same pinned ``.dat`` (server/face/resnet_onnx.py): ~5 ms instead of ~70–90 ms, embeddings
  within ~1e-6 of dlib's. Needs the ``onnxruntime`` and ``onnx`` packages.
- ``dlib``: ``compute_face_descriptor`` (no jitter, padding 0.25), the reference path.

``auto`` (the default) takes ``onnx`` when its packages import and the network converts, and
falls back to ``dlib`` otherwise (logged once).

Embeddings travel and are stored as 512 bytes (128 little-endian float32); ``as_vector`` also
accepts a list of floats (e.g. from JSON).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from server.face import models
from server.face.detect import Face

EMBEDDING_SIZE = 128
EMBEDDING_BYTES = EMBEDDING_SIZE * 4
DISTANCE_SCALE = 1.2  # similarity = 1 - d / 1.2, so d = 0.6 (dlib's usual cut) is 0.5
ENGINES = ("auto", "onnx", "dlib")
log = logging.getLogger("server.face.embed")


class Embedder:
    """dlib's 5-point alignment, then the ResNet on ``engine`` ("auto", "onnx" or "dlib");
    ``self.engine`` is the one in use. ``threads``: ONNX Runtime intra-op threads."""

    def __init__(self, engine: str = "auto", *, threads: int = 1) -> None:
        import dlib

        if engine not in ENGINES:
            raise ValueError(f"face embedder must be one of {ENGINES}, not {engine!r}")
        self._dlib: Any = dlib
        self._shape = dlib.shape_predictor(str(models.verified_path(models.SHAPE_PREDICTOR_5)))
        self._resnet: Any = None
        self._onnx: Any = None
        if engine in ("auto", "onnx"):
            try:
                # here: resnet_onnx needs onnx/onnxruntime, optional (FACE_EMBEDDER=auto falls back to dlib)
                from server.face.resnet_onnx import OnnxResnet

                self._onnx = OnnxResnet(models.verified_bytes(models.DLIB_RESNET), threads=threads)
            except Exception as exc:  # ImportError without the packages; FormatError, ORT errors
                if engine == "onnx":
                    raise
                log.warning("face embedder: ONNX Runtime path unavailable (%s: %s); using dlib",
                            type(exc).__name__, exc)
        if self._onnx is None:
            self._resnet = dlib.face_recognition_model_v1(str(models.verified_path(models.DLIB_RESNET)))
        self.engine = "onnx" if self._onnx is not None else "dlib"
        self._lock = threading.Lock()

    def landmarks(self, rgb: np.ndarray, face: Face) -> Any:
        """dlib's 5-point shape of ``face`` (a square box around the detector's box)."""
        height, width = rgb.shape[:2]
        side = max(face.width, face.height)
        cx, cy = face.centre
        half = side / 2
        rect = self._dlib.rectangle(
            int(max(0, cx - half)), int(max(0, cy - half)),
            int(min(width - 1, cx + half)), int(min(height - 1, cy + half)),
        )
        return self._shape(rgb, rect)

    def chip(self, rgb: np.ndarray, shape: Any) -> np.ndarray:
        """The aligned 150x150 RGB chip that dlib's compute_face_descriptor would cut."""
        # here: resnet_onnx needs onnx/onnxruntime, optional (FACE_EMBEDDER=auto falls back to dlib)
        from server.face.resnet_onnx import CHIP_PADDING, CHIP_SIZE

        return np.asarray(self._dlib.get_face_chip(rgb, shape, size=CHIP_SIZE, padding=CHIP_PADDING))

    def embed(self, rgb: np.ndarray, face: Face) -> np.ndarray:
        """The 128-d embedding of ``face`` in ``rgb`` (H x W x 3 uint8)."""
        image = np.ascontiguousarray(rgb)
        with self._lock:
            shape = self.landmarks(image, face)
            if self._onnx is not None:
                return np.asarray(self._onnx(self.chip(image, shape)[None])[0], dtype=np.float32)
            vector = self._resnet.compute_face_descriptor(image, shape, 0, 0.25)
        return np.asarray(vector, dtype=np.float32)


def to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f4").reshape(EMBEDDING_SIZE).tobytes()


def as_vector(value: bytes | bytearray | memoryview | Sequence[float] | np.ndarray) -> np.ndarray:
    """A stored embedding (512 bytes or 128 floats) as a float32 vector; ValueError otherwise."""
    if isinstance(value, bytes | bytearray | memoryview):
        if len(value) != EMBEDDING_BYTES:
            raise ValueError(f"an embedding is {EMBEDDING_BYTES} bytes, not {len(value)}")
        vector = np.frombuffer(bytes(value), dtype="<f4").astype(np.float32)
    else:
        vector = np.asarray(value, dtype=np.float32).reshape(-1)
        if vector.shape != (EMBEDDING_SIZE,):
            raise ValueError(f"an embedding has {EMBEDDING_SIZE} values, not {vector.size}")
    if not np.all(np.isfinite(vector)):
        raise ValueError("an embedding must be finite")
    return vector


def distance(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)))


def similarity(d: float) -> float:
    """0..1, higher is more alike: ``clip(1 - d / 1.2, 0, 1)``."""
    return round(float(np.clip(1.0 - d / DISTANCE_SCALE, 0.0, 1.0)), 4)


def distance_of_similarity(s: float) -> float:
    return (1.0 - s) * DISTANCE_SCALE
