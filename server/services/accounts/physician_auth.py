"""Physician authentication in the mini-program (SPEC §2).

- 证件号码 + 密码; the initial password follows the province's rule of its current
  cycle (666666, or the last six characters of the ID number with an upper-case X);
  lockout after repeated wrong passwords (shared with staff); holding-area physicians
  are refused.
- 初始化设置: a forced password change and phone binding with an SMS code; until both
  are done the session only reaches the set-up endpoints (``require(..., setup=True)``).
- WeChat: a ``wx.login`` code sent with a successful password login binds the openid
  (jscode2session); later launches log in with a code alone.
Never logs ID numbers, phone numbers or codes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from server.errors import Conflict, Forbidden, Unauthorized, UpstreamError, ValidationFailed
from server.models import Cycle, HoldingReason, PasswordRule, Physician, RegistryStatus
from server.models.geo import province_id_of_path
from server.schemas.common import Labelled, Ref
from server.schemas.mp_auth import ForgotCodeSent, PhysicianProfile, ProfileSetup
from server.security import (
    hash_password,
    id_number_problem,
    initial_physician_password,
    mask_phone,
    normalise_id_number,
    password_problem,
    phone_problem,
    verify_login_password,
)
from server.services import audit
from server.services.access import Actor, Role
from server.services.accounts import login_guard, rate_limits, sessions
from server.services.accounts import sms_codes as sms
from server.services.accounts.passwords import change_password
from server.services.accounts.staff_auth import register_success
from server.services.platform.runtime import rt
from server.wechat import InvalidCode, WeChatError, WeChatUnavailable, wechat
from server.wechat import RateLimited as WeChatRateLimited

log = logging.getLogger("server.physician_auth")

BAD_CREDENTIALS = "证件号码或密码错误"
SMS_PURPOSE = "bind_phone"


@dataclass
class PhysicianLoginResult:
    token: str
    physician_id: int
    must_change_password: bool
    needs_phone: bool
    wechat_bound: bool

    @property
    def setup_required(self) -> bool:
        return self.must_change_password or self.needs_phone


# --- initial password ----------------------------------------------------------------
async def password_rule_of(physician: Physician) -> PasswordRule:
    """The rule of the current cycle of the physician's province (phone_code when none)."""
    province_id = province_id_of_path(physician.region_path)
    if province_id is None:
        return PasswordRule.PHONE_CODE
    cycle = await Cycle.filter(province_id=province_id, is_current=True).order_by("-start_date", "-id").first()
    return cycle.physician_password_rule if cycle else PasswordRule.PHONE_CODE


async def initial_password_of(physician: Physician) -> str | None:
    """The guessable initial password of the province's rule; None under phone_code (no password
    opens a never-used account: the first login is an SMS code to the registry's phone) and under
    initial_password (the institution hands each physician a random one: issue_initial_password)."""
    rule = await password_rule_of(physician)
    if rule in (PasswordRule.PHONE_CODE, PasswordRule.INITIAL_PASSWORD):
        return None
    return initial_physician_password(physician.id_number, rule.value)


def _setup_needs_registry_phone(physician: Physician) -> bool:
    """A session opened with a guessable initial password (666666, ID number digits) for a physician
    whose registry holds a phone: the set-up must prove that phone first (an SMS code to it), so a
    sprayer who guessed the password cannot set a password or bind another phone."""
    return physician.password_hash is None and bool(physician.phone) and not physician.phone_verified


def _needs_password_change(physician: Physician) -> bool:
    return physician.must_change_password or physician.password_hash is None


def _physician_actor(physician: Physician, *, token: str = "", ip: str | None = None) -> Actor:
    return Actor(kind="physician", role=Role.PHYSICIAN, token=token, physician_id=physician.id,
                 org_id=physician.institution_id, region_path=physician.region_path, ip=ip)


