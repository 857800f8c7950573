"""监考管理 (SPEC §6; seed manuals: administration 2.2.8 考核过程监管, health institution 2.2.9,
assessment institution 2.2.7): the 疑似作弊 mark of one examinee in one cycle, and the history of
every mark, unmark and 处理 (违纪不合格).

The examinee of a cycle is the assessment (one physician, one cycle), so a mark belongs to an
assessment. ``ProctoringMark`` holds the current state (one row per assessment, created on the
first mark); ``ProctoringEvent`` keeps every change with who, which organisation and role, when
and why. 处理 itself is a move of the state machine (``admin_mark_violation``, recorded in
``AssessmentEvent`` by the workflow); its hook also writes a ``process`` event here, so the
proctoring history is complete on its own.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from server.models.base import LabelledEnum


class ProctoringAction(LabelledEnum):
    MARK = ("mark", "标记疑似作弊")
    UNMARK = ("unmark", "撤销疑似作弊标记")
    PROCESS = ("process", "处理为违纪不合格")


class ProctoringMark(Model):
    """疑似作弊 (红色标记) of one examinee: set by any reviewer in scope, cleared by administrations."""

    id = fields.IntField(primary_key=True)
    assessment = fields.OneToOneField("models.Assessment", related_name="proctoring_mark",
                                      on_delete=fields.CASCADE)
    suspected = fields.BooleanField(default=False, db_index=True)
    note = fields.CharField(max_length=255, default="", description="标记说明（可选）")
    marked_at = fields.DatetimeField(null=True)
    marked_by_account_id = fields.IntField(null=True)
    marked_by_org_id = fields.IntField(null=True)
    marked_role = fields.CharField(max_length=32, default="")
    unmarked_at = fields.DatetimeField(null=True)
    unmarked_by_account_id = fields.IntField(null=True)
    unmarked_by_org_id = fields.IntField(null=True)
    version = fields.IntField(default=0)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "proctoring_mark"


class ProctoringEvent(Model):
    """History: every mark / unmark / 处理 with who, which organisation and role, when, why."""

    id = fields.BigIntField(primary_key=True)
    assessment = fields.ForeignKeyField("models.Assessment", related_name="proctoring_events",
                                        on_delete=fields.CASCADE)
    action = fields.CharEnumField(ProctoringAction, max_length=16)
    actor_type = fields.CharField(max_length=16)
    actor_id = fields.IntField(null=True)
    org_id = fields.IntField(null=True)
    role = fields.CharField(max_length=32)
    reason = fields.TextField(default="")
    data = fields.JSONField(default=dict)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "proctoring_event"
        indexes = (("assessment_id", "id"), ("action", "assessment_id"))
