"""Queries of the background Excel exports (申请导出, 导出记录; SPEC §8). The filters are those of
the list being exported, as text: the service checks them (enum filters take a comma list)."""

from __future__ import annotations

from pydantic import Field

from server.schemas.common import In, PageQuery


def _text(description: str, max_length: int = 64) -> str | None:
    return Field(default=None, max_length=max_length, description=description)


class ProgressExportQuery(In):
    """考核进度导出."""

    status: str | None = _text("考核状态（可逗号分隔多个）", 500)
    procedure: str | None = _text("考核程序（general / simple，可逗号分隔）")
    institution_id: str | None = _text("卫生机构 id", 20)
    name: str | None = _text("姓名（包含）")
    id_number: str | None = _text("证件号码", 32)
    cycle_id: str | None = _text("考核周期 id（默认本周期）", 20)


class ExamProgressExportQuery(In):
    """考试进展导出."""

    procedure: str | None = _text("考核程序（general / simple，可逗号分隔）")
    institution_id: str | None = _text("卫生机构 id", 20)
    name: str | None = _text("姓名（包含）")
    id_number: str | None = _text("证件号码", 32)
    cycle_id: str | None = _text("考核周期 id（默认本周期）", 20)


class PhysicianExportQuery(In):
    """医师信息列表导出."""

    name: str | None = _text("姓名（包含）")
    id_number: str | None = _text("证件号码", 32)
    institution_id: str | None = _text("卫生机构 id", 20)
    department_id: str | None = _text("科室 id", 20)
    category: str | None = _text("执业类别（可逗号分隔）", 200)
    level: str | None = _text("执业级别（可逗号分隔）", 200)
    registry_status: str | None = _text("登记状态（可逗号分隔）", 200)


class ExportListQuery(PageQuery):
    """导出记录 (newest first)."""
