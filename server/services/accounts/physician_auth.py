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
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from server.errors import Conflict, Forbidden, Unauthorized, UpstreamError, ValidationFailed
from server.models import Cycle, HoldingReason, PasswordRule, Physician, RegistryStatus
from server.models.geo import province_id_of_path
from server.security import (
    id_number_problem,
    initial_physician_password,
    mask_phone,
    normalise_id_number,
    phone_problem,
    verify_password,
)
from server.services import audit
from server.services.access import Actor, Role
from server.services.accounts import sessions
from server.services.accounts import sms_codes as sms
from server.services.accounts.passwords import change_password
from server.services.accounts.staff_auth import check_not_locked, register_failure, register_success
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
    """The rule of the current cycle of the physician's province (666666 when none)."""
    province_id = province_id_of_path(physician.region_path)
    if province_id is None:
        return PasswordRule.FIXED
    cycle = await Cycle.filter(province_id=province_id, is_current=True).order_by("-start_date", "-id").first()
    return cycle.physician_password_rule if cycle else PasswordRule.FIXED


async def initial_password_of(physician: Physician) -> str:
    return initial_physician_password(physician.id_number, (await password_rule_of(physician)).value)


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


def physician_session_data(physician: Physician, *, ip: str | None = None) -> dict[str, Any]:
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
    *, id_number: str, password: str, code: str | None = None, ip: str | None = None
) -> PhysicianLoginResult:
    """证件号码 + 密码. With ``code`` (wx.login), the WeChat identity is bound on success."""
    problem = id_number_problem(id_number)
    if problem:
        raise ValidationFailed(problem, code="invalid_id_number")
    physician = await Physician.get_or_none(id_number=normalise_id_number(id_number))
    if physician is None:
        raise Unauthorized(BAD_CREDENTIALS, code="bad_credentials")
    await check_not_locked(physician)
    initial = await initial_password_of(physician) if physician.password_hash is None else ""
    if not await verify_password(physician.password_hash, password or "", initial=initial):
        await register_failure(physician)
        raise Unauthorized(BAD_CREDENTIALS, code="bad_credentials")
    _refuse_inactive(physician)
    if code:
        await _bind_openid(physician, await _openid_for(code), ip=ip)
    return await _open_session(physician, ip=ip)


async def login_physician_wechat(*, code: str, ip: str | None = None) -> PhysicianLoginResult:
    """Later launches: the wx.login code alone, for a physician who bound this WeChat."""
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
    await change_password(actor=actor, model=Physician, row_id=physician.id, password_hash=physician.password_hash,
                          initial=initial, old_password=old_password, new_password=new_password,
                          audit_action="physician.change_password", audit_entity="physician",
                          subject=sessions.physician_subject(physician.id))


async def send_phone_code(*, actor: Actor, phone: str) -> sms.CodeIssued:
    """获取验证码 for phone binding (rate-limited per phone and per physician)."""
    physician = await _me(actor)
    phone = (phone or "").strip()
    return await sms.issue_code(purpose=SMS_PURPOSE, subject=sessions.physician_subject(physician.id),
                                phone=phone, recipient_id=physician.id, ip=actor.ip)


async def bind_phone(*, actor: Actor, phone: str, sms_code: str) -> None:
    """绑定手机: the code sent to this phone for this physician, single use."""
    physician = await _me(actor)
    phone = (phone or "").strip()
    problem = phone_problem(phone)
    if problem:
        raise ValidationFailed(problem, code="invalid_phone")
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


def _enum(value: Any) -> dict[str, str] | None:
    return {"value": value.value, "label": value.label} if value is not None else None


async def physician_profile(*, actor: Actor) -> dict[str, Any]:
    """个人信息: the physician's own data (in full: it is theirs) and the set-up flags."""
    physician = await _me(actor)
    await physician.fetch_related("institution", "department")
    inst, dept = physician.institution, physician.department
    must_change = actor.must_change_password and _needs_password_change(physician)
    needs_phone = actor.needs_phone and not physician.phone_verified
    if (must_change, needs_phone) != (actor.must_change_password, actor.needs_phone):
        # finished from another device meanwhile: this session follows
        await sessions.update_session(actor.token, must_change_password=must_change, needs_phone=needs_phone)
    return {
        "id": physician.id,
        "name": physician.name,
        "id_number": physician.id_number,
        "gender": physician.gender,
        "birth_date": physician.birth_date,
        "phone": physician.phone,
        "phone_verified": physician.phone_verified,
        "qualification_cert_no": physician.qualification_cert_no,
        "practice_cert_no": physician.practice_cert_no,
        "level": _enum(physician.level),
        "category": _enum(physician.category),
        "practice_scope": physician.practice_scope,
        "institution": {"id": inst.id, "name": inst.name} if inst else None,
        "department": {"id": dept.id, "name": dept.name} if dept else None,
        "registry_status": _enum(physician.registry_status),
        "wechat_bound": bool(physician.wechat_openid),
        "setup": {"must_change_password": must_change, "needs_phone": needs_phone,
                  "required": must_change or needs_phone},
    }
