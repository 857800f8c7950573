"""Staff authentication (SPEC §2): account code + password + captcha, initial password
666666 with a forced change, lockout after repeated failures, role switch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.transactions import in_transaction

from server.errors import Forbidden, Unauthorized
from server.models import AccountStatus, Organisation, Physician, RegionLevel, StaffAccount
from server.security import INITIAL_STAFF_PASSWORD, verify_password
from server.services import audit
from server.services.access import Actor, Role, default_role, roles_for
from server.services.accounts import sessions
from server.services.accounts.captcha import check_captcha
from server.services.accounts.passwords import change_password
from server.services.platform.runtime import rt

BAD_CREDENTIALS = "账号或密码错误"


def now() -> datetime:
    return datetime.now(UTC)


@dataclass
class LoginResult:
    token: str
    must_change_password: bool
    role: Role
    roles: list[Role]


async def check_not_locked(subject: StaffAccount | Physician) -> None:
    if subject.locked_until and subject.locked_until > now():
        minutes = max(1, int((subject.locked_until - now()).total_seconds() // 60) + 1)
        raise Forbidden(f"密码错误次数过多，账号已锁定，请{minutes}分钟后再试", code="account_locked")


async def register_failure(subject: StaffAccount | Physician) -> None:
    """Count a wrong password; lock for LOGIN_LOCK_SECONDS after LOGIN_MAX_FAILURES."""
    s = rt().settings
    model = type(subject)
    async with in_transaction():
        fresh = await model.select_for_update().get(id=subject.id)
        failures = fresh.failed_logins + 1
        if failures >= s.LOGIN_MAX_FAILURES:
            await model.filter(id=subject.id).update(
                failed_logins=0, locked_until=now() + timedelta(seconds=s.LOGIN_LOCK_SECONDS)
            )
        else:
            await model.filter(id=subject.id).update(failed_logins=failures)


async def register_success(subject: StaffAccount | Physician) -> None:
    await type(subject).filter(id=subject.id).update(failed_logins=0, locked_until=None, last_login_at=now())


def staff_session_data(account: StaffAccount, org: Organisation, role: Role) -> dict[str, Any]:
    return {
        "kind": "staff",
        "account_id": account.id,
        "org_id": org.id,
        "role": role.value,
        "region_id": org.region_id,
        "region_path": org.region_path,
        "region_level": (org.region.level.value if hasattr(org, "region") and org.region else None),
        "must_change_password": account.must_change_password,
    }


async def login_staff(*, code: str, password: str, captcha_id: str, captcha_answer: str, ip: str | None) -> LoginResult:
    """Log a staff account in. The captcha is checked (and consumed) first."""
    await check_captcha(captcha_id, captcha_answer)
    account = await StaffAccount.get_or_none(code=(code or "").strip()).prefetch_related("org__region")
    if account is None:
        raise Unauthorized(BAD_CREDENTIALS, code="bad_credentials")
    await check_not_locked(account)
    if not await verify_password(account.password_hash, password or "", initial=INITIAL_STAFF_PASSWORD):
        await register_failure(account)
        raise Unauthorized(BAD_CREDENTIALS, code="bad_credentials")
    if account.status == AccountStatus.INACTIVE:
        raise Forbidden("账号未激活，请联系上级卫生行政部门激活", code="account_inactive")
    if account.status == AccountStatus.CANCELLED:
        raise Forbidden("账号已注销", code="account_cancelled")
    await register_success(account)
    org = account.org
    role = default_role(org.kind)
    data = staff_session_data(account, org, role)
    data["ip"] = ip
    token = await sessions.create_session(sessions.staff_subject(account.id), data)
    return LoginResult(token=token, must_change_password=account.must_change_password, role=role, roles=roles_for(org))


async def change_staff_password(*, actor: Actor, old_password: str, new_password: str) -> None:
    """安全设置 / 初始化设置: verify the old password, store the argon2 hash of the new one,
    end the account's other sessions."""
    account = await StaffAccount.get(id=actor.account_id)
    await change_password(actor=actor, model=StaffAccount, row_id=account.id, password_hash=account.password_hash,
                          initial=INITIAL_STAFF_PASSWORD, old_password=old_password, new_password=new_password,
                          audit_action="account.change_password", audit_entity="staff_account",
                          subject=sessions.staff_subject(account.id))


async def switch_role(*, actor: Actor, role: Role) -> Role:
    """A hospital that became an assessment institution uses one account for both roles."""
    org = await Organisation.get(id=actor.org_id)
    allowed = roles_for(org)
    if role not in allowed:
        raise Forbidden("本机构不具备该身份", code="role_not_allowed")
    await sessions.update_session(actor.token, role=role.value)
    return role


async def reset_staff_password(*, actor: Actor, account: StaffAccount) -> None:
    """重置密码: back to the initial password, forced change, every session ended."""
    async with in_transaction() as conn:
        await StaffAccount.filter(id=account.id).using_db(conn).update(
            password_hash=None, must_change_password=True, failed_logins=0, locked_until=None
        )
        await audit.record(actor, "account.reset_password", "staff_account", account.id, using_db=conn)
    await sessions.end_all_sessions(sessions.staff_subject(account.id))


async def actor_from_session(token: str, data: dict[str, Any], ip: str | None) -> Actor:
    level = data.get("region_level")
    return Actor(
        kind=data["kind"],
        role=Role(data["role"]),
        token=token,
        account_id=data.get("account_id"),
        physician_id=data.get("physician_id"),
        org_id=data.get("org_id"),
        region_id=data.get("region_id"),
        region_path=data.get("region_path") or "",
        region_level=RegionLevel(level) if level else None,
        must_change_password=bool(data.get("must_change_password")),
        needs_phone=bool(data.get("needs_phone")),
        ip=ip,
    )
