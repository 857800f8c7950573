"""Password hashing, ID-number checks and masking: small pure helpers."""

from __future__ import annotations

import asyncio
import hmac
import re
from datetime import date

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

INITIAL_STAFF_PASSWORD = "666666"

# The password hasher of this process, configured once at start-up (open_resources) with the
# settings' argon2 costs; module-level because password checks run outside any request context.
_hasher: PasswordHasher | None = None


_dummy_hash: str | None = None


def configure_hasher(*, time_cost: int, memory_kib: int, parallelism: int) -> None:
    global _hasher, _dummy_hash
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)
    _dummy_hash = None


def _get_hasher() -> PasswordHasher:
    global _hasher
    if _hasher is None:
        _hasher = PasswordHasher()
    return _hasher


async def hash_password(password: str) -> str:
    """argon2id hash, computed off the event loop (it is CPU work by design)."""
    return await asyncio.to_thread(_get_hasher().hash, password)


async def verify_password(stored_hash: str | None, password: str, *, initial: str) -> bool:
    """Check a password. A NULL hash means the account still has its initial password."""
    if stored_hash is None:
        return hmac.compare_digest(password.encode(), initial.encode())
    try:
        return await asyncio.to_thread(_get_hasher().verify, stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _dummy() -> str:
    """A hash of a random secret, at this process's cost: what unknown accounts are checked against."""
    global _dummy_hash
    if _dummy_hash is None:
        import secrets

        _dummy_hash = _get_hasher().hash(secrets.token_urlsafe(24))
    return _dummy_hash


async def verify_login_password(stored_hash: str | None, password: str, *, initial: str | None) -> bool:
    """The sign-in check, with the same work whatever the account (issue #15): one argon2 verify for
    a real hash, and against a dummy hash for an unknown account (``initial`` None, no hash) or an
    account still on its initial password (then compared with ``initial`` in constant time)."""
    if stored_hash is not None:
        return await verify_password(stored_hash, password, initial="")
    await asyncio.to_thread(lambda: _verify_quietly(_dummy(), password))
    return initial is not None and hmac.compare_digest(password.encode(), initial.encode())


def _verify_quietly(stored_hash: str, password: str) -> bool:
    try:
        return _get_hasher().verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


_PASSWORD_RE = re.compile(r"^(?=.*[A-Za-z])(?=.*\d)[\x21-\x7e]{8,32}$")


def password_problem(password: str, *, initial: str | None = None) -> str | None:
    """A Chinese explanation of why a new password is not acceptable, or None."""
    if not _PASSWORD_RE.match(password or ""):
        return "新密码须为8-32位，且同时包含字母和数字"
    if initial is not None and password == initial:
        return "新密码不能与初始密码相同"
    return None


# --- 居民身份证号码 (GB 11643-1999) ---------------------------------------
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")


def id_check_digit(first17: str) -> str:
    return _CHECK[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def normalise_id_number(raw: str) -> str:
    return (raw or "").strip().upper()


def id_number_problem(raw: str) -> str | None:
    """Why an 18-digit ID number is invalid (format, birth date, check digit), or None."""
    value = normalise_id_number(raw)
    if not _ID_RE.match(value):
        return "证件号码应为18位（最后一位可为X）"
    try:
        birth = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "证件号码中的出生日期无效"
    if birth.year < 1900 or birth > date.today():
        return "证件号码中的出生日期无效"
    if id_check_digit(value[:17]) != value[17]:
        return "证件号码校验位错误"
    return None


def birth_date_from_id(value: str) -> date:
    return date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def gender_from_id(value: str) -> str:
    return "男" if int(value[16]) % 2 == 1 else "女"


def initial_physician_password(id_number: str, rule: str) -> str:
    """SPEC §2: 666666, or the last six characters of the ID number with an upper-case X."""
    if rule == "id_last6":
        return normalise_id_number(id_number)[-6:]
    return INITIAL_STAFF_PASSWORD


# --- masking for lists -----------------------------------------------------
def mask_id_number(value: str | None) -> str:
    """1201*****28-style: keep the first 4 and last 2 characters."""
    if not value:
        return ""
    if len(value) <= 6:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 6) + value[-2:]


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "****" + value[-4:]


_PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


def phone_problem(value: str) -> str | None:
    return None if _PHONE_RE.match(value or "") else "请输入正确的11位手机号码"
