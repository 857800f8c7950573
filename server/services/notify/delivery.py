"""Sending one outbox message on its channel (SPEC §7); the dispatcher (dispatch.py) calls ``send``.

Channels:
- ``wechat_subscribe``: 订阅消息 to a physician (POST /cgi-bin/message/subscribe/send, mini-program
  token) to the physician's mini-program openid, looked up at send time;
- ``wechat_template``: 公众号模板消息 to an administrator (POST /cgi-bin/message/template/send,
  official-account token) to the staff account's bound openid (see wechat_binding.py);
- ``sms``: through the SMS gateway: SMS_PROVIDER's (Tencent Cloud or Alibaba Cloud,
  sms_providers.py) or the log-only default, which logs the masked phone. A verification code goes to the phone it was issued for (``address``); a notification
  to the physician's phone as it is at send time;
- ``inbox``: a 站内消息 row (notify.py usually writes those directly).

A sender returns the address it delivered to, or raises ``Refused`` (definitive: the user refused,
invalid openid, nothing configured, no phone — never retried) or ``Retryable`` (network, timeout,
5xx, WeChat busy, rate limit...). Reasons are Chinese text behind a stable code, e.g.
``[wechat_43101] 用户拒收该订阅消息``; they never carry the payload, a phone number or an openid.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

from server.config import Settings
from server.models import AccountStatus, InboxMessage, OutboxMessage, Physician, StaffAccount
from server.security import mask_phone
from server.services.notify import sms_providers
from server.services.notify.sms import CODE_TEMPLATE, SmsDeliveryError, SmsSender
from server.services.platform.runtime import rt
from server.wechat import InvalidCredentials, TokenExpired, WeChatError, wechat

log = logging.getLogger("server.delivery")

SUBSCRIBE_PATH = "/cgi-bin/message/subscribe/send"
TEMPLATE_PATH = "/cgi-bin/message/template/send"
_CHINA = timezone(timedelta(hours=8))
_DEFAULT_DATA = {"thing1": "{title}", "thing2": "{body}"}
# WeChat's length limits per data key kind (longer values are refused with 47003)
_LIMITS = {"thing": 20, "phrase": 5, "name": 10, "character_string": 32, "number": 32, "letter": 32,
           "symbol": 5, "car_number": 8, "phone_number": 17}
_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")

# errcodes worth a Chinese explanation in last_error
WECHAT_REASONS: dict[int, str] = {
    -2: "微信接口不可用（网络错误、超时或HTTP错误）",
    -1: "微信系统繁忙",
    40001: "access_token 无效",
    42001: "access_token 已过期",
    40003: "openid 无效",
    40037: "模板ID无效",
    41030: "page 路径不正确",
    43004: "用户未关注公众号",
    43101: "用户拒收该订阅消息（未订阅或次数已用完）",
    43116: "该模板因滥用已被限制下发",
    45009: "接口调用已达今日上限",
    45011: "接口调用过于频繁",
    47001: "消息数据格式错误",
    47003: "模板参数不正确",
}


class DeliveryError(Exception):
    """Delivery of one message failed; ``reason`` goes into OutboxMessage.last_error."""

    retryable = False

    def __init__(self, code: str, message: str, *, address: str | None = None) -> None:
        self.code = code
        self.message = message
        self.address = address  # where it was tried (recorded on the message; masked in 通知记录)
        super().__init__(self.reason)

    @property
    def reason(self) -> str:
        return f"[{self.code}] {self.message}"


class Refused(DeliveryError):
    """Definitive: recorded as failed, never retried."""


class Retryable(DeliveryError):
    """Try again later (with backoff), until the attempts run out."""

    retryable = True


# --- SMS delivery gateway ----------------------------------------------------------------
class LoggingSmsGateway:
    """The default delivery when no SMS gateway is configured: logs the masked phone and the
    template only (never the text, never a code). Production sets a real gateway adapter
    with ``set_sms_gateway`` (same interface as ``server.services.notify.sms.SmsSender``)."""

    async def send(self, phone: str, template: str, params: dict[str, Any], *, recipient_id: int | None = None) -> None:
        log.info("sms delivered (log-only gateway) template=%s phone=%s", template, mask_phone(phone))
        if template == "verify_code" and _demo_mode():
            # The embedded demo has no SMS provider: show the code on the console so a
            # demo physician can finish the first-login phone binding. Never in test/production.
            print(f"【演示环境短信】{mask_phone(phone)} 验证码 {params.get('code')}", flush=True)


def _demo_mode() -> bool:
    settings = rt().settings
    return settings.ENV == "development" and settings.is_embedded


# The SMS gateway of this process: set by tests (a recorder) through set_sms_gateway; otherwise the
# provider of SMS_PROVIDER (sms_providers.py), built once per settings object, or the log-only one.
_gateway: SmsSender | None = None
_configured: tuple[Settings, SmsSender] | None = None


def sms_gateway() -> SmsSender:
    global _configured
    if _gateway is not None:
        return _gateway
    settings = rt().settings
    if _configured is None or _configured[0] is not settings:
        _configured = (settings, sms_providers.provider_gateway(settings) or LoggingSmsGateway())
    return _configured[1]


def set_sms_gateway(gateway: SmsSender | None) -> None:
    """Deliver SMS through this adapter (a recorder in tests); None: back to SMS_PROVIDER's."""
    global _gateway
    _gateway = gateway


