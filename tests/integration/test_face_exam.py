"""The real face pipeline in the exam (SPEC §6): the reference embedding when the standard photo
is stored (no face / several faces refused), the checks at start / mid / submit judged against it,
silent snapshots (抓拍) that never block, replays refused, still photos flagged, a mid moment
recorded for review after a few failed retries, and bad input refused without a check counted.

Runs the real models in the face pool: skipped where the face extra is not installed. Faces come
from matplotlib's public-domain photo of Grace Hopper (installed with mediapipe) or are drawn
here; the genuine / impostor pair reads ../shared/faces and skips when it is absent. The test app
runs with FACE_VERIFY_ENABLED=false (tests/conftest.py); the fixture ``real_pipeline`` turns it on.
"""

from __future__ import annotations

import importlib.metadata
import io
import os
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

pytest.importorskip("mediapipe", reason="the face extra is not installed: pip install -e '.[face]'")
pytest.importorskip("dlib", reason="the face extra is not installed: pip install -e '.[face]'")

from PIL import Image  # noqa: E402

from server.models import Assessment, AttemptStatus, ExamAttempt, FaceCheck, FaceReference, StoredFile  # noqa: E402
from server.services.exams import face_verify  # noqa: E402
from server.services.face.pool import FacePool  # noqa: E402
from server.services.platform.runtime import rt  # noqa: E402
from tests.factories import auth, make_physician, physician_token  # noqa: E402
from tests.integration.attempt_support import (  # noqa: E402
    MP,
    exam_world,
    expire,
    face_check,
    fresh_shape_cache,  # noqa: F401 (autouse fixture)
    save,
    start,
    utcnow,
)
from tests.integration.mp_support import pdf, png_bomb, setup, upload_photo  # noqa: E402

SHARED_FACES = Path(os.environ.get("FACE_TEST_DIR", Path(__file__).resolve().parents[2].parent / "shared" / "faces"))
needs_shared = pytest.mark.skipif(
    not SHARED_FACES.is_dir(), reason=f"labelled face photos not found at {SHARED_FACES} (CI has ../shared beside the clone)")


def _hopper() -> Image.Image:
    try:
        path = Path(str(importlib.metadata.distribution("matplotlib").locate_file(
            "matplotlib/mpl-data/sample_data/grace_hopper.jpg")))
    except importlib.metadata.PackageNotFoundError:
        path = Path("/nonexistent")
    if not path.is_file():
        pytest.skip("matplotlib's sample photo (installed with mediapipe) is missing")
    with Image.open(path) as img:
        return img.convert("RGB")


def encode(img: Image.Image, fmt: str = "JPEG", quality: int = 90) -> bytes:
    out = io.BytesIO()
    img.save(out, fmt, **({"quality": quality} if fmt == "JPEG" else {}))
    return out.getvalue()


def hopper(quality: int = 90) -> bytes:
    return encode(_hopper(), quality=quality)


def side_by_side(count: int, *, canvas: tuple[int, int] | None = None) -> bytes:
    face = _hopper().resize((300, 352))
    width = 300 * count
    img = Image.new("RGB", canvas or (width, 352), (250, 250, 250))
    for i in range(count):
        img.paste(face, (300 * i, 0))
    return encode(img)


def black(level: int = 3) -> bytes:
    return encode(Image.new("RGB", (320, 240), (level, level, level)))


def no_face(size: tuple[int, int] = (295, 413)) -> bytes:
    img = Image.new("RGB", size)
    img.putdata([((x * 7) % 256, (y * 3) % 256, ((x + y) * 5) % 256) for y in range(size[1]) for x in range(size[0])])
    return encode(img)


def shared(person: str, n: int) -> bytes:
    path = SHARED_FACES / person / f"{n}.jpg"
    if not path.is_file():
        pytest.skip(f"{path} is missing")
    return path.read_bytes()


def codes(r) -> tuple[int, str]:
    return r.status_code, r.json().get("code", "")


@pytest.fixture(scope="module")
def _pool():
    holder: dict[str, FacePool] = {}  # one pool for the module's tests, closed at its end
    yield holder
    if "pool" in holder:
        holder["pool"].close()


@pytest.fixture
def real_pipeline(app, _pool):
    """FACE_VERIFY_ENABLED for this test: a face checker on the runtime, as the start-up puts it
    (references computed, PipelineVerifier used)."""
    runtime = rt()
    if "pool" not in _pool:
        _pool["pool"] = FacePool.from_settings(runtime.settings)
    previous, runtime.face = runtime.face, _pool["pool"]
    yield
    runtime.face = previous


async def with_reference(e, photo: bytes) -> None:
    embedding = await face_verify.compute_reference(photo, cycle_id=e.cycle.id)
    await FaceReference.create(physician_id=e.assessment.physician_id, cycle_id=e.cycle.id,
                               photo_file_id=uuid.uuid4(), embedding=embedding)


