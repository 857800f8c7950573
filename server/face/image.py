"""Decoding an uploaded photo for the face pipeline, refusing what must not be decoded.

The format is sniffed from the content (the file name and the declared type are ignored), only
JPEG (including MPO, the multi-picture JPEG of many phone cameras: its first picture) and PNG
are accepted, the byte size and the pixel count are bounded *before* the pixels
are decoded (a decompression bomb is refused from its header), and a large JPEG is decoded at
reduced scale by libjpeg (``draft``) before EXIF orientation is applied and it is shrunk to
``max_side`` pixels on its long side.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, ImageStat, JpegImagePlugin

from server.errors import DomainError, PayloadTooLarge, ValidationFailed

ALLOWED_FORMATS = ("JPEG", "PNG")
DEFAULT_MAX_BYTES = 15 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000
DEFAULT_MAX_SIDE = 640


@dataclass(frozen=True)
class Decoded:
    rgb: np.ndarray  # H x W x 3, uint8, C-contiguous
    source_size: tuple[int, int]  # (width, height) of the upload as declared by its header
    format: str
    grey_mean: float
    grey_std: float


def invalid_image(message: str = "无法识别图片，请上传 JPEG 或 PNG 格式的照片") -> ValidationFailed:
    return ValidationFailed(message, code="invalid_image")


def decode(
    data: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_side: int = DEFAULT_MAX_SIDE,
) -> Decoded:
    """Decode ``data`` into an RGB array at most ``max_side`` px on its long side.

    Raises PayloadTooLarge (code ``image_too_large``) above ``max_bytes``, ValidationFailed
    (code ``image_too_large``) above ``max_pixels`` or (code ``invalid_image``) for anything
    that is not a readable JPEG or PNG.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise invalid_image()
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"照片不能超过 {max_bytes // (1024 * 1024)} MB", code="image_too_large")
    if len(data) == 0:
        raise invalid_image("照片为空，请重新拍摄")
    width = height = 0
    try:
        with warnings.catch_warnings():
            # Pillow warns between 1x and 2x of its own limit and raises above; both are refusals here
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS) as img:
                width, height = img.size
                if width <= 0 or height <= 0:
                    raise invalid_image()
                if width * height > max_pixels:
                    raise _too_many_pixels(width, height, max_pixels)
                fmt = img.format or ""
                if isinstance(img, JpegImagePlugin.JpegImageFile):  # JPEG, and MPO from phone cameras
                    # libjpeg scales by 1/2, 1/4 or 1/8 while decoding: never below max_side
                    img.draft("RGB", (max_side, max_side))
                img.load()
                oriented = ImageOps.exif_transpose(img)
                rgb = _to_rgb(oriented)
        rgb.thumbnail((max_side, max_side), Image.Resampling.BILINEAR, reducing_gap=2.0)
        stat = ImageStat.Stat(rgb.convert("L"))  # at the working size: noise is not "flat"
        array = np.ascontiguousarray(np.asarray(rgb, dtype=np.uint8))
    except DomainError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(0, 0, max_pixels) from None
    except MemoryError:
        raise _too_many_pixels(width, height, max_pixels) from None
    except Exception:
        # truncated or corrupt data, malformed EXIF, an unsupported mode, a format we do not
        # accept (UnidentifiedImageError): whatever the decoder throws, the answer is the same
        raise invalid_image() from None
    if array.ndim != 3 or array.shape[2] != 3 or min(array.shape[:2]) < 8:
        raise invalid_image("照片尺寸过小，请重新拍摄")
    return Decoded(array, (width, height), fmt, float(stat.mean[0]), float(stat.stddev[0]))


def _too_many_pixels(width: int, height: int, max_pixels: int) -> ValidationFailed:
    return ValidationFailed(
        f"照片像素过大，请上传不超过 {max_pixels // 10_000} 万像素的照片",
        code="image_too_large",
        details={"width": width, "height": height} if width else None,
    )


def _to_rgb(img: Image.Image) -> Image.Image:
    """RGB without surprises: transparency over white, 16-bit greys scaled down to 8 bits."""
    if img.mode == "RGB":
        return img
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        array = np.asarray(img, dtype=np.float64)
        top = float(array.max()) or 1.0
        return Image.fromarray((array * (255.0 / max(top, 255.0))).astype(np.uint8), "L").convert("RGB")
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return img.convert("RGB")

