"""通知记录 (SPEC §7: a notification "is retried until delivered or definitively refused"): the
staff see the notifications of the people in their scope — each message's kind, channel, masked
recipient, status, attempts, last error and times — and 重发 a failed one (audited).

Scope: messages to physicians in the caller's scope (`physician_scope_q`) and to staff accounts of
organisations in its scope (`org_scope_q`). Messages to a bare phone number (verification codes)
are never listed.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.expressions import Q, Subquery
from tortoise.transactions import in_transaction

from server.errors import Conflict, NotFound
from server.models import (
    InboxMessage,
    Organisation,
    OutboxChannel,
    OutboxMessage,
    OutboxStatus,
    Physician,
    StaffAccount,
)
from server.schemas.common import Labelled, Page
from server.schemas.outbox import OutboxQuery, OutboxRow, Recipient
from server.security import mask_phone
from server.services import audit
from server.services.access import Actor, org_scope_q, physician_scope_q
from server.services.notify import dispatch
from server.services.notify.notices import OUTCOME_MESSAGES, PHYSICIAN_MESSAGES

TITLES: dict[str, str] = {
    **{k: v[0] for k, v in PHYSICIAN_MESSAGES.items()},
    **{f"{a}:{s}": v[0] for (a, s), v in OUTCOME_MESSAGES.items()},
    "export_finished": "导出完成", "review_reminder": "待审核提醒",
}


async def _scope_q(actor: Actor) -> Q:
    physicians = Subquery(Physician.filter(await physician_scope_q(actor)).values("id"))
    orgs = Subquery(Organisation.filter(await org_scope_q(actor)).values("id"))
    accounts = Subquery(StaffAccount.filter(org_id__in=orgs).values("id"))
    return (Q(recipient_type="physician") & Q(recipient_id__in=physicians)) | (
        Q(recipient_type="staff") & Q(recipient_id__in=accounts))


def _mask_address(channel: str, address: str | None) -> str:
    if not address:
        return ""
    if channel == OutboxChannel.SMS.value:
        return mask_phone(address)
    return address[:4] + "****" if len(address) > 4 else "****"


def _channel(raw: str) -> Labelled:
    try:
        return Labelled.of(OutboxChannel(raw))
    except ValueError:
        return Labelled[OutboxChannel].model_construct(value=raw, label=raw)


async def _rows(messages: list[OutboxMessage]) -> list[OutboxRow]:
    physician_ids = {m.recipient_id for m in messages if m.recipient_type == "physician" and m.recipient_id}
    staff_ids = {m.recipient_id for m in messages if m.recipient_type == "staff" and m.recipient_id}
    names = {("physician", i): n for i, n in await Physician.filter(id__in=physician_ids).values_list("id", "name")}
    for i, code, org in await StaffAccount.filter(id__in=staff_ids).values_list("id", "code", "org__name"):
        names[("staff", i)] = f"{org}（{code}）"
    out = []
    for m in messages:
        kind = m.template
        title = TITLES.get(f"{kind}:{(m.payload or {}).get('target', '')}") or TITLES.get(kind) \
            or (m.payload or {}).get("title") or kind
        out.append(OutboxRow(
            id=m.id, kind=kind, title=str(title), channel=_channel(m.channel),
            recipient=Recipient(type=m.recipient_type, id=m.recipient_id,
                                name=names.get((m.recipient_type, m.recipient_id)),
                                address=_mask_address(m.channel, m.address)),
            status=Labelled.of(m.status), attempts=m.attempts, last_error=m.last_error or "",
            created_at=m.created_at, sent_at=m.sent_at, next_attempt_at=m.next_attempt_at,
        ))
    return out


async def _inbox_page(actor: Actor, query: OutboxQuery) -> Page[OutboxRow]:
    """站内消息 (written straight into the physician's inbox, never queued): delivered when written;
    read or not shows in last_error's place as 已读 / 未读."""
    qs = InboxMessage.filter(physician_id__in=Subquery(Physician.filter(await physician_scope_q(actor)).values("id")))
    if query.status is not None and query.status != OutboxStatus.SENT:
        return Page.of([], 0, query)
    if query.kind:
        qs = qs.filter(template=query.kind)
    if query.physician_id is not None:
        qs = qs.filter(physician_id=query.physician_id)
    if query.created_from is not None:
        qs = qs.filter(created_at__gte=query.created_from)
    if query.created_to is not None:
        qs = qs.filter(created_at__lte=query.created_to)
    count = await qs.count()
    rows = await qs.order_by("-id").offset(query.offset).limit(query.size)
    names = dict(await Physician.filter(id__in={m.physician_id for m in rows}).values_list("id", "name"))
    return Page.of([OutboxRow(
        id=m.id, kind=m.template, title=m.title, channel=Labelled.of(OutboxChannel.INBOX),
        recipient=Recipient(type="physician", id=m.physician_id, name=names.get(m.physician_id), address=""),
        status=Labelled.of(OutboxStatus.SENT), attempts=1, last_error="已读" if m.read_at else "未读",
        created_at=m.created_at, sent_at=m.created_at, next_attempt_at=None) for m in rows], count, query)


async def list_messages(*, actor: Actor, query: OutboxQuery) -> Page[OutboxRow]:
    """通知记录: the scope's notifications, newest first, filtered and paged (channel 站内消息 lists the
    physicians' inbox; the others the outbox)."""
    if query.channel == OutboxChannel.INBOX:
        return await _inbox_page(actor, query)
    qs = OutboxMessage.filter(await _scope_q(actor))
    if query.channel is not None:
        qs = qs.filter(channel=query.channel.value)
    if query.status is not None:
        qs = qs.filter(status=query.status)
    if query.kind:
        qs = qs.filter(template=query.kind)
    if query.physician_id is not None:
        qs = qs.filter(recipient_type="physician", recipient_id=query.physician_id)
    if query.created_from is not None:
        qs = qs.filter(created_at__gte=query.created_from)
    if query.created_to is not None:
        qs = qs.filter(created_at__lte=query.created_to)
    count = await qs.count()
    messages = await qs.order_by("-id").offset(query.offset).limit(query.size)
    return Page.of(await _rows(messages), count, query)


async def resend(*, actor: Actor, message_id: int) -> OutboxRow:
    """重发: a failed notification in scope goes back to the queue (attempts start again)."""
    async with in_transaction() as conn:
        msg = await OutboxMessage.filter(await _scope_q(actor), id=message_id).using_db(conn) \
            .select_for_update().first()
        if msg is None:
            raise NotFound("通知不存在", code="message_not_found")
        if msg.status != OutboxStatus.FAILED:
            raise Conflict("仅发送失败的通知可以重发", code="message_not_failed")
        before = {"status": msg.status.value, "attempts": msg.attempts, "last_error": msg.last_error}
        msg.status, msg.attempts, msg.next_attempt_at = OutboxStatus.PENDING, 0, datetime.now(UTC)
        await msg.save(using_db=conn, update_fields=["status", "attempts", "next_attempt_at"])
        await audit.record(actor, "outbox.resend", "outbox_message", msg.id, before=before,
                           after={"status": msg.status.value}, using_db=conn)
    dispatch.kick([msg.id])
    return (await _rows([msg]))[0]
