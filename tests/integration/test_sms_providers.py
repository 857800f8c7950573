"""SMS for real (issue #11): the outbox delivers text messages through Tencent Cloud SMS and Alibaba
Cloud SMS, driven through the real SDKs against fake provider servers on 127.0.0.1 that speak each
provider's SendSms (tests/fakes/sms_servers.py). Provider errors are recorded on the message (code
and text, visible in 通知记录), throttling and outages retried with back-off, a bad template / sign
name / phone refused at once; the seeds' 审核结果 notice goes out by SMS; no full phone in the logs."""

from __future__ import annotations

import json
import logging
import socket
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from tortoise.transactions import in_transaction

from server.models import AssessmentStatus, OutboxMessage, OutboxStatus
from server.services.accounts.sms_codes import OutboxSmsSender
from server.services.notify import delivery, dispatch, notices
from server.services.platform.runtime import rt
from tests.factories import auth, make_physician, make_world, token_for
from tests.fakes.sms_servers import (
    SDK_APP_ID,
    SECRET_ID,
    SECRET_KEY,
    SIGN_NAME,
    FakeAliyunSms,
    FakeTencentSms,
)
from tests.integration.mp_support import move, setup

PHONE = "13812345678"
TENCENT_TEMPLATES = {"verify_code": "1000001", "*": {"template_id": "1000002", "params": ["{title}"]}}
ALIYUN_TEMPLATES = {"verify_code": "SMS_100001", "*": {"template_id": "SMS_100002", "params": {"title": "{title}"}}}


@pytest.fixture
def provider(app, monkeypatch):
    """Point SMS_PROVIDER at a fake: provider("tencent", fake, **more settings)."""
    delivery.set_sms_gateway(None)

    def use(name: str, fake: FakeTencentSms | FakeAliyunSms, **changes: Any) -> None:
        templates = TENCENT_TEMPLATES if name == "tencent" else ALIYUN_TEMPLATES
        settings = {"SMS_PROVIDER": name, "SMS_ACCESS_KEY_ID": SECRET_ID, "SMS_ACCESS_KEY_SECRET": SECRET_KEY,
                    "SMS_SIGN_NAME": SIGN_NAME, "SMS_SDK_APP_ID": SDK_APP_ID, "SMS_ENDPOINT": fake.endpoint,
                    "SMS_TEMPLATES": json.dumps(templates), "SMS_TIMEOUT_SECONDS": 3, **changes}
        new = replace(rt().settings, **settings)
        new.check()
        monkeypatch.setattr(rt(), "settings", new)

    yield use
    delivery.set_sms_gateway(None)


async def send_code(phone: str = PHONE) -> OutboxMessage:
    await OutboxSmsSender().send(phone, "verify_code", {"code": "482916", "minutes": 5})
    return await OutboxMessage.get(channel="sms", address=phone)


async def deliver() -> dispatch.DispatchStats:
    return await dispatch.dispatch_due(now=datetime.now(UTC) + timedelta(days=1))


# --- delivered --------------------------------------------------------------------------------
async def test_code_delivered_through_tencent_sdk(provider, tencent_sms, caplog):
    provider("tencent", tencent_sms)
    caplog.set_level(logging.INFO)
    msg = await send_code()
    assert (await dispatch.dispatch_due()).sent == 1
    [sent] = tencent_sms.sent
    assert (sent.phone, sent.template_id, sent.params) == ("+86" + PHONE, "1000001", ["482916"])
    await msg.refresh_from_db()
    assert msg.status == OutboxStatus.SENT and msg.last_error == "" and msg.payload["code"] == ""
    assert PHONE not in caplog.text and "482916" not in caplog.text and "138****5678" in caplog.text


