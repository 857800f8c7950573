"""Operational records: audit log, background jobs, stored files, the outbox."""

from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.models import Model

from server.models.base import LabelledEnum


class AuditLog(Model):
    """Every write: who, which organisation, when, what, before/after, from where."""

    id = fields.BigIntField(primary_key=True)
    actor_type = fields.CharField(max_length=16)  # staff | physician | system
    actor_id = fields.IntField(null=True)
    org_id = fields.IntField(null=True, db_index=True)
    action = fields.CharField(max_length=64, db_index=True)
    target_type = fields.CharField(max_length=32)
    target_id = fields.CharField(max_length=64, null=True)
    before = fields.JSONField(null=True)
    after = fields.JSONField(null=True)
    ip = fields.CharField(max_length=64, null=True)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "audit_log"


class JobStatus(LabelledEnum):
    QUEUED = ("queued", "排队中")
    RUNNING = ("running", "处理中")
    SUCCEEDED = ("succeeded", "已完成")
    FAILED = ("failed", "失败")


class Job(Model):
    """A long piece of background work (import, export, statistics) with visible progress."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    kind = fields.CharField(max_length=32, db_index=True)
    status = fields.CharEnumField(JobStatus, max_length=16, default=JobStatus.QUEUED)
    owner_account = fields.ForeignKeyField("models.StaffAccount", null=True, related_name=False, on_delete=fields.SET_NULL)
    org = fields.ForeignKeyField("models.Organisation", null=True, related_name=False, on_delete=fields.SET_NULL)
    params = fields.JSONField(default=dict)
    total = fields.IntField(default=0)
    processed = fields.IntField(default=0)
    succeeded = fields.IntField(default=0)
    failed = fields.IntField(default=0)
    message = fields.TextField(default="")
    result_file = fields.ForeignKeyField("models.StoredFile", null=True, related_name=False, on_delete=fields.SET_NULL)
    error_file = fields.ForeignKeyField("models.StoredFile", null=True, related_name=False, on_delete=fields.SET_NULL)
    created_at = fields.DatetimeField(auto_now_add=True)
    started_at = fields.DatetimeField(null=True)
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "job"


class StoredFile(Model):
    """A file in storage. Who may read it is decided by the service that serves it."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    key = fields.CharField(max_length=255, unique=True)
    purpose = fields.CharField(max_length=32)  # e.g. assessment_material, import, export, error_report
    content_type = fields.CharField(max_length=100)
    size = fields.BigIntField()
    sha256 = fields.CharField(max_length=64)
    original_name = fields.CharField(max_length=255, default="")
    owner_org_id = fields.IntField(null=True)
    owner_account_id = fields.IntField(null=True)
    owner_physician_id = fields.IntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "stored_file"


class OutboxStatus(LabelledEnum):
    PENDING = ("pending", "待发送")
    SENT = ("sent", "已发送")
    FAILED = ("failed", "发送失败")  # definitively refused, or retries exhausted


class OutboxChannel(LabelledEnum):
    """How a notification travels (the outbox's `channel` column holds the value)."""

    INBOX = ("inbox", "站内消息")
    WECHAT_SUBSCRIBE = ("wechat_subscribe", "订阅消息")
    WECHAT_TEMPLATE = ("wechat_template", "公众号模板消息")
    SMS = ("sms", "短信")


class OutboxMessage(Model):
    """A notification written in the same transaction as the event causing it."""

    id = fields.BigIntField(primary_key=True)
    channel = fields.CharField(max_length=32)  # inbox | wechat_subscribe | wechat_template | sms
    recipient_type = fields.CharField(max_length=16)  # physician | staff | phone
    recipient_id = fields.IntField(null=True)
    address = fields.CharField(max_length=64, null=True)  # phone number / openid at send time
    template = fields.CharField(max_length=64)
    payload = fields.JSONField(default=dict)
    status = fields.CharEnumField(OutboxStatus, max_length=16, default=OutboxStatus.PENDING, db_index=True)
    attempts = fields.SmallIntField(default=0)
    next_attempt_at = fields.DatetimeField(null=True, db_index=True)
    last_error = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "outbox_message"
