"""绑定微信 end to end: the console asks for a binding QR code (qrcode/create on the fake WeChat
server), the official account pushes the scan to the callback — encrypted for real with wechatpy's
WeChatCrypto — the account is bound and the encrypted reply says 绑定成功. Signatures, replays,
expired and superseded codes, an openid bound elsewhere, unbinding."""

from __future__ import annotations

import hashlib
import time
from typing import Any

import xmltodict
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto

from server.models import AuditLog, OutboxMessage, OutboxStatus, StaffAccount
from server.services.notify import dispatch, notices
from server.services.platform.runtime import rt
from tests.factories import account_of, auth, make_world, token_for

CALLBACK = "/api/v1/wechat/callback"
QR = "/api/v1/admin/wechat/binding-qrcode"
BINDING = "/api/v1/admin/wechat/binding"
OA_ID = "gh_0123456789ab"


def crypto() -> WeChatCrypto:
    s = rt().settings
    return WeChatCrypto(s.WECHAT_OA_TOKEN, s.WECHAT_OA_AES_KEY, s.WECHAT_OA_APPID)


def event_xml(openid: str, event: str, key: str, *, created: int | None = None) -> str:
    return (f"<xml><ToUserName><![CDATA[{OA_ID}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{created or int(time.time())}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
            f"<Event><![CDATA[{event}]]></Event><EventKey><![CDATA[{key}]]></EventKey>"
            f"<Ticket><![CDATA[gQticket]]></Ticket></xml>")


async def push(client, xml: str, *, tamper: bool = False, timestamp: int | None = None, **params: str):
    """POST the message the way WeChat does in 安全模式: encrypted, with msg_signature."""
    ts, nonce = str(timestamp or int(time.time())), "n0nce123"
    envelope = xmltodict.parse(crypto().encrypt_message(xml, nonce, ts))["xml"]
    body = (f"<xml><ToUserName><![CDATA[{OA_ID}]]></ToUserName>"
            f"<Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt></xml>")
    query = {"signature": "x", "timestamp": ts, "nonce": nonce, "openid": "o", "encrypt_type": "aes",
             "msg_signature": ("0" * 40) if tamper else envelope["MsgSignature"], **params}
    return await client.post(CALLBACK, params=query, content=body.encode())


def reply_text(response) -> str:
    """Decrypt the encrypted reply and return its text content."""
    assert response.status_code == 200, response.text
    outer = xmltodict.parse(response.text)["xml"]
    xml = crypto().decrypt_message(response.text, outer["MsgSignature"], outer["TimeStamp"], outer["Nonce"])
    reply = parse_message(xml)
    assert reply.type == "text" and reply.source == OA_ID
    return reply.content


async def qrcode(client, wechat, token: str) -> str:
    """Ask the console for a binding QR code; the scene it carries (what scanning it sends)."""
    r = await client.post(QR, headers=auth(token))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["ticket"] and body["url"].startswith("http://weixin.qq.com/q/") and body["expires_in"] == 600
    assert body["image_url"].startswith("https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=")
    return wechat.qrcode_scene(body["ticket"])


async def _setup() -> tuple[Any, str]:
    w = await make_world()
    return w, await token_for(w.hospital2)


def _signature(token: str, timestamp: str, nonce: str) -> str:
    return hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()


# --- the callback's checks -------------------------------------------------------------------------
async def test_url_verification_echoes_only_with_a_valid_signature(client):
    ts, nonce = str(int(time.time())), "abc"
    good = _signature(rt().settings.WECHAT_OA_TOKEN, ts, nonce)
    r = await client.get(CALLBACK, params={"signature": good, "timestamp": ts, "nonce": nonce, "echostr": "e-123"})
    assert r.status_code == 200 and r.text == "e-123"
    r = await client.get(CALLBACK, params={"signature": "0" * 40, "timestamp": ts, "nonce": nonce, "echostr": "e"})
    assert r.status_code == 403 and r.json()["code"] == "invalid_signature"
    old = str(int(time.time()) - 3600)
    r = await client.get(CALLBACK, params={"signature": _signature(rt().settings.WECHAT_OA_TOKEN, old, nonce),
                                           "timestamp": old, "nonce": nonce, "echostr": "e"})
    assert r.status_code == 403 and r.json()["code"] == "callback_expired"


