"""通知记录 (issue #12 "notifications people can check"): staff see their scope's notifications with
channel, masked recipient, status, attempts and last error; 重发 requeues a failed one (audited);
a sent message, an unknown one, another scope's one and a verification code cannot be resent or seen."""

from __future__ import annotations

from server.models import AuditLog, OutboxMessage, OutboxStatus
from server.services.access import Role
from tests.factories import auth, make_physician, make_world, token_for

API = "/api/v1/admin/outbox"


async def _messages(w):
    mine = await make_physician(w.hospital2, name="张医生", phone="13912345678")
    other = await make_physician(w.lz_hospital, name="柳州医生", phone="13700000000")
    failed = await OutboxMessage.create(channel="sms", recipient_type="physician", recipient_id=mine.id,
                                        address="13912345678", template="ai_confirm_results", attempts=5,
                                        status=OutboxStatus.FAILED, last_error="provider: 签名未审核")
    sent = await OutboxMessage.create(channel="wechat_subscribe", recipient_type="physician",
                                      recipient_id=mine.id, address="oABCDEFGHIJK", template="include",
                                      status=OutboxStatus.SENT)
    elsewhere = await OutboxMessage.create(channel="sms", recipient_type="physician", recipient_id=other.id,
                                           address="13700000000", template="include", status=OutboxStatus.FAILED)
    code = await OutboxMessage.create(channel="sms", recipient_type="phone", address="13912345678",
                                      template="sms_code", payload={"code": ""}, status=OutboxStatus.FAILED)
    return mine, failed, sent, elsewhere, code


async def test_institution_sees_its_physicians_messages_masked(client):
    w = await make_world()
    mine, failed, sent, elsewhere, code = await _messages(w)
    r = await client.get(API, headers=auth(await token_for(w.hospital2)))
    assert r.status_code == 200, r.text
    rows = {row["id"]: row for row in r.json()["data"]}
    assert set(rows) == {failed.id, sent.id}  # not another institution's, not a bare phone (codes)
    row = rows[failed.id]
    assert row["channel"] == {"value": "sms", "label": "短信"} and row["status"]["label"] == "发送失败"
    assert row["recipient"]["name"] == "张医生" and row["recipient"]["address"] == "139****5678"
    assert row["attempts"] == 5 and row["last_error"] == "provider: 签名未审核"
    assert row["title"] == "考核结果通知"
    assert rows[sent.id]["recipient"]["address"] == "oABC****"
    assert "13912345678" not in r.text
    r = await client.get(API + "?status=failed&channel=sms", headers=auth(await token_for(w.hospital2)))
    assert [row["id"] for row in r.json()["data"]] == [failed.id]
    r = await client.get(API + "?channel=fax", headers=auth(await token_for(w.hospital2)))
    assert r.status_code == 422 and r.json()["code"] == "invalid_query"


async def test_province_sees_both_institutions(client):
    w = await make_world()
    mine, failed, sent, elsewhere, code = await _messages(w)
    r = await client.get(API + "?size=100", headers=auth(await token_for(w.gx_admin)))
    assert {row["id"] for row in r.json()["data"]} == {failed.id, sent.id, elsewhere.id}


async def test_resend_requeues_a_failed_message_and_is_audited(client):
    w = await make_world()
    mine, failed, sent, elsewhere, code = await _messages(w)
    token = await token_for(w.hospital2)
    r = await client.post(f"{API}/{failed.id}/resend", headers=auth(token))
    assert r.status_code == 200, r.text
    assert r.json()["status"]["value"] == "pending" and r.json()["attempts"] == 0
    fresh = await OutboxMessage.get(id=failed.id)
    assert fresh.status == OutboxStatus.PENDING and fresh.next_attempt_at is not None
    assert await AuditLog.filter(action="outbox.resend", target_id=str(failed.id)).count() == 1
    again = await client.post(f"{API}/{failed.id}/resend", headers=auth(token))
    assert again.status_code == 409 and again.json()["code"] == "message_not_failed"


async def test_resend_refuses_sent_outside_and_codes(client):
    w = await make_world()
    mine, failed, sent, elsewhere, code = await _messages(w)
    token = await token_for(w.hospital2)
    r = await client.post(f"{API}/{sent.id}/resend", headers=auth(token))
    assert r.status_code == 409 and r.json()["code"] == "message_not_failed"
    for other in (elsewhere.id, code.id, 999999):
        r = await client.post(f"{API}/{other}/resend", headers=auth(token))
        assert r.status_code == 404 and r.json()["code"] == "message_not_found", other
    assert (await OutboxMessage.get(id=elsewhere.id)).status == OutboxStatus.FAILED
    assert await AuditLog.filter(action="outbox.resend").count() == 0


async def test_outbox_is_for_staff_only(client):
    w = await make_world()
    r = await client.get(API, headers=auth(await token_for(w.industry)))
    assert r.status_code == 403
    r = await client.get(API, headers=auth(await token_for(w.hospital, Role.ASSESSMENT_INSTITUTION)))
    assert r.status_code == 200


async def test_in_app_messages_are_listed_under_their_channel(client):
    from server.models import InboxMessage

    w = await make_world()
    mine = await make_physician(w.hospital2, name="张医生")
    other = await make_physician(w.lz_hospital, name="柳州医生")
    await InboxMessage.create(physician=mine, template="include", title="已开通报名", body="……")
    await InboxMessage.create(physician=other, template="include", title="已开通报名", body="……")
    r = await client.get(API + "?channel=inbox", headers=auth(await token_for(w.hospital2)))
    assert r.status_code == 200, r.text
    rows = r.json()["data"]
    assert len(rows) == 1 and rows[0]["channel"] == {"value": "inbox", "label": "站内消息"}
    assert rows[0]["recipient"]["name"] == "张医生" and rows[0]["title"] == "已开通报名"
    assert rows[0]["last_error"] == "未读" and rows[0]["status"]["value"] == "sent"
    r = await client.get(API + "?channel=inbox&status=failed", headers=auth(await token_for(w.hospital2)))
    assert r.json()["data"] == []
