"""考核结果通知书 (SPEC §8): only for 合格; the physician downloads their own, reviewers print for
those in their scope; the PDF embeds the CJK font (rendered with pdftoppm, checked not blank);
the QR code's page confirms the notice with masked data only."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image, ImageStat

from server.models import Assessment, AuditLog, Certificate, Organisation
from server.models import AssessmentStatus as S
from server.services.access import Role
from server.services.platform.runtime import rt
from server.services.results import certificates
from tests.factories import auth, make_physician, physician_token, token_for
from tests.integration.results_support import act, exam_world, new_driver
from tests.integration.review_support import API, staff_move

FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
needs_font = pytest.mark.skipif(not Path(FONT).is_file(),
                                reason=f"CJK font missing ({FONT}): apt-get install fonts-wqy-zenhei "
                                       "(scripts/system-deps.sh)")
needs_poppler = pytest.mark.skipif(shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None,
                                   reason="pdftoppm/pdftotext missing: apt-get install poppler-utils")
MP_CERT = "/api/v1/mp/results/certificate"


def render_png(pdf: bytes, tmp: Path) -> Image.Image:
    (tmp / "notice.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-singlefile", str(tmp / "notice.pdf"), str(tmp / "page")],
                   check=True, capture_output=True, timeout=60)
    return Image.open(tmp / "page.png")


def pdf_text(pdf: bytes, tmp: Path) -> str:
    (tmp / "text.pdf").write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-layout", str(tmp / "text.pdf"), "-"], check=True, capture_output=True,
                         timeout=60)
    return out.stdout.decode()


def pdf_fonts(pdf: bytes, tmp: Path) -> str:
    (tmp / "fonts.pdf").write_bytes(pdf)
    return subprocess.run(["pdffonts", str(tmp / "fonts.pdf")], check=True, capture_output=True,
                          timeout=60).stdout.decode()


async def qualified(client, w, cycle, **kw):
    d = await new_driver(client, w, cycle, **kw)
    a = await d.judged()
    assert a.status == S.QUALIFIED
    return d, a


@needs_font
@needs_poppler
async def test_physician_downloads_own_notice_and_it_renders_without_system_cjk_fonts(client, tmp_path):
    w, cycle = await exam_world()
    d, a = await qualified(client, w, cycle)
    r = await d.mp("GET", "/results/certificate")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf" and r.content.startswith(b"%PDF-")
    cert = await Certificate.get(assessment_id=a.id)
    assert re.fullmatch(rf"DKT-450000-{datetime.now().year}-000001", cert.number)
    assert len(cert.token) >= 32 and cert.issuer_name == w.hospital.name  # the assessment institution
    # the CJK font is embedded (a subset), so no Chinese font is needed where it is opened
    fonts = pdf_fonts(r.content, tmp_path)
    cjk = [line for line in fonts.splitlines() if "WenQuanYi" in line]
    assert cjk and all(" yes yes " in line for line in cjk), fonts
    text = pdf_text(r.content, tmp_path)
    for expected in ("医师定期考核结果通知书", d.p.name, cert.number, "南宁市第一人民医院", "2024-2026周期",
                     "一般程序", "合格", w.hospital.name, f"/verify/{cert.token}"):
        assert expected in text, (expected, text)
    assert d.p.id_number not in text and d.p.id_number[:4] + "*" in text  # masked ID number
    png = render_png(r.content, tmp_path)
    grey = png.convert("L")
    stat = ImageStat.Stat(grey)
    assert stat.stddev[0] > 20, "the rendered page is blank"
    assert grey.getextrema()[0] < 60  # dark glyphs, the frame and the QR code are there
    # a reprint keeps the number
    r2 = await d.mp("GET", f"/results/certificate?assessment_id={a.id}")
    assert r2.status_code == 200
    assert await Certificate.all().count() == 1
    assert (await Certificate.get(id=cert.id)).print_count == 2
    assert await AuditLog.filter(action="certificate.issue").count() == 1


@needs_font
async def test_notice_only_for_qualified(client):
    w, cycle = await exam_world()
    d = await new_driver(client, w, cycle)
    a = await d.judged(professional=30)
    assert a.status == S.FAILED
    r = await d.mp("GET", "/results/certificate")
    assert r.status_code == 409 and r.json()["code"] == "certificate_unavailable"
    r = await client.get(f"{API}/assessments/{a.id}/certificate", headers=auth(await token_for(w.gx_admin)))
    assert r.status_code == 409 and r.json()["code"] == "certificate_unavailable"
    r = await d.mp("GET", "/results")
    assert r.status_code == 200 and r.json()["certificate"]["available"] is False
    assert r.json()["fail_reason"] == "exam"
    assert await Certificate.all().count() == 0


@needs_font
async def test_others_cannot_download_a_physicians_notice(client):
    w, cycle = await exam_world()
    d, a = await qualified(client, w, cycle)
    other = await make_physician(w.hospital2)
    r = await client.get(f"{MP_CERT}?assessment_id={a.id}", headers=auth(await physician_token(other)))
    assert r.status_code == 404
    r = await client.get(MP_CERT, headers=auth(await physician_token(other)))
    assert r.status_code == 404
    r = await client.get(MP_CERT, headers=auth(await token_for(w.hospital2)))
    assert r.status_code == 403 and r.json()["code"] == "wrong_role"
    r = await client.get(f"{API}/assessments/{a.id}/certificate", headers=auth(await physician_token(d.p)))
    assert r.status_code in (401, 403)
    assert await Certificate.all().count() == 0


@needs_font
async def test_reviewers_in_scope_print_outside_refused(client):
    w, cycle = await exam_world()
    d, a = await qualified(client, w, cycle)
    url = f"{API}/assessments/{a.id}/certificate"
    numbers = set()
    for token in (await token_for(w.hospital2), await token_for(w.hospital, Role.ASSESSMENT_INSTITUTION),
                  await token_for(w.qx_admin), await token_for(w.gx_admin)):
        r = await client.get(url, headers=auth(token))
        assert r.status_code == 200 and r.content.startswith(b"%PDF-"), r.text
        numbers.add((await Certificate.get(assessment_id=a.id)).number)
    assert len(numbers) == 1
    await Organisation.filter(id=w.hospital3.id).update(is_assessment_institution=True)  # not assigned
    for token in (await token_for(w.hospital3), await token_for(w.hospital3, Role.ASSESSMENT_INSTITUTION),
                  await token_for(w.gz_admin), await token_for(w.lz_admin)):
        r = await client.get(url, headers=auth(token))
        assert r.status_code == 403 and r.json()["code"] == "out_of_jurisdiction", r.text
        assert d.p.name not in r.text
    r = await client.get(url, headers=auth(await token_for(w.industry)))
    assert r.status_code == 403 and r.json()["code"] == "wrong_role"
    r = await client.get(f"{API}/assessments/999999/certificate", headers=auth(await token_for(w.gx_admin)))
    assert r.status_code == 404


@needs_font
async def test_verify_page_shows_masked_data_only(client):
    w, cycle = await exam_world()
    d, a = await qualified(client, w, cycle, name="张三丰")
    r = await d.mp("GET", "/results/certificate")
    assert r.status_code == 200
    cert = await Certificate.get(assessment_id=a.id)
    r = await client.get(f"/verify/{cert.token}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    assert "张**" in html and cert.number in html and "真实有效" in html and "合格" in html
    for secret in ("张三丰", d.p.id_number, "南宁市第一人民医院", d.p.phone or "-", "一般程序"):
        assert secret not in html, secret
    r = await client.get(f"/verify/{cert.token}?format=json")
    body = r.json()
    assert set(body) == {"valid", "number", "name", "id_number", "result", "cycle", "issuer", "issued_on",
                         "message"}
    assert body["valid"] is True and body["name"] == "张**" and body["id_number"] == d.p.id_number[:4] + "*" * 12 + \
        d.p.id_number[-2:]
    assert body["issuer"] == w.hospital.name and body["cycle"] == "2024-2026周期"
    r = await client.get(f"/verify/{cert.token}", headers={"accept": "application/json"})
    assert r.json()["number"] == cert.number and "max-age" in r.headers["cache-control"]
    for token in ("A" * 32, "not-a-token", "x"):
        r = await client.get(f"/verify/{token}")
        assert r.status_code == 404 and "张" not in r.text
        r = await client.get(f"/verify/{token}?format=json")
        assert r.status_code == 404 and r.json()["code"] == "certificate_not_found"


@needs_font
async def test_verify_says_invalid_once_the_result_is_withdrawn(client):
    w, cycle = await exam_world()
    d, a = await qualified(client, w, cycle)
    await d.mp("GET", "/results/certificate")
    cert = await Certificate.get(assessment_id=a.id)
    await staff_move(await d.admin(), await Assessment.get(id=a.id), "admin_reject_to_leave")
    r = await client.get(f"/verify/{cert.token}?format=json")
    assert r.status_code == 200 and r.json() == {"valid": False, "number": cert.number,
                                                 "message": "该考核结果通知书已失效"}
    r = await d.mp("GET", "/results/certificate")
    assert r.status_code in (404, 409)


async def test_verify_is_rate_limited(client, app):
    settings = rt().settings
    rt().settings = dataclasses.replace(settings, VERIFY_RATE_PER_MINUTE=3)
    try:
        codes = [(await client.get(f"/verify/{'B' * 32}?format=json")).status_code for _ in range(4)]
    finally:
        rt().settings = settings
    assert codes == [404, 404, 404, 429]


async def test_missing_font_is_refused_before_a_number_is_issued(client):
    with pytest.raises(certificates.CertificateUnavailable) as exc:
        certificates.font_for("/nonexistent/font.ttc")
    assert exc.value.code == "cert_font_missing" and exc.value.status == 503
    w, cycle = await exam_world()
    d, a = await qualified(client, w, cycle)
    settings = rt().settings
    rt().settings = dataclasses.replace(settings, CERT_FONT_PATH="/nonexistent/font.ttc")
    try:
        r = await d.mp("GET", "/results/certificate")
    finally:
        rt().settings = settings
    assert r.status_code == 503 and r.json()["code"] == "cert_font_missing", r.text
    assert await Certificate.all().count() == 0


@needs_font
@needs_poppler
async def test_reexam_notice_says_no_promotion(client, tmp_path):
    w, cycle = await exam_world()
    d = await new_driver(client, w, cycle)
    a = await d.reexam_listed()
    await d.sit("professional", 80)
    r = await act(client, await token_for(w.qx_admin), a.id, "admin_judge_reexam")
    assert r.json()["to_status"] == "qualified"
    r = await d.mp("GET", "/results/certificate")
    assert r.status_code == 200
    text = pdf_text(r.content, tmp_path)
    assert "不得评优和晋升" in text and w.qx_admin.name in text  # issued by the judging administration