async def test_callback_refuses_bad_signature_plaintext_and_garbage(client, wechat):
    xml = event_xml("o-x", "SCAN", "bind_whatever")
    r = await push(client, xml, tamper=True)
    assert r.status_code == 403 and r.json()["code"] == "invalid_signature"
    r = await push(client, xml, encrypt_type="")
    assert r.status_code == 403 and r.json()["code"] == "encryption_required"
    r = await push(client, xml, timestamp=int(time.time()) - 3600)
    assert r.status_code == 403 and r.json()["code"] == "callback_expired"
    ts = str(int(time.time()))
    r = await client.post(CALLBACK, params={"timestamp": ts, "nonce": "n", "encrypt_type": "aes",
                                            "msg_signature": "x"}, content=b"not xml")
    assert r.status_code in (403, 422)
    evil = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><xml><Encrypt>&a;</Encrypt></xml>'
    r = await client.post(CALLBACK, params={"timestamp": ts, "nonce": "n", "encrypt_type": "aes",
                                            "msg_signature": "x"}, content=evil)
    assert r.status_code == 422 and r.json()["code"] == "invalid_callback"


async def test_other_messages_answer_success(client, wechat):
    r = await push(client, event_xml("o-x", "subscribe", ""))
    assert r.status_code == 200 and r.text == "success"
    text = (f"<xml><ToUserName><![CDATA[{OA_ID}]]></ToUserName><FromUserName><![CDATA[o-x]]></FromUserName>"
            f"<CreateTime>1</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[你好]]></Content>"
            f"<MsgId>1</MsgId></xml>")
    assert (await push(client, text)).text == "success"


# --- binding -------------------------------------------------------------------------------------------
async def test_bind_by_scan_end_to_end_then_template_message_delivered(client, wechat, monkeypatch):
    w, token = await _setup()
    scene = await qrcode(client, wechat, token)
    [req] = wechat.requests_to("/cgi-bin/qrcode/create")
    assert req.body["action_name"] == "QR_STR_SCENE" and req.body["expire_seconds"] == 600
    assert scene.startswith("bind_") and req.query["access_token"]
    status = (await client.get(BINDING, headers=auth(token))).json()
    assert status == {"bound": False, "openid": "", "qrcode_pending": True}

    r = await push(client, event_xml("o-admin-0001", "SCAN", scene))
    assert reply_text(r).startswith("绑定成功：机构账号 nn1h（南宁市第一人民医院）")
    account = await account_of(w.hospital2)
    assert account.wechat_openid == "o-admin-0001"
    status = (await client.get(BINDING, headers=auth(token))).json()
    assert status == {"bound": True, "openid": "o-ad****0001", "qrcode_pending": False}
    log = await AuditLog.get(action="wechat.bind")
    assert log.target_id == str(account.id) and log.org_id == w.hospital2.id
    assert log.after == {"wechat_openid": "o-ad****0001", "via": "qrcode"}

    from dataclasses import replace
    monkeypatch.setattr(rt(), "settings", replace(rt().settings, WECHAT_OA_TEMPLATES='{"*": "TPL-X"}'))
    await notices.staff_message(org_id=w.hospital2.id, template="export_finished", data={"title": "导出完成"})
    await dispatch.dispatch_due()
    [sent] = wechat.requests_to("/cgi-bin/message/template/send")
    assert sent.body["touser"] == "o-admin-0001"
    assert (await OutboxMessage.get(channel="wechat_template")).status == OutboxStatus.SENT


async def test_scan_to_follow_event_binds(client, wechat):
    w, token = await _setup()
    scene = await qrcode(client, wechat, token)
    r = await push(client, event_xml("o-new-follower", "subscribe", f"qrscene_{scene}"))
    assert reply_text(r).startswith("绑定成功")
    assert (await account_of(w.hospital2)).wechat_openid == "o-new-follower"


async def test_replayed_token_refused(client, wechat):
    w, token = await _setup()
    scene = await qrcode(client, wechat, token)
    assert reply_text(await push(client, event_xml("o-first", "SCAN", scene))).startswith("绑定成功")
    r = await push(client, event_xml("o-second", "SCAN", scene, created=int(time.time()) + 1))
    assert reply_text(r).startswith("二维码已失效")
    assert (await account_of(w.hospital2)).wechat_openid == "o-first"