async def started(client, e, image: bytes | None = None) -> int:
    aid = (await start(client, e)).json()["id"]
    r = await face_check(client, e, aid, "start", image or hopper())
    assert r.status_code == 200 and r.json()["check"]["passed"], r.text
    return aid


# --- the reference --------------------------------------------------------------------------------
async def test_photo_upload_stores_the_reference(real_pipeline, client):
    s = await setup()
    r = await upload_photo(client, s, hopper())
    assert r.status_code == 201, r.text
    ref = await FaceReference.get(physician_id=s.physician.id)
    assert str(ref.photo_file_id) == str(r.json()["file_id"]) and len(ref.embedding) == 512


async def test_photo_upload_refused_without_exactly_one_face(real_pipeline, client):
    s = await setup()
    r = await upload_photo(client, s, no_face())
    assert codes(r) == (422, "no_face")
    r = await upload_photo(client, s, side_by_side(2, canvas=(600, 800)))
    assert codes(r) == (422, "multiple_faces")
    assert await FaceReference.all().count() == 0
    assert await StoredFile.filter(purpose="photo").count() == 0
    assert (await Assessment.get(id=s.assessment.id)).photo_file_id is None


async def test_photo_without_a_face_accepted_when_the_pipeline_is_off(app, client):
    s = await setup()
    assert (await upload_photo(client, s, no_face())).status_code == 201
    assert await FaceReference.all().count() == 0


# --- checks ------------------------------------------------------------------------------------------
async def test_start_check_passes_for_the_same_person(real_pipeline, client):
    e = await exam_world()
    await with_reference(e, hopper())
    aid = (await start(client, e)).json()["id"]
    r = await face_check(client, e, aid, "start", hopper(quality=75))
    check = r.json()["check"]
    assert check["passed"] is True and check["decision"] == "passed" and check["faces"] == 1
    assert check["similarity"] > 0.9
    row = await FaceCheck.get(attempt_id=aid)
    assert (row.moment.value, row.faces, row.decision, row.passed) == ("start", 1, "passed", True)
    assert row.image_file_id and row.image_sha256 and row.embedding and row.created_at
    assert r.json()["gate"]["state"] == "open"


async def test_start_check_without_a_reference_is_refused_with_a_reason(real_pipeline, client):
    e = await exam_world()
    aid = (await start(client, e)).json()["id"]
    check = (await face_check(client, e, aid, "start", hopper())).json()["check"]
    assert check["passed"] is False and check["decision"] == "no_reference" and "标准照" in check["reason"]


@needs_shared
async def test_genuine_pair_passes_and_impostor_gets_low_similarity(real_pipeline, client):
    e = await exam_world()
    await with_reference(e, shared("p01", 1))
    aid = (await start(client, e)).json()["id"]
    wrong = (await face_check(client, e, aid, "start", shared("p02", 1))).json()
    assert wrong["check"]["decision"] == "low_similarity" and wrong["check"]["passed"] is False
    assert "相似度" in wrong["check"]["reason"] and wrong["gate"]["state"] == "awaiting_start_check"
    right = (await face_check(client, e, aid, "start", shared("p01", 2))).json()
    assert right["check"]["decision"] in ("passed", "review") and right["check"]["passed"] is True
    assert right["check"]["needs_review"] == (right["check"]["decision"] == "review")


async def test_black_frame_and_three_people_are_refused_with_their_decision(real_pipeline, client):
    e = await exam_world()
    await with_reference(e, hopper())
    aid = (await start(client, e)).json()["id"]
    dark = (await face_check(client, e, aid, "start", black())).json()["check"]
    assert (dark["passed"], dark["decision"]) == (False, "camera_covered") and "遮挡" in dark["reason"]
    crowd = (await face_check(client, e, aid, "start", side_by_side(3))).json()["check"]
    assert (crowd["passed"], crowd["decision"], crowd["faces"]) == (False, "multiple_faces", 3)
    assert (await ExamAttempt.get(id=aid)).started_at is None


async def test_bad_input_refused_and_not_counted(real_pipeline, client):
    e = await exam_world()
    await with_reference(e, hopper())
    aid = (await start(client, e)).json()["id"]
    assert codes(await face_check(client, e, aid, "start", pdf())) == (422, "invalid_image")
    assert codes(await face_check(client, e, aid, "start", b"not an image at all")) == (422, "invalid_image")
    bomb = await face_check(client, e, aid, "start", png_bomb())
    assert 400 <= bomb.status_code < 500 and bomb.json().get("code")
    huge = await face_check(client, e, aid, "start", b"\xff\xd8\xff\xe0" + os.urandom(30 * 1024 * 1024))
    assert huge.status_code == 413
    assert await FaceCheck.all().count() == 0
    # a PNG with a JPEG name is judged by its content
    r = await face_check(client, e, aid, "start", encode(_hopper(), "PNG"))
    assert r.status_code == 200 and r.json()["check"]["decision"] == "passed"


