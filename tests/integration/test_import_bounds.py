"""Imports bound what they read (issue #15 "files in and out"): an xlsx whose zip would expand
beyond the bounds (a huge shared-strings entry: a "zip bomb") is refused at upload without being
decompressed; too-long cells are refused; ordinary files still import."""

from __future__ import annotations

import io
import tracemalloc
import zipfile

import pytest

from server.errors import ValidationFailed
from server.services.platform import excel
from tests.factories import auth, make_world, token_for

URL = "/api/v1/admin/imports/physicians"


def bomb(megabytes: int) -> bytes:
    """A real workbook whose sharedStrings.xml holds one string of `megabytes` MB (about 1 KB per
    MB once compressed), built without holding it in memory."""
    base = excel.write_rows(["姓名", "证件号码"], [["张三", "450103198001010011"]])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            if item.filename != "xl/sharedStrings.xml":
                dst.writestr(item, src.read(item.filename))
        info = zipfile.ZipInfo("xl/sharedStrings.xml")
        info.compress_type = zipfile.ZIP_DEFLATED
        with dst.open(info, "w", force_zip64=True) as fh:
            fh.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>')
            chunk = b"A" * (1024 * 1024)
            for _ in range(megabytes):
                fh.write(chunk)
            fh.write(b"</t></si></sst>")
    return out.getvalue()


def test_a_zip_bomb_is_refused_before_reading():
    data = bomb(120)
    assert len(data) < 2 * 1024 * 1024
    tracemalloc.start()
    with pytest.raises(ValidationFailed) as exc:
        excel.open_rows(data)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert exc.value.code == "excel_too_large"
    assert peak < 20 * 1024 * 1024  # nothing was decompressed


async def test_upload_of_a_zip_bomb_is_refused_with_a_clear_error(client):
    w = await make_world()
    r = await client.post(URL, headers={**auth(await token_for(w.hospital)), "content-type": "application/octet-stream"},
                          content=bomb(60))
    assert r.status_code == 422 and r.json()["code"] == "excel_too_large"
    assert "拆分" in r.json()["message"]


def test_too_long_cells_are_refused_and_ordinary_rows_read():
    ok = excel.write_rows(["题干"], [["正常内容"] for _ in range(3)])
    headers, rows = excel.open_rows(ok)
    assert headers == ["题干"] and len(list(rows)) == 3
    long = excel.write_rows(["题干"], [["短"], ["长" * (excel.MAX_CELL_CHARS + 1)]])
    headers, rows = excel.open_rows(long)
    with pytest.raises(ValidationFailed) as exc:
        list(rows)
    assert exc.value.code == "excel_cell_too_long" and "第3行" in exc.value.message