async def test_code_delivered_through_aliyun_sdk(provider, aliyun_sms, caplog):
    provider("aliyun", aliyun_sms)
    caplog.set_level(logging.INFO)
    msg = await send_code()
    assert (await dispatch.dispatch_due()).sent == 1
    [sent] = aliyun_sms.sent
    assert (sent.phone, sent.template_id, sent.params) == (PHONE, "SMS_100001", {"code": "482916"})
    assert aliyun_sms.requests[0]["headers"]["x-acs-action"] == "SendSms"
    await msg.refresh_from_db()
    assert msg.status == OutboxStatus.SENT
    assert PHONE not in caplog.text and "482916" not in caplog.text


@pytest.mark.parametrize("name", ["tencent", "aliyun"])
async def test_review_result_goes_out_by_sms(provider, tencent_sms, aliyun_sms, name):
    """审核结果 (seeds: 「审核结果将会以站内消息及短信形式通知」): an SMS row the provider receives."""
    fake = tencent_sms if name == "tencent" else aliyun_sms
    provider(name, fake)
    s = await setup()
    await s.assessment.__class__.filter(id=s.assessment.id).update(status=AssessmentStatus.ENROL_SUBMITTED)
    await move(s.assessment, "hi_approve_enrolment", s.w.hospital)
    row = await OutboxMessage.get(channel="sms", template="hi_approve_enrolment")
    assert row.recipient_id == s.physician.id and row.status == OutboxStatus.PENDING
    await dispatch.dispatch_due()
    await row.refresh_from_db()
    assert row.status == OutboxStatus.SENT, row.last_error
    title = "报名信息已通过卫生机构审核"
    [sent] = [m for m in fake.sent if title in str(m.params)]  # (setup's 参加考核 notice went out too)
    assert sent.phone.endswith(s.physician.phone) and sent.template_id in ("1000002", "SMS_100002")
    assert sent.params == ([title] if name == "tencent" else {"title": title})


async def test_assessment_result_goes_out_by_sms(provider, tencent_sms):
    """考核结果 (ai_confirm_results → 合格): its own template, the variables from the notice."""
    templates = {**TENCENT_TEMPLATES, "ai_confirm_results": {"template_id": "1000002", "params": ["{status_label}"]}}
    provider("tencent", tencent_sms, SMS_TEMPLATES=json.dumps(templates))
    s = await setup(include=False)
    async with in_transaction() as conn:
        await notices.on_transition(conn=conn, assessment=s.assessment, transition=SimpleNamespace(action="ai_confirm_results"),
                                    before=AssessmentStatus.EXAMS_DONE, after=AssessmentStatus.QUALIFIED, reason="")
    row = await OutboxMessage.get(channel="sms", template="ai_confirm_results")
    assert row.payload["title"] == "考核结果：合格"
    assert (await dispatch.dispatch_due()).sent == 1  # the SMS (the subscribe message: no openid, refused)
    [sent] = tencent_sms.sent
    assert (sent.phone, sent.template_id, sent.params) == ("+86" + s.physician.phone, "1000002", ["合格"])


# --- provider errors ------------------------------------------------------------------------------
async def test_tencent_throttled_is_recorded_and_retried_with_backoff(provider, tencent_sms):
    provider("tencent", tencent_sms)
    tencent_sms.fail_next.append(("LimitExceeded.PhoneNumberOneHourLimit", f"号码 +86{PHONE} 触发1小时频率限制"))
    msg = await send_code()
    assert (await dispatch.dispatch_due()).retried == 1
    await msg.refresh_from_db()
    assert msg.status == OutboxStatus.PENDING and msg.attempts == 1
    assert msg.next_attempt_at > datetime.now(UTC) + timedelta(seconds=10)
    assert msg.last_error.startswith("[sms_throttled] 腾讯云短信：短信发送频率超限（LimitExceeded.PhoneNumberOneHourLimit")
    assert PHONE not in msg.last_error and "138****5678" in msg.last_error
    assert (await dispatch.dispatch_due()).claimed == 0  # backing off
    assert (await deliver()).sent == 1  # later: delivered
    await msg.refresh_from_db()
    assert msg.status == OutboxStatus.SENT and msg.attempts == 2 and msg.last_error == ""


