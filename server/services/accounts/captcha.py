"""Image captcha (验证码): drawn with Pillow, single use, short-lived (issue #15: hard for template
matching and OCR, still legible to people).

Six characters, each drawn on its own tile in a font and size picked at random (the DejaVu faces
when installed, Pillow's bundled face otherwise), rotated, shifted and overlapped with its
neighbours; lines and arcs in the text's colours cross them, a sine warp bends the whole row and
dots are sprinkled over it. ``scripts/bench/captcha_read.py`` measures how often a template-matching
reader (and Tesseract where installed) reads it.

``CAPTCHA_TEST_MODE`` (never in production: config check) accepts the answer ``PASSED`` for automated
end-to-end runs; the captcha is still consumed."""

from __future__ import annotations

import io
import math
import random
import secrets
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from server.errors import ValidationFailed
from server.services.platform.runtime import rt

# No 0/O, 1/I/L: easy to misread
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 6
WIDTH, HEIGHT = 200, 64
TEST_ANSWER = "PASSED"
_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
_FONT_FILES = ("DejaVuSans-Bold.ttf", "DejaVuSerif-Bold.ttf", "DejaVuSansMono-Bold.ttf", "DejaVuSans.ttf",
               "DejaVuSerif.ttf", "DejaVuSansCondensed-Bold.ttf", "DejaVuSerifCondensed-Bold.ttf")
_SIZES = (30, 34, 38, 42)

_Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@lru_cache(maxsize=1)
def _fonts() -> tuple[tuple[_Font, ...], ...]:
    """Per size, every face available (at least Pillow's bundled one)."""
    out = []
    for size in _SIZES:
        faces: list[_Font] = [ImageFont.load_default(size=size)]
        for name in _FONT_FILES:
            path = _FONT_DIR / name
            if path.exists():
                faces.append(ImageFont.truetype(str(path), size))
        out.append(tuple(faces))
    return tuple(out)


def _ink(rng: random.Random) -> tuple[int, int, int]:
    return (rng.randint(20, 110), rng.randint(20, 110), rng.randint(40, 150))


def _glyph(ch: str, rng: random.Random) -> Image.Image:
    font = rng.choice(rng.choice(_fonts()))
    tile = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    ImageDraw.Draw(tile).text((32, 32), ch, font=font, fill=(*_ink(rng), 255), anchor="mm")
    tile = tile.rotate(rng.uniform(-32, 32), resample=Image.Resampling.BICUBIC, expand=False)
    sx, sy = rng.uniform(0.8, 1.15), rng.uniform(0.85, 1.2)  # stretched unevenly
    return tile.resize((int(64 * sx), int(64 * sy)), Image.Resampling.BICUBIC)


def _warp(img: Image.Image, rng: random.Random) -> Image.Image:
    """A sine warp: columns move up and down, rows left and right."""
    w, h = img.size
    amp_y, period_y, phase_y = rng.uniform(3, 6), rng.uniform(50, 110), rng.uniform(0, 2 * math.pi)
    amp_x, period_x, phase_x = rng.uniform(1, 3), rng.uniform(25, 45), rng.uniform(0, 2 * math.pi)
    step = 8
    mesh = []
    for x0 in range(0, w, step):
        for y0 in range(0, h, step):
            box = (x0, y0, min(x0 + step, w), min(y0 + step, h))

            def src(x: float, y: float) -> tuple[float, float]:
                return (x + amp_x * math.sin(2 * math.pi * y / period_x + phase_x),
                        y + amp_y * math.sin(2 * math.pi * x / period_y + phase_y))

            quad = (*src(box[0], box[1]), *src(box[0], box[3]), *src(box[2], box[3]), *src(box[2], box[1]))
            mesh.append((box, quad))
    return img.transform(img.size, Image.Transform.MESH, mesh, resample=Image.Resampling.BICUBIC,
                         fillcolor=(245, 246, 248))


def _draw(text: str) -> bytes:
    rng = random.SystemRandom()
    bg = (rng.randint(232, 250), rng.randint(232, 250), rng.randint(232, 250))
    img = Image.new("RGB", (WIDTH, HEIGHT), bg)
    draw = ImageDraw.Draw(img)
    for _ in range(4):  # pale background strokes
        draw.line([(rng.randint(0, WIDTH), rng.randint(0, HEIGHT)), (rng.randint(0, WIDTH), rng.randint(0, HEIGHT))],
                  fill=(rng.randint(160, 210), rng.randint(160, 210), rng.randint(160, 210)), width=2)
    glyphs = [_glyph(ch, rng) for ch in text]
    steps = [int(g.width * rng.uniform(0.42, 0.52)) for g in glyphs]  # neighbours touch / overlap
    room = WIDTH - 2 * 18  # the first and last characters' centres stay 18 px inside
    centres = sum(steps[:-1])
    if centres > room:
        steps = [int(st * room / centres) for st in steps]
        centres = sum(steps[:-1])
    x = 18 + (room - centres) // 2 + rng.randint(-3, 3) - glyphs[0].width // 2
    for glyph, step in zip(glyphs, steps, strict=True):
        y = (HEIGHT - glyph.height) // 2 + rng.randint(-6, 6)
        img.paste(glyph, (x, y), glyph)
        x += step
    for _ in range(3):  # arcs in the text's colours, crossing the characters
        x0, y0 = rng.randint(-40, WIDTH // 2), rng.randint(-20, HEIGHT // 2)
        box = (x0, y0, x0 + rng.randint(WIDTH // 2, WIDTH + 40), y0 + rng.randint(HEIGHT // 2, HEIGHT + 30))
        start = rng.randint(0, 360)
        draw.arc(box, start, start + rng.randint(90, 200), fill=_ink(rng), width=2)
    draw.line([(0, rng.randint(12, HEIGHT - 12)), (WIDTH, rng.randint(12, HEIGHT - 12))], fill=_ink(rng), width=2)
    img = _warp(img, rng)
    draw = ImageDraw.Draw(img)
    for _ in range(350):
        draw.point((rng.randint(0, WIDTH - 1), rng.randint(0, HEIGHT - 1)),
                   fill=_ink(rng) if rng.random() < 0.5 else (rng.randint(150, 230),) * 3)
    img = img.filter(ImageFilter.SMOOTH)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def new_text() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(LENGTH))


async def issue_captcha() -> tuple[str, bytes]:
    """A new captcha: (id, PNG bytes). The answer lives in Redis for CAPTCHA_TTL_SECONDS."""
    text = new_text()
    captcha_id = secrets.token_urlsafe(16)
    await rt().redis.set(f"captcha:{captcha_id}", text.encode(), ex=rt().settings.CAPTCHA_TTL_SECONDS)
    return captcha_id, _draw(text)


async def check_captcha(captcha_id: str, answer: str) -> None:
    """Consume the captcha (single use) and raise unless the answer matches (or, under
    CAPTCHA_TEST_MODE, is PASSED)."""
    if not captcha_id or len(captcha_id) > 64:
        raise ValidationFailed("验证码已失效，请刷新后重试", code="captcha_expired")
    stored = await rt().redis.getdel(f"captcha:{captcha_id}")
    if stored is None:
        raise ValidationFailed("验证码已失效，请刷新后重试", code="captcha_expired")
    given = (answer or "").strip().upper()
    if rt().settings.CAPTCHA_TEST_MODE and given == TEST_ANSWER:
        return
    if stored.decode().upper() != given:
        raise ValidationFailed("验证码错误", code="captcha_wrong")
