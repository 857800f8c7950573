"""站内消息: a physician's in-app inbox."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class InboxMessage(Model):
    id = fields.BigIntField(primary_key=True)
    physician = fields.ForeignKeyField("models.Physician", related_name="messages", on_delete=fields.CASCADE)
    template = fields.CharField(max_length=64)
    title = fields.CharField(max_length=128)
    body = fields.TextField()
    data = fields.JSONField(default=dict)
    read_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "inbox_message"
        indexes = (("physician_id", "read_at"),)