# --- templates ----------------------------------------------------------------------------
@lru_cache(maxsize=8)
def _parse_templates(raw: str) -> dict[str, dict[str, Any]]:
    if not raw.strip():
        return {}
    out: dict[str, dict[str, Any]] = {}
    for name, value in json.loads(raw).items():
        out[name] = {"template_id": value, "data": _DEFAULT_DATA} if isinstance(value, str) else dict(value)
    return out


def template_for(raw: str, name: str) -> dict[str, Any] | None:
    """The configured template of ``name`` (or the "*" catch-all), if any."""
    table = _parse_templates(raw)
    entry = table.get(name) or table.get("*")
    return entry if entry and entry.get("template_id") else None


def _fit(key: str, value: str) -> str:
    kind = key.rstrip("0123456789")
    limit = _LIMITS.get(kind)
    if limit and len(value) > limit:
        return value[: limit - 1] + "…" if kind == "thing" else value[:limit]
    return value


def render_data(spec: dict[str, str], payload: dict[str, Any], *, now: datetime | None = None) -> dict[str, Any]:
    """{"thing1": "{title}"} + payload → {"thing1": {"value": "..."}}; {time} and {date} are now
    (China time). Unknown placeholders become empty; values are cut to WeChat's limits."""
    moment = (now or datetime.now(UTC)).astimezone(_CHINA)
    values = {"time": moment.strftime("%Y-%m-%d %H:%M"), "date": moment.strftime("%Y-%m-%d"), **payload}

    def value_of(m: re.Match[str]) -> str:
        v = values.get(m.group(1))
        return "" if v is None else str(v)

    return {key: {"value": _fit(key, _PLACEHOLDER.sub(value_of, str(tpl)))} for key, tpl in spec.items()}


def from_wechat(exc: WeChatError) -> DeliveryError:
    """A typed WeChat error as a delivery outcome: retry what may pass later, refuse the rest."""
    text = WECHAT_REASONS.get(exc.errcode, "微信拒绝发送")
    detail = (exc.errmsg or "")[:160]
    code = f"wechat_{exc.errcode}" if exc.errcode != -2 else "wechat_unavailable" if exc.retryable else "wechat_http"
    message = f"{text}（{detail}）" if detail else text
    # a refused token (after the client's one refresh) or credentials an operator can fix: retry
    if exc.retryable or isinstance(exc, TokenExpired | InvalidCredentials):
        return Retryable(code, message)
    return Refused(code, message)


# --- senders ------------------------------------------------------------------------------
async def _wechat_send(app: str, path: str, body: dict[str, Any]) -> None:
    try:
        await wechat().call("POST", path, json=body, app=app)  # type: ignore[arg-type]
    except WeChatError as exc:
        raise from_wechat(exc) from None


@dataclass(frozen=True)
class _WeChatChannel:
    """What differs between a subscribe message (mini-program) and a template message (official account)."""

    app: str
    path: str
    credentials: tuple[str, str]  # the settings that must be set
    templates: str  # the setting with the template map
    not_configured: str
    no_template: str  # with {} for the template name
    optional: tuple[str, ...]  # template keys copied into the body when set


_SUBSCRIBE = _WeChatChannel("mp", SUBSCRIBE_PATH, ("WECHAT_MP_APPID", "WECHAT_MP_SECRET"), "WECHAT_SUBSCRIBE_TEMPLATES",
                            "未配置微信小程序 AppID/AppSecret", "未配置订阅消息模板：{}", ("page", "miniprogram_state"))
_TEMPLATE = _WeChatChannel("oa", TEMPLATE_PATH, ("WECHAT_OA_APPID", "WECHAT_OA_SECRET"), "WECHAT_OA_TEMPLATES",
                           "未配置公众号 AppID/AppSecret", "未配置公众号模板消息：{}", ("url",))