def _refuse_inactive(physician: Physician) -> None:
    if physician.registry_status == RegistryStatus.PENDING:
        raise Forbidden("注册信息待执业机构审核，审核通过后方可登录", code="registration_pending")
    if physician.registry_status == RegistryStatus.HOLDING and \
            physician.holding_reason == HoldingReason.REGISTRATION_REJECTED:
        raise Forbidden("注册审核未通过，请选择正确的执业机构后重新提交注册信息", code="registration_rejected")
    if physician.registry_status == RegistryStatus.HOLDING:
        raise Forbidden("您的执业信息已调入暂存区，无法登录定考系统，如有疑问请联系所在卫生机构",
                        code="physician_in_holding")


def physician_session_data(physician: Physician, *, ip: str | None = None) -> sessions.SessionData:
    """What a physician's session carries (the guard reads the set-up flags from it)."""
    return {
        "kind": "physician",
        "role": Role.PHYSICIAN.value,
        "physician_id": physician.id,
        "org_id": physician.institution_id,
        "region_path": physician.region_path,
        "must_change_password": _needs_password_change(physician),
        "needs_phone": not physician.phone_verified,
        "ip": ip,
    }


async def _open_session(physician: Physician, *, ip: str | None) -> PhysicianLoginResult:
    await register_success(physician)
    data = physician_session_data(physician, ip=ip)
    token = await sessions.create_session(sessions.physician_subject(physician.id), data)
    must_change, needs_phone = data["must_change_password"], data["needs_phone"]
    log.info("physician %s logged in (setup pending: %s)", physician.id, must_change or needs_phone)
    return PhysicianLoginResult(token=token, physician_id=physician.id, must_change_password=must_change,
                                needs_phone=needs_phone, wechat_bound=bool(physician.wechat_openid))


# --- WeChat ------------------------------------------------------------------------------
async def _openid_for(code: str) -> str:
    """jscode2session, with WeChat's failures turned into the domain's errors."""
    try:
        return (await wechat().code2session(code)).openid
    except InvalidCode:
        raise Unauthorized("微信登录凭证无效或已过期，请重新进入小程序", code="wechat_code_invalid") from None
    except (WeChatUnavailable, WeChatRateLimited):
        raise UpstreamError("微信服务暂时不可用，请稍后再试") from None
    except WeChatError as exc:
        log.error("jscode2session refused: errcode=%s errmsg=%s", exc.errcode, exc.errmsg[:120])
        raise UpstreamError("微信服务暂时不可用，请稍后再试") from None


async def _bind_openid(physician: Physician, openid: str, *, ip: str | None) -> None:
    if physician.wechat_openid == openid:
        return
    conflict = "该微信已绑定其他医师的定考账户，请使用原账户登录或先在原账户中解除绑定"
    if await Physician.filter(wechat_openid=openid).exclude(id=physician.id).exists():
        raise Conflict(conflict, code="wechat_bound_elsewhere")
    try:
        async with in_transaction() as conn:
            await Physician.filter(id=physician.id).using_db(conn).update(wechat_openid=openid)
            await audit.record(_physician_actor(physician, ip=ip), "physician.bind_wechat", "physician",
                               physician.id, before={"wechat_bound": bool(physician.wechat_openid)},
                               after={"wechat_bound": True}, using_db=conn)
    except IntegrityError:  # bound elsewhere by a concurrent login
        raise Conflict(conflict, code="wechat_bound_elsewhere") from None
    physician.wechat_openid = openid


