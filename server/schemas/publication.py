"""Shapes of the publication of 违纪不合格 outcomes."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from server.schemas.common import In, Out


class PublicationSetting(In):
    enabled: bool = Field(title="向社会公布违纪不合格结果")


class PublicationState(Out):
    cycle_id: int
    enabled: bool


class PublishedViolation(Out):
    """What is published: no ID number, no photo — a masked name, the institution, the cycle."""

    name: str = Field(description="姓名（脱敏）")
    institution: str
    cycle: str
    result: str = Field(description="违纪不合格")
    decided_on: date | None


class PublishedViolations(Out):
    province: str
    data: list[PublishedViolation]