async def test_tencent_per_number_status_failures(provider, tencent_sms):
    """SendStatusSet answers per number: a throttled number is retried, an invalid one refused."""
    provider("tencent", tencent_sms)
    tencent_sms.status_code_next.append(("LimitExceeded.PhoneNumberThirtySecondLimit", "单个手机号30秒内下发短信条数超过设定的上限"))
    msg = await send_code()
    assert (await dispatch.dispatch_due()).retried == 1
    await msg.refresh_from_db()
    assert msg.last_error.startswith("[sms_throttled]") and "PhoneNumberThirtySecondLimit" in msg.last_error
    tencent_sms.status_code_next.append(("FailedOperation.PhoneNumberInBlacklist", "手机号在免打扰名单库中"))
    assert (await deliver()).failed == 1
    await msg.refresh_from_db()
    assert msg.status == OutboxStatus.FAILED and msg.attempts == 2
    assert msg.last_error.startswith("[sms_bad_phone] 腾讯云短信：手机号在免打扰名单中（FailedOperation.PhoneNumberInBlacklist")


async def test_tencent_bad_template_failed_at_once_and_visible_in_the_outbox(provider, tencent_sms, client):
    provider("tencent", tencent_sms, SMS_TEMPLATES=json.dumps({"verify_code": "1000001", "*": "9999999"}))
    w = await make_world()
    p = await make_physician(w.hospital2, phone=PHONE)
    msg = await OutboxMessage.create(channel="sms", recipient_type="physician", recipient_id=p.id,
                                     template="ai_confirm_results", payload={"title": "考核结果：合格"})
    assert (await dispatch.dispatch_due()).failed == 1
    await msg.refresh_from_db()
    assert msg.status == OutboxStatus.FAILED and msg.attempts == 1  # no pointless retries
    assert msg.last_error.startswith(
        "[sms_bad_template] 腾讯云短信：短信模板不正确或未审核通过（FailedOperation.TemplateIncorrectOrUnapproved")
    assert tencent_sms.sent == []
    r = await client.get("/api/v1/admin/outbox?channel=sms", headers=auth(await token_for(w.hospital2)))
    assert r.status_code == 200, r.text
    [row] = r.json()["data"]
    assert row["status"]["value"] == "failed" and row["last_error"] == msg.last_error
    assert row["recipient"]["address"] == "138****5678" and PHONE not in r.text  # the number it was tried on


async def test_tencent_bad_sign_name_refused(provider, tencent_sms):
    provider("tencent", tencent_sms, SMS_SIGN_NAME="未审核签名")
    msg = await send_code()
    assert (await dispatch.dispatch_due()).failed == 1
    await msg.refresh_from_db()
    assert msg.last_error.startswith("[sms_bad_sign]") and "SignatureIncorrectOrUnapproved" in msg.last_error


async def test_tencent_wrong_secret_is_an_auth_failure_retried(provider, tencent_sms):
    """The fake verifies the TC3-HMAC-SHA256 signature: a wrong key is refused by the provider;
    an operator can fix the credentials, so the message waits (retried)."""
    provider("tencent", tencent_sms, SMS_ACCESS_KEY_SECRET="wrong-key")
    msg = await send_code()
    assert (await dispatch.dispatch_due()).retried == 1
    await msg.refresh_from_db()
    assert msg.last_error.startswith("[sms_auth]") and "AuthFailure.SignatureFailure" in msg.last_error


