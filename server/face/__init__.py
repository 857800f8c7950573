"""The face pipeline (SPEC §6): is the examinee in front of the camera the physician of the
standard photo?

    pipeline = FacePipeline()                      # loads the models (about 1 s, ~200 MB)
    ref = pipeline.reference(standard_photo_bytes) # once, when the standard photo is stored
    result = pipeline.check(snapshot_bytes, ref.embedding, thresholds_for("440000"))
    result.decision, result.reason_zh, result.similarity, result.accepted

Steps: decode with Pillow (content-sniffed JPEG/PNG, size and pixel bounds, ``draft`` +
EXIF orientation + shrink to 640 px) → BlazeFace (mediapipe Tasks API) boxes and keypoints →
dlib 5-point alignment on the largest box → dlib's ResNet 128-d embedding (on ONNX Runtime
when it is installed, FACE_EMBEDDER) → euclidean distance
``d`` to the reference; ``similarity = clip(1 - d / 1.2, 0, 1)``.

Decisions: ``passed`` (d ≤ pass_distance), ``review`` (d ≤ review_distance, or a still photo
suspected: the exam goes on and a person looks at it), ``low_similarity``, ``no_face``,
``multiple_faces``, ``camera_covered``. Unusable input (not an image, too large, a
decompression bomb) raises ValidationFailed / PayloadTooLarge with a Chinese message.

Inference is CPU-bound (~20 ms with the ONNX Runtime embedder, ~100 ms with dlib's; see
server/face/embed.py): never call FacePipeline from the event loop; use
``server.face.pool`` (a process pool here, queue workers across machines).

This module imports no model library: ``Thresholds``, ``decide`` and the result types are
usable where the ``face`` extra is not installed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from server.errors import ValidationFailed
from server.services.platform.runtime import rt

if TYPE_CHECKING:
    import numpy as np

    from server.config import Settings
    from server.face.detect import Face
    from server.face.liveness import Observation

__all__ = [
    "DECISIONS", "REASONS", "Analysis", "CheckResult", "FacePipeline", "Reference", "Thresholds", "decide",
    "thresholds_for",
]

DECISIONS = ("passed", "review", "low_similarity", "no_face", "multiple_faces", "camera_covered")
REASONS: dict[str, str] = {
    "passed": "人脸核验通过",
    "review": "与标准照相似度偏低，已记录并将由工作人员人工复核，可继续考试",
    "still_photo": "与此前抓拍几乎完全相同，疑似对着摄像头展示照片，已记录并将由工作人员人工复核",
    "low_similarity": "与标准照相似度过低，请本人正对摄像头、在光线充足处重新拍摄",
    "no_face": "未检测到人脸，请正对摄像头并露出完整面部后重新拍摄",
    "multiple_faces": "画面中检测到多张人脸，请确保只有考生本人在镜头前",
    "camera_covered": "画面过暗或摄像头被遮挡，请移开遮挡物并在光线充足处重新拍摄",
}
REFERENCE_REASONS = {
    "no_face": "标准照中未检测到人脸，请上传本人近期正面免冠照片",
    "multiple_faces": "标准照中有多张人脸，请上传仅含本人的正面免冠照片",
}


@dataclass(frozen=True)
class Thresholds:
    """Decision thresholds on the embedding distance ``d`` (lower is more alike).

    Defaults, calibrated on shared/faces (17 identities, 40 genuine / 950 impostor pairs):
    ``pass_distance`` 0.45 accepted no impostor (the nearest, an East-Asian pair, is at 0.47);
    ``review_distance`` 0.62 sends every genuine pair that did not pass (the farthest at 0.61)
    to a person instead of refusing it, while the nearest impostor outside the East-Asian pairs
    is at 0.64. In similarity terms: passed ≥ 0.625, review ≥ 0.483.
    """

    pass_distance: float = 0.45
    review_distance: float = 0.62
    min_face_confidence: float = 0.75
    covered_max_mean: float = 25.0
    covered_max_std: float = 12.0
    still_max_distance: float = 0.1
    still_max_pose_delta: float = 0.03

    def __post_init__(self) -> None:
        if not 0.0 < self.pass_distance <= self.review_distance <= 1.2:
            raise ValueError("thresholds need 0 < pass_distance <= review_distance <= 1.2")
        if not 0.0 < self.min_face_confidence < 1.0:
            raise ValueError("min_face_confidence must be within (0, 1)")

    @property
    def pass_similarity(self) -> float:
        return round(1.0 - self.pass_distance / 1.2, 4)

    @property
    def review_similarity(self) -> float:
        return round(1.0 - self.review_distance / 1.2, 4)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any], base: Thresholds | None = None) -> Thresholds:
        """From a settings object: distances, or ``pass_similarity`` / ``review_similarity``."""
        known = {f for f in cls.__dataclass_fields__}
        data = {k: float(v) for k, v in values.items() if k in known}
        for name in ("pass", "review"):
            if f"{name}_similarity" in values and f"{name}_distance" not in values:
                data[f"{name}_distance"] = round((1.0 - float(values[f"{name}_similarity"])) * 1.2, 6)
        unknown = set(values) - known - {"pass_similarity", "review_similarity"}
        if unknown:
            raise ValueError(f"unknown face threshold keys: {sorted(unknown)}")
        return replace(base or cls(), **data)

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def thresholds_for(province_code: str | None = None, settings: Settings | None = None) -> Thresholds:
    """The thresholds of a province (行政区划代码, e.g. "440000"): FACE_PASS_DISTANCE /
    FACE_REVIEW_DISTANCE, overridden per province by FACE_THRESHOLDS (JSON)."""
    if settings is None:
        settings = rt().settings
    return _thresholds(float(settings.FACE_PASS_DISTANCE), float(settings.FACE_REVIEW_DISTANCE),
                       settings.FACE_THRESHOLDS, province_code or "")


@lru_cache(maxsize=256)
def _thresholds(pass_distance: float, review_distance: float, by_province: str, province: str) -> Thresholds:
    base = Thresholds(pass_distance=pass_distance, review_distance=review_distance)
    table = parse_threshold_table(by_province, base)
    return table.get(province, base)


def parse_threshold_table(raw: str, base: Thresholds | None = None) -> dict[str, Thresholds]:
    """FACE_THRESHOLDS: {"<province code>": {"pass_distance": .., "review_distance": ..}}."""
    if not raw.strip():
        return {}
    value = json.loads(raw)
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        raise ValueError('FACE_THRESHOLDS must map province codes to {"pass_distance": .., ...}')
    return {str(k): Thresholds.from_mapping(v, base) for k, v in value.items()}


@dataclass(frozen=True)
class Reference:
    """The standard photo's embedding (512 bytes: 128 float32) and its face count (always 1)."""

    embedding: bytes
    faces: int
    ms: float = 0.0


