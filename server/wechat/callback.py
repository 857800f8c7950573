"""The official account's message push (服务器配置, 安全模式): signature checks, decryption and
encrypted replies with wechatpy (``WeChatCrypto``, ``parse_message``, ``check_signature``).

- URL verification (GET): ``signature`` = sha1(sorted(token, timestamp, nonce)) → echo ``echostr``.
- Messages (POST, ``encrypt_type=aes``): ``msg_signature`` covers the encrypted body; the AES key
  (WECHAT_OA_AES_KEY) decrypts it and the appid inside must be ours. Plain-text mode is refused:
  its signature does not cover the body.
- A request whose timestamp is more than MAX_SKEW_SECONDS away from now is refused (replay).
- DOCTYPE / ENTITY declarations are refused before any XML parsing.
"""

from __future__ import annotations

import time
from typing import Any

from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.replies import TextReply
from wechatpy.utils import check_signature

from server.errors import Forbidden, NotFound, ValidationFailed
from server.services.platform.runtime import rt

MAX_SKEW_SECONDS = 600
MAX_BODY_BYTES = 64 * 1024


def _fresh(timestamp: str) -> None:
    try:
        ts = int(timestamp)
    except (TypeError, ValueError):
        raise Forbidden("签名校验失败", code="invalid_signature") from None
    if abs(time.time() - ts) > MAX_SKEW_SECONDS:
        raise Forbidden("请求已过期", code="callback_expired")


def _no_dtd(xml: bytes | str) -> None:
    head = xml.upper() if isinstance(xml, str) else xml.decode(errors="replace").upper()
    if "<!DOCTYPE" in head or "<!ENTITY" in head:
        raise ValidationFailed("消息格式不正确", code="invalid_callback")


def verify_url(*, signature: str, timestamp: str, nonce: str, echostr: str) -> str:
    """服务器地址验证: the echostr if the signature is ours."""
    token = rt().settings.WECHAT_OA_TOKEN
    if not token:
        raise NotFound("未配置公众号消息推送", code="callback_not_configured")
    _fresh(timestamp)
    try:
        check_signature(token, signature or "", timestamp, nonce or "")
    except InvalidSignatureException:
        raise Forbidden("签名校验失败", code="invalid_signature") from None
    return echostr


def crypto() -> WeChatCrypto:
    s = rt().settings
    if not s.WECHAT_OA_TOKEN or not s.WECHAT_OA_AES_KEY or not s.WECHAT_OA_APPID:
        raise NotFound("未配置公众号消息推送", code="callback_not_configured")
    return WeChatCrypto(s.WECHAT_OA_TOKEN, s.WECHAT_OA_AES_KEY, s.WECHAT_OA_APPID)


def decrypt(*, body: bytes, msg_signature: str, timestamp: str, nonce: str, encrypt_type: str) -> Any:
    """The pushed message or event (a wechatpy object) from an encrypted POST body."""
    box = crypto()
    if encrypt_type != "aes" or not msg_signature:
        raise Forbidden("仅支持安全模式（加密）消息", code="encryption_required")
    if len(body) > MAX_BODY_BYTES:
        raise ValidationFailed("消息过大", code="invalid_callback")
    _fresh(timestamp)
    _no_dtd(body)
    try:
        xml = box.decrypt_message(body, msg_signature, timestamp, nonce or "")
    except (InvalidSignatureException, InvalidAppIdException):
        raise Forbidden("签名校验失败", code="invalid_signature") from None
    except Exception:  # not XML, no <Encrypt>, bad base64 or padding
        raise ValidationFailed("消息格式不正确", code="invalid_callback") from None
    _no_dtd(xml)
    try:
        return parse_message(xml)
    except Exception:
        raise ValidationFailed("消息格式不正确", code="invalid_callback") from None


def encrypted_text_reply(message: Any, content: str, *, nonce: str, timestamp: str) -> str:
    """A 文本消息 reply to ``message``, encrypted for WeChat."""
    reply = TextReply(message=message, content=content)
    return crypto().encrypt_message(reply.render(), nonce, timestamp)
