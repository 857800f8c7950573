"""Face data retention (SPEC §6, services/retention.py): images and embeddings are deleted
FACE_RETENTION_DAYS after the cycle's review period (not before), the check rows keep their numbers,
and everything goes on the physician's account deletion."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from tortoise import timezone

from server.models import Assessment, AuditLog, Cycle, FaceCheck, FaceReference, StoredFile
from server.services.platform import files
from server.services.platform.runtime import rt
from server.services.platform.storage import S3Storage
from server.services.proctoring import retention
from tests.factories import auth, token_for
from tests.fakes.s3_server import app_on_s3
from tests.integration.proctoring_support import P, add_checks, examinee, image
from tests.integration.results_support import exam_world

DAY = timedelta(days=1)


@pytest.fixture(autouse=True, params=["local", "s3"])
async def backend(request, app, s3_server):
    """Every retention test runs on the local disk and on the S3-compatible server (moto)."""
    if request.param == "s3" and not isinstance(rt().storage, S3Storage):
        async with app_on_s3(app, s3_server):
            yield request.param
    else:
        yield request.param


async def on_disk(key: str) -> bool:
    """The file is still in storage (the disk or the bucket, whichever the test runs on)."""
    return await rt().storage.exists(key)


async def all_stored(keys: list[str]) -> bool:
    return all([await on_disk(k) for k in keys])


async def none_stored(keys: list[str]) -> bool:
    return not any([await on_disk(k) for k in keys])


async def keys_of(checks: list[FaceCheck]) -> list[str]:
    ids = [c.image_file_id for c in checks]
    return list(await StoredFile.filter(id__in=ids).values_list("key", flat=True))


@pytest.fixture
async def two_cycles(client):
    """A 广西 examinee (cycle under review) and a 贵州 examinee whose cycle ended 10 days ago."""
    w, cycle = await exam_world()
    _, a = await examinee(client, w, cycle)
    gz_cycle = await Cycle.create(province=w.gz, name="贵州周期", start_date=date(2024, 1, 1),
                                  end_date=date(2026, 12, 31), **_open_windows())
    _, old = await examinee(client, w, gz_cycle, w.gz_hospital)
    kept = await add_checks(a, [(0.9, "passed", True), (0.4, "low_similarity", False)])
    expiring = await add_checks(old, [(0.8, "passed", True), (0.35, "low_similarity", False), (None, "no_face", False)])
    ended = datetime.now(UTC) - 10 * DAY
    await Cycle.filter(id=gz_cycle.id).update(reexam_end=ended)  # the 贵州 cycle's review period is over
    return w, cycle, a, gz_cycle, old, kept, expiring, ended


def _open_windows() -> dict:
    now = datetime.now(UTC)
    out: dict = {}
    for name in ("enrol", "evaluation", "exam", "judging", "reexam"):
        out[f"{name}_start"], out[f"{name}_end"] = now - DAY, now + 10 * DAY
    return out


async def test_images_are_kept_until_the_retention_period_is_over(two_cycles):
    *_, expiring, ended = two_cycles
    keys = await keys_of(expiring)
    assert rt().settings.FACE_RETENTION_DAYS == 180
    stats = await retention.purge_expired(now=ended + 179 * DAY)
    assert stats.images == 0 and stats.cycles == 0
    assert await all_stored(keys)
    assert await FaceCheck.filter(image_file_id__isnull=False).count() == 5


async def test_images_are_deleted_after_the_period_and_the_numbers_stay(two_cycles, client, s3_server):
    w, _cycle, a, _gz, old, kept, expiring, ended = two_cycles
    keys, kept_keys = await keys_of(expiring), await keys_of(kept)
    storage = rt().storage
    bucket = (lambda: set(s3_server.keys(storage.prefix))) if isinstance(storage, S3Storage) else None
    if bucket:  # the objects are really in the bucket, under the storage's prefix
        assert {storage.object_key(k) for k in keys + kept_keys} <= bucket()
    stats = await retention.purge_expired(now=ended + 181 * DAY)
    assert (stats.cycles, stats.images) == (1, 3)
    assert await none_stored(keys)
    if bucket:
        assert not {storage.object_key(k) for k in keys} & bucket()
        assert {storage.object_key(k) for k in kept_keys} <= bucket()
    assert await StoredFile.filter(key__in=keys).count() == 0
    rows = await FaceCheck.filter(id__in=[c.id for c in expiring]).order_by("id")
    assert [(r.similarity, r.decision, r.passed, r.image_file_id) for r in rows] == [
        (0.8, "passed", True, None), (0.35, "low_similarity", False, None), (None, "no_face", False, None)]
    assert await all_stored(kept_keys)  # the cycle still under review keeps its photos
    assert await FaceCheck.filter(id__in=[c.id for c in kept], image_file_id__isnull=False).count() == 2
    # the reviewers still see the numbers; the photo answers 404
    token = await token_for(w.gz_admin)
    r = await client.get(f"{P}/{old.id}", headers=auth(token))
    assert r.status_code == 200
    assert r.json()["lowest_similarity"] == pytest.approx(0.35)
    assert all(c["image"] is None and c["image_deleted"] for c in r.json()["face_checks"])
    img = await client.get(f"{P}/checks/{expiring[0].id}/image", headers=auth(token))
    assert img.status_code == 404 and img.json()["code"] == "image_deleted"
    again = await retention.purge_expired(now=ended + 181 * DAY)
    assert again.images == 0  # idempotent


async def test_a_cycle_without_a_reexam_window_counts_from_its_end_date(two_cycles):
    *_, gz, _old, _kept, expiring, _ended = two_cycles
    await Cycle.filter(id=gz.id).update(reexam_end=None, end_date=date(2031, 12, 31))
    cycle = await Cycle.get(id=gz.id)
    assert retention.review_ended_at(cycle) == datetime(2032, 1, 1, tzinfo=retention.CHINA)
    assert retention.purge_due_at(cycle, 30) == datetime(2032, 1, 31, tzinfo=retention.CHINA)
    ids = [c.id for c in expiring]
    await retention.purge_expired(now=datetime(2032, 6, 28, tzinfo=UTC))  # 179 days after
    assert await FaceCheck.filter(id__in=ids, image_file_id__isnull=False).count() == 3
    await retention.purge_expired(now=datetime(2032, 6, 30, tzinfo=UTC))  # 181 days after
    assert await FaceCheck.filter(id__in=ids, image_file_id__isnull=False).count() == 0


async def test_orphan_face_files_are_deleted_after_a_grace_period(two_cycles):
    old_file = await files.store(files.clean_image(image()), purpose="face_check")  # its check was refused
    new_file = await files.store(files.clean_image(image()), purpose="face_check")  # being checked right now
    await StoredFile.filter(id=old_file.id).update(created_at=timezone.localtime(datetime.now(UTC) - 2 * DAY))
    stats = await retention.purge_expired()
    assert stats.orphans == 1 and stats.images == 0
    assert not await on_disk(old_file.key) and await on_disk(new_file.key)
    assert await StoredFile.filter(purpose="face_check").count() == 6  # 5 of checks + the recent one


async def test_purge_on_account_deletion_takes_every_face_image_of_the_physician(two_cycles):
    w, cycle, a, _gz, old, kept, expiring, _ended = two_cycles
    second = await add_checks(a, [(0.7, "review", True)], paper_type="professional")
    keys = await keys_of(kept + second)
    photo = (await Assessment.get(id=a.id)).photo_file_id
    assert photo is not None  # the standard photo uploaded with the enrolment
    photo_key = (await StoredFile.get(id=photo)).key
    others = await keys_of(expiring)
    stats = await retention.purge_physician_face_data(a.physician_id)
    assert (stats.images, stats.photos) == (3, 1)
    assert await none_stored(keys) and not await on_disk(photo_key)
    assert (await Assessment.get(id=a.id)).photo_file_id is None
    rows = await FaceCheck.filter(physician_id=a.physician_id).order_by("id")
    assert [r.similarity for r in rows] == [0.9, 0.4, 0.7] and all(r.image_file_id is None for r in rows)
    assert await all_stored(others)  # another physician's photos stay
    assert await AuditLog.filter(action="face.purge_physician", target_id=str(a.physician_id)).exists()


async def test_embeddings_and_references_go_with_the_cycle_and_on_deletion(two_cycles):
    """FIXTURE: embeddings and references written directly (as the real pipeline stores them)."""
    *_, a, gz, old, kept, expiring, ended = two_cycles
    vector = bytes(512)
    for check in kept + expiring:
        await FaceCheck.filter(id=check.id).update(embedding=vector, pose=[0.1, 0.2, 0.3])
    photo_a, photo_old = (await Assessment.get(id=a.id)).photo_file_id, (await Assessment.get(id=old.id)).photo_file_id
    await FaceReference.create(physician_id=a.physician_id, cycle_id=a.cycle_id, photo_file_id=photo_a,
                               embedding=vector)
    await FaceReference.create(physician_id=old.physician_id, cycle_id=None, photo_file_id=photo_old,
                               embedding=vector)  # made before the cycle was known: found by its photo
    stats = await retention.purge_expired(now=ended + 181 * DAY)
    assert stats.embeddings == 1 + 3
    assert not await FaceReference.filter(physician_id=old.physician_id).exists()
    rows = await FaceCheck.filter(id__in=[c.id for c in expiring]).order_by("id")
    assert all(r.embedding is None and r.pose is None for r in rows)
    assert [r.similarity for r in rows] == [0.8, 0.35, None]  # the numbers stay
    assert await FaceCheck.filter(id__in=[c.id for c in kept], embedding__isnull=False).count() == 2
    assert await FaceReference.filter(physician_id=a.physician_id).exists()  # still under review
    stats = await retention.purge_physician_face_data(a.physician_id)
    assert stats.embeddings == 1 + 2
    assert not await FaceReference.filter(physician_id=a.physician_id).exists()
    assert await FaceCheck.filter(embedding__isnull=False).count() == 0
    assert await FaceCheck.filter(pose__isnull=False).count() == 0


async def test_the_job_runs_at_most_once_per_interval(two_cycles):
    assert await retention.maybe_run() is not None
    assert await retention.maybe_run() is None  # another process (or this one) ran it just now