@dataclass(frozen=True)
class CheckResult:
    faces: int
    similarity: float | None  # 0..1 to the reference, of the largest face; None without a face
    decision: str  # one of DECISIONS
    reason_zh: str
    grey_mean: float
    grey_std: float
    ms: float
    distance: float | None = None
    embedding: bytes | None = None  # of the largest face: keep it to compare later snapshots
    pose: tuple[float, ...] = ()
    flags: tuple[str, ...] = ()  # e.g. "still_photo"
    scores: tuple[float, ...] = field(default=())  # detector confidence of each counted face

    @property
    def accepted(self) -> bool:
        """The exam may go on: passed, or review (a person decides later; never a failure)."""
        return self.decision in ("passed", "review")

    def observation(self) -> Observation | None:
        # here, not at the top: it needs the face extra (numpy, mediapipe/dlib), and server.face must import without it
        from server.face.liveness import Observation

        return Observation(self.embedding, self.pose) if self.embedding is not None else None

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("embedding")
        out["accepted"] = self.accepted
        return out


@dataclass(frozen=True)
class Analysis:
    """What one picture shows, before it is compared with anyone."""

    faces: list[Face]
    embedding: np.ndarray | None
    grey_mean: float
    grey_std: float


def decide(analysis: Analysis, reference: np.ndarray | None, thresholds: Thresholds,
           previous: Sequence[Observation] = (), started: float | None = None) -> CheckResult:
    """The decision for an analysed picture against a reference embedding (pure, no models)."""
    # here, not at the top: it needs the face extra (numpy, mediapipe/dlib), and server.face must import without it
    from server.face import embed, liveness

    faces = [f for f in analysis.faces if f.score >= thresholds.min_face_confidence]
    primary = faces[0] if faces else None
    d = sim = None
    if analysis.embedding is not None and reference is not None and primary is not None:
        d = round(embed.distance(analysis.embedding, reference), 4)
        sim = embed.similarity(d)
    flags: list[str] = []
    if not faces and liveness.camera_covered(analysis.grey_mean, analysis.grey_std,
                                             max_mean=thresholds.covered_max_mean,
                                             max_std=thresholds.covered_max_std):
        decision = "camera_covered"
    elif not faces:
        decision = "no_face"
    elif len(faces) > 1:
        decision = "multiple_faces"
    elif d is None or d > thresholds.review_distance:
        decision = "low_similarity"
    elif d > thresholds.pass_distance:
        decision = "review"
    else:
        decision = "passed"
    reason = REASONS[decision]
    emb_bytes = embed.to_bytes(analysis.embedding) if analysis.embedding is not None else None
    pose = primary.pose() if primary is not None else ()
    if decision in ("passed", "review") and emb_bytes is not None and previous:
        now = liveness.Observation(emb_bytes, pose)
        if any(liveness.near_identical(now, p, max_distance=thresholds.still_max_distance,
                                       max_pose_delta=thresholds.still_max_pose_delta) for p in previous):
            flags.append("still_photo")
            reason = REASONS["still_photo"] if decision == "passed" else f"{reason}；{REASONS['still_photo']}"
            decision = "review"
    ms = round((time.perf_counter() - started) * 1000, 1) if started is not None else 0.0
    return CheckResult(
        faces=len(faces), similarity=sim, decision=decision, reason_zh=reason,
        grey_mean=round(analysis.grey_mean, 1), grey_std=round(analysis.grey_std, 1), ms=ms, distance=d,
        embedding=emb_bytes, pose=pose, flags=tuple(flags), scores=tuple(round(f.score, 3) for f in faces),
    )