# --- login ----------------------------------------------------------------------------------
async def login_physician(
    *, id_number: str, password: str, code: str | None = None, ip: str | None = None,
    captcha_id: str | None = None, captcha_answer: str | None = None,
) -> PhysicianLoginResult:
    """证件号码 + 密码. With ``code`` (wx.login), the WeChat identity is bound on success. Rate limits,
    the (account, source) lock and — after failures — a captcha come first (login_guard); unknown ID
    numbers, wrong passwords and never-used accounts are answered alike after the same work."""
    problem = id_number_problem(id_number)
    if problem:
        raise ValidationFailed(problem, code="invalid_id_number")
    number = normalise_id_number(id_number)
    attempt = login_guard.Attempt("physician", number, ip)
    await login_guard.before(attempt, captcha_id=captcha_id, captcha_answer=captcha_answer)
    physician = await Physician.get_or_none(id_number=number)
    target = ("physician", physician.id) if physician else None
    await login_guard.note_unlock_if_expired(attempt, target=target)
    initial = await initial_password_of(physician) if physician is not None and physician.password_hash is None \
        else None
    if not await verify_login_password(physician.password_hash if physician else None, password or "",
                                       initial=initial):
        await login_guard.failed(attempt, target=target)
        raise Unauthorized(BAD_CREDENTIALS, code="bad_credentials")
    assert physician is not None
    if physician.password_hash is None:  # a guessable initial password: few such sessions per source
        await rate_limits.take("login_first_ip", ip)
    await login_guard.succeeded(attempt)
    _refuse_inactive(physician)
    if code:
        await _bind_openid(physician, await _openid_for(code), ip=ip)
    return await _open_session(physician, ip=ip)


# --- per-physician initial passwords (rule initial_password) ----------------------------------------
_INITIAL_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789"


def new_initial_password() -> str:
    """Ten random characters, letters and digits (no look-alikes), at least one of each."""
    import secrets

    while True:
        value = "".join(secrets.choice(_INITIAL_ALPHABET) for _ in range(10))
        if any(c.isdigit() for c in value) and any(c.isalpha() for c in value):
            return value


async def issued_initial_password(physician: Physician) -> tuple[str | None, str | None]:
    """What 重置密码 sets under the province's rule: (password to hand out, its hash), or (None, None)
    (back to no password: the rule's own first login)."""
    if await password_rule_of(physician) != PasswordRule.INITIAL_PASSWORD:
        return None, None
    value = new_initial_password()
    return value, await hash_password(value)


# --- first login by an SMS code to the registry's phone (rule phone_code) --------------------------
FIRST_LOGIN_PURPOSE = "first_login"
FIRST_SENT = "如该证件号码尚未登录过且已登记手机，验证码已发送至登记的手机，请注意查收"
FIRST_REFUSED = "证件号码或验证码错误，或验证码已失效"


def _first_subject(number: str) -> str:
    return "first:" + rate_limits.tag("first", number)


async def _first_login_candidate(number: str) -> Physician | None:
    physician = await Physician.get_or_none(id_number=number)
    if physician is None or physician.password_hash is not None or not physician.phone:
        return None
    if physician.registry_status != RegistryStatus.ACTIVE:
        return None
    return physician


async def request_first_login_code(*, id_number: str, ip: str | None = None) -> ForgotCodeSent:
    """首次登录 → 获取验证码: sent to the phone on the registry of a never-used account; the same
    answer whether or not the ID number exists, has a phone or logged in before."""
    problem = id_number_problem(id_number)
    if problem:
        raise ValidationFailed(problem, code="invalid_id_number")
    number = normalise_id_number(id_number)
    subject = _first_subject(number)
    await rate_limits.take("code_send_account", subject)
    physician = await _first_login_candidate(number)
    s = rt().settings
    if physician is not None:
        await sms.issue_code(purpose=FIRST_LOGIN_PURPOSE, subject=subject, phone=physician.phone,
                             recipient_id=physician.id, ip=ip)
    else:
        await sms.take_request_slot(subject, s.SMS_MIN_INTERVAL_SECONDS, ip=ip)
    return ForgotCodeSent(message=FIRST_SENT, expires_in=s.SMS_CODE_TTL_SECONDS,
                          resend_after=s.SMS_MIN_INTERVAL_SECONDS)


