"""Face data retention (SPEC §6: biometric data "is kept only as long as the cycle's review needs it").

- **On a schedule** (``purge_expired``): a cycle's review period ends at its ``reexam_end`` (the
  last window in which results are judged and 违纪 processed), or at the end of its ``end_date``
  (China time) when it has none. ``FACE_RETENTION_DAYS`` (default 180) days later, the cycle's
  face-check images are deleted — the file in storage first, then the StoredFile row, and the
  check's ``image_file_id`` is cleared — together with any stored face embeddings of the cycle.
  The check rows stay with their numbers (moment, time, decision, reason, faces, similarity):
  the lists and 违纪处理记录 keep working, the photo endpoint answers 404 ``image_deleted``.
  Face-check files that no check refers to (an upload whose check was refused) are deleted
  after ``ORPHAN_GRACE``.
- **On the physician's account deletion** (``purge_physician_face_data``): every face-check
  image, the standard photo(s) (the face reference) and every stored embedding of the physician,
  whatever the cycle. There is no physician deletion endpoint yet: the deletion service must
  call this function (in or right after its transaction).

Embeddings: the standard photo's reference (``FaceReference``, services/face_verify.py) is deleted —
by cycle: the references of the cycle and of its enrolment photos (face_verify recomputes one from
the photo if it is ever needed again); on deletion: all of the physician's. Every nullable column
named in ``EMBEDDING_FIELDS`` on any model (today ``FaceCheck.embedding`` and ``pose``) is cleared —
by cycle where the model carries ``cycle_id`` / ``assessment_id`` / ``attempt_id``, by physician
where it carries ``physician_id`` (or is the Physician) — so an embedding column added later is
covered without changing this module. ``image_sha256`` (replay detection) is not biometric and stays.

The job runs in the API process (in-memory broker) or each taskiq worker every
``FACE_RETENTION_SWEEP_SECONDS``, at most once per interval across processes (a Redis key), like
the outcome sweep; ``dkt.face_retention`` is the same as a taskiq task. Idempotent.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tortoise import Tortoise, timezone
from tortoise.expressions import Q, Subquery
from tortoise.models import Model
from tortoise.transactions import in_transaction

from server.models import Assessment, Cycle, ExamAttempt, FaceCheck, FaceReference, Physician, StoredFile
from server.services import audit
from server.services.access import Actor
from server.services.platform.broker import broker
from server.services.platform.periodic import PeriodicJob
from server.services.platform.runtime import rt

log = logging.getLogger("server.retention")
CHINA = ZoneInfo("Asia/Shanghai")
FACE_PURPOSE = "face_check"
PHOTO_PURPOSE = "photo"
CHUNK = 500
ORPHAN_GRACE = timedelta(hours=1)
EMBEDDING_FIELDS = ("embedding", "pose", "face_embedding", "reference_embedding", "face_observations")


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class RetentionStats:
    cycles: int = 0  # cycles whose retention period is over
    images: int = 0  # face-check images deleted
    photos: int = 0  # standard photos deleted (account deletion only)
    embeddings: int = 0  # references deleted + rows whose embedding columns were cleared
    orphans: int = 0  # face-check files no check referred to


def review_ended_at(cycle: Cycle) -> datetime | None:
    """When the cycle's review period ended: ``reexam_end``, else the end of ``end_date``."""
    if cycle.reexam_end is not None:
        return cycle.reexam_end
    if isinstance(cycle.end_date, date):
        return datetime.combine(cycle.end_date + timedelta(days=1), time.min, tzinfo=CHINA)
    return None


def purge_due_at(cycle: Cycle, days: int | None = None) -> datetime | None:
    """When the cycle's face data is deleted (``FACE_RETENTION_DAYS`` after the review period)."""
    ended = review_ended_at(cycle)
    if ended is None:
        return None
    return ended + timedelta(days=rt().settings.FACE_RETENTION_DAYS if days is None else days)


# --- deleting --------------------------------------------------------------------------------------


async def _delete_files(file_ids: list[Any]) -> int:
    """The files in storage, then their rows (a failure in between leaves a row, never a file)."""
    if not file_ids:
        return 0
    stored = await StoredFile.filter(id__in=file_ids).values_list("key", flat=True)
    storage = rt().storage
    for key in stored:
        await storage.delete(key)
    await StoredFile.filter(id__in=file_ids).delete()
    return len(stored)


async def _drop_check_images(q: Q) -> int:
    """Delete the images of the checks matching `q`; the checks keep their numbers."""
    done = 0
    while rows := await FaceCheck.filter(q, image_file_id__isnull=False).order_by("id").limit(CHUNK).values(
            "id", "image_file_id"):
        await _delete_files([r["image_file_id"] for r in rows])
        async with in_transaction() as conn:
            await FaceCheck.filter(id__in=[r["id"] for r in rows]).using_db(conn).update(image_file_id=None)
        done += len(rows)
    return done


def _embedding_models() -> list[tuple[type[Model], list[str]]]:
    """Every model with nullable columns named in EMBEDDING_FIELDS (FaceReference rows are deleted)."""
    out = []
    apps = Tortoise.apps
    for model in (apps["models"].values() if apps is not None and "models" in apps.keys() else []):
        if model is FaceReference:
            continue
        columns = [f for f in EMBEDDING_FIELDS if f in model._meta.fields_map and model._meta.fields_map[f].null]
        if columns:
            out.append((model, columns))
    return out


