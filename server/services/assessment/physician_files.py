"""The physician's uploads (SPEC §4, §6; seed manual 2.2.3): the 1-inch photo (照片上传, also
the reference for face checks: its embedding is computed when it is stored, services/face/references.py) and the proofs (证明材料) of 简易程序 and 免考.

Every upload is judged by its content, never its name (``services.files``): images are
re-encoded as JPEG without EXIF, PDFs checked, anything else refused. The photo must be
roughly portrait (1寸 is 25×35 mm). Files belong to the physician who uploaded them;
nobody else can use their ids.
"""

from __future__ import annotations

import io
from typing import Any
from uuid import UUID

from PIL import Image
from tortoise.transactions import in_transaction

from server.errors import InvalidTransition, NotFound, ValidationFailed
from server.models import Assessment, AssessmentStatus, StoredFile
from server.schemas.assessment_mp import OwnFile, PhotoUploaded
from server.services import audit
from server.services.access import Actor
from server.services.assessment import flow, transitions
from server.services.assessment.physician_view import actions_out, require_mine
from server.services.face import references
from server.services.platform import files

PHOTO = "photo"
PROOF = "proof"
MAX_FILES_PER_UPLOAD = 9  # wx.chooseMedia picks at most 9
MAX_PROOFS_PER_PHYSICIAN = 200
PHOTO_MIN_WIDTH, PHOTO_MIN_HEIGHT = 100, 130
PHOTO_RATIO = (1.15, 1.8)  # height / width; 1寸 = 35 / 25 = 1.4


def _file_row(f: StoredFile) -> OwnFile:
    return OwnFile(id=f.id, name=f.original_name, content_type=f.content_type, size=f.size,
                   created_at=f.created_at)


def _base_name(name: str) -> str:
    return (name or "").replace("\\", "/").rsplit("/", 1)[-1]


def not_editable() -> InvalidTransition:
    return InvalidTransition("当前状态不能修改报名信息", code="not_editable")


def check_photo_shape(data: bytes) -> tuple[int, int]:
    """A re-encoded photo: big enough and roughly portrait (1寸免冠照)."""
    with Image.open(io.BytesIO(data)) as img:
        width, height = img.size
    if width < PHOTO_MIN_WIDTH or height < PHOTO_MIN_HEIGHT:
        raise ValidationFailed(f"照片尺寸过小，请上传不小于{PHOTO_MIN_WIDTH}×{PHOTO_MIN_HEIGHT}像素的1寸免冠照片",
                               code="photo_too_small")
    ratio = height / width
    if not PHOTO_RATIO[0] <= ratio <= PHOTO_RATIO[1]:
        raise ValidationFailed("请上传竖版1寸免冠证件照（宽高比约为5:7）", code="photo_not_portrait")
    return width, height


async def upload_photo(*, actor: Actor, name: str, data: bytes) -> PhotoUploaded:
    """照片上传: only while the enrolment may be edited; replaces the previous photo."""
    physician, cycle, a = await require_mine(actor)
    if a.status not in flow.ENROL_EDITABLE:
        raise not_editable()
    clean = files.clean_image(data, max_side=1200, quality=90)
    width, height = check_photo_shape(clean.data)
    embedding: bytes | None = None
    if references.enabled():  # the reference, once (SPEC §6): no face / several faces → 422, nothing stored
        embedding = await references.compute_reference(clean.data, cycle_id=cycle.id)
    stored = await files.store(clean, purpose=PHOTO, original_name=_base_name(name),
                               owner_physician_id=physician.id, owner_org_id=physician.institution_id)
    async with in_transaction() as conn:
        locked = await Assessment.filter(id=a.id).select_for_update().using_db(conn).get()
        if locked.status not in flow.ENROL_EDITABLE:
            raise not_editable()
        before = str(locked.photo_file_id or "")
        locked.photo_file_id = stored.id
        await locked.save(update_fields=["photo_file_id", "updated_at"], using_db=conn)
        if embedding is not None:
            await references.store_reference(physician_id=physician.id, cycle_id=cycle.id, photo_file_id=stored.id,
                                              embedding=embedding, using_db=conn)
        await audit.record(actor, "enrolment.photo", "assessment", a.id, before={"photo_file_id": before},
                           after={"photo_file_id": str(stored.id)}, using_db=conn)
    return PhotoUploaded(file_id=stored.id, width=width, height=height, content_type=stored.content_type,
                         size=stored.size, actions=actions_out(await transitions.actions_for(actor, locked, cycle)))


async def upload_proofs(*, actor: Actor, uploads: list[tuple[str, bytes]]) -> list[OwnFile]:
    """上传证明材料: images or PDFs, checked by content; all or nothing."""
    physician, _cycle, a = await require_mine(actor)
    if a.status == AssessmentStatus.LEFT:
        raise InvalidTransition("您已退出当前考核周期", code="not_in_cycle")
    if not uploads:
        raise ValidationFailed("请选择要上传的文件", code="no_file")
    if len(uploads) > MAX_FILES_PER_UPLOAD:
        raise ValidationFailed(f"一次最多上传{MAX_FILES_PER_UPLOAD}个文件", code="too_many_files")
    held = await StoredFile.filter(owner_physician_id=physician.id, purpose=PROOF).count()
    if held + len(uploads) > MAX_PROOFS_PER_PHYSICIAN:
        raise ValidationFailed(f"证明材料最多上传{MAX_PROOFS_PER_PHYSICIAN}个", code="too_many_files")
    cleaned = [(_base_name(name), files.clean_proof(data)) for name, data in uploads]
    stored = [await files.store(clean, purpose=PROOF, original_name=name, owner_physician_id=physician.id,
                                owner_org_id=physician.institution_id) for name, clean in cleaned]
    await audit.record(actor, "enrolment.upload_proof", "stored_file", None,
                       after={"files": [str(f.id) for f in stored]})
    return [_file_row(f) for f in stored]


async def check_own_proofs(physician_id: int, ids: list[UUID] | list[str], *, using_db: Any = None) -> None:
    """Every id must be a proof this physician uploaded (422 ``invalid_proof``)."""
    wanted = {str(i) for i in ids}
    if not wanted:
        return
    qs = StoredFile.filter(id__in=list(wanted), owner_physician_id=physician_id, purpose=PROOF)
    found = await (qs.using_db(using_db) if using_db is not None else qs).count()
    if found != len(wanted):
        raise ValidationFailed("证明材料无效，请重新上传", code="invalid_proof")


async def own_file(*, actor: Actor, file_id: UUID | str) -> files.Download:
    """One of the physician's own uploads (photo or proof), to stream."""
    try:
        wanted = file_id if isinstance(file_id, UUID) else UUID(file_id)
    except ValueError:
        raise NotFound("文件不存在") from None
    f = await StoredFile.get_or_none(id=wanted, owner_physician_id=actor.physician_id, purpose__in=[PHOTO, PROOF])
    if f is None:
        raise NotFound("文件不存在")
    return files.download(f, f.original_name or f"{f.id}")


async def own_photo(*, actor: Actor) -> files.Download:
    """The photo of the physician's current enrolment."""
    _physician, _cycle, a = await require_mine(actor)
    if a.photo_file_id is None:
        raise NotFound("尚未上传照片", code="no_photo")
    return await own_file(actor=actor, file_id=a.photo_file_id)


async def own_files(*, physician_id: int, ids: list[str]) -> list[OwnFile]:
    if not ids:
        return []
    rows = await StoredFile.filter(id__in=ids, owner_physician_id=physician_id)
    return [_file_row(f) for f in rows]
