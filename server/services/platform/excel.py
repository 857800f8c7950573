"""Excel in and out, streamed: openpyxl read-only for imports, write-only for exports."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils.exceptions import InvalidFileException

from server.errors import ValidationFailed

# Text that a spreadsheet would take for a formula (OWASP "CSV injection"): =, +, -, @, tab, CR.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


class SheetWriter:
    """The one writer of every workbook the server makes (exports, statistics, templates, error
    reports): write-only (constant memory), and any text that starts like a formula is stored as a
    text cell, so a hostile name such as ``=HYPERLINK(...)`` never becomes a live formula."""

    def __init__(self) -> None:
        self.wb = Workbook(write_only=True)
        self.ws: Any = None

    def sheet(self, title: str) -> SheetWriter:
        self.ws = self.wb.create_sheet(title=title[:31])
        return self

    def _cell(self, value: Any) -> Any:
        if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
            cell = WriteOnlyCell(self.ws, value=value)
            cell.data_type = "s"
            return cell
        return value

    def append(self, row: Iterable[Any]) -> None:
        self.ws.append([self._cell(v) for v in row])

    def save(self, target: Any) -> None:
        self.wb.save(target)

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        self.wb.save(out)
        return out.getvalue()

    def discard(self) -> None:
        """Close the sheets' temporary files of a workbook that will not be saved."""
        for ws in self.wb.worksheets:
            writer = getattr(ws, "_writer", None)
            if writer is not None and not ws.closed:
                writer.close()
                writer.cleanup()


def write_rows(headers: list[str], rows: Iterable[Iterable[Any]], *, title: str = "Sheet1") -> bytes:
    """A workbook with one sheet, written row by row (constant memory)."""
    sheet = SheetWriter().sheet(title)
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    return sheet.to_bytes()


def open_rows(data: bytes) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
    """Headers and a row iterator of the first sheet. Refuses files that are not xlsx."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ValidationFailed("文件不是有效的Excel（.xlsx）文件", code="not_excel")
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise ValidationFailed("文件不是有效的Excel（.xlsx）文件", code="not_excel") from None
    ws = wb.worksheets[0] if wb.worksheets else None
    if ws is None:
        raise ValidationFailed("Excel文件中没有工作表", code="not_excel")
    rows = ws.iter_rows(values_only=True)
    try:
        headers = [str(h).strip() if h is not None else "" for h in next(rows)]
    except StopIteration:
        raise ValidationFailed("Excel文件为空", code="empty_excel") from None
    return headers, rows


def check_headers(headers: list[str], required: list[str]) -> dict[str, int]:
    """Map each required header to its column, or refuse the file naming what is missing."""
    index = {h: i for i, h in enumerate(headers) if h}
    missing = [h for h in required if h not in index]
    if missing:
        raise ValidationFailed(f"表头缺少：{'、'.join(missing)}", code="bad_headers", details={"missing": missing})
    return index
