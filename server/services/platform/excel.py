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


# Bounds checked before openpyxl reads anything (an xlsx is a zip: a 1 MB file can hold a 700 MB
# cell). openpyxl's read-only mode streams the sheets but loads the shared strings whole.
MAX_UNCOMPRESSED_BYTES = 400 * 1024 * 1024   # all entries together
MAX_SHARED_STRINGS_BYTES = 48 * 1024 * 1024  # xl/sharedStrings.xml (held in memory)
MAX_RATIO = 200                              # uncompressed / compressed of any large entry
MAX_ROWS = 500_000
MAX_CELL_CHARS = 10_000


def check_archive(data: bytes) -> None:
    """Refuse a workbook whose zip would expand beyond the bounds (a "zip bomb"), in well under a
    second and without decompressing anything."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ValidationFailed("文件不是有效的Excel（.xlsx）文件", code="not_excel") from None
    total = sum(i.file_size for i in infos)
    too_big = total > MAX_UNCOMPRESSED_BYTES
    for i in infos:
        if i.filename.endswith("sharedStrings.xml") and i.file_size > MAX_SHARED_STRINGS_BYTES:
            too_big = True
        if i.file_size > 1024 * 1024 and i.file_size > MAX_RATIO * max(1, i.compress_size):
            too_big = True
    if too_big:
        raise ValidationFailed("Excel文件内容过大或格式异常，请拆分后再导入（每个文件不超过50万行、单元格不超过1万字）",
                               code="excel_too_large")


def _bounded(rows: Iterator[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    for n, row in enumerate(rows, start=2):
        if n > MAX_ROWS + 1:
            raise ValidationFailed(f"Excel文件超过{MAX_ROWS}行，请拆分后再导入", code="excel_too_large")
        for cell in row:
            if isinstance(cell, str) and len(cell) > MAX_CELL_CHARS:
                raise ValidationFailed(f"第{n}行有单元格超过{MAX_CELL_CHARS}字，请检查后再导入", code="excel_cell_too_long")
        yield row


def open_rows(data: bytes) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
    """Headers and a row iterator of the first sheet (bounded: rows, cell length). Refuses files
    that are not xlsx, and archives that would expand beyond the bounds, before reading them."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ValidationFailed("文件不是有效的Excel（.xlsx）文件", code="not_excel")
    check_archive(data)
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
    return headers, _bounded(rows)


def check_headers(headers: list[str], required: list[str]) -> dict[str, int]:
    """Map each required header to its column, or refuse the file naming what is missing."""
    index = {h: i for i, h in enumerate(headers) if h}
    missing = [h for h in required if h not in index]
    if missing:
        raise ValidationFailed(f"表头缺少：{'、'.join(missing)}", code="bad_headers", details={"missing": missing})
    return index
