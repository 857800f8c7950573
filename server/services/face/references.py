"""Reference embeddings of standard photos (SPEC §6), and the face checker on the runtime.

Used when a standard photo is stored (assessment/physician_files.py) and by the exam's face checks
(exams/face_verify.py). The checker is ``rt().face``: chosen once at start-up (server/background.py),
None when FACE_VERIFY_ENABLED is off.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from server.face import thresholds_for
from server.models import Cycle, FaceReference, Region
from server.services.platform.runtime import rt

if TYPE_CHECKING:
    from server.services.face.checker import FaceChecker


def enabled() -> bool:
    """The real pipeline is on: a face checker was chosen at start-up."""
    return rt().face is not None


def _checker() -> FaceChecker:
    checker = rt().face
    if checker is None:
        raise RuntimeError("no face checker on the runtime (FACE_VERIFY_ENABLED is off)")
    return checker


async def province_code(cycle_id: int | None) -> str:
    if cycle_id is None:
        return ""
    cycle = await Cycle.get_or_none(id=cycle_id)
    if cycle is None:
        return ""
    region = await Region.get_or_none(id=cycle.province_id)
    return region.code if region is not None else ""


async def thresholds(cycle_id: int | None) -> Any:
    return thresholds_for(await province_code(cycle_id))


async def compute_reference(image: bytes, *, cycle_id: int | None) -> bytes:
    """The embedding of a standard photo, in the face pool; raises 422 no_face / multiple_faces."""
    ref = await _checker().reference(image, await thresholds(cycle_id))
    return ref.embedding


async def store_reference(*, physician_id: int, cycle_id: int | None, photo_file_id: UUID, embedding: bytes,
                          using_db: Any = None) -> FaceReference:
    return await FaceReference.create(physician_id=physician_id, cycle_id=cycle_id, photo_file_id=photo_file_id,
                                      embedding=embedding, using_db=using_db)