async def test_someone_elses_attempt_and_a_closed_attempt(real_pipeline, client):
    e = await exam_world()
    await with_reference(e, hopper())
    aid = await started(client, e)
    other = await make_physician(e.w.hospital, n=77)
    r = await client.post(f"{MP}/attempts/{aid}/face-check", headers=auth(await physician_token(other)),
                          data={"moment": "snapshot"}, files={"image": ("face.jpg", hopper(80), "image/jpeg")})
    assert codes(r) == (404, "attempt_not_found")
    assert codes(await face_check(client, e, aid, "submit", hopper(85))) == (200, "")
    r = await client.post(f"{MP}/attempts/{aid}/submit", headers=e.headers)
    assert codes(r) == (409, "face_check_required") and r.json()["details"] == {"moment": "mid"}  # not skipped
    assert codes(await face_check(client, e, aid, "mid", hopper(75))) == (200, "")
    assert (await client.post(f"{MP}/attempts/{aid}/submit", headers=e.headers)).status_code == 200
    assert codes(await face_check(client, e, aid, "snapshot", hopper(70))) == (409, "attempt_closed")
    assert await FaceCheck.filter(attempt_id=aid).count() == 3


# --- snapshots ---------------------------------------------------------------------------------------
async def test_snapshots_are_due_stored_and_replays_refused(real_pipeline, client):
    e = await exam_world()
    await with_reference(e, hopper())
    aid = await started(client, e)
    gate = (await client.get(f"{MP}/attempts/{aid}/face-gate", headers=e.headers)).json()["gate"]
    assert gate["snapshot_due"] is False
    row = await ExamAttempt.get(id=aid)
    shift = (row.deadline - row.started_at) * 0.95
    await ExamAttempt.filter(id=aid).update(started_at=row.started_at - shift, deadline=row.deadline - shift,
                                            mid_check_due_at=None)
    gate = (await client.get(f"{MP}/attempts/{aid}/face-gate", headers=e.headers)).json()["gate"]
    assert gate["snapshot_due"] is True and gate["state"] == "open"
    assert codes(await face_check(client, e, aid, "snapshot", hopper())) == (409, "replayed_image")  # = start's
    first = await face_check(client, e, aid, "snapshot", hopper(80))
    assert first.status_code == 200 and first.json()["check"]["decision"] == "passed"
    assert codes(await face_check(client, e, aid, "snapshot", hopper(80))) == (409, "replayed_image")
    still = (await face_check(client, e, aid, "snapshot", hopper(70))).json()
    assert still["check"]["decision"] == "review" and still["check"]["needs_review"] is True
    assert "照片" in still["check"]["reason"]
    assert still["gate"]["snapshot_due"] is False and still["gate"]["state"] == "open"
    covered = (await face_check(client, e, aid, "snapshot", black())).json()["check"]
    assert covered["decision"] == "camera_covered" and covered["needs_review"] is True
    assert (await save(client, e, aid, 1, ["A"], 1)).status_code == 200  # snapshots never block
    rows = await FaceCheck.filter(attempt_id=aid, moment="snapshot").count()
    assert rows == 3 and (await ExamAttempt.get(id=aid)).snapshots_taken == 3


# --- mid checks --------------------------------------------------------------------------------------
async def test_mid_check_retries_then_recorded_for_review(real_pipeline, client):
    e = await exam_world()
    await with_reference(e, hopper())
    aid = await started(client, e)
    await ExamAttempt.filter(id=aid).update(mid_check_due_at=utcnow() - timedelta(seconds=1))
    assert codes(await save(client, e, aid, 1, ["A"], 1)) == (409, "face_check_required")
    for level in (2, 3):
        r = (await face_check(client, e, aid, "mid", black(level))).json()
        assert r["check"]["passed"] is False and r["gate"]["required"] == "mid"
    assert codes(await save(client, e, aid, 1, ["A"], 1)) == (409, "face_check_required")
    last = (await face_check(client, e, aid, "mid", black(4))).json()
    assert last["check"]["passed"] is False and last["check"]["needs_review"] is True
    assert last["gate"]["state"] == "open" and "人工复核" in last["check"]["reason"]
    assert (await save(client, e, aid, 1, ["A"], 1)).status_code == 200
    rows = await FaceCheck.filter(attempt_id=aid, moment="mid").order_by("id")
    assert [r.needs_review for r in rows] == [False, False, True]


async def test_auto_submit_does_not_wait_for_a_face(real_pipeline, client):
    e = await exam_world()
    await with_reference(e, hopper())
    aid = await started(client, e)
    await ExamAttempt.filter(id=aid).update(mid_check_due_at=utcnow() - timedelta(seconds=1))
    await expire(aid)
    r = await client.post(f"{MP}/attempts/{aid}/submit", headers=e.headers)
    assert r.status_code == 200, r.text
    row = await ExamAttempt.get(id=aid)
    assert row.status == AttemptStatus.SUBMITTED and row.auto_submitted is True
