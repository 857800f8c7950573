"""One physician's assessment in one cycle (SPEC §4). The workflow issue fills in
the state machine; the registry needs to know who is in the current cycle."""

from __future__ import annotations

from tortoise import fields

from server.models.base import TimestampedModel


class Assessment(TimestampedModel):
    id = fields.IntField(primary_key=True)
    physician = fields.ForeignKeyField("models.Physician", related_name="assessments", on_delete=fields.RESTRICT)
    cycle = fields.ForeignKeyField("models.Cycle", related_name="assessments", on_delete=fields.RESTRICT)
    institution = fields.ForeignKeyField("models.Organisation", related_name="assessments", on_delete=fields.RESTRICT)
    # Set only through the workflow service (state machine), never directly.
    status = fields.CharField(max_length=32, default="included", db_index=True)
    # Leaving the cycle (驳回到退出当前周期) ends the assessment but keeps the row for history.
    active = fields.BooleanField(default=True, db_index=True)

    class Meta:
        table = "assessment"
        unique_together = (("physician", "cycle"),)
