"""Exports carry no formulas (issue #15 "files in and out"): every workbook the server writes goes
through one writer (platform/excel.SheetWriter), which stores text that starts like a formula
(= + - @ tab CR) as text; a hostile value exported through each kind of export reads back as text."""

from __future__ import annotations

import io
import re
from pathlib import Path

from openpyxl import load_workbook

from server.models import Organisation, Physician
from server.services.platform import excel
from tests.factories import auth, token_for
from tests.integration.test_exports import apply
from tests.integration.test_statistics import refresh, seed_fixture

API = "/api/v1/admin"
HOSTILE = ['=HYPERLINK("http://evil.example/x","点我")', "+1+1", "-2+3", "@SUM(A1:A9)", "\t=1", "\r=1"]
EVIL_ORG = '=HYPERLINK("http://evil.example","医院")'
EVIL_NAME = "=1+1"


def _cells(data: bytes) -> list:
    wb = load_workbook(io.BytesIO(data))  # not read-only: cell types are kept
    return [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]


def _assert_texts(data: bytes, *values: str) -> None:
    cells = _cells(data)
    for value in values:
        found = [c for c in cells if c.value == value]
        assert found, f"{value!r} missing from the workbook"
        assert all(c.data_type == "s" for c in found), f"{value!r} written as a formula"
    assert not any(c.data_type == "f" for c in cells)


def test_the_one_writer_stores_formula_like_text_as_text():
    data = excel.write_rows(["列"], [[v] for v in HOSTILE] + [[5], ["普通文字"]])
    _assert_texts(data, *HOSTILE)
    numbers = [c for c in _cells(data) if c.value == 5]
    assert numbers and numbers[0].data_type == "n"  # numbers stay numbers


def test_no_workbook_is_made_outside_the_one_writer():
    root = Path(__file__).resolve().parents[2] / "server"
    offenders = [str(p) for p in root.rglob("*.py")
                 if re.search(r"\bWorkbook\(", p.read_text(encoding="utf-8")) and p.name != "excel.py"]
    assert not offenders, offenders


async def _hostile_world():
    fx = await seed_fixture()
    await Organisation.filter(id=fx.w.hospital2.id).update(name=EVIL_ORG)
    await Physician.filter(id=fx.physicians["a"].id).update(name=EVIL_NAME)
    return fx


async def test_accounts_export_writes_a_hostile_name_as_text(client):
    fx = await _hostile_world()
    r = await client.get(f"{API}/accounts/export", headers=auth(await token_for(fx.w.gx_admin)),
                         params={"kind": "health_institution"})
    assert r.status_code == 200, r.text
    _assert_texts(r.content, EVIL_ORG)


async def test_background_exports_write_hostile_values_as_text(client):
    fx = await _hostile_world()
    token = await token_for(fx.w.gx_admin)
    for what in ("progress", "exam_progress", "physicians"):
        job = await apply(client, token, what)
        r = await client.get(f"{API}/jobs/{job['id']}/result", headers=auth(token))
        assert r.status_code == 200, (what, r.text)
        _assert_texts(r.content, EVIL_NAME) if what != "exam_progress" else _assert_texts(r.content)


async def test_statistics_excel_writes_a_hostile_institution_as_text(client):
    fx = await _hostile_world()
    token = await token_for(fx.w.gx_admin)
    await refresh(client, token, "progress")
    r = await client.get(f"{API}/statistics/progress/excel", headers=auth(token))
    assert r.status_code == 200, r.text
    _assert_texts(r.content, EVIL_ORG)