class FacePipeline:
    """The models of one process (load once; about 1 s and ~200 MB). Not for the event loop."""

    def __init__(self, *, max_side: int = 640, max_bytes: int = 15 * 1024 * 1024,
                 max_pixels: int = 40_000_000, tiles: bool = True, embedder: str = "auto",
                 threads: int = 1) -> None:
        # here, not at the top: it needs the face extra (numpy, mediapipe/dlib), and server.face must import without it
        from server.face.detect import FaceDetector
        from server.face.embed import Embedder

        self.max_side, self.max_bytes, self.max_pixels = max_side, max_bytes, max_pixels
        self.detector = FaceDetector(tiles=tiles)
        self.embedder = Embedder(embedder, threads=threads)

    def close(self) -> None:
        self.detector.close()

    def analyse(self, image: bytes, *, min_confidence: float = 0.75) -> Analysis:
        """Decode, detect, and embed the largest face (raises for unusable input)."""
        # here, not at the top: it needs the face extra (numpy, mediapipe/dlib), and server.face must import without it
        from server.face.image import decode

        decoded = decode(image, max_bytes=self.max_bytes, max_pixels=self.max_pixels, max_side=self.max_side)
        faces = self.detector.detect(decoded.rgb, min_confidence)
        vector = self.embedder.embed(decoded.rgb, faces[0]) if faces else None
        return Analysis(faces, vector, decoded.grey_mean, decoded.grey_std)

    def reference(self, image: bytes, thresholds: Thresholds | None = None) -> Reference:
        """The embedding of a standard photo; refused unless it shows exactly one face."""
        # here, not at the top: it needs the face extra (numpy, mediapipe/dlib), and server.face must import without it
        from server.face.embed import to_bytes

        started = time.perf_counter()
        th = thresholds or Thresholds()
        analysis = self.analyse(image, min_confidence=th.min_face_confidence)
        faces = len(analysis.faces)
        if faces == 0 or analysis.embedding is None:
            raise ValidationFailed(REFERENCE_REASONS["no_face"], code="no_face", details={"faces": 0})
        if faces > 1:
            raise ValidationFailed(REFERENCE_REASONS["multiple_faces"], code="multiple_faces",
                                   details={"faces": faces})
        return Reference(to_bytes(analysis.embedding), 1, round((time.perf_counter() - started) * 1000, 1))

    def check(self, image: bytes, reference_embedding: bytes | Sequence[float], thresholds: Thresholds | None = None,
              *, previous: Sequence[Observation] = ()) -> CheckResult:
        """One face check of a snapshot against the reference embedding."""
        # here, not at the top: it needs the face extra (numpy, mediapipe/dlib), and server.face must import without it
        from server.face.embed import as_vector

        started = time.perf_counter()
        th = thresholds or Thresholds()
        try:
            reference = as_vector(reference_embedding)
        except ValueError as exc:
            raise ValidationFailed("标准照特征数据无效，请重新上传标准照", code="invalid_reference") from exc
        analysis = self.analyse(image, min_confidence=th.min_face_confidence)
        return decide(analysis, reference, th, previous, started)
