"""Bad input to the face pipeline: a clear error or the matching decision, never a crash.

Decoding (server/face/image.py) needs only Pillow and numpy; the tests through the pipeline
need the face extra and skip without it.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

pytest.importorskip("numpy", reason="the face extra is not installed: pip install -e '.[face]'")

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from server.errors import DomainError, PayloadTooLarge, ValidationFailed  # noqa: E402
from server.face.image import decode  # noqa: E402

if TYPE_CHECKING:
    from server.face import FacePipeline

SHARED_FACES = Path(__file__).resolve().parents[2].parent / "shared" / "faces"


def encode(img: Image.Image, fmt: str, **kw: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def face_like(size: tuple[int, int] = (320, 240)) -> Image.Image:
    rng = np.random.default_rng(3)
    return Image.fromarray(rng.integers(40, 220, (size[1], size[0], 3), dtype=np.uint8))


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bomb(width: int = 50_000, height: int = 50_000) -> bytes:
    """A few hundred bytes that claim 2.5 gigapixels (never decoded: refused from the header)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    compressor = zlib.compressobj(9)
    row = b"\x00" * (width + 1)
    idat = compressor.compress(row * 64) + compressor.flush()
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")


def jpeg_bomb() -> bytes:
    """A small JPEG whose frame header is patched to 60000 x 60000."""
    data = bytearray(encode(Image.new("RGB", (16, 16), (90, 90, 90)), "JPEG"))
    sof = data.find(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, 60_000, 60_000)
    return bytes(data)


@pytest.mark.parametrize("data", [b"", b"hello", b"%PDF-1.7\n" + b"0" * 2000, bytes(range(256)) * 50,
                                  b"\xff\xd8\xff\xe0" + b"\x00" * 100])
