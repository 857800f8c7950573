"""Image captcha (验证码): drawn with Pillow, single use, short-lived."""

from __future__ import annotations

import io
import random
import secrets

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from server.errors import ValidationFailed
from server.services.platform.runtime import rt

# No 0/O, 1/I/L: easy to misread
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def _draw(text: str) -> bytes:
    width, height = 120, 40
    rng = random.SystemRandom()
    img = Image.new("RGB", (width, height), (245, 247, 250))
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=26)
    for _ in range(6):
        draw.line(
            [(rng.randint(0, width), rng.randint(0, height)), (rng.randint(0, width), rng.randint(0, height))],
            fill=(rng.randint(120, 200), rng.randint(120, 200), rng.randint(120, 200)),
            width=1,
        )
    for i, ch in enumerate(text):
        draw.text(
            (8 + i * 27 + rng.randint(-2, 2), 4 + rng.randint(-3, 3)),
            ch,
            font=font,
            fill=(rng.randint(10, 90), rng.randint(10, 90), rng.randint(60, 140)),
        )
    for _ in range(120):
        draw.point((rng.randint(0, width - 1), rng.randint(0, height - 1)), fill=(150, 150, 150))
    img = img.filter(ImageFilter.SMOOTH)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


async def issue_captcha() -> tuple[str, bytes]:
    """A new captcha: (id, PNG bytes). The answer lives in Redis for CAPTCHA_TTL_SECONDS."""
    text = "".join(secrets.choice(_ALPHABET) for _ in range(4))
    captcha_id = secrets.token_urlsafe(16)
    await rt().redis.set(f"captcha:{captcha_id}", text.encode(), ex=rt().settings.CAPTCHA_TTL_SECONDS)
    return captcha_id, _draw(text)


async def check_captcha(captcha_id: str, answer: str) -> None:
    """Consume the captcha (single use) and raise unless the answer matches."""
    if not captcha_id or len(captcha_id) > 64:
        raise ValidationFailed("验证码已失效，请刷新后重试", code="captcha_expired")
    stored = await rt().redis.getdel(f"captcha:{captcha_id}")
    if stored is None:
        raise ValidationFailed("验证码已失效，请刷新后重试", code="captcha_expired")
    if stored.decode().upper() != (answer or "").strip().upper():
        raise ValidationFailed("验证码错误", code="captcha_wrong")