def _cycle_q(model: type[Model], cycle_id: int) -> Q | None:
    names = model._meta.fields_map
    if "cycle_id" in names:
        return Q(cycle_id=cycle_id)
    if "assessment_id" in names:
        return Q(assessment_id__in=Subquery(Assessment.filter(cycle_id=cycle_id).values("id")))
    if "attempt_id" in names:
        return Q(attempt_id__in=Subquery(ExamAttempt.filter(cycle_id=cycle_id).values("id")))
    return None  # physician-level data: only on the account's deletion


def _physician_q(model: type[Model], physician_id: int) -> Q | None:
    names = model._meta.fields_map
    if model is Physician:
        return Q(id=physician_id)
    if "physician_id" in names:
        return Q(physician_id=physician_id)
    if "assessment_id" in names:
        return Q(assessment_id__in=Subquery(Assessment.filter(physician_id=physician_id).values("id")))
    return None


async def _clear_embeddings(model: type[Model], columns: list[str], q: Q) -> int:
    """Rows of `model` matching `q` whose embedding columns held something, now NULL."""
    held = Q(*[Q(**{f"{c}__isnull": False}) for c in columns], join_type="OR")
    return await model.filter(q).filter(held).update(**{c: None for c in columns})


async def _clear_all_embeddings(where: Any) -> int:
    total = 0
    for model, columns in _embedding_models():
        q = where(model)
        if q is not None:
            total += await _clear_embeddings(model, columns, q)
    return total


async def purge_cycle(cycle: Cycle) -> RetentionStats:
    """Delete one cycle's face images and embeddings now (the numbers stay)."""
    stats = RetentionStats(cycles=1)
    attempts = Subquery(ExamAttempt.filter(cycle_id=cycle.id).values("id"))
    stats.images = await _drop_check_images(Q(attempt_id__in=attempts))
    photos = Subquery(Assessment.filter(cycle_id=cycle.id, photo_file_id__isnull=False).values("photo_file_id"))
    references = await FaceReference.filter(Q(cycle_id=cycle.id) | Q(photo_file_id__in=photos)).delete()
    stats.embeddings = references + await _clear_all_embeddings(lambda model: _cycle_q(model, cycle.id))
    return stats


async def _purge_orphans(now: datetime) -> int:
    """Face-check files that no check refers to (the check was refused after the upload)."""
    used = Subquery(FaceCheck.filter(image_file_id__isnull=False).values("image_file_id"))
    before = timezone.localtime(now - ORPHAN_GRACE)  # stored in the configured zone: SQLite compares text
    done = 0
    while ids := list(await StoredFile.filter(purpose=FACE_PURPOSE, created_at__lt=before)
                      .exclude(id__in=used).limit(CHUNK).values_list("id", flat=True)):
        done += await _delete_files(ids)
    return done


async def purge_expired(*, now: datetime | None = None, days: int | None = None) -> RetentionStats:
    """The scheduled job: every cycle whose retention period is over (idempotent)."""
    now = now or utcnow()
    total = RetentionStats()
    for cycle in await Cycle.all().order_by("id"):
        due = purge_due_at(cycle, days)
        if due is None or due > now:
            continue
        one = await purge_cycle(cycle)
        if one.images or one.embeddings:
            log.info("face retention: cycle %s: %s", cycle.id, asdict(one))
        total.cycles += 1
        total.images += one.images
        total.embeddings += one.embeddings
    total.orphans = await _purge_orphans(now)
    return total


async def purge_physician_face_data(physician_id: int, *, actor: Actor | None = None) -> RetentionStats:
    """On the physician's account deletion: every face image (checks and standard photos) and
    every stored embedding of the physician, whatever the cycle. The check rows keep their numbers."""
    stats = RetentionStats()
    stats.images = await _drop_check_images(Q(physician_id=physician_id))
    photo_ids = list(await StoredFile.filter(owner_physician_id=physician_id, purpose=PHOTO_PURPOSE)
                     .values_list("id", flat=True))
    await Assessment.filter(physician_id=physician_id, photo_file_id__isnull=False).update(photo_file_id=None)
    stats.photos = await _delete_files(photo_ids)
    leftovers = list(await StoredFile.filter(owner_physician_id=physician_id, purpose=FACE_PURPOSE)
                     .values_list("id", flat=True))
    stats.orphans = await _delete_files(leftovers)
    references = await FaceReference.filter(physician_id=physician_id).delete()
    stats.embeddings = references + await _clear_all_embeddings(lambda model: _physician_q(model, physician_id))
    await audit.record(actor, "face.purge_physician", "physician", physician_id, after=asdict(stats))
    return stats


# --- the job -------------------------------------------------------------------------------------------


@broker.task(task_name="dkt.face_retention")
async def face_retention() -> dict[str, int]:
    """The taskiq task (also usable from a scheduler): one run of the job."""
    return asdict(await purge_expired())



async def _purge_and_log() -> RetentionStats:
    stats = await purge_expired()
    if any(asdict(stats).values()):
        log.info("face retention: %s", asdict(stats))
    return stats


_job = PeriodicJob("face_retention", seconds_setting="FACE_RETENTION_SWEEP_SECONDS", run=_purge_and_log)


async def maybe_run() -> RetentionStats | None:
    """One run, unless another process ran one within FACE_RETENTION_SWEEP_SECONDS."""
    return await _job.maybe_run()


async def start_background() -> None:
    """The periodic job of this process (see server/services/periodic.py)."""
    await _job.start()


async def stop_background() -> None:
    await _job.stop()
