"""The fast embedding path (dlib's ResNet rebuilt for ONNX Runtime, server/face/resnet_onnx.py)
agrees with the reference path (dlib's compute_face_descriptor) on the same aligned chips.

Skips when the face extra or onnxruntime / onnx are not installed. Uses the public-domain photo
that ships with matplotlib (installed with mediapipe) plus drawn and shifted variants, and the
labelled photos of ../shared/faces when they are there.
"""

from __future__ import annotations

import importlib.metadata
import os
from pathlib import Path

import pytest

for _module in ("numpy", "mediapipe", "dlib", "onnxruntime", "onnx"):
    pytest.importorskip(_module, reason=f"{_module} is not installed (face extra)")

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from server.config import ConfigError, Settings  # noqa: E402
from server.face import FacePipeline, models  # noqa: E402
from server.face.embed import Embedder  # noqa: E402
from server.face.image import decode  # noqa: E402
from server.face.resnet_onnx import FormatError, build_onnx, read_dat  # noqa: E402

SHARED_FACES = Path(os.environ.get("FACE_TEST_DIR", Path(__file__).resolve().parents[2].parent / "shared" / "faces"))
TOLERANCE = 1e-4  # largest per-component difference allowed (measured: ~3e-7)


@pytest.fixture(scope="module")
def engines() -> tuple[FacePipeline, Embedder]:
    fast = FacePipeline(embedder="onnx")
    reference = Embedder("dlib")
    assert fast.embedder.engine == "onnx" and reference.engine == "dlib"
    yield fast, reference
    fast.close()


def _hopper() -> np.ndarray:
    path = Path(str(importlib.metadata.distribution("matplotlib").locate_file(
        "matplotlib/mpl-data/sample_data/grace_hopper.jpg")))
    if not path.is_file():
        pytest.skip("matplotlib's sample photo is missing")
    with Image.open(path) as img:
        return np.asarray(img.convert("RGB"), dtype=np.uint8)


def _pictures() -> list[np.ndarray]:
    hopper = _hopper()
    out = [hopper, np.ascontiguousarray(hopper[:, ::-1]), np.ascontiguousarray(hopper[40:, 30:])]
    noisy = hopper.astype(np.int16) + np.random.default_rng(1).integers(-12, 13, hopper.shape)
    out.append(np.clip(noisy, 0, 255).astype(np.uint8))
    if SHARED_FACES.is_dir():
        for path in sorted(SHARED_FACES.glob("p*/*.jpg"))[::5]:
            out.append(decode(path.read_bytes()).rgb)
    return out


def test_onnx_embedding_matches_dlib(engines: tuple[FacePipeline, Embedder]) -> None:
    fast, reference = engines
    compared = 0
    for rgb in _pictures():
        faces = fast.detector.detect(rgb)
        if not faces:
            continue
        a = fast.embedder.embed(rgb, faces[0])
        b = reference.embed(rgb, faces[0])
        assert a.shape == b.shape == (128,)
        assert float(np.abs(a - b).max()) < TOLERANCE
        compared += 1
    assert compared >= 4


def test_batch_of_chips_matches_one_by_one(engines: tuple[FacePipeline, Embedder]) -> None:
    fast, _ = engines
    rgb = _hopper()
    face = fast.detector.detect(rgb)[0]
    embedder = fast.embedder
    chip = embedder.chip(rgb, embedder.landmarks(rgb, face))
    assert chip.shape == (150, 150, 3)
    batch = embedder._onnx(np.stack([chip, chip[:, ::-1].copy()]))
    one = embedder._onnx(chip[None])[0]
    assert np.abs(batch[0] - one).max() < 1e-5
    assert np.abs(batch[0] - batch[1]).max() > 1e-3  # a different picture gives a different vector


def test_reader_refuses_other_files() -> None:
    with pytest.raises(FormatError):
        read_dat(b"\x01\x02not a dlib network" * 10)
    shape_predictor = models.verified_path(models.SHAPE_PREDICTOR_5).read_bytes()
    with pytest.raises(FormatError):
        read_dat(shape_predictor)


def test_reader_sees_the_published_network() -> None:
    net = read_dat(models.verified_bytes(models.DLIB_RESNET))
    kinds = [layer.kind for layer in net.layers]
    assert kinds.count("con") == 29 and kinds.count("affine") == 29 and kinds.count("add_prev") == 14
    assert kinds[-1] == "fc" and net.layers[-1].ints == (128, 256)
    assert net.mean_rgb == pytest.approx((122.782, 117.001, 104.298), abs=1e-3)
    assert len(build_onnx(net)) > 20_000_000


def test_auto_falls_back_to_dlib_without_onnxruntime(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_ort(name: str, *args: object, **kwargs: object) -> object:
        if name == "onnxruntime":
            raise ImportError("No module named 'onnxruntime'")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_ort)
    assert Embedder("auto").engine == "dlib"
    with pytest.raises(ImportError):
        Embedder("onnx")


def test_embedder_setting_is_checked() -> None:
    with pytest.raises(ValueError):
        Embedder("tensorrt")
    with pytest.raises(ConfigError):
        Settings(FACE_EMBEDDER="tensorrt").check()


def test_pool_and_queue_workers_use_the_configured_embedder(monkeypatch: pytest.MonkeyPatch) -> None:
    from server.services.face import pool

    assert pool.FacePool.from_settings(Settings(FACE_EMBEDDER="dlib")).pipeline_options["embedder"] == "dlib"
    made: list[dict[str, object]] = []
    monkeypatch.setattr(pool, "FacePipeline", lambda **options: made.append(options) or object())
    monkeypatch.setattr(pool, "_pipeline", None)
    monkeypatch.setattr(pool, "_pipeline_options", {})
    monkeypatch.setattr(pool, "_configured_embedder", lambda: "dlib")  # a taskiq worker's runtime setting
    pool.worker_pipeline()
    assert made == [{"embedder": "dlib"}]
    monkeypatch.setattr(pool, "_pipeline", None)
    monkeypatch.setattr(pool, "_pipeline_options", {"embedder": "onnx", "max_side": 640})  # a pool worker
    pool.worker_pipeline()
    assert made[-1] == {"embedder": "onnx", "max_side": 640}


def test_configured_embedder_without_a_runtime_is_auto(monkeypatch: pytest.MonkeyPatch) -> None:
    from server.services.face import pool
    from server.services.platform import runtime

    def no_runtime() -> None:
        raise RuntimeError("runtime not initialised")

    monkeypatch.setattr(runtime, "rt", no_runtime)
    assert pool._configured_embedder() == "auto"
