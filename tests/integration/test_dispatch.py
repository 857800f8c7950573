"""The notification outbox delivered end to end (SPEC §7) through the real WeChat client against
the fake WeChat server: subscribe messages, template messages, SMS through the gateway; refusals
recorded at once, retryable failures retried with backoff, restarts, concurrent dispatchers."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from server.models import (
    Assessment,
    Cycle,
    OutboxMessage,
    OutboxStatus,
    Physician,
    StaffAccount,
)
from server.services.access import Actor, Role
from server.services.accounts.sms_codes import OutboxSmsSender
from server.services.assessment import transitions
from server.services.notify import delivery, dispatch, notices
from server.services.platform.runtime import rt
from server.wechat import WeChatClient, close_wechat, set_wechat
from tests.conftest import BACKEND
from tests.factories import account_of, make_physician, make_world

SEND = "/cgi-bin/message/subscribe/send"
TEMPLATE_SEND = "/cgi-bin/message/template/send"
SUBSCRIBE_TEMPLATES = (
    '{"*": {"template_id": "TPL-REVIEW", "page": "pages/progress/index",'
    ' "data": {"thing1": "{title}", "thing2": "{body}", "time3": "{time}"}}}'
)
OA_TEMPLATES = '{"pending_review": {"template_id": "TPL-OA-PENDING", "data": {"thing1": "{org_name}", "number2": "{count}"}}}'


class RecordingGateway:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, dict[str, Any]]] = []
        self.fail_with: delivery.SmsDeliveryError | None = None

    async def send(self, phone: str, template: str, params: dict[str, Any], *, recipient_id: int | None = None) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.sent.append((phone, template, dict(params)))


@pytest.fixture
def configure(monkeypatch):
    """Change settings of the running app for one test (restored afterwards)."""

    def apply(**changes: Any) -> None:
        monkeypatch.setattr(rt(), "settings", replace(rt().settings, **changes))

    return apply


@pytest.fixture
def templates(configure) -> None:
    configure(WECHAT_SUBSCRIBE_TEMPLATES=SUBSCRIBE_TEMPLATES, WECHAT_OA_TEMPLATES=OA_TEMPLATES)


@pytest.fixture
def gateway():
    recorder = RecordingGateway()
    delivery.set_sms_gateway(recorder)
    yield recorder
    delivery.set_sms_gateway(None)  # back to SMS_PROVIDER's (log-only in tests)


def later(seconds: float) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


async def physician(openid: str | None = "o-phys-1", phone: str | None = "13800138000") -> Physician:
    w = await make_world()
    return await make_physician(w.hospital2, wechat_openid=openid, phone=phone)


async def queue(p: Physician, *, title: str = "报名信息被驳回", body: str = "请修改后重新提交。") -> list[int]:
    from tortoise.transactions import in_transaction

    async with in_transaction() as conn:
        await notices.physician_message(conn=conn, physician_id=p.id, template="hi_reject_enrolment",
                                       title=title, body=body, data={"assessment_id": 1})
    return list(await OutboxMessage.filter(recipient_id=p.id).order_by("id").values_list("id", flat=True))


async def row(channel: str = "wechat_subscribe") -> OutboxMessage:
    return await OutboxMessage.get(channel=channel)


# --- delivered ---------------------------------------------------------------------------------
async def test_transition_subscribe_message_and_sms_delivered(wechat, templates, gateway):
    w = await make_world()
    p = await make_physician(w.hospital2, wechat_openid="o-phys-1", phone="13800138000")
    now = datetime.now(UTC)
    cycle = await Cycle.create(province=w.gx, name="2024-2026", start_date=now.date(), end_date=now.date(),
                               enrol_start=now - timedelta(days=1), enrol_end=now + timedelta(days=1))
    a = await Assessment.create(physician=p, cycle=cycle, institution=w.hospital2, region_path=p.region_path)
    hi = Actor(kind="staff", role=Role.HEALTH_INSTITUTION, token="t", account_id=(await account_of(w.hospital2)).id,
               org_id=w.hospital2.id, region_path=w.hospital2.region_path)
    await transitions.transition(actor=hi, assessment_id=a.id, action="include")
    assert await OutboxMessage.filter(status=OutboxStatus.PENDING).count() == 2

    stats = await dispatch.dispatch_due()
    assert (stats.claimed, stats.sent, stats.failed) == (2, 2, 0)
    [req] = wechat.requests_to(SEND)
    assert req.body["touser"] == "o-phys-1" and req.body["template_id"] == "TPL-REVIEW"
    assert req.body["page"] == "pages/progress/index"
    assert req.body["data"]["thing1"] == {"value": "已开通报名"}
    assert len(req.body["data"]["thing2"]["value"]) == 20 and req.body["data"]["thing2"]["value"].endswith("…")
    msg = await row()
    assert msg.status == OutboxStatus.SENT and msg.attempts == 1 and msg.sent_at and msg.last_error == ""
    assert gateway.sent == [("13800138000", "include", (await row("sms")).payload)]
    assert (await row("sms")).status == OutboxStatus.SENT
    assert (await dispatch.dispatch_due()).claimed == 0  # nothing delivered twice


async def test_kick_delivers_promptly_after_commit(wechat, templates, gateway, configure):
    configure(OUTBOX_AUTO_DISPATCH=True)
    p = await physician()
    await queue(p)
    for _ in range(100):
        if not await OutboxMessage.filter(status=OutboxStatus.PENDING).exists():
            break
        await asyncio.sleep(0.05)
    assert await OutboxMessage.filter(status=OutboxStatus.SENT).count() == 2
    assert len(wechat.requests_to(SEND)) == 1 and len(gateway.sent) == 1


async def test_sweep_of_the_api_process_delivers_rows_nobody_kicked(wechat, templates, gateway, configure,
                                                                     monkeypatch):
    configure(OUTBOX_AUTO_DISPATCH=True, OUTBOX_SWEEP_SECONDS=1)
    await dispatch.start_background(role="api")  # the in-memory broker: the API process sweeps
    try:
        p = await physician()
        await OutboxMessage.create(channel="wechat_subscribe", recipient_type="physician", recipient_id=p.id,
                                   template="include", payload={"title": "t", "body": "b"})  # no kick
        for _ in range(60):
            if await OutboxMessage.filter(status=OutboxStatus.SENT).exists():
                break
            await asyncio.sleep(0.05)
        assert (await row()).status == OutboxStatus.SENT
    finally:
        monkeypatch.undo()
        await dispatch.start_background(role="api")  # back to the test set-up: kicker only, kicks ignored


async def test_kick_is_ignored_when_auto_dispatch_is_off(wechat, templates, gateway):
    await queue(await physician())
    await asyncio.sleep(0.4)
    assert await OutboxMessage.filter(status=OutboxStatus.PENDING).count() == 2
    assert wechat.calls(SEND) == 0


# --- refused: recorded at once, never retried --------------------------------------------------
@pytest.mark.parametrize(("errcode", "errmsg"), [(43101, "user refuse to accept the msg"), (40003, "invalid openid"),
                                                 (47003, "argument invalid! data.thing1.value invalid")])
async def test_refusal_failed_at_once_without_retry(wechat, templates, gateway, errcode, errmsg):
    p = await physician()
    wechat.refuse_touser["o-phys-1"] = (errcode, errmsg)
    await queue(p)
    await dispatch.dispatch_due()
    msg = await row()
    assert msg.status == OutboxStatus.FAILED and msg.attempts == 1
    assert msg.last_error.startswith(f"[wechat_{errcode}] ") and errmsg in msg.last_error
    await dispatch.dispatch_due(now=later(86400))
    assert wechat.calls(SEND) == 1


async def test_physician_without_openid_failed_with_reason(wechat, templates, gateway):
    await queue(await physician(openid=None))
    await dispatch.dispatch_due()
    msg = await row()
    assert msg.status == OutboxStatus.FAILED and msg.last_error.startswith("[no_openid] ")
    assert wechat.calls(SEND) == 0


async def test_unconfigured_template_failed_with_reason(wechat, gateway):
    await queue(await physician())
    await dispatch.dispatch_due()
    msg = await row()
    assert msg.status == OutboxStatus.FAILED and msg.last_error == "[template_not_configured] 未配置订阅消息模板：hi_reject_enrolment"
    assert wechat.calls(SEND) == 0


# --- retried with backoff -----------------------------------------------------------------------
async def test_5xx_retried_with_backoff_then_delivered(wechat, templates, gateway):
    await queue(await physician())
    wechat.http_status[SEND] = 503
    before = datetime.now(UTC)
    stats = await dispatch.dispatch_due()
    assert stats.retried == 1
    msg = await row()
    assert msg.status == OutboxStatus.PENDING and msg.attempts == 1 and msg.last_error.startswith("[wechat_unavailable]")
    base = rt().settings.OUTBOX_BACKOFF_SECONDS
    assert before + timedelta(seconds=base / 2) <= msg.next_attempt_at <= datetime.now(UTC) + timedelta(seconds=base)
    assert (await dispatch.dispatch_due()).claimed == 0  # not due yet
    del wechat.http_status[SEND]
    await dispatch.dispatch_due(now=later(base + 1))
    msg = await row()
    assert msg.status == OutboxStatus.SENT and msg.attempts == 2 and msg.last_error == ""
    assert wechat.calls(SEND) == 2


async def test_timeout_retried_then_delivered(wechat, templates, gateway):
    client = WeChatClient(settings=replace(rt().settings, WECHAT_TIMEOUT_SECONDS=0.2), redis=rt().redis)
    set_wechat(client)
    try:
        await queue(await physician())
        wechat.delay[SEND] = 0.6
        await dispatch.dispatch_due()
        msg = await row()
        assert msg.status == OutboxStatus.PENDING and "timeout" in msg.last_error
        for _ in range(100):  # let the fake finish the abandoned request (it must not leak into later tests)
            if wechat.calls(SEND):
                break
            await asyncio.sleep(0.02)
        wechat.delay.clear()
        await dispatch.dispatch_due(now=later(3600))
        assert (await row()).status == OutboxStatus.SENT
    finally:
        set_wechat(None)
        await client.aclose()


@pytest.mark.parametrize(("errcode", "errmsg"), [(45009, "reach max api daily quota limit"), (-1, "system error")])
async def test_rate_limit_and_busy_retried(wechat, templates, gateway, errcode, errmsg):
    await queue(await physician())
    wechat.fail_next[SEND] = [(errcode, errmsg)]
    await dispatch.dispatch_due()
    msg = await row()
    assert msg.status == OutboxStatus.PENDING and msg.last_error.startswith(f"[wechat_{errcode}]")
    await dispatch.dispatch_due(now=later(3600))
    assert (await row()).status == OutboxStatus.SENT


async def test_retries_exhausted_failed_with_last_error(wechat, templates, gateway, configure):
    configure(OUTBOX_MAX_ATTEMPTS=3)
    await queue(await physician())
    wechat.http_status[SEND] = 502
    for hours in (0, 2, 4, 6):
        await dispatch.dispatch_due(now=later(hours * 3600))
    msg = await row()
    assert msg.status == OutboxStatus.FAILED and msg.attempts == 3
    assert msg.last_error.startswith("[wechat_unavailable]") and "已尝试3次" in msg.last_error
    assert wechat.calls(SEND) == 3


async def test_expired_token_mid_way_refreshed_once(wechat, templates, gateway):
    p = await physician()
    await queue(p)
    await dispatch.dispatch_due()
    assert len(wechat.stable_token_calls) == 1
    wechat.invalidate_tokens()  # the cached token stops working between two sends
    others = [await make_physician(p.institution, wechat_openid=f"o-more-{i}", phone=f"1390000000{i}")
              for i in range(3)]
    for other in others:
        await queue(other)
    stats = await dispatch.dispatch_due()
    assert stats.sent == 6 and stats.failed == stats.retried == 0
    calls = wechat.stable_token_calls
    assert len(calls) == 2 and calls[1]["force_refresh"] is True


# --- SMS -------------------------------------------------------------------------------------------
async def test_sms_goes_to_the_phone_at_send_time(wechat, gateway):
    p = await physician(phone="13800138000")
    await queue(p)
    await Physician.filter(id=p.id).update(phone="13900139000")
    await dispatch.dispatch_due()
    assert [s[0] for s in gateway.sent] == ["13900139000"]
    assert (await row("sms")).address == "13900139000"


async def test_sms_without_phone_failed_with_reason(wechat, gateway):
    await queue(await physician(phone=None))
    await dispatch.dispatch_due()
    msg = await row("sms")
    assert msg.status == OutboxStatus.FAILED and msg.last_error.startswith("[no_phone] ") and gateway.sent == []


async def test_sms_gateway_errors_retried_or_refused(wechat, gateway):
    await queue(await physician())
    gateway.fail_with = delivery.SmsDeliveryError("网关超时", retryable=True)
    await dispatch.dispatch_due()
    assert (await row("sms")).status == OutboxStatus.PENDING
    gateway.fail_with = delivery.SmsDeliveryError("号码已停机", retryable=False)
    await dispatch.dispatch_due(now=later(3600))
    msg = await row("sms")
    assert msg.status == OutboxStatus.FAILED and msg.last_error == "[sms_gateway] 短信网关：号码已停机"


async def test_verify_code_delivered_then_blanked_and_never_logged(wechat, gateway, caplog):
    caplog.set_level(logging.DEBUG, logger="server")
    await OutboxSmsSender().send("13700137000", "verify_code", {"code": "482916", "minutes": 5}, recipient_id=None)
    await dispatch.dispatch_due()
    assert gateway.sent == [("13700137000", "verify_code", {"code": "482916", "minutes": 5})]
    msg = await row("sms")
    assert msg.status == OutboxStatus.SENT and msg.payload == {"code": "", "minutes": 5}
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "482916" not in text and "13700137000" not in text and "137****7000" in text


async def test_expired_verify_code_is_not_sent(wechat, gateway):
    await OutboxSmsSender().send("13700137000", "verify_code", {"code": "482916", "minutes": 5})
    await OutboxMessage.filter(channel="sms").update(created_at=datetime.now(UTC) - timedelta(hours=1))
    await dispatch.dispatch_due()
    msg = await row("sms")
    assert msg.status == OutboxStatus.FAILED and msg.last_error.startswith("[sms_code_expired]")
    assert msg.payload["code"] == "" and gateway.sent == []


# --- administrators' template messages ------------------------------------------------------------
async def test_staff_message_to_bound_account_and_unbound_refused(wechat, templates, gateway):
    w = await make_world()
    await StaffAccount.filter(org_id=w.hospital2.id).update(wechat_openid="o-oa-admin")
    assert await notices.staff_message(org_id=w.hospital2.id, template="pending_review",
                                      data={"org_name": "南宁市第一人民医院", "count": 7}) == 1
    assert await notices.staff_message(org_id=w.hospital3.id, template="pending_review", data={"count": 1}) == 1
    assert await notices.staff_message(org_id=w.hospital3.id, template="pending_review", data={"count": 1},
                                      only_bound=True) == 0
    await dispatch.dispatch_due()
    [req] = wechat.requests_to(TEMPLATE_SEND)
    assert req.body["touser"] == "o-oa-admin" and req.body["template_id"] == "TPL-OA-PENDING"
    assert req.body["data"] == {"thing1": {"value": "南宁市第一人民医院"}, "number2": {"value": "7"}}
    rows = {r.recipient_id: r for r in await OutboxMessage.filter(channel="wechat_template")}
    bound, unbound = (await account_of(w.hospital2)).id, (await account_of(w.hospital3)).id
    assert rows[bound].status == OutboxStatus.SENT
    assert rows[unbound].status == OutboxStatus.FAILED and rows[unbound].last_error.startswith("[not_bound] ")
    with pytest.raises(ValueError):
        await notices.staff_message(org_id=w.hospital2.id, template="nope")


# --- restarts and concurrency ------------------------------------------------------------------------
async def test_restart_delivers_pending_and_interrupted_rows(wechat, templates, gateway):
    p = await physician()
    await queue(p)
    claimed = await dispatch.claim_due(limit=1)  # a dispatcher took one row, then its process died
    assert len(claimed) == 1
    await close_wechat()  # the new process has a new client (the token cache is in Redis)
    stats = await dispatch.dispatch_due()
    assert stats.claimed == 1  # the other row; the leased one waits for its lease to end
    assert await OutboxMessage.filter(status=OutboxStatus.PENDING).count() == 1
    await dispatch.dispatch_due(now=later(dispatch.LEASE_SECONDS + 1))
    assert await OutboxMessage.filter(status=OutboxStatus.SENT).count() == 2
    assert (await OutboxMessage.get(id=claimed[0].id)).attempts == 2


async def test_row_interrupted_too_often_is_failed(wechat, templates, gateway, configure):
    configure(OUTBOX_MAX_ATTEMPTS=2)
    await queue(await physician())
    for hours in (0, 1):  # claimed twice, never finished
        await dispatch.claim_due(now=later(hours * 3600))
    await dispatch.dispatch_due(now=later(3 * 3600))
    assert {r.last_error for r in await OutboxMessage.all()} == {"[interrupted] 多次投递中断，已停止重试"}
    assert wechat.calls(SEND) == 0


async def _many(n: int) -> None:
    w = await make_world()
    for i in range(n):
        p = await make_physician(w.hospital2, wechat_openid=f"o-many-{i}", phone=f"1380000{i:04d}")
        await OutboxMessage.create(channel="wechat_subscribe", recipient_type="physician", recipient_id=p.id,
                                   template="include", payload={"title": "已开通报名", "body": f"第{i}条"})


def _once_each(wechat, n: int) -> None:
    touser = [r.body["touser"] for r in wechat.requests_to(SEND)]
    assert sorted(touser) == sorted(f"o-many-{i}" for i in range(n)), "a message was sent twice or not at all"


async def test_concurrent_runs_in_one_process_send_once(wechat, templates, gateway):
    await _many(30)
    wechat.delay[SEND] = 0.01
    results = await asyncio.gather(*(dispatch.dispatch_due(batch_size=4) for _ in range(3)))
    assert sum(r.claimed for r in results) == 30
    _once_each(wechat, 30)


@pytest.mark.skipif(BACKEND != "postgres", reason="needs PostgreSQL: two dispatchers sharing rows rely on "
                    "SELECT ... FOR UPDATE SKIP LOCKED (SQLite serialises all writers of its one process)")
async def test_two_dispatchers_on_postgres_do_not_double_send(wechat, templates, gateway):
    await _many(60)
    wechat.delay[SEND] = 0.01
    first, second = await asyncio.gather(dispatch.dispatch_due(batch_size=5), dispatch.dispatch_due(batch_size=5))
    assert first.claimed + second.claimed == 60 and first.claimed and second.claimed
    _once_each(wechat, 60)
    assert await OutboxMessage.filter(status=OutboxStatus.SENT, attempts=1).count() == 60


async def test_logs_carry_no_payload_phone_or_openid(wechat, templates, gateway, caplog):
    caplog.set_level(logging.DEBUG, logger="server")
    p = await physician(openid="o-secret-openid", phone="13612345678")
    wechat.refuse_touser["o-secret-openid"] = (43101, "user refuse to accept the msg")
    await queue(p, body="驳回理由：身份证照片不清晰")
    await dispatch.dispatch_due()
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "outbox" in text
    for secret in ("o-secret-openid", "13612345678", "身份证照片不清晰"):
        assert secret not in text
