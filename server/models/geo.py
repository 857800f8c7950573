"""Regions: 国家 → 省 → 市(地/州) → 县(区). Jurisdiction is a region subtree."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from server.models.base import LabelledEnum


class RegionLevel(LabelledEnum):
    NATIONAL = ("national", "国家")
    PROVINCE = ("province", "省")
    CITY = ("city", "市")
    COUNTY = ("county", "县")


LEVEL_DEPTH = {RegionLevel.NATIONAL: 0, RegionLevel.PROVINCE: 1, RegionLevel.CITY: 2, RegionLevel.COUNTY: 3}


class Region(Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=12, unique=True, description="行政区划代码")
    name = fields.CharField(max_length=64)
    level = fields.CharEnumField(RegionLevel, max_length=16)
    parent = fields.ForeignKeyField(
        "models.Region", null=True, related_name="children", on_delete=fields.RESTRICT
    )
    # "/<national id>/<province id>/.../<own id>/": a subtree is a prefix match.
    path = fields.CharField(max_length=255, db_index=True)

    class Meta:
        table = "region"

    def __str__(self) -> str:
        return self.name

    @property
    def province_id(self) -> int | None:
        parts = [int(p) for p in self.path.strip("/").split("/") if p]
        return parts[1] if len(parts) > 1 else None


def province_id_of_path(path: str) -> int | None:
    parts = [p for p in path.strip("/").split("/") if p]
    return int(parts[1]) if len(parts) > 1 else None
