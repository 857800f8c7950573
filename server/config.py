"""One typed settings object, read from the environment and checked at start-up.

Every setting is an environment variable of the same name. The embedded default
(no DATABASE_URL, no REDIS_URL) runs on a SQLite file, an in-process Redis
stand-in and local file storage, and is meant for development and demos only.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

PLACEHOLDER_SECRET = "dev-only-change-me"


class ConfigError(RuntimeError):
    """The settings are unusable; the server refuses to start."""


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    # development | test | production. Production refuses placeholder secrets.
    ENV: str = "development"
    # sqlite://path or postgres://user:pass@host:port/db. Empty: data/dingkaotong.sqlite3.
    DATABASE_URL: str = ""
    # redis://host:port/db. Empty: an in-process stand-in (fakeredis), one process only.
    REDIS_URL: str = ""
    # Where uploaded files, exports and error reports are kept.
    STORAGE_DIR: str = "data/files"
    # Signs captcha ids and other server-made tokens. Must be set outside development.
    SECRET_KEY: str = PLACEHOLDER_SECRET
    # Seed demo data into an empty database (only honoured on the embedded default).
    SEED_DEMO: bool = True
    # "inmemory" runs background tasks in the API process; "redis" sends them to
    # `taskiq worker server.tasks:broker` processes on any machine.
    TASK_BROKER: str = "inmemory"

    # Sessions and login protection
    SESSION_TTL_SECONDS: int = 8 * 3600
    CAPTCHA_TTL_SECONDS: int = 120
    LOGIN_MAX_FAILURES: int = 5
    LOGIN_LOCK_SECONDS: int = 15 * 60
    SMS_CODE_TTL_SECONDS: int = 300
    SMS_MIN_INTERVAL_SECONDS: int = 60
    SMS_MAX_PER_DAY: int = 10
    # argon2id cost (time cost, memory KiB, parallelism)
    ARGON2_TIME_COST: int = 2
    ARGON2_MEMORY_KIB: int = 19456
    ARGON2_PARALLELISM: int = 1

    # Uploads
    MAX_UPLOAD_BYTES: int = 10 * 1024 * 1024
    MAX_IMAGE_PIXELS: int = 40_000_000
    MAX_IMPORT_BYTES: int = 50 * 1024 * 1024

    # WeChat (mini-program and official account). The base URL is overridable so
    # tests talk to a fake server on 127.0.0.1.
    WECHAT_API_BASE: str = "https://api.weixin.qq.com"
    WECHAT_MP_APPID: str = ""
    WECHAT_MP_SECRET: str = ""
    WECHAT_OA_APPID: str = ""
    WECHAT_OA_SECRET: str = ""
    WECHAT_OA_TOKEN: str = ""
    WECHAT_OA_AES_KEY: str = ""
    WECHAT_TIMEOUT_SECONDS: float = 5.0

    # Public base URL used in links (certificate QR codes, exports)
    PUBLIC_BASE_URL: str = "http://127.0.0.1:8000"

    extra: dict[str, str] = field(default_factory=dict)

    @property
    def database_url(self) -> str:
        return self.DATABASE_URL or "sqlite://data/dingkaotong.sqlite3"

    @property
    def is_embedded(self) -> bool:
        """True when running on the embedded default (SQLite + in-process Redis)."""
        return not self.DATABASE_URL and not self.REDIS_URL

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith(("postgres://", "postgresql://", "asyncpg://"))

    @classmethod
    def from_env(cls, overrides: dict[str, object] | None = None) -> Settings:
        values: dict[str, object] = {}
        for f in fields(cls):
            if f.name == "extra":
                continue
            raw = os.environ.get(f.name)
            if raw is None:
                continue
            values[f.name] = _coerce(f.type, raw)
        values.update(overrides or {})
        settings = cls(**values)  # type: ignore[arg-type]
        settings.check()
        return settings

    def check(self) -> None:
        if self.ENV not in {"development", "test", "production"}:
            raise ConfigError(f"ENV must be development, test or production, not {self.ENV!r}")
        if self.ENV == "production":
            if self.SECRET_KEY == PLACEHOLDER_SECRET or len(self.SECRET_KEY) < 32:
                raise ConfigError("SECRET_KEY must be set to 32+ random characters in production")
            if not self.DATABASE_URL or not self.REDIS_URL:
                raise ConfigError("production needs DATABASE_URL and REDIS_URL")
        if self.TASK_BROKER not in {"inmemory", "redis"}:
            raise ConfigError("TASK_BROKER must be inmemory or redis")
        if self.TASK_BROKER == "redis" and not self.REDIS_URL:
            raise ConfigError("TASK_BROKER=redis needs REDIS_URL")

    def storage_path(self) -> Path:
        return Path(self.STORAGE_DIR)


def _coerce(kind: object, raw: str) -> object:
    kind_name = kind if isinstance(kind, str) else getattr(kind, "__name__", "str")
    if kind_name == "bool":
        return _bool(raw)
    if kind_name == "int":
        return int(raw)
    if kind_name == "float":
        return float(raw)
    return raw
