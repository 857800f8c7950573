"""Request bodies of 再次考核管理 (SPEC §4 stage 7; seed: administration manual 2.2.9)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from server.schemas.reviews import MAX_BATCH


class ReexamConfirmBatch(BaseModel):
    """确认 / 批量确认 of the re-exam list, with the suspension recorded for each physician."""

    model_config = ConfigDict(extra="forbid")

    ids: list[int] = Field(min_length=1, max_length=MAX_BATCH, description="考核记录 ids")
    suspension_months: int = Field(default=3, ge=3, le=6, description="暂停执业月数（3-6，默认3）")
    suspended_from: date | None = Field(default=None, description="暂停执业起始日期（默认当天）")


class ReexamConfirmAll(BaseModel):
    """一键确认: every confirmable 不合格 physician of the province's current cycle (or `cycle_id`)."""

    model_config = ConfigDict(extra="forbid")

    suspension_months: int = Field(default=3, ge=3, le=6, description="暂停执业月数（3-6，默认3）")
    suspended_from: date | None = Field(default=None, description="暂停执业起始日期（默认当天）")
    cycle_id: int | None = Field(default=None, ge=1, description="考核周期（默认当前周期）")
