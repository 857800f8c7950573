"""The server's clock: aware UTC datetimes (one place, so every package reads the same "now")."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
