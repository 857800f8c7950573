"""Face-identity embedding: dlib's 5-point alignment on the BlazeFace box, then dlib's ResNet
(128 floats; the same person is usually within euclidean distance 0.6).

Embeddings travel and are stored as 512 bytes (128 little-endian float32); ``as_vector`` also
accepts a list of floats (e.g. from JSON).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from server.face import models
from server.face.detect import Face

EMBEDDING_SIZE = 128
EMBEDDING_BYTES = EMBEDDING_SIZE * 4
DISTANCE_SCALE = 1.2  # similarity = 1 - d / 1.2, so d = 0.6 (dlib's usual cut) is 0.5


class Embedder:
    def __init__(self) -> None:
        import dlib

        self._dlib: Any = dlib
        self._shape = dlib.shape_predictor(str(models.verified_path(models.SHAPE_PREDICTOR_5)))
        self._resnet = dlib.face_recognition_model_v1(str(models.verified_path(models.DLIB_RESNET)))
        self._lock = threading.Lock()

    def embed(self, rgb: np.ndarray, face: Face) -> np.ndarray:
        """The 128-d embedding of ``face`` in ``rgb`` (H x W x 3 uint8)."""
        height, width = rgb.shape[:2]
        side = max(face.width, face.height)
        cx, cy = face.centre
        half = side / 2
        rect = self._dlib.rectangle(
            int(max(0, cx - half)), int(max(0, cy - half)),
            int(min(width - 1, cx + half)), int(min(height - 1, cy + half)),
        )
        image = np.ascontiguousarray(rgb)
        with self._lock:
            shape = self._shape(image, rect)
            vector = self._resnet.compute_face_descriptor(image, shape)
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
