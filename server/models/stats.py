"""考核进度统计 / 考核结果统计 snapshots (SPEC §8): computed in the background, kept with
the time they were computed ("此功能不是实时统计，请操作时注意系统展示的统计时间")."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from server.models.base import LabelledEnum


class StatsKind(LabelledEnum):
    PROGRESS = ("progress", "考核进度统计")
    RESULTS = ("results", "考核结果统计")


class StatsSnapshot(Model):
    """One computed statistics table for one scope: an organisation acting in one role
    (a hospital that is also an assessment institution has two scopes)."""

    id = fields.IntField(primary_key=True)
    kind = fields.CharEnumField(StatsKind, max_length=16)
    org = fields.ForeignKeyField("models.Organisation", related_name=False, on_delete=fields.CASCADE)
    role = fields.CharField(max_length=32)
    # the scope's region: the administration's jurisdiction, or the institution's own region
    region_id = fields.IntField(null=True)
    region_path = fields.CharField(max_length=255, default="")
    # {"cycles": [...], "columns": [...], "regions": [...], "institutions": [...], "total": {...}}
    data = fields.JSONField(default=dict)
    computed_at = fields.DatetimeField()
    duration_ms = fields.IntField(default=0)
    job_id = fields.UUIDField(null=True)
    requested_by_id = fields.IntField(null=True)

    class Meta:
        table = "stats_snapshot"
        indexes = (("org_id", "role", "kind", "computed_at"),)  # the scope's latest snapshot
