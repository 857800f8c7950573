"""The real face pipeline in the exam (SPEC §6): the standard photo's reference embedding and
the verifiers of the exam's face checks: ``PipelineVerifier`` when a face checker was chosen at
start-up (``rt().face``), else the picture-only ``BasicImageVerifier`` (``verifier()``).

- **Reference**: computed once, when the standard photo (1寸照) is stored
  (``physician_files.upload_photo``), by the face checker (``rt().face``, server/services/face/), never on the
  event loop. A photo with no face or several faces is refused (422 ``no_face`` /
  ``multiple_faces``) and nothing is stored. A photo stored before the pipeline was enabled gets
  its reference on the first check.
- **Checks**: ``pool.run_check`` against the physician's latest reference, with the thresholds
  of the cycle's province (``face.thresholds_for``). ``passed`` and ``review`` let the exam go on
  (review is flagged ``needs_review`` for the reviewers); ``low_similarity``, ``no_face``,
  ``multiple_faces`` and ``camera_covered`` do not, with the Chinese reason. The embeddings and
  poses of the attempt's earlier mid checks and snapshots are passed in: a near-identical picture
  (a photo held up to the camera) becomes ``review`` (still photo).

The pipeline runs only when ``FACE_VERIFY_ENABLED`` (default: the face packages import): then
server/background.py puts the checker of FACE_BACKEND on the runtime.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from PIL import Image, ImageStat

from server.errors import DomainError
from server.face import REASONS
from server.models import (
    Assessment,
    ExamAttempt,
    FaceCheck,
    FaceMoment,
    FaceReference,
    StoredFile,
)
from server.services.face.references import (  # noqa: F401 - re-exported (tests, callers)
    _checker,
    compute_reference,
    enabled,
    province_code,
    store_reference,
    thresholds,
)
from server.services.platform import files

if TYPE_CHECKING:
    pass

MIN_MEAN, MAX_MEAN, MIN_STDDEV = 30.0, 240.0, 12.0
NO_REFERENCE = "尚未上传标准照或标准照无法识别，请先在报名信息中上传本人近期正面免冠照片"


async def reference_of(attempt: ExamAttempt) -> bytes | None:
    """The physician's reference: that of the enrolment's current photo (computed now if the photo
    came before the pipeline), else the latest one."""
    assessment = await Assessment.get_or_none(id=attempt.assessment_id)
    photo = assessment.photo_file_id if assessment is not None else None
    if photo is not None:
        row = await FaceReference.get_or_none(photo_file_id=photo)
        if row is not None:
            return bytes(row.embedding)
        stored = await StoredFile.get_or_none(id=photo)
        if stored is not None:
            try:
                embedding = await compute_reference(await files.read(stored), cycle_id=attempt.cycle_id)
            except DomainError:
                return None
            row = await FaceReference.get_or_none(photo_file_id=photo) or await store_reference(
                physician_id=attempt.physician_id, cycle_id=attempt.cycle_id, photo_file_id=photo,
                embedding=embedding)
            return bytes(row.embedding)
    latest = await FaceReference.filter(physician_id=attempt.physician_id).order_by("-id").first()
    return bytes(latest.embedding) if latest is not None else None


async def previous_observations(attempt_id: int) -> list[Any]:
    """The embeddings and poses of the attempt's earlier mid checks and snapshots."""
    from server.face.liveness import Observation  # imported here: the face extra (numpy) may be absent

    rows = await FaceCheck.filter(attempt_id=attempt_id, moment__in=[FaceMoment.MID, FaceMoment.SNAPSHOT],
                                  embedding__isnull=False).order_by("-id").limit(20)
    return [Observation(bytes(r.embedding), tuple(r.pose or ())) for r in rows]


@dataclass(frozen=True)
class FaceDecision:
    passed: bool
    decision: str  # passed | no_face | several_faces | covered | low_similarity | invalid_image
    reason: str  # Chinese, shown to the physician and the reviewers
    faces: int | None = None
    similarity: float | None = None
    needs_review: bool = False  # the exam goes on, a person looks at it
    embedding: bytes | None = None  # of the largest face (snapshots compared later: a still photo)
    pose: tuple[float, ...] = ()
    flags: tuple[str, ...] = field(default=())


class FaceVerifier(Protocol):
    async def verify(self, *, attempt: ExamAttempt, moment: str, image: bytes) -> FaceDecision: ...


class BasicImageVerifier:
    """Placeholder until the real pipeline: the upload is a real image and not a black, blank
    or covered frame (grey thumbnail: mean brightness within [30, 240], standard deviation ≥ 12)."""

    async def verify(self, *, attempt: ExamAttempt, moment: str, image: bytes) -> FaceDecision:
        try:
            with Image.open(io.BytesIO(image)) as img:
                img.draft("L", (64, 64))
                grey = img.convert("L")
                grey.thumbnail((64, 64))
                stat = ImageStat.Stat(grey)
        except (OSError, ValueError, SyntaxError):
            return FaceDecision(False, "invalid_image", "无法识别图片，请重新拍摄")
        mean, stddev = stat.mean[0], stat.stddev[0]
        if mean < MIN_MEAN:
            return FaceDecision(False, "covered", "画面过暗或摄像头被遮挡，请在光线充足处正对摄像头重新拍摄")
        if stddev < MIN_STDDEV or mean > MAX_MEAN:
            return FaceDecision(False, "covered", "画面中没有可辨认的内容（可能遮挡或对准了空白处），请正对摄像头重新拍摄")
        return FaceDecision(True, "passed", "核验通过")


class PipelineVerifier:
    """face_gate's verifier on the real pipeline (in the face pool)."""

    refuse_replays = True

    async def verify(self, *, attempt: ExamAttempt, moment: str, image: bytes) -> FaceDecision:
        reference = await reference_of(attempt)
        if reference is None:
            return FaceDecision(False, "no_reference", NO_REFERENCE)
        previous = await previous_observations(attempt.id) if moment in ("mid", "snapshot") else []
        result = await _checker().check(image, reference, await thresholds(attempt.cycle_id), previous=previous)
        review = result.decision == "review"
        reason = result.reason_zh or REASONS[result.decision]
        return FaceDecision(result.accepted, result.decision, reason, faces=result.faces,
                            similarity=result.similarity, needs_review=review, embedding=result.embedding,
                            pose=tuple(result.pose), flags=tuple(result.flags))


def verifier() -> FaceVerifier:
    """The real pipeline when a checker is on the runtime, else the picture-only check."""
    return PipelineVerifier() if enabled() else BasicImageVerifier()