async def login_first_time(*, id_number: str, sms_code: str, code: str | None = None,
                           ip: str | None = None) -> PhysicianLoginResult:
    """首次登录 with the code sent to the registry's phone: the phone counts as bound (verified), the
    session still has to set a password (no old one asked: the code proved the account)."""
    problem = id_number_problem(id_number)
    if problem:
        raise ValidationFailed(problem, code="invalid_id_number")
    number = normalise_id_number(id_number)
    subject = _first_subject(number)
    await rate_limits.take("code_ip", ip)
    await rate_limits.take("code_account", subject)
    physician = await _first_login_candidate(number)
    if physician is None:
        raise ValidationFailed(FIRST_REFUSED, code="first_login_refused")
    try:
        await sms.check_code(purpose=FIRST_LOGIN_PURPOSE, subject=subject, phone=physician.phone, code=sms_code)
    except ValidationFailed as exc:
        message = FIRST_REFUSED if exc.code == "sms_code_expired" else exc.message
        raise ValidationFailed(message, code="first_login_refused") from None
    _refuse_inactive(physician)
    async with in_transaction() as conn:
        await Physician.filter(id=physician.id).using_db(conn).update(phone_verified=True, must_change_password=True)
        await audit.record(_physician_actor(physician, ip=ip), "physician.first_login_by_sms", "physician",
                           physician.id, after={"phone": mask_phone(physician.phone), "phone_verified": True},
                           using_db=conn)
    physician.phone_verified = True
    if code:
        await _bind_openid(physician, await _openid_for(code), ip=ip)
    result = await _open_session(physician, ip=ip)
    await sessions.update_session(result.token, setup_proof="phone_code")
    return result


async def login_physician_wechat(*, code: str, ip: str | None = None) -> PhysicianLoginResult:
    """Later launches: the wx.login code alone, for a physician who bound this WeChat."""
    await rate_limits.take("login_ip", ip)
    openid = await _openid_for(code)
    physician = await Physician.get_or_none(wechat_openid=openid)
    if physician is None:
        raise Unauthorized("该微信尚未绑定定考账户，请先使用证件号码和密码登录", code="wechat_not_bound")
    _refuse_inactive(physician)
    return await _open_session(physician, ip=ip)


async def logout(*, actor: Actor) -> None:
    await sessions.end_session(actor.token)


# --- 初始化设置 / 安全设置 ----------------------------------------------------------------------
async def _me(actor: Actor) -> Physician:
    physician = await Physician.get_or_none(id=actor.physician_id)
    if physician is None:
        await sessions.end_session(actor.token)
        raise Unauthorized("登录已失效，请重新登录", code="unauthorized")
    return physician


async def change_physician_password(*, actor: Actor, old_password: str, new_password: str) -> None:
    """修改密码: the old one (or the initial one) must match; the new one must be strong and
    differ from the initial password. Other sessions of the physician end."""
    physician = await _me(actor)
    initial = await initial_password_of(physician)
    if physician.password_hash is None:
        if _setup_needs_registry_phone(physician):
            raise Forbidden("请先验证执业注册登记的手机号（获取验证码并绑定），再设置密码", code="verify_registry_phone_first")
        if initial is None:  # phone_code: only a session opened by the code sets the first password
            data = await sessions.load_session(actor.token) or {}
            if data.get("setup_proof") != "phone_code":
                raise Forbidden("请使用登记手机的验证码完成首次登录", code="first_login_by_sms")
            await set_first_password(actor=actor, physician=physician, new_password=new_password)
            return
    await change_password(actor=actor, model=Physician, row_id=physician.id, password_hash=physician.password_hash,
                          initial=initial or "", old_password=old_password, new_password=new_password,
                          audit_action="physician.change_password", audit_entity="physician",
                          subject=sessions.physician_subject(physician.id))


async def set_first_password(*, actor: Actor, physician: Physician, new_password: str) -> None:
    """The first password of an account opened by the registry phone's code (rule phone_code)."""
    problem = password_problem(new_password, initial="")
    if problem:
        raise ValidationFailed(problem, code="weak_password")
    new_hash = await hash_password(new_password)
    async with in_transaction() as conn:
        updated = await Physician.filter(id=physician.id, password_hash=None).using_db(conn).update(
            password_hash=new_hash, must_change_password=False)
        if not updated:
            raise Conflict("密码已设置，请重新登录", code="password_already_set")
        await audit.record(actor, "physician.change_password", "physician", physician.id, using_db=conn)
    await sessions.end_all_sessions(sessions.physician_subject(physician.id), keep=actor.token)
    await sessions.update_session(actor.token, must_change_password=False, setup_proof=None)


