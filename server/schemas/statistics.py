"""Shapes of 考核进度统计 / 考核结果统计 (SPEC §8). A request that queues a background job
(刷新统计, 一键确认) answers a `JobView` (server/schemas/jobs.py), followed at GET /jobs/<id>."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from server.models import StatsKind
from server.schemas.common import Labelled, Out, Ref
from server.schemas.jobs import JobView


class StatsColumn(Out):
    key: str
    label: str


class StatsRegionRow(Out):
    """A child region (or 本级) and its counts per column."""

    id: int | None
    name: str
    counts: dict[str, int]


class StatsInstitutionRow(Out):
    """A health institution and its counts per column."""

    id: int
    name: str
    region: str
    counts: dict[str, int]


class StatsSnapshotView(Out):
    """统计结果 of the caller's scope: the latest snapshot with its 统计时间 (not real time), and
    the refresh in progress, if any."""

    kind: Labelled[StatsKind]
    computed_at: datetime
    computed_at_text: str = Field(description="统计时间（北京时间）")
    realtime: bool
    notice: str
    duration_ms: int
    refreshing: JobView | None
    cycles: list[Ref]
    columns: list[StatsColumn]
    regions: list[StatsRegionRow]
    institutions: list[StatsInstitutionRow]
    total: dict[str, int]
