"""The standard photo's face reference (SPEC §6): the embedding computed once, when the photo is
stored (services/exams/face_verify.py), and compared with every face check of the physician's exams."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class FaceReference(Model):
    """The reference embedding of one standard photo (128 float32, 512 bytes)."""

    id = fields.IntField(primary_key=True)
    physician = fields.ForeignKeyField("models.Physician", related_name=False, on_delete=fields.CASCADE)
    cycle = fields.ForeignKeyField("models.Cycle", related_name=False, on_delete=fields.CASCADE, null=True)
    photo_file_id = fields.UUIDField(unique=True)
    embedding = fields.BinaryField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "face_reference"
        indexes = (("physician_id", "id"),)