def _check_setup_phone(physician: Physician, phone: str) -> None:
    if _setup_needs_registry_phone(physician) and phone != physician.phone:
        raise ValidationFailed("初次设置须验证执业注册登记的手机号；如已更换，请联系所在机构更新后再试",
                               code="registry_phone_required")


async def send_phone_code(*, actor: Actor, phone: str) -> sms.CodeIssued:
    """获取验证码 for phone binding (rate-limited per phone and per physician)."""
    physician = await _me(actor)
    phone = (phone or "").strip()
    _check_setup_phone(physician, phone)
    return await sms.issue_code(purpose=SMS_PURPOSE, subject=sessions.physician_subject(physician.id),
                                phone=phone, recipient_id=physician.id, ip=actor.ip)


async def bind_phone(*, actor: Actor, phone: str, sms_code: str) -> None:
    """绑定手机: the code sent to this phone for this physician, single use."""
    physician = await _me(actor)
    phone = (phone or "").strip()
    problem = phone_problem(phone)
    if problem:
        raise ValidationFailed(problem, code="invalid_phone")
    _check_setup_phone(physician, phone)
    await rate_limits.take("code_ip", actor.ip)
    await rate_limits.take("code_account", sessions.physician_subject(physician.id))
    await sms.check_code(purpose=SMS_PURPOSE, subject=sessions.physician_subject(physician.id),
                         phone=phone, code=sms_code)
    async with in_transaction() as conn:
        await Physician.filter(id=physician.id).using_db(conn).update(phone=phone, phone_verified=True)
        await audit.record(actor, "physician.bind_phone", "physician", physician.id,
                           before={"phone": mask_phone(physician.phone), "phone_verified": physician.phone_verified},
                           after={"phone": mask_phone(phone), "phone_verified": True}, using_db=conn)
    await sessions.update_session(actor.token, needs_phone=False)


async def unbind_wechat(*, actor: Actor) -> None:
    """解除微信绑定: the next launch asks for the ID number and password again."""
    physician = await _me(actor)
    if not physician.wechat_openid:
        return
    async with in_transaction() as conn:
        await Physician.filter(id=physician.id).using_db(conn).update(wechat_openid=None)
        await audit.record(actor, "physician.unbind_wechat", "physician", physician.id,
                           before={"wechat_bound": True}, after={"wechat_bound": False}, using_db=conn)


async def physician_profile(*, actor: Actor) -> PhysicianProfile:
    """个人信息: the physician's own data (in full: it is theirs) and the set-up flags."""
    physician = await _me(actor)
    await physician.fetch_related("institution", "department")
    inst, dept = physician.institution, physician.department
    must_change = actor.must_change_password and _needs_password_change(physician)
    needs_phone = actor.needs_phone and not physician.phone_verified
    if (must_change, needs_phone) != (actor.must_change_password, actor.needs_phone):
        # finished from another device meanwhile: this session follows
        await sessions.update_session(actor.token, must_change_password=must_change, needs_phone=needs_phone)
    return PhysicianProfile(
        id=physician.id,
        name=physician.name,
        id_number=physician.id_number,
        gender=physician.gender,
        birth_date=physician.birth_date,
        phone=physician.phone,
        phone_verified=physician.phone_verified,
        qualification_cert_no=physician.qualification_cert_no,
        practice_cert_no=physician.practice_cert_no,
        level=Labelled.of(physician.level),
        category=Labelled.of(physician.category),
        practice_scope=physician.practice_scope,
        institution=Ref(id=inst.id, name=inst.name) if inst else None,
        department=Ref(id=dept.id, name=dept.name) if dept else None,
        registry_status=Labelled.of(physician.registry_status),
        wechat_bound=bool(physician.wechat_openid),
        setup=ProfileSetup(must_change_password=must_change, needs_phone=needs_phone,
                           required=must_change or needs_phone),
    )
