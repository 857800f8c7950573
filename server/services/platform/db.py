"""Tortoise configuration. One place builds it for the app, the CLI and the tests."""

from __future__ import annotations

from typing import Any

from server.config import Settings

MODEL_MODULES = ["server.models"]


def normalise_db_url(url: str) -> str:
    if url.startswith("postgresql://"):
        return "postgres://" + url[len("postgresql://") :]
    return url


def tortoise_config(db_url: str) -> dict[str, Any]:
    url = normalise_db_url(db_url)
    if url.startswith("sqlite://"):
        path = url[len("sqlite://") :]
        credentials: dict[str, Any] = {"file_path": path, "journal_mode": "WAL", "foreign_keys": "ON"}
        connection: dict[str, Any] = {"engine": "tortoise.backends.sqlite", "credentials": credentials}
    else:
        connection = url  # type: ignore[assignment]
    return {
        "connections": {"default": connection},
        "apps": {
            "models": {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": "server.migrations",
            }
        },
        "use_tz": True,
        "timezone": "Asia/Shanghai",
    }


def __getattr__(name: str) -> Any:
    """``TORTOISE_ORM`` for the `tortoise` CLI (`tortoise makemigrations`, `tortoise migrate`), built
    from the settings when the CLI asks for it (not at import: importing reads no environment)."""
    if name == "TORTOISE_ORM":
        return tortoise_config(Settings.from_env().database_url)
    raise AttributeError(name)
