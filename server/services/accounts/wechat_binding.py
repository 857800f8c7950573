"""绑定微信: an administrator binds the official account's WeChat to their console account, to
receive template messages (SPEC §7: pending-review reminders, re-exam lists, proctoring alerts,
finished exports).

1. Console: ``create_binding_qrcode`` makes a fresh single-use token (kept in Redis under its
   hash for WECHAT_BINDING_QR_SECONDS; the account's previous unused code stops working) and a
   temporary parametric QR code of the official account (qrcode/create, QR_STR_SCENE, scene
   ``bind_<token>``).
2. The administrator scans it with WeChat. The official account pushes a ``subscribe`` event
   (EventKey ``qrscene_bind_<token>``, when not following yet) or a ``SCAN`` event
   (``bind_<token>``) to /api/v1/wechat/callback (checked and decrypted by server/wechat/callback.py).
3. ``handle_callback`` consumes the token (GETDEL: single use, expired = gone), binds the sender's
   openid (FromUserName) to the account and replies 绑定成功 (encrypted).

An openid already bound to ANOTHER account is refused — the reply says to unbind it there first —
so that one WeChat receives one account's messages and no account's notifications are silently
taken over. Binding an account that already has a WeChat replaces it. Binds and unbinds are audited
(openids masked). WeChat re-sends an event it got no answer for: the same event gets the same reply.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from typing import Any
from urllib.parse import quote

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from server.errors import RateLimited, UpstreamError
from server.models import AccountStatus, StaffAccount
from server.schemas.wechat_binding import BindingQrcode, BindingStatus
from server.services import audit
from server.services.access import Actor, default_role
from server.services.platform.runtime import rt
from server.wechat import InvalidCredentials, WeChatError, callback, wechat

log = logging.getLogger("server.wechat_binding")

SCENE_PREFIX = "bind_"
QRCODE_PATH = "/cgi-bin/qrcode/create"
SHOW_QRCODE = "https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket="
MAX_QRCODES_PER_HOUR = 30
REPLY_CACHE_SECONDS = 120

EXPIRED = "二维码已失效，请在管理后台重新生成绑定二维码后再扫码。"


def mask_openid(openid: str | None) -> str:
    if not openid:
        return ""
    return openid[:4] + "****" + openid[-4:] if len(openid) > 8 else "****"


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def _token_key(token: str) -> str:
    return f"wechat:bind:{_digest(token)}"


def _current_key(account_id: int) -> str:
    return f"wechat:bind-current:{account_id}"


def _text(value: bytes | str | None) -> str:
    if value is None:
        return ""
    return value.decode() if isinstance(value, bytes) else value


async def _account(actor: Actor) -> StaffAccount:
    return await StaffAccount.get(id=actor.account_id)


async def create_binding_qrcode(*, actor: Actor) -> BindingQrcode:
    """绑定微信 → a temporary QR code for the caller's account: {ticket, url, image_url, expires_in}."""
    s = rt().settings
    if not s.WECHAT_OA_APPID or not s.WECHAT_OA_SECRET:
        raise UpstreamError("未配置微信公众号，暂不能绑定", code="wechat_not_configured")
    account_id = int(actor.account_id or 0)
    redis = rt().redis
    rate_key = f"wechat:bind-rate:{account_id}"
    if await redis.incr(rate_key) == 1:
        await redis.expire(rate_key, 3600)
    if int(await redis.get(rate_key) or 0) > MAX_QRCODES_PER_HOUR:
        raise RateLimited("生成二维码过于频繁，请稍后再试", code="wechat_qrcode_too_frequent")
    ttl = max(60, s.WECHAT_BINDING_QR_SECONDS)
    token = secrets.token_urlsafe(18)
    body = {"expire_seconds": ttl, "action_name": "QR_STR_SCENE",
            "action_info": {"scene": {"scene_str": SCENE_PREFIX + token}}}
    try:
        data = await wechat().call("POST", QRCODE_PATH, json=body, app="oa")
    except InvalidCredentials:
        raise UpstreamError("公众号配置有误，暂不能生成二维码", code="wechat_not_configured") from None
    except WeChatError:
        raise UpstreamError("微信接口暂时不可用，请稍后重试", code="wechat_unavailable") from None
    ticket = str(data.get("ticket") or "")
    if not ticket:
        raise UpstreamError("微信接口暂时不可用，请稍后重试", code="wechat_unavailable")
    expires_in = int(data.get("expire_seconds") or ttl)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.set(_token_key(token), str(account_id).encode(), ex=expires_in)
        pipe.set(_current_key(account_id), _digest(token).encode(), ex=expires_in)
        await pipe.execute()
    await audit.record(actor, "wechat.binding_qrcode", "staff_account", account_id, after={"expires_in": expires_in})
    return BindingQrcode(ticket=ticket, url=data.get("url") or "", image_url=SHOW_QRCODE + quote(ticket, safe=""),
                         expires_in=expires_in)


