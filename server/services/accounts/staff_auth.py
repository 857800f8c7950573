"""Staff authentication (SPEC §2): account code + password + captcha, initial password
666666 with a forced change, rate limits and lockout per account and source (login_guard), role switch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from server.errors import Forbidden, Unauthorized
from server.models import AccountStatus, Organisation, Physician, RegionLevel, StaffAccount
from server.security import INITIAL_STAFF_PASSWORD, verify_login_password
from server.services import audit
from server.services.access import Actor, Role, default_role, roles_for
from server.services.accounts import login_guard, rate_limits, sessions
from server.services.accounts.passwords import change_password

BAD_CREDENTIALS = "账号或密码错误"


def now() -> datetime:
    return datetime.now(UTC)


@dataclass
class LoginResult:
    token: str
    must_change_password: bool
    role: Role
    roles: list[Role]


async def register_success(subject: StaffAccount | Physician) -> None:
    await type(subject).filter(id=subject.id).update(failed_logins=0, locked_until=None, last_login_at=now())


def staff_session_data(account: StaffAccount, org: Organisation, role: Role) -> sessions.SessionData:
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
    """Log a staff account in. Rate limits, the (account, source) lock and the captcha come first
    (login_guard); unknown accounts, wrong passwords and initial-password accounts are answered
    alike, after the same password work."""
    ident = (code or "").strip()
    attempt = login_guard.Attempt("staff", ident, ip)
    await login_guard.before(attempt, captcha_id=captcha_id, captcha_answer=captcha_answer, captcha_always=True)
    account = await StaffAccount.get_or_none(code=ident).prefetch_related("org__region") if ident else None
    target = ("staff_account", account.id) if account else None
    await login_guard.note_unlock_if_expired(attempt, target=target)
    initial = INITIAL_STAFF_PASSWORD if account is not None else None
    if not await verify_login_password(account.password_hash if account else None, password or "", initial=initial):
        await login_guard.failed(attempt, target=target)
        raise Unauthorized(BAD_CREDENTIALS, code="bad_credentials")
    assert account is not None
    if account.password_hash is None:  # a guessable initial password: few such sessions per source
        await rate_limits.take("login_first_ip", ip)
    await login_guard.succeeded(attempt)
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
    await login_guard.clear_account("staff", account.code, target=("staff_account", account.id), actor=actor,
                                    reason="reset_password")


async def actor_from_session(token: str, data: sessions.SessionData, ip: str | None) -> Actor:
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