def _template(channel: _WeChatChannel, msg: OutboxMessage) -> dict[str, Any]:
    """The message's configured template; refused (not retried) when WeChat or the template is not set up."""
    s = rt().settings
    if not all(getattr(s, name) for name in channel.credentials):
        raise Refused("wechat_not_configured", channel.not_configured)
    tpl = template_for(getattr(s, channel.templates), msg.template)
    if tpl is None:
        raise Refused("template_not_configured", channel.no_template.format(msg.template))
    return tpl


async def _send_wechat(channel: _WeChatChannel, msg: OutboxMessage, tpl: dict[str, Any], openid: str,
                       **extra: Any) -> str:
    body: dict[str, Any] = {
        "touser": openid,
        "template_id": tpl["template_id"],
        "data": render_data(tpl.get("data") or _DEFAULT_DATA, msg.payload or {}),
        **extra,
    }
    for key in channel.optional:
        if tpl.get(key):
            body[key] = str(tpl[key])
    await _wechat_send(channel.app, channel.path, body)
    return openid


async def send_subscribe(msg: OutboxMessage) -> str:
    """订阅消息 to the physician's mini-program openid."""
    tpl = _template(_SUBSCRIBE, msg)
    physician = await Physician.get_or_none(id=msg.recipient_id) if msg.recipient_id else None
    if physician is None:
        raise Refused("recipient_missing", "医师不存在")
    if not physician.wechat_openid:
        raise Refused("no_openid", "医师未通过小程序登录，无 openid")
    return await _send_wechat(_SUBSCRIBE, msg, tpl, physician.wechat_openid, lang="zh_CN")


async def send_template(msg: OutboxMessage) -> str:
    """公众号模板消息 to the staff account's bound official-account openid."""
    tpl = _template(_TEMPLATE, msg)
    account = await StaffAccount.get_or_none(id=msg.recipient_id) if msg.recipient_id else None
    if account is None or account.status == AccountStatus.CANCELLED:
        raise Refused("recipient_missing", "机构账号不存在或已注销")
    if not account.wechat_openid:
        raise Refused("not_bound", "机构账号未绑定公众号微信")
    extra = {"miniprogram": tpl["miniprogram"]} if isinstance(tpl.get("miniprogram"), dict) else {}
    return await _send_wechat(_TEMPLATE, msg, tpl, account.wechat_openid, **extra)


async def send_sms(msg: OutboxMessage) -> str:
    """A text message through the gateway: a code to its phone, a notification to the physician's."""
    payload = dict(msg.payload or {})
    if msg.template == CODE_TEMPLATE:
        if not payload.get("code"):
            raise Refused("sms_code_missing", "验证码已清除，不再发送")
        issued = msg.created_at or datetime.now(UTC)
        if datetime.now(UTC) - issued > timedelta(seconds=rt().settings.SMS_CODE_TTL_SECONDS):
            raise Refused("sms_code_expired", "验证码已过期，不再发送")
    phone = msg.address  # a code: the phone it was issued for
    if not phone and msg.recipient_type == "physician" and msg.recipient_id:
        physician = await Physician.get_or_none(id=msg.recipient_id)
        phone = physician.phone if physician else None
    if not phone:
        raise Refused("no_phone", "没有可用的手机号")
    try:
        await sms_gateway().send(phone, msg.template, payload, recipient_id=msg.recipient_id)
    except SmsDeliveryError as exc:  # recorded on the message: the provider's code and text, never the phone
        cls = Retryable if exc.retryable else Refused
        raise cls(exc.code, f"{exc.label}：{exc.message[:160]}", address=phone) from None
    return phone


async def send_inbox(msg: OutboxMessage) -> str | None:
    """站内消息 queued through the outbox (notify.py normally writes them directly)."""
    if msg.recipient_type != "physician" or not msg.recipient_id:
        raise Refused("recipient_missing", "站内消息只能发给医师")
    if not await Physician.filter(id=msg.recipient_id).exists():
        raise Refused("recipient_missing", "医师不存在")
    p = msg.payload or {}
    await InboxMessage.create(physician_id=msg.recipient_id, template=msg.template,
                              title=str(p.get("title") or "")[:128], body=str(p.get("body") or ""),
                              data={k: v for k, v in p.items() if k not in ("title", "body")})
    return None


SENDERS = {
    "wechat_subscribe": send_subscribe,
    "wechat_template": send_template,
    "sms": send_sms,
    "inbox": send_inbox,
}


async def send(msg: OutboxMessage) -> str | None:
    """Deliver one message on its channel; returns the address used (or raises DeliveryError)."""
    sender = SENDERS.get(msg.channel)
    if sender is None:
        raise Refused("unknown_channel", f"未知的发送渠道：{msg.channel}")
    return await sender(msg)