def test_decode_refuses_what_is_not_an_image(data: bytes) -> None:
    with pytest.raises(ValidationFailed) as err:
        decode(data)
    assert err.value.code == "invalid_image" and err.value.message


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF", "WEBP"])
def test_decode_refuses_formats_other_than_jpeg_and_png(fmt: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        decode(encode(face_like(), fmt))
    assert err.value.code == "invalid_image"


def test_decode_refuses_30_mb_before_reading_pixels() -> None:
    data = encode(face_like(), "JPEG") + b"\x00" * (30 * 1024 * 1024)
    with pytest.raises(PayloadTooLarge) as err:
        decode(data)
    assert err.value.code == "image_too_large" and err.value.status == 413


@pytest.mark.parametrize("bomb", [png_bomb, jpeg_bomb])
def test_decode_refuses_decompression_bombs_from_the_header(bomb: Callable[[], bytes]) -> None:
    data = bomb()
    assert len(data) < 200_000
    with pytest.raises(ValidationFailed) as err:
        decode(data)
    assert err.value.code == "image_too_large"


def test_decode_refuses_truncated_jpeg() -> None:
    data = encode(face_like((800, 600)), "JPEG", quality=95)
    with pytest.raises(ValidationFailed) as err:
        decode(data[: len(data) // 3])
    assert err.value.code == "invalid_image"


def test_decode_sniffs_content_not_name(tmp_path: Path) -> None:
    disguised = tmp_path / "photo.jpg"  # a PNG with a JPEG name
    disguised.write_bytes(encode(face_like(), "PNG"))
    decoded = decode(disguised.read_bytes())
    assert decoded.format == "PNG" and decoded.rgb.shape == (240, 320, 3)


def test_decode_shrinks_phone_photo_and_applies_exif_orientation() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    data = encode(face_like((4000, 3000)), "JPEG", quality=92, exif=exif.tobytes())
    decoded = decode(data)
    assert decoded.source_size == (4000, 3000)
    assert decoded.rgb.shape == (640, 480, 3)  # portrait after orientation, 640 on the long side


def test_decode_reads_the_first_picture_of_a_phone_mpo() -> None:
    buf = io.BytesIO()
    Image.new("RGB", (2000, 1500), (120, 80, 60)).save(buf, "MPO", save_all=True,
                                                       append_images=[Image.new("RGB", (2000, 1500))])
    decoded = decode(buf.getvalue())
    assert decoded.format == "MPO" and decoded.rgb.shape == (480, 640, 3) and decoded.grey_mean > 50


@pytest.mark.parametrize("mode", ["L", "RGBA", "LA", "P", "I;16", "CMYK", "1"])
def test_decode_accepts_every_mode_as_rgb(mode: str) -> None:
    img = face_like().convert("RGBA" if mode in ("RGBA", "LA") else "RGB")
    if mode == "I;16":
        img = Image.fromarray((np.asarray(img.convert("L"), dtype=np.uint16) * 200).astype("<u2"))
        assert img.mode.startswith("I;16")
    else:
        img = img.convert(mode)
    fmt = "JPEG" if mode in ("CMYK",) else "PNG"
    decoded = decode(encode(img, fmt))
    assert decoded.rgb.dtype == np.uint8 and decoded.rgb.shape == (240, 320, 3)


def test_decode_refuses_a_tiny_image() -> None:
    with pytest.raises(ValidationFailed):
        decode(encode(Image.new("RGB", (2, 2)), "PNG"))


def test_decode_grey_statistics_of_a_black_frame() -> None:
    decoded = decode(encode(Image.new("RGB", (640, 480)), "JPEG"))
    assert decoded.grey_mean < 1 and decoded.grey_std < 1


# --- through the pipeline -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def pipeline() -> Iterator[FacePipeline]:
    pytest.importorskip("mediapipe", reason="the face extra is not installed: pip install -e '.[face]'")
    pytest.importorskip("dlib", reason="the face extra is not installed: pip install -e '.[face]'")
    from server.face import FacePipeline

    p = FacePipeline()
    yield p
    p.close()


REFERENCE = bytes(512)  # a valid embedding (all zeros): these pictures are refused or decided anyway


@pytest.mark.parametrize("make", [lambda: b"not an image", png_bomb, jpeg_bomb,
                                  lambda: encode(face_like(), "GIF"),
                                  lambda: encode(face_like(), "JPEG") + b"\x00" * (30 * 1024 * 1024)])
def test_pipeline_bad_input_is_a_domain_error(pipeline: FacePipeline, make: Callable[[], bytes]) -> None:
    with pytest.raises(DomainError) as err:
        pipeline.check(make(), REFERENCE)
    assert err.value.code in {"invalid_image", "image_too_large"}
    with pytest.raises(DomainError):
        pipeline.reference(make())


def test_pipeline_black_frame_is_camera_covered(pipeline: FacePipeline) -> None:
    result = pipeline.check(encode(Image.new("RGB", (640, 480)), "JPEG"), REFERENCE)
    assert result.decision == "camera_covered"


def test_pipeline_phone_size_photo_without_face_is_no_face(pipeline: FacePipeline) -> None:
    from PIL import ImageDraw

    scene = Image.fromarray(np.random.default_rng(4).integers(0, 256, (3000, 4000, 3), dtype=np.uint8))
    draw = ImageDraw.Draw(scene)
    draw.rectangle((500, 400, 2500, 2200), fill=(30, 90, 160))
    draw.ellipse((2600, 500, 3800, 1700), fill=(220, 200, 40))
    data = encode(scene, "JPEG", quality=95)
    assert len(data) > 2 * 1024 * 1024
    result = pipeline.check(data, REFERENCE)
    assert result.decision == "no_face" and result.faces == 0


@pytest.mark.skipif(not SHARED_FACES.is_dir(), reason=f"labelled face photos not found at {SHARED_FACES}")
@pytest.mark.parametrize("name", ["spoof/2.jpg", "spoof/3.jpg"])
def test_pipeline_photo_of_a_screen_gets_a_decision(pipeline: FacePipeline, name: str) -> None:
    """A face shown on a print or a screen is not recognised from one frame: it is matched like
    any other face (here against another person: not passed), and nothing crashes."""
    from server.face import DECISIONS

    reference = pipeline.reference((SHARED_FACES / "p01/1.jpg").read_bytes())
    result = pipeline.check((SHARED_FACES / name).read_bytes(), reference.embedding)
    assert result.decision in DECISIONS and result.decision != "passed" and result.faces == 1


@pytest.mark.skipif(not SHARED_FACES.is_dir(), reason=f"labelled face photos not found at {SHARED_FACES}")
def test_pipeline_three_people_are_multiple_faces(pipeline: FacePipeline) -> None:
    reference = pipeline.reference((SHARED_FACES / "p01/1.jpg").read_bytes())
    result = pipeline.check((SHARED_FACES / "multi/2.jpg").read_bytes(), reference.embedding)
    assert result.decision == "multiple_faces" and result.faces >= 3


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_decode_of_corrupted_bytes_never_crashes(fmt: str) -> None:
    """Random byte flips and cuts: every outcome is a picture or a domain error."""
    rng = np.random.default_rng(5)
    good = encode(face_like((160, 120)), fmt)
    for _ in range(150):
        data = bytearray(good)
        for pos in rng.integers(0, len(data), int(rng.integers(1, 12))):
            data[pos] = int(rng.integers(0, 256))
        if rng.random() < 0.3:
            data = data[: int(rng.integers(8, len(data)))]
        try:
            decoded = decode(bytes(data))
        except DomainError as exc:
            assert exc.code in {"invalid_image", "image_too_large"}
        else:
            assert decoded.rgb.dtype == np.uint8 and decoded.rgb.ndim == 3
