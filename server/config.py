"""One typed settings object, read from the environment and checked at start-up.

Every setting is an environment variable of the same name, and this module is the only reader
of the environment (the broker, the Tortoise CLI config and ``python -m server`` read it here). The embedded default
(no DATABASE_URL, no REDIS_URL) runs on a SQLite file, an in-process Redis
stand-in and local file storage, and is meant for development and demos only.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

from server.face import Thresholds, parse_threshold_table

PLACEHOLDER_SECRET = "dev-only-change-me"


# Sign-in rate limits (server/services/accounts/rate_limits.py): rule -> (calls, window seconds).
# RATE_LIMITS overrides any of them: "login_ip=300/600,captcha_ip=30/60".
DEFAULT_RATE_LIMITS: dict[str, tuple[int, int]] = {
    "login_ip": (300, 600),  # login attempts (staff and physician, any account) from one IP
    "login_fail_ip": (20, 600),  # failed logins from one IP (unknown accounts included)
    "login_account": (30, 600),  # failed logins on one account (ID number / account code), any IP
    # (under the fixed / id_last6 rules, raise login_first_ip where many physicians share one address)
    "login_first_ip": (5, 3600),  # sessions opened with a guessable initial password from one IP
    "captcha_ip": (30, 60),  # captcha images from one IP
    "code_ip": (30, 600),  # SMS-code checks (bind phone, first login, forgot password) from one IP
    "code_account": (10, 600),  # SMS-code checks for one account
    "code_send_account": (5, 600),  # code requests naming one ID number (first login, forgot password)
}


class ConfigError(RuntimeError):
    """The settings are unusable; the server refuses to start."""


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _face_packages() -> bool:
    """The face extra is installed (checked without importing the model libraries)."""
    from importlib.util import find_spec

    return all(find_spec(name) is not None for name in ("numpy", "mediapipe", "dlib"))


@dataclass(frozen=True)
class Settings:
    # development | test | production. Production refuses placeholder secrets.
    ENV: str = "development"
    # sqlite://path or postgres://user:pass@host:port/db. Empty: data/dingkaotong.sqlite3.
    DATABASE_URL: str = ""
    # redis://host:port/db. Empty: an in-process stand-in (fakeredis), one process only.
    REDIS_URL: str = ""
    # Where uploaded files, exports, certificates and face snapshots are kept: "local" (files under
    # STORAGE_DIR, one machine only) or "s3" (an S3-compatible object store: Alibaba OSS, Tencent COS,
    # MinIO, AWS; every API server and task worker shares it). See README "File storage".
    STORAGE_BACKEND: str = "local"
    # STORAGE_BACKEND=local: the directory.
    STORAGE_DIR: str = "data/files"
    # STORAGE_BACKEND=s3: the service's endpoint (empty: AWS), e.g. https://oss-cn-hangzhou.aliyuncs.com,
    # https://cos.ap-guangzhou.myqcloud.com, http://minio:9000.
    S3_ENDPOINT_URL: str = ""
    # The bucket (must exist; the server never creates it) and its region (e.g. cn-hangzhou, ap-guangzhou).
    S3_BUCKET: str = ""
    S3_REGION: str = ""
    # Credentials of an account allowed Get/Put/Delete/HeadObject on the bucket (set both or neither:
    # neither leaves it to botocore's usual chain, e.g. an instance role).
    S3_ACCESS_KEY_ID: str = ""
    S3_SECRET_ACCESS_KEY: str = ""
    # Keys are stored under this prefix ("dkt/"), so one bucket can hold several deployments.
    S3_PREFIX: str = ""
    # auto | virtual (bucket.host: Alibaba OSS and Tencent COS require it) | path (host/bucket: MinIO).
    S3_ADDRESSING_STYLE: str = "auto"
    # Signs captcha ids and other server-made tokens. Must be set outside development.
    SECRET_KEY: str = PLACEHOLDER_SECRET
    # Seed demo data into an empty database (only honoured on the embedded default).
    SEED_DEMO: bool = True
    # "inmemory" runs background tasks in the API process; "redis" sends them to
    # `taskiq worker server.worker:broker` processes on any machine.
    TASK_BROKER: str = "inmemory"

    # `python -m server`: where it listens and how many Sanic worker processes it runs (WORKERS > 1
    # needs REDIS_URL: the in-process Redis stand-in is one process only). Flags override them.
    HOST: str = "127.0.0.1"
    PORT: int = 8000
    WORKERS: int = 1

    # Check every 2xx JSON answer against its declared response model (the tests turn it on;
    # a mismatch answers 500). Costs a validation per response: leave off in production.
    CHECK_RESPONSES: bool = False

    # Sessions and login protection. A session lasts SESSION_TTL_SECONDS from login; its record is in
    # the database (Redis caches it: services/accounts/sessions.py); expired records are deleted every
    # SESSION_PRUNE_SECONDS (0 = off; off while OUTBOX_AUTO_DISPATCH is off, as in tests).
    SESSION_TTL_SECONDS: int = 8 * 3600
    SESSION_PRUNE_SECONDS: int = 3600
    CAPTCHA_TTL_SECONDS: int = 120
    LOGIN_MAX_FAILURES: int = 5
    LOGIN_LOCK_SECONDS: int = 15 * 60
    SMS_CODE_TTL_SECONDS: int = 300
    SMS_MIN_INTERVAL_SECONDS: int = 60
    SMS_MAX_PER_DAY: int = 10
    # Codes requested from one client IP per hour (a hospital's shared address included), any phone
    SMS_MAX_PER_IP_PER_HOUR: int = 60
    # SMS delivery (server/services/notify/sms_providers.py): "log" (the default: logs the masked phone
    # only; the embedded default and tests), "tencent" (腾讯云短信 SendSms 2021-01-11) or "aliyun"
    # (阿里云短信 SendSms 2017-05-25). Production refuses "log". The credentials are the provider's
    # SecretId/SecretKey (Tencent) or AccessKey ID/Secret (Alibaba); SMS_SDK_APP_ID is Tencent's
    # SmsSdkAppId; SMS_SIGN_NAME the approved 短信签名. SMS_ENDPOINT overrides the SDK's own host:
    # "host[:port]" (https) or a URL "http://127.0.0.1:9000" (the tests' fake provider).
    SMS_PROVIDER: str = "log"
    SMS_ACCESS_KEY_ID: str = ""
    SMS_ACCESS_KEY_SECRET: str = ""
    SMS_SIGN_NAME: str = ""
    SMS_SDK_APP_ID: str = ""
    SMS_REGION: str = ""  # "" = ap-guangzhou (Tencent) / cn-hangzhou (Alibaba)
    SMS_ENDPOINT: str = ""
    SMS_TIMEOUT_SECONDS: int = 10
    # The provider's template per message kind ("verify_code" for codes, the notice kinds such as
    # "hi_approve_enrolment" or "ai_confirm_results", "*" = any other notice), JSON:
    # {"verify_code": "1234567", "*": {"template_id": "1234568", "params": ["{title}"]}}. "params" fills
    # the template's variables from the message: a list for Tencent ({1}, {2}...), an object for
    # Alibaba ({"name": "{title}"}); by default the code ({code}) for codes and the title otherwise.
    # A real provider needs "verify_code"; a notice whose kind has no template is recorded as refused.
    SMS_TEMPLATES: str = ""
    # Sign-in protection (services/accounts/login_guard.py). Per ID number / account code: after
    # LOGIN_CAPTCHA_AFTER failures (any source) every login needs a captcha, the physicians' too; per
    # account AND source IP: each failure waits LOGIN_SLOWDOWN_SECONDS more (up to
    # LOGIN_SLOWDOWN_MAX_SECONDS) and LOGIN_MAX_FAILURES lock that pair for LOGIN_LOCK_SECONDS.
    LOGIN_CAPTCHA_AFTER: int = 3
    LOGIN_SLOWDOWN_SECONDS: float = 0.2
    LOGIN_SLOWDOWN_MAX_SECONDS: float = 2.0
    # Overrides of DEFAULT_RATE_LIMITS (above): "rule=calls/seconds,...".
    RATE_LIMITS: str = ""
    # Accept the captcha answer "PASSED" (automated end-to-end runs only; refused in production).
    CAPTCHA_TEST_MODE: bool = False
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
    # Message templates (SPEC §7), JSON objects keyed by our template name ("*" = any other):
    # {"<name>": {"template_id": "...", "page" (subscribe) / "url" (OA): "...",
    #             "data": {"thing1": "{title}", "time2": "{time}"}}}; a bare string is the
    # template id with data {"thing1": "{title}", "thing2": "{body}"}. Empty: nothing configured,
    # and a message whose template is not configured is recorded as refused (not retried).
    WECHAT_SUBSCRIBE_TEMPLATES: str = ""  # mini-program subscribe messages to physicians
    WECHAT_OA_TEMPLATES: str = ""  # official-account template messages to administrators
    # The binding QR code (official account) of an administrator's console: lifetime in seconds
    WECHAT_BINDING_QR_SECONDS: int = 600

    # Notification outbox (server/services/notify/dispatch.py). AUTO_DISPATCH: kick delivery when a
    # message is queued, and sweep for due messages every SWEEP seconds (the API process on the
    # in-memory broker, each `taskiq worker` process with TASK_BROKER=redis).
    OUTBOX_AUTO_DISPATCH: bool = True
    OUTBOX_SWEEP_SECONDS: int = 15
    OUTBOX_MAX_ATTEMPTS: int = 10
    OUTBOX_BACKOFF_SECONDS: int = 30  # first retry after about this long, doubling each time
    OUTBOX_BACKOFF_MAX_SECONDS: int = 3600
    # 待审核提醒 to an organisation at most once per this many hours
    REVIEW_REMINDER_HOURS: int = 24

    # Public base URL used in links (certificate QR codes, exports)
    PUBLIC_BASE_URL: str = "http://127.0.0.1:8000"
    # The web console (管理端, console/): the built files served at /console/ (scripts/console-build
    # writes them; "" = <repo>/console/dist). Absent → /console/ answers "管理端尚未构建".
    CONSOLE_DIST: str = ""
    # 考核结果通知书 (services/results/certificates.py): the CJK TrueType font embedded in the PDF (a .ttc
    # uses its first face). Debian/Ubuntu: apt-get install fonts-wqy-zenhei (scripts/system-deps.sh).
    CERT_FONT_PATH: str = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
    # Public verification page /verify/<token>: requests per client IP per minute
    VERIFY_RATE_PER_MINUTE: int = 60
    # Missed-round sweep (services/results/outcome.py): every this many seconds, at most once across
    # processes; 0 = off. Like the review reminders, off while OUTBOX_AUTO_DISPATCH is off (tests).
    OUTCOME_SWEEP_SECONDS: int = 300
    # 考核通知 sweep (services/exams/window_notices.py): exam windows that opened or close soon are
    # announced to the physicians who still have a paper; every this many seconds, at most once
    # across processes; 0 = off (off while OUTBOX_AUTO_DISPATCH is off, as in tests).
    WINDOW_NOTICE_SWEEP_SECONDS: int = 600

    # How exam answers are saved on PostgreSQL (services/exams/answer_saves.py): "group" (the
    # default: each process gathers the saves that arrive while a commit is in flight and writes
    # them in one statement, answering each request after its batch's COMMIT) or "single" (one
    # statement and commit per save; kept for comparison in scripts/bench/save_wrk.py). SQLite
    # always takes the locking path. A batch holds at most EXAM_SAVE_GROUP_MAX saves, and at most
    # EXAM_SAVE_FLIGHTS batches per process are in flight at once.
    DKT_EXAM_SAVE: str = "group"
    EXAM_SAVE_GROUP_MAX: int = 500
    EXAM_SAVE_FLIGHTS: int = 1
    # What a pooled PostgreSQL connection runs when it goes back to the pool: "off" (nothing: the
    # default; no code leaves SET, advisory locks, LISTEN or open cursors on a pooled connection —
    # tests/integration/test_pool_hygiene.py), "full" (asyncpg's reset: pg_advisory_unlock_all;
    # CLOSE ALL; UNLISTEN *; RESET ALL, one more round trip per query) or "check" (the tests: raise
    # if a connection comes back with session state left on it).
    DB_POOL_RESET: str = "off"

    # Face checks (server/face/, SPEC §6). Inference runs in FACE_POOL_SIZE worker processes per
    # API process (about 200 MB each; 1 on a 2-core machine), never on the event loop. Distances
    # d between embeddings: passed if d <= FACE_PASS_DISTANCE, review (a person decides, the exam
    # goes on) up to FACE_REVIEW_DISTANCE, low_similarity above. FACE_THRESHOLDS overrides them per
    # province, keyed by 行政区划代码: {"440000": {"pass_distance": 0.42, "review_distance": 0.6}}.
    FACE_POOL_SIZE: int = 1
    # "pool": checks run in this API process's FACE_POOL_SIZE worker processes; "queue": they go
    # through the task queue to face workers on other machines (server/services/face/queue.py)
    FACE_BACKEND: str = "pool"
    FACE_QUEUE_TIMEOUT_SECONDS: float = 30.0
    FACE_POOL_MAX_PENDING: int = 64  # checks waiting for the pool before new ones are refused (429)
    FACE_CHECK_TIMEOUT_SECONDS: float = 30.0
    FACE_MAX_IMAGE_BYTES: int = 15 * 1024 * 1024
    FACE_MAX_SIDE: int = 640  # photos are shrunk to this many pixels on the long side
    # The identity embedding's engine (server/face/embed.py): "auto" (ONNX Runtime when onnxruntime
    # and onnx are installed, ~5 ms; else dlib, ~80 ms), "onnx" (fail at start-up without it) or "dlib".
    # Both run the same pinned dlib ResNet weights and give the same embeddings (within ~1e-6).
    FACE_EMBEDDER: str = "auto"
    FACE_PASS_DISTANCE: float = 0.45
    FACE_REVIEW_DISTANCE: float = 0.62
    FACE_THRESHOLDS: str = ""
    # The real pipeline in the exam (server/services/exams/face_verify.py): the standard photo's reference
    # embedding, PipelineVerifier; the checker of FACE_BACKEND is put on the runtime at start-up. Default: on when the face packages are installed.
    FACE_VERIFY_ENABLED: bool = field(default_factory=_face_packages)
    FACE_MID_MAX_RETRIES: int = 3  # failed mid checks before the moment is recorded for review and the exam goes on
    FACE_SNAPSHOTS: int = 2  # silent random snapshots (抓拍) per attempt, at server-chosen moments
    # Face data retention (services/proctoring/retention.py, SPEC §6): face-check images and stored embeddings
    # of a cycle are deleted FACE_RETENTION_DAYS days after its review period ended (the cycle's
    # reexam_end, or end_date when it has none); the check rows' numbers stay. The job runs every
    # FACE_RETENTION_SWEEP_SECONDS (0 = off; off while OUTBOX_AUTO_DISPATCH is off, as in tests).
    FACE_RETENTION_DAYS: int = 180
    FACE_RETENTION_SWEEP_SECONDS: int = 3600

    extra: dict[str, str] = field(default_factory=dict)

    @property
    def database_url(self) -> str:
        return self.DATABASE_URL or "sqlite://data/dingkaotong.sqlite3"

    @property
    def rate_limits(self) -> dict[str, tuple[int, int]]:
        """Every rule of services/accounts/rate_limits.py; "sms_ip" is SMS_MAX_PER_IP_PER_HOUR per hour."""
        return {**DEFAULT_RATE_LIMITS, "sms_ip": (self.SMS_MAX_PER_IP_PER_HOUR, 3600),
                **_parse_rate_limits(self.RATE_LIMITS)}

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
            _check_public_url(self.PUBLIC_BASE_URL)
            if self.SMS_PROVIDER == "log":
                raise ConfigError("production needs a real SMS provider: set SMS_PROVIDER=tencent or aliyun with "
                                  "its credentials, SMS_SIGN_NAME and SMS_TEMPLATES (the log-only gateway sends nothing)")
            if self.CAPTCHA_TEST_MODE:
                raise ConfigError("CAPTCHA_TEST_MODE accepts the captcha answer PASSED: never in production")
        _parse_rate_limits(self.RATE_LIMITS)
        if self.TASK_BROKER not in {"inmemory", "redis"}:
            raise ConfigError("TASK_BROKER must be inmemory or redis")
        if self.TASK_BROKER == "redis" and not self.REDIS_URL:
            raise ConfigError("TASK_BROKER=redis needs REDIS_URL")
        for name in ("WECHAT_SUBSCRIBE_TEMPLATES", "WECHAT_OA_TEMPLATES"):
            _check_template_map(name, getattr(self, name))
        _check_sms(self)
        _check_storage(self)
        if self.DKT_EXAM_SAVE not in {"group", "single"}:
            raise ConfigError("DKT_EXAM_SAVE must be group or single")
        if self.DB_POOL_RESET not in {"off", "full", "check"}:
            raise ConfigError("DB_POOL_RESET must be off, full or check")
        if self.EXAM_SAVE_GROUP_MAX < 1 or self.EXAM_SAVE_FLIGHTS < 1:
            raise ConfigError("EXAM_SAVE_GROUP_MAX and EXAM_SAVE_FLIGHTS must be at least 1")
        if self.FACE_BACKEND not in {"pool", "queue"}:
            raise ConfigError("FACE_BACKEND must be pool or queue")
        if self.FACE_EMBEDDER not in {"auto", "onnx", "dlib"}:
            raise ConfigError("FACE_EMBEDDER must be auto, onnx or dlib")
        if self.FACE_POOL_SIZE < 1:
            raise ConfigError("FACE_POOL_SIZE must be at least 1")
        if self.FACE_RETENTION_DAYS < 0:
            raise ConfigError("FACE_RETENTION_DAYS must not be negative")
        try:
            parse_threshold_table(self.FACE_THRESHOLDS, Thresholds(self.FACE_PASS_DISTANCE, self.FACE_REVIEW_DISTANCE))
        except ValueError as exc:
            raise ConfigError(f"face thresholds: {exc}") from None

    def storage_path(self) -> Path:
        return Path(self.STORAGE_DIR)


def _check_storage(s: Settings) -> None:
    if s.STORAGE_BACKEND not in {"local", "s3"}:
        raise ConfigError("STORAGE_BACKEND must be local or s3")
    if s.STORAGE_BACKEND != "s3":
        return
    if not s.S3_BUCKET:
        raise ConfigError("STORAGE_BACKEND=s3 needs S3_BUCKET")
    if s.S3_ADDRESSING_STYLE not in {"auto", "virtual", "path"}:
        raise ConfigError("S3_ADDRESSING_STYLE must be auto, virtual or path")
    if bool(s.S3_ACCESS_KEY_ID) != bool(s.S3_SECRET_ACCESS_KEY):
        raise ConfigError("set both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or neither")
    if s.S3_ENDPOINT_URL and not s.S3_ENDPOINT_URL.startswith(("http://", "https://")):
        raise ConfigError("S3_ENDPOINT_URL must start with http:// or https://")


def _check_public_url(url: str) -> None:
    """The address users reach the server at (the notice's QR code, links in messages): in
    production it must be set and must not point at this machine's loopback."""
    from urllib.parse import urlsplit

    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if parts.scheme not in {"http", "https"} or not host:
        raise ConfigError("PUBLIC_BASE_URL must be the public address users reach, e.g. https://dkt.example.gov.cn")
    if host in {"localhost", "0.0.0.0", "::1"} or host.startswith("127.") or host.endswith(".localhost"):
        raise ConfigError(f"PUBLIC_BASE_URL points at loopback ({host}): set the public address users reach "
                          "(the 考核结果通知书 QR code and message links use it)")


def _check_sms(s: Settings) -> None:
    """A real SMS provider must be usable: credentials, sign name, (Tencent) the SDK app id, and the
    verification code's template."""
    import json

    if s.SMS_PROVIDER not in {"log", "tencent", "aliyun"}:
        raise ConfigError(f"SMS_PROVIDER must be log, tencent or aliyun, not {s.SMS_PROVIDER!r}")
    try:
        templates = json.loads(s.SMS_TEMPLATES) if s.SMS_TEMPLATES.strip() else {}
    except ValueError as exc:
        raise ConfigError(f"SMS_TEMPLATES must be a JSON object: {exc}") from None
    if not isinstance(templates, dict) or not all(
        isinstance(v, str) or (isinstance(v, dict) and isinstance(v.get("template_id"), str)
                               and isinstance(v.get("params", []), list | dict))
        for v in templates.values()
    ):
        raise ConfigError('SMS_TEMPLATES must map message kinds to "<template id>" or '
                          '{"template_id": ..., "params": [...] or {...}}')
    if s.SMS_PROVIDER == "log":
        return
    missing = [name for name in ("SMS_ACCESS_KEY_ID", "SMS_ACCESS_KEY_SECRET", "SMS_SIGN_NAME") if not getattr(s, name)]
    if s.SMS_PROVIDER == "tencent" and not s.SMS_SDK_APP_ID:
        missing.append("SMS_SDK_APP_ID")
    if "verify_code" not in templates:
        missing.append('SMS_TEMPLATES["verify_code"]')
    if missing:
        raise ConfigError(f"SMS_PROVIDER={s.SMS_PROVIDER} needs {', '.join(missing)}")
def _parse_rate_limits(raw: str) -> dict[str, tuple[int, int]]:
    out: dict[str, tuple[int, int]] = {}
    for item in filter(None, (part.strip() for part in raw.split(","))):
        name, _, value = item.partition("=")
        calls, _, seconds = value.partition("/")
        if name.strip() not in DEFAULT_RATE_LIMITS or not calls.strip().isdigit() or not seconds.strip().isdigit() \
                or int(seconds) < 1:
            raise ConfigError(f"RATE_LIMITS: {item!r} is not <rule>=<calls>/<seconds> with a known rule "
                              f"({', '.join(DEFAULT_RATE_LIMITS)})")
        out[name.strip()] = (int(calls), int(seconds))
    return out


def _check_template_map(name: str, raw: str) -> None:
    if not raw.strip():
        return
    import json

    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a JSON object: {exc}") from None
    if not isinstance(value, dict) or not all(
        isinstance(v, str) or (isinstance(v, dict) and isinstance(v.get("template_id"), str)) for v in value.values()
    ):
        raise ConfigError(f'{name} must map template names to "<template id>" or {{"template_id": ...}}')


def _coerce(kind: object, raw: str) -> object:
    kind_name = kind if isinstance(kind, str) else getattr(kind, "__name__", "str")
    if kind_name == "bool":
        return _bool(raw)
    if kind_name == "int":
        return int(raw)
    if kind_name == "float":
        return float(raw)
    return raw
