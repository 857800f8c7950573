"""Cheap liveness signals (no anti-spoofing model exists in any installable package).

- **Covered camera / black frame**: the grey thumbnail is dark (mean < 25) or flat (standard
  deviation < 12). Real photos measured mean 65–180, standard deviation 29–76.
- **Several people**: counted by the detector (``detect.py``), confidence ≥ 0.75.
- **A still photo held up to the camera**: live snapshots minutes apart differ in head pose
  and expression, so two snapshots whose embeddings are nearly the same (d < 0.1) *and* whose
  keypoint geometry is nearly the same are flagged for human review — never failed
  automatically. A replayed upload (the same picture twice) is the extreme case: d = 0.
  A printed or on-screen photo is not recognised from a single frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from server.face.embed import as_vector, distance

COVERED_MAX_MEAN = 25.0
COVERED_MAX_STD = 12.0
STILL_MAX_DISTANCE = 0.1
STILL_MAX_POSE_DELTA = 0.03  # mean absolute change of the box-relative keypoints


def camera_covered(grey_mean: float, grey_std: float, *, max_mean: float = COVERED_MAX_MEAN,
                   max_std: float = COVERED_MAX_STD) -> bool:
    """True for a covered lens, a black frame or a blank (flat) picture."""
    return grey_mean < max_mean or grey_std < max_std


@dataclass(frozen=True)
class Observation:
    """What is kept of one snapshot to compare it with the next: its embedding (512 bytes or
    128 floats) and its keypoint pose (``Face.pose()``; may be empty)."""

    embedding: bytes | Sequence[float]
    pose: tuple[float, ...] = ()


def pose_delta(a: Sequence[float], b: Sequence[float]) -> float | None:
    if not a or not b or len(a) != len(b):
        return None
    return float(np.mean(np.abs(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64))))


def near_identical(a: Observation, b: Observation, *, max_distance: float = STILL_MAX_DISTANCE,
                   max_pose_delta: float = STILL_MAX_POSE_DELTA) -> bool:
    """True when two snapshots look like the same still picture (same face, same pose)."""
    d = distance(as_vector(a.embedding), as_vector(b.embedding))
    if d >= max_distance:
        return False
    delta = pose_delta(a.pose, b.pose)
    return delta is None or delta < max_pose_delta


def still_pairs(sequence: Sequence[Observation], *, max_distance: float = STILL_MAX_DISTANCE,
                max_pose_delta: float = STILL_MAX_POSE_DELTA) -> list[tuple[int, int]]:
    """Indexes (i, j), i < j, of snapshots of one attempt that are near-identical to each other.
    Every pair is compared, not only neighbours: a photo may be shown again later on."""
    out: list[tuple[int, int]] = []
    for i in range(len(sequence)):
        for j in range(i + 1, len(sequence)):
            if near_identical(sequence[i], sequence[j], max_distance=max_distance, max_pose_delta=max_pose_delta):
                out.append((i, j))
    return out
