"""FACE_BACKEND=queue: face checks travel through the task queue (here the in-memory broker;
with TASK_BROKER=redis the same task runs on face workers on other machines) and come back
as the same results and the same domain errors as the process pool's."""

from __future__ import annotations

import dataclasses
import io

import pytest

pytest.importorskip("mediapipe")
pytest.importorskip("dlib")

from PIL import Image  # noqa: E402

from server.errors import ValidationFailed  # noqa: E402
from server.face import Thresholds  # noqa: E402
from server.services.face.checker import make_checker  # noqa: E402
from server.services.platform.runtime import rt  # noqa: E402
from tests.unit.test_face_pipeline import _packaged_face  # noqa: E402


@pytest.fixture
def queued(app):
    runtime = rt()
    before = runtime.settings
    runtime.settings = dataclasses.replace(before, FACE_BACKEND="queue")
    checker, runtime.face = runtime.face, make_checker(runtime.settings)  # as the start-up chooses it
    yield runtime.face
    runtime.settings, runtime.face = before, checker


def _jpeg(img: Image.Image) -> bytes:
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85)
    return out.getvalue()


async def test_reference_and_check_through_the_queue(queued):
    photo = _packaged_face().read_bytes()
    ref = await queued.reference(photo)
    assert ref.faces == 1 and len(ref.embedding) == 512
    with Image.open(io.BytesIO(photo)) as img:
        smaller = img.convert("RGB").resize((img.width * 3 // 4, img.height * 3 // 4))
    result = await queued.check(_jpeg(smaller), ref.embedding, Thresholds())
    assert result.decision == "passed" and result.faces == 1 and result.similarity > 0.6
    assert result.embedding is not None and len(result.embedding) == 512
    black = await queued.check(_jpeg(Image.new("RGB", (480, 640))), ref.embedding, Thresholds(),
                                 previous=[result.observation()])
    assert black.decision == "camera_covered" and not black.accepted


async def test_queue_carries_domain_errors_back(queued):
    with pytest.raises(ValidationFailed) as exc:
        await queued.reference(_jpeg(Image.new("RGB", (300, 400), (200, 200, 200))))
    assert exc.value.code == "no_face"
    with pytest.raises(ValidationFailed) as exc:
        await queued.check(b"not an image", b"\0" * 512, Thresholds())
    assert exc.value.code in ("invalid_image", "unsupported_image")
