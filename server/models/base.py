"""Shared model pieces: enums that carry their Chinese label, timestamps."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class LabelledEnum(StrEnum):
    """A string enum whose members also carry the Chinese label the UI shows.

    Declared as ``NAME = ("value", "中文")``; the stored value is the English one.
    """

    label: str

    def __new__(cls, value: str, label: str = ""):
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.label = label or value
        return obj

    def __str__(self) -> str:
        return self.value

    @classmethod
    def choices(cls) -> list[dict[str, str]]:
        return [{"value": m.value, "label": m.label} for m in cls]


class TimestampedModel(Model):
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        abstract = True
