"""Uploaded and generated files: validation, storage, and the StoredFile record.

Uploads are checked by content, never by name: images are opened with Pillow under a
pixel limit (decompression bombs refused), re-encoded (EXIF and anything hidden
dropped); PDFs must start with %PDF- and end with %%EOF; everything else is refused.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from PIL import Image, ImageOps, UnidentifiedImageError

from server.errors import PayloadTooLarge, ValidationFailed
from server.models import StoredFile
from server.services.platform.runtime import rt

IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}


@dataclass
class CleanFile:
    data: bytes
    content_type: str
    suffix: str


def check_size(data: bytes, limit: int | None = None) -> None:
    limit = limit or rt().settings.MAX_UPLOAD_BYTES
    if len(data) > limit:
        raise PayloadTooLarge(f"文件不能超过{limit // (1024 * 1024)}MB", code="file_too_large")
    if not data:
        raise ValidationFailed("文件为空", code="empty_file")


def clean_image(data: bytes, *, max_side: int = 2400, quality: int = 88) -> CleanFile:
    """Open an image safely and re-encode it as JPEG without metadata."""
    check_size(data)
    Image.MAX_IMAGE_PIXELS = rt().settings.MAX_IMAGE_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            if img.format not in IMAGE_TYPES:
                raise ValidationFailed(f"仅支持 JPG、PNG 格式的图片（所选文件为 {img.format} 格式）",
                                       code="unsupported_image")
            if img.width * img.height > rt().settings.MAX_IMAGE_PIXELS:
                raise ValidationFailed("图片尺寸过大", code="image_too_large")
            img.draft("RGB", (max_side, max_side))
            img = ImageOps.exif_transpose(img)
            img.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationFailed("图片尺寸过大", code="image_too_large") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationFailed("仅支持 JPG、PNG 格式的图片（所选文件不是有效的图片）", code="invalid_image") from None
    img = img.convert("RGB")
    img.thumbnail((max_side, max_side))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=quality, optimize=True)
    return CleanFile(out.getvalue(), "image/jpeg", ".jpg")


def clean_pdf(data: bytes) -> CleanFile:
    check_size(data)
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-2048:]:
        raise ValidationFailed("仅支持 PDF 文件（所选文件不是有效的 PDF）", code="invalid_pdf")
    return CleanFile(data, "application/pdf", ".pdf")


def clean_proof(data: bytes) -> CleanFile:
    """证明材料: an image (re-encoded) or a PDF, decided by content."""
    if data[:5] == b"%PDF-":
        return clean_pdf(data)
    try:
        return clean_image(data)
    except ValidationFailed as exc:
        if exc.code in ("invalid_image", "unsupported_image"):
            raise ValidationFailed("仅支持 JPG、PNG 格式的图片或 PDF 文件", code=exc.code) from None
        raise


async def store(
    clean: CleanFile,
    *,
    purpose: str,
    original_name: str = "",
    owner_org_id: int | None = None,
    owner_account_id: int | None = None,
    owner_physician_id: int | None = None,
) -> StoredFile:
    storage = rt().storage
    key = storage.new_key(purpose, clean.suffix)
    sha = await storage.save(key, clean.data)
    return await StoredFile.create(
        key=key,
        purpose=purpose,
        content_type=clean.content_type,
        size=len(clean.data),
        sha256=sha,
        original_name=original_name[:255],
        owner_org_id=owner_org_id,
        owner_account_id=owner_account_id,
        owner_physician_id=owner_physician_id,
    )


async def store_generated(data: bytes, *, purpose: str, filename: str, content_type: str, **owners) -> StoredFile:
    """Keep a file the server made (export, error report)."""
    suffix = "." + filename.rsplit(".", 1)[-1] if "." in filename else ""
    return await store(CleanFile(data, content_type, suffix), purpose=purpose, original_name=filename, **owners)


async def read(stored: StoredFile) -> bytes:
    return await rt().storage.read(stored.key)


@dataclass
class Download:
    """A stored file to send in chunks (never whole in memory), from whichever storage backend."""

    chunks: AsyncIterator[bytes]
    size: int
    filename: str
    content_type: str
    inline: bool = False  # shown in the browser (images, PDFs to look at) rather than saved
    headers: dict[str, str] = field(default_factory=dict)


# what a browser must not keep or second-guess: personal images and documents
PRIVATE = {"cache-control": "private, no-store", "x-content-type-options": "nosniff"}


def download(stored: StoredFile, filename: str = "", *, inline: bool = False,
             headers: dict[str, str] | None = None) -> Download:
    return Download(rt().storage.stream(stored.key), stored.size,
                    filename or stored.original_name or stored.key.rsplit("/", 1)[-1], stored.content_type,
                    inline=inline, headers=dict(headers or {}))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
