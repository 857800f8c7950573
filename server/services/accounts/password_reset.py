"""忘记密码 (issue #11; SPEC §2): a physician resets the password with a code sent by SMS to the
phone bound to the account. The replies never tell whether an ID number exists or has a phone:
asking for a code always answers the same words, and a wrong ID number, a wrong code and an expired
code are refused alike. Codes are single use, 5 minutes, 5 tries, rate-limited per phone and per
ID number (services/accounts/sms_codes.py); a reset ends every session of the physician and clears
the lock; audited."""

from __future__ import annotations

import hashlib
import hmac

from tortoise.transactions import in_transaction

from server.errors import ValidationFailed
from server.models import Physician, RegistryStatus
from server.schemas.mp_auth import ForgotCodeSent
from server.security import hash_password, normalise_id_number, password_problem
from server.services import audit
from server.services.access import Actor, Role
from server.services.accounts import login_guard, rate_limits, sessions
from server.services.accounts import sms_codes as sms
from server.services.accounts.physician_auth import initial_password_of
from server.services.platform.runtime import rt

PURPOSE = "reset_password"
SENT = "如该证件号码已绑定手机，验证码已发送至绑定的手机，请注意查收"
REFUSED = "证件号码或验证码错误，或验证码已失效"


def _subject(id_number: str) -> str:
    """Rate limits and codes keyed by the ID number (hashed), whether or not it exists."""
    digest = hmac.new(rt().settings.SECRET_KEY.encode(), id_number.encode(), hashlib.sha256).hexdigest()[:24]
    return f"reset:{digest}"


async def _physician(id_number: str) -> Physician | None:
    physician = await Physician.get_or_none(id_number=id_number)
    if physician is None or physician.registry_status != RegistryStatus.ACTIVE:
        return None
    if not physician.phone or not physician.phone_verified:
        return None
    return physician


async def request_code(*, id_number: str, ip: str | None = None) -> ForgotCodeSent:
    """获取验证码: sent to the bound phone if there is one; the same answer either way."""
    number = normalise_id_number(id_number)
    subject = _subject(number)
    physician = await _physician(number)
    s = rt().settings
    if physician is not None:
        await sms.issue_code(purpose=PURPOSE, subject=subject, phone=physician.phone, recipient_id=physician.id, ip=ip)
    else:  # the same limits as a real request, so the answers and refusals cannot tell them apart
        await sms.take_request_slot(subject, s.SMS_MIN_INTERVAL_SECONDS, ip=ip)
    return ForgotCodeSent(message=SENT, expires_in=s.SMS_CODE_TTL_SECONDS, resend_after=s.SMS_MIN_INTERVAL_SECONDS)


async def reset(*, id_number: str, sms_code: str, new_password: str, ip: str | None = None) -> None:
    """重置密码 with the code; every session of the physician ends."""
    number = normalise_id_number(id_number)
    await rate_limits.take("code_ip", ip)
    await rate_limits.take("code_account", _subject(number))
    physician = await _physician(number)
    if physician is None:
        raise ValidationFailed(REFUSED, code="reset_refused")
    try:
        await sms.check_code(purpose=PURPOSE, subject=_subject(number), phone=physician.phone, code=sms_code)
    except ValidationFailed as exc:
        raise ValidationFailed(REFUSED if exc.code == "sms_code_expired" else exc.message, code="reset_refused") from None
    problem = password_problem(new_password, initial=await initial_password_of(physician) or "")
    if problem:
        raise ValidationFailed(problem, code="weak_password")
    new_hash = await hash_password(new_password)
    async with in_transaction() as conn:
        await Physician.filter(id=physician.id).using_db(conn).update(
            password_hash=new_hash, must_change_password=False, failed_logins=0, locked_until=None)
        await audit.record(Actor(kind="physician", role=Role.PHYSICIAN, token="", physician_id=physician.id, ip=ip),
                           "physician.reset_password_by_sms", "physician", physician.id, using_db=conn)
    await sessions.end_all_sessions(sessions.physician_subject(physician.id))
    await login_guard.clear_account("physician", number, target=("physician", physician.id), reason="reset_by_sms")
