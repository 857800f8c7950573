"""Shapes of the region picker."""

from __future__ import annotations

from pydantic import Field

from server.models import RegionLevel
from server.schemas.common import In, Labelled, Out


class RegionTreeQuery(In):
    depth: int | None = Field(default=None, ge=0, le=3, description="只返回根以下的层数（0=仅本级）")


class RegionNode(Out):
    """One region and the regions under it."""

    id: int
    code: str = Field(description="行政区划代码")
    name: str
    level: Labelled[RegionLevel]
    children: list[RegionNode]


class RegionTree(Out):
    data: list[RegionNode]