async def binding_status(*, actor: Actor) -> BindingStatus:
    """Whether the caller's account has bound a WeChat (the console polls this after the QR)."""
    account = await _account(actor)
    pending = bool(await rt().redis.exists(_current_key(account.id)))
    return BindingStatus(bound=bool(account.wechat_openid), openid=mask_openid(account.wechat_openid),
                         qrcode_pending=pending and not account.wechat_openid)


async def unbind(*, actor: Actor) -> BindingStatus:
    """解除绑定: template messages stop; the account may bind again later."""
    async with in_transaction() as conn:
        account = await StaffAccount.filter(id=actor.account_id).select_for_update().using_db(conn).get()
        if account.wechat_openid:
            before = mask_openid(account.wechat_openid)
            account.wechat_openid = None
            await account.save(update_fields=["wechat_openid", "updated_at"], using_db=conn)
            await audit.record(actor, "wechat.unbind", "staff_account", account.id,
                               before={"wechat_openid": before}, after={"wechat_openid": None}, using_db=conn)
    await rt().redis.delete(_current_key(account.id))
    return BindingStatus(bound=False, openid="", qrcode_pending=False)


async def _take_token(token: str) -> int | None:
    """Consume the token: the account id if it was live and the account's latest code."""
    redis = rt().redis
    raw = _text(await redis.getdel(_token_key(token)))
    if not raw.isdigit():
        return None
    account_id = int(raw)
    current = _text(await redis.get(_current_key(account_id)))
    if current != _digest(token):  # a newer code was made since
        return None
    await redis.delete(_current_key(account_id))
    return account_id


async def bind_by_scene(*, openid: str, scene: str) -> str:
    """Bind ``openid`` with the token in ``scene``; the text to reply to the scanner."""
    if not scene.startswith(SCENE_PREFIX) or not openid:
        return EXPIRED
    account_id = await _take_token(scene[len(SCENE_PREFIX):])
    if account_id is None:
        return EXPIRED
    try:
        async with in_transaction() as conn:
            account = await (StaffAccount.filter(id=account_id).select_for_update().using_db(conn)
                             .prefetch_related("org").first())
            if account is None or account.status == AccountStatus.CANCELLED:
                return "机构账号不可用，绑定失败。"
            org = account.org
            if account.wechat_openid == openid:
                return f"本微信已绑定机构账号 {account.code}（{org.name}），无需重复绑定。"
            other = await StaffAccount.filter(wechat_openid=openid).exclude(id=account.id).using_db(conn).first()
            if other is not None:
                return f"本微信已绑定机构账号 {other.code}，请先在该账号中解除绑定后再扫码。"
            before = mask_openid(account.wechat_openid)
            account.wechat_openid = openid
            await account.save(update_fields=["wechat_openid", "updated_at"], using_db=conn)
            actor = Actor(kind="staff", role=default_role(org.kind), token="", account_id=account.id,
                          org_id=org.id, region_id=org.region_id, region_path=org.region_path)
            await audit.record(actor, "wechat.bind", "staff_account", account.id,
                               before={"wechat_openid": before or None},
                               after={"wechat_openid": mask_openid(openid), "via": "qrcode"}, using_db=conn)
    except IntegrityError:  # the same WeChat bound elsewhere at the same moment
        return "本微信已绑定其他机构账号，请先解除绑定后再扫码。"
    log.info("staff account %s bound its WeChat", account_id)
    return f"绑定成功：机构账号 {account.code}（{org.name}）的待审核提醒等消息将发送到本微信。"


def _scene_of(message: Any) -> str | None:
    """The scene of a "scan to follow" or "scan" event (wechatpy strips the qrscene_ prefix)."""
    if getattr(message, "type", "") == "event" and getattr(message, "event", "") in ("subscribe_scan", "scan"):
        return str(getattr(message, "scene_id", "") or "")
    return None


async def handle_callback(*, body: bytes, msg_signature: str, timestamp: str, nonce: str,
                          encrypt_type: str) -> str:
    """A message pushed by the official account: the encrypted XML reply, or "success"."""
    message = callback.decrypt(body=body, msg_signature=msg_signature, timestamp=timestamp, nonce=nonce,
                               encrypt_type=encrypt_type)
    scene = _scene_of(message)
    if scene is None or not scene.startswith(SCENE_PREFIX):
        return "success"
    # WeChat re-sends an event it had no answer to within 5 s: answer it the same way
    seen = f"wechat:cb:{_digest('|'.join([message.source, str(message.create_time), message.event, scene]))}"
    redis = rt().redis
    reply = _text(await redis.get(seen))
    if not reply:
        reply = await bind_by_scene(openid=str(message.source), scene=scene)
        await redis.set(seen, reply.encode(), ex=REPLY_CACHE_SECONDS)
    return callback.encrypted_text_reply(message, reply, nonce=nonce, timestamp=timestamp)
