"""站内消息 (SPEC §7): the physician reads their own inbox. Another physician's message is
answered as not found. Marking read is the recipient's own view state: no audit row."""

from __future__ import annotations

from server.errors import NotFound, ValidationFailed
from server.models import InboxMessage
from server.schemas.inbox import AllRead, MessageRead, MessageRow
from server.services.access import Actor
from server.services.platform.clock import utcnow

ORDERS = ("newest", "unread")


def _row(m: InboxMessage) -> MessageRow:
    return MessageRow(id=m.id, template=m.template, title=m.title, body=m.body, data=m.data,
                      read=m.read_at is not None, read_at=m.read_at, created_at=m.created_at)


async def unread_count(physician_id: int) -> int:
    return await InboxMessage.filter(physician_id=physician_id, read_at__isnull=True).count()


async def list_messages(*, actor: Actor, page_no: int, size: int, order: str = "newest"
                        ) -> tuple[list[MessageRow], int, int]:
    """Messages, newest first, or unread first (each part newest first): (rows, count, unread)."""
    if order not in ORDERS:
        raise ValidationFailed("排序方式无效（newest 或 unread）", code="invalid_query")
    mine = InboxMessage.filter(physician_id=actor.physician_id)
    count = await mine.count()
    unread = await unread_count(actor.physician_id or 0)
    offset = (page_no - 1) * size
    if order == "newest":
        rows = await mine.order_by("-created_at", "-id").offset(offset).limit(size)
        return [_row(m) for m in rows], count, unread
    # unread first: the unread part, then the read part, paged across both (portable NULL ordering)
    rows = []
    if offset < unread:
        rows = list(await InboxMessage.filter(physician_id=actor.physician_id, read_at__isnull=True)
                    .order_by("-created_at", "-id").offset(offset).limit(size))
    if len(rows) < size:
        read_offset = max(0, offset - unread)
        rows += await (InboxMessage.filter(physician_id=actor.physician_id, read_at__isnull=False)
                       .order_by("-created_at", "-id").offset(read_offset).limit(size - len(rows)))
    return [_row(m) for m in rows], count, unread


async def mark_read(*, actor: Actor, message_id: int) -> MessageRead:
    """标为已读: only the physician's own message (someone else's id: 404)."""
    message = await InboxMessage.get_or_none(id=message_id, physician_id=actor.physician_id)
    if message is None:
        raise NotFound("消息不存在")
    if message.read_at is None:
        await InboxMessage.filter(id=message.id, read_at__isnull=True).update(read_at=utcnow())
        message = await InboxMessage.get(id=message.id)
    return MessageRead(**dict(_row(message)), unread=await unread_count(actor.physician_id or 0))


async def mark_all_read(*, actor: Actor) -> AllRead:
    """全部已读."""
    updated = await InboxMessage.filter(physician_id=actor.physician_id, read_at__isnull=True).update(
        read_at=utcnow())
    return AllRead(updated=updated, unread=0)