async def test_aliyun_throttled_retried_then_bad_signature_refused(provider, aliyun_sms):
    provider("aliyun", aliyun_sms)
    aliyun_sms.fail_next.append(("isv.BUSINESS_LIMIT_CONTROL", "触发小时级流控Permits:5"))
    msg = await send_code()
    assert (await dispatch.dispatch_due()).retried == 1
    await msg.refresh_from_db()
    assert msg.status == OutboxStatus.PENDING
    assert msg.last_error == "[sms_throttled] 阿里云短信：短信发送频率超限（isv.BUSINESS_LIMIT_CONTROL：触发小时级流控Permits:5）"
    provider("aliyun", aliyun_sms, SMS_SIGN_NAME="别的签名")
    assert (await deliver()).failed == 1
    await msg.refresh_from_db()
    assert msg.status == OutboxStatus.FAILED and msg.last_error.startswith("[sms_bad_sign] 阿里云短信")


async def test_aliyun_bad_template_and_http_errors(provider, aliyun_sms):
    provider("aliyun", aliyun_sms, SMS_TEMPLATES=json.dumps({"verify_code": "SMS_404"}))
    msg = await send_code()
    assert (await dispatch.dispatch_due()).failed == 1
    await msg.refresh_from_db()
    assert msg.last_error.startswith("[sms_bad_template]") and "isv.SMS_TEMPLATE_ILLEGAL" in msg.last_error
    # a 503 from the provider (the SDK raises a ServerException): retried
    provider("aliyun", aliyun_sms)
    aliyun_sms.http_status_next.append(503)
    msg2 = await send_code("13912345678")
    assert (await dispatch.dispatch_due()).retried == 1
    await msg2.refresh_from_db()
    assert msg2.status == OutboxStatus.PENDING and "ServiceUnavailable" in msg2.last_error


async def test_aliyun_wrong_secret_is_an_auth_failure_retried(provider, aliyun_sms):
    """The fake verifies the ACS3-HMAC-SHA256 signature: a wrong secret is refused (HTTP 400, the SDK's
    ClientException); the message waits for the operator's fix."""
    provider("aliyun", aliyun_sms, SMS_ACCESS_KEY_SECRET="wrong-secret")
    msg = await send_code()
    assert (await dispatch.dispatch_due()).retried == 1
    await msg.refresh_from_db()
    assert msg.last_error.startswith("[sms_auth] 阿里云短信") and "SignatureDoesNotMatch" in msg.last_error
    assert aliyun_sms.sent == []


@pytest.mark.parametrize("name", ["tencent", "aliyun"])
async def test_provider_unreachable_is_retried(provider, tencent_sms, aliyun_sms, name):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    provider(name, tencent_sms if name == "tencent" else aliyun_sms, SMS_ENDPOINT=f"http://127.0.0.1:{port}")
    msg = await send_code()
    assert (await dispatch.dispatch_due()).retried == 1
    await msg.refresh_from_db()
    assert msg.status == OutboxStatus.PENDING and msg.last_error.startswith("[sms_unavailable]"), msg.last_error


@pytest.mark.parametrize("name", ["tencent", "aliyun"])
async def test_provider_timeout_is_retried(provider, tencent_sms, aliyun_sms, name):
    fake = tencent_sms if name == "tencent" else aliyun_sms
    provider(name, fake, SMS_TIMEOUT_SECONDS=1)
    fake.delay_next.append(2.5)
    msg = await send_code()
    assert (await dispatch.dispatch_due()).retried == 1
    await msg.refresh_from_db()
    assert msg.status == OutboxStatus.PENDING and msg.last_error.startswith("[sms_unavailable]"), msg.last_error
    assert fake.sent == []


async def test_notice_kind_without_template_refused(provider, tencent_sms):
    provider("tencent", tencent_sms, SMS_TEMPLATES=json.dumps({"verify_code": "1000001"}))
    w = await make_world()
    p = await make_physician(w.hospital2, phone=PHONE)
    msg = await OutboxMessage.create(channel="sms", recipient_type="physician", recipient_id=p.id,
                                     template="include", payload={"title": "已开通报名"})
    assert (await dispatch.dispatch_due()).failed == 1
    await msg.refresh_from_db()
    assert msg.last_error == "[sms_template_not_configured] 短信：未配置短信模板：include"
    assert tencent_sms.requests == []
