"""Face detection and keypoints with mediapipe's Tasks API (BlazeFace short-range).

BlazeFace short-range looks at the frame through a 128 px window, so it misses faces smaller
than about 15 % of the frame width: a second person farther from the camera. Counting people
therefore makes a second pass over four overlapping tiles (each 2/3 of the frame, i.e. 1.5x
zoom); a face found only in a tile counts when its centre lies outside every face already
found. Secondary detections below ``min_confidence`` (0.75) are not counted: below that they
are mostly logos, posters and patterned backgrounds.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np

from server.face import models

DETECTOR_FLOOR = 0.5  # what mediapipe reports at all; counting applies min_confidence on top
TILE_FRACTION = 2 / 3
TILE_MIN_SIDE = 240  # frames smaller than this are not tiled
MERGE_MARGIN = 0.2  # a tile face whose centre is within a known face's box grown by 20 % is that face


@dataclass(frozen=True)
class Face:
    """One face: a box in pixels, the detector's confidence and six BlazeFace keypoints in pixels
    (right eye, left eye, nose tip, mouth, right ear, left ear — the person's right and left)."""

    x: float
    y: float
    width: float
    height: float
    score: float
    keypoints: tuple[tuple[float, float], ...] = ()

    @property
    def area(self) -> float:
        return self.width * self.height

    @property
    def centre(self) -> tuple[float, float]:
        return self.x + self.width / 2, self.y + self.height / 2

    def contains(self, point: tuple[float, float], margin: float = 0.0) -> bool:
        px, py = point
        mx, my = self.width * margin, self.height * margin
        return self.x - mx <= px <= self.x + self.width + mx and self.y - my <= py <= self.y + self.height + my

    def pose(self) -> tuple[float, ...]:
        """Keypoints relative to the box (0..1): a cheap signature of head pose and expression."""
        if not self.width or not self.height:
            return ()
        out: list[float] = []
        for kx, ky in self.keypoints:
            out += [round((kx - self.x) / self.width, 4), round((ky - self.y) / self.height, 4)]
        return tuple(out)


def _close_quietly(detector: Any) -> None:
    """Close a mediapipe task; at interpreter exit its dispatcher thread is already gone and
    closing fails, so the handle is dropped instead (its own __del__ would fail noisily)."""
    try:
        detector.close()
    except Exception:
        detector._handle = None


class FaceDetector:
    """BlazeFace from the verified ``face_landmarker.task``. One instance per process; calls are
    serialised by a lock (the mediapipe graph is not meant for concurrent use)."""

    def __init__(self, *, min_confidence: float = 0.75, tiles: bool = True) -> None:
        from mediapipe.tasks.python import BaseOptions, vision

        self.min_confidence = min_confidence
        self.tiles = tiles
        options = vision.FaceDetectorOptions(
            base_options=BaseOptions(model_asset_buffer=models.face_detector_bytes()),
            min_detection_confidence=DETECTOR_FLOOR,
        )
        self._detector: Any = vision.FaceDetector.create_from_options(options)
        self._lock = threading.Lock()
        self._finalizer = weakref.finalize(self, _close_quietly, self._detector)

    def close(self) -> None:
        self._detector = None
        self._finalizer()

    def _run(self, rgb: np.ndarray, dx: int = 0, dy: int = 0) -> list[Face]:
        import mediapipe as mp

        if self._detector is None:
            raise RuntimeError("face detector is closed")
        height, width = rgb.shape[:2]
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        with self._lock:
            result = self._detector.detect(image)
        faces: list[Face] = []
        for det in result.detections:
            box = det.bounding_box
            score = float(det.categories[0].score) if det.categories else 0.0
            points = tuple(
                (float(k.x) * width + dx, float(k.y) * height + dy) for k in (det.keypoints or []) if k.x is not None
            )
            faces.append(Face(float(box.origin_x + dx), float(box.origin_y + dy), float(box.width),
                              float(box.height), score, points))
        return faces

    def detect(self, rgb: np.ndarray, min_confidence: float | None = None) -> list[Face]:
        """Faces at or above ``min_confidence``, largest first (the full frame, then the tiles)."""
        cut = self.min_confidence if min_confidence is None else min_confidence
        found = [f for f in self._run(rgb) if f.score >= cut]
        height, width = rgb.shape[:2]
        if self.tiles and min(height, width) >= TILE_MIN_SIDE:
            th, tw = int(height * TILE_FRACTION), int(width * TILE_FRACTION)
            for y0 in (0, height - th):
                for x0 in (0, width - tw):
                    for face in self._run(rgb[y0:y0 + th, x0:x0 + tw], x0, y0):
                        if face.score < cut:
                            continue
                        if any(known.contains(face.centre, MERGE_MARGIN) or face.contains(known.centre)
                               for known in found):
                            continue
                        found.append(face)
        return sorted(found, key=lambda f: f.area, reverse=True)