async def test_event_resent_by_wechat_gets_the_same_reply(client, wechat):
    w, token = await _setup()
    scene = await qrcode(client, wechat, token)
    xml = event_xml("o-first", "SCAN", scene)
    first, second = reply_text(await push(client, xml)), reply_text(await push(client, xml))
    assert first == second and first.startswith("绑定成功")
    assert await AuditLog.filter(action="wechat.bind").count() == 1


async def test_expired_token_refused(client, wechat):
    w, token = await _setup()
    scene = await qrcode(client, wechat, token)
    for key in await rt().redis.keys("wechat:bind:*"):  # what WECHAT_BINDING_QR_SECONDS passing does
        await rt().redis.delete(key)
    assert reply_text(await push(client, event_xml("o-late", "SCAN", scene))).startswith("二维码已失效")
    assert (await account_of(w.hospital2)).wechat_openid is None


async def test_superseded_qrcode_refused(client, wechat):
    w, token = await _setup()
    old, new = await qrcode(client, wechat, token), await qrcode(client, wechat, token)
    assert reply_text(await push(client, event_xml("o-a", "SCAN", old))).startswith("二维码已失效")
    assert reply_text(await push(client, event_xml("o-a", "SCAN", new, created=1))).startswith("绑定成功")


async def test_forged_scene_refused(client, wechat):
    w, _ = await _setup()
    for scene in ("bind_not-a-token", "bind_", "other_scene"):
        r = await push(client, event_xml("o-a", "SCAN", scene))
        assert r.text == "success" if not scene.startswith("bind_") else reply_text(r).startswith("二维码已失效")
    assert not await StaffAccount.filter(wechat_openid__isnull=False).exists()


async def test_openid_bound_to_another_account_is_refused(client, wechat):
    w, token = await _setup()
    await StaffAccount.filter(org_id=w.hospital3.id).update(wechat_openid="o-taken")
    scene = await qrcode(client, wechat, token)
    text = reply_text(await push(client, event_xml("o-taken", "SCAN", scene)))
    assert text == "本微信已绑定机构账号 xnh，请先在该账号中解除绑定后再扫码。"
    assert (await account_of(w.hospital2)).wechat_openid is None
    assert (await account_of(w.hospital3)).wechat_openid == "o-taken"


async def test_rebinding_an_account_replaces_its_wechat(client, wechat):
    w, token = await _setup()
    await StaffAccount.filter(org_id=w.hospital2.id).update(wechat_openid="o-old-wechat")
    scene = await qrcode(client, wechat, token)
    assert reply_text(await push(client, event_xml("o-new-wechat", "SCAN", scene))).startswith("绑定成功")
    assert (await account_of(w.hospital2)).wechat_openid == "o-new-wechat"
    assert (await AuditLog.get(action="wechat.bind")).before == {"wechat_openid": "o-ol****chat"}


async def test_unbind(client, wechat):
    w, token = await _setup()
    await StaffAccount.filter(org_id=w.hospital2.id).update(wechat_openid="o-old-wechat")
    r = await client.delete(BINDING, headers=auth(token))
    assert r.status_code == 200 and r.json()["bound"] is False
    assert (await account_of(w.hospital2)).wechat_openid is None
    log = await AuditLog.get(action="wechat.unbind")
    assert log.before == {"wechat_openid": "o-ol****chat"} and log.org_id == w.hospital2.id


async def test_qrcode_when_wechat_is_down_is_a_502(client, wechat):
    w, token = await _setup()
    wechat.http_status["/cgi-bin/qrcode/create"] = 503
    r = await client.post(QR, headers=auth(token))
    assert r.status_code == 502 and r.json()["code"] == "wechat_unavailable"
    assert not await rt().redis.keys("wechat:bind:*")


async def test_binding_routes_need_a_staff_login(client, wechat):
    for method, path in (("POST", QR), ("GET", BINDING), ("DELETE", BINDING)):
        assert (await client.request(method, path)).status_code == 401
