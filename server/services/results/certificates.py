"""考核结果通知书 (SPEC §8; seed manuals: administration 2.2.10 证书打印, assessment / health
institution 打印证书 "针对考核结果为合格的医师", physician manual 打印合格证书).

- Only for 合格 (a first-round 合格, or a re-exam 合格 — that notice also says 本考核周期内不得评优
  和晋升): the seeds print the notice for qualified physicians only; a 不合格 result is told by
  message, never certified.
- Issued once (``Certificate``): number ``DKT-<province code>-<year of issue>-<seq:06d>`` and a
  random token; every reprint shows the same number and QR code. The issuing organisation is the
  one that confirmed the 合格 (the assessment institution for 成绩评定, the administration for
  评定再次考核), else the province's administration.
- The PDF (reportlab, A4) embeds a subset of the CJK TrueType font at CERT_FONT_PATH, so it
  renders where no Chinese font is installed; without the font it is refused with
  ``cert_font_missing`` (503) before any number is issued. Photo (the enrolment's 1-inch photo),
  name, masked ID number, institution, cycle, procedure, result, issuing organisation, date, and a
  QR code of PUBLIC_BASE_URL/verify/<token>.
- Who: the physician their own (mini-program); reviewers (health institution, assessment
  institution, administration) those in their scope; outside → 403, unknown → 404.
- /verify/<token> (``verify``): number, masked name and ID number, result, cycle, issuing
  organisation and date — nothing more; valid only while the assessment is still 合格.
"""

from __future__ import annotations

import asyncio
import io
import os
import re
import secrets
import threading
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, NotRequired, TypedDict

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from server.errors import Conflict, DomainError, NotFound, OutOfJurisdiction, RateLimited
from server.models import (
    Assessment,
    AssessmentEvent,
    AssessmentStatus,
    Certificate,
    Cycle,
    Organisation,
    OrgKind,
    Physician,
    Region,
    StoredFile,
    VoidedCertificate,
)
from server.models.geo import province_id_of_path
from server.security import mask_id_number
from server.services import audit
from server.services.access import Actor, Role
from server.services.assessment import transitions
from server.services.platform import files
from server.services.platform.runtime import rt

S = AssessmentStatus
CST = timezone(timedelta(hours=8))
FONT_NAME = "DKTCertCJK"
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
# Fonts registered with reportlab (a process-wide registry of its own), registered once per path.
_fonts: dict[str, str] = {}
_font_lock = threading.Lock()


class CertificateUnavailable(DomainError):
    status = 503
    code = "cert_font_missing"
    message = "证书字体缺失，暂时无法生成考核结果通知书"


def mask_name(name: str) -> str:
    """张* / 欧阳** : the first character, the rest starred."""
    name = (name or "").strip()
    return name[:1] + "*" * max(1, len(name) - 1) if name else ""


def font_for(path: str) -> str:
    """Register the CJK font once per process; its reportlab name. Refuses a missing or unusable font."""
    if path in _fonts:
        return _fonts[path]
    if not path or not os.path.isfile(path):
        raise CertificateUnavailable(f"证书字体文件不存在（CERT_FONT_PATH={path}），请安装 fonts-wqy-zenhei "
                                     "或配置 CERT_FONT_PATH")
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    with _font_lock:
        if path not in _fonts:
            name = f"{FONT_NAME}{len(_fonts)}"
            try:
                pdfmetrics.registerFont(TTFont(name, path, subfontIndex=0))
            except Exception:
                raise CertificateUnavailable(f"证书字体无法加载（CERT_FONT_PATH={path}），请使用 TrueType 中文字体"
                                             ) from None
            _fonts[path] = name
    return _fonts[path]


# --- issuing ------------------------------------------------------------------------------------------


async def _issuer(a: Assessment) -> tuple[int | None, str]:
    event = await AssessmentEvent.filter(assessment_id=a.id, flow="main", to_status=S.QUALIFIED.value
                                         ).order_by("-id").first()
    org = await Organisation.get_or_none(id=event.org_id) if event and event.org_id else None
    if org is None:
        province_id = province_id_of_path(a.region_path)
        org = await Organisation.filter(kind=OrgKind.ADMINISTRATION, region_id=province_id).order_by("id").first()
    return (org.id, org.name) if org else (None, "")


async def _snapshot(a: Assessment) -> dict[str, str]:
    physician = await Physician.get(id=a.physician_id)
    cycle = await Cycle.get(id=a.cycle_id)
    institution = await Organisation.get_or_none(id=a.institution_id)
    return {"name": physician.name, "id_number": mask_id_number(physician.id_number),
            "institution": institution.name if institution else "", "cycle": cycle.name,
            "cycle_dates": f"{cycle.start_date:%Y年%m月%d日}至{cycle.end_date:%Y年%m月%d日}",
            "procedure": a.procedure.label if a.procedure else "", "result": S.QUALIFIED.label}


async def ensure_certificate(actor: Actor, a: Assessment) -> Certificate:
    """The assessment's notice, issued on first use (same number on every reprint)."""
    existing = await Certificate.get_or_none(assessment_id=a.id)
    if existing is not None:
        return existing
    if a.status != S.QUALIFIED:
        raise Conflict("仅考核结果为合格的医师可打印考核结果通知书", code="certificate_unavailable")
    province = await Region.get_or_none(id=province_id_of_path(a.region_path) or 0)
    code = province.code if province else "000000"
    year = datetime.now(CST).year
    issuer_id, issuer_name = await _issuer(a)
    snapshot = {**await _snapshot(a), "issuer": issuer_name}
    for _ in range(5):
        last = await Certificate.filter(province_code=code, year=year).order_by("-seq").first()
        seq = (last.seq if last else 0) + 1
        try:
            async with in_transaction() as conn:
                cert = await Certificate.create(
                    assessment_id=a.id, physician_id=a.physician_id, cycle_id=a.cycle_id,
                    number=f"DKT-{code}-{year}-{seq:06d}", province_code=code, year=year, seq=seq,
                    token=secrets.token_urlsafe(24), issuer_org_id=issuer_id, issuer_name=issuer_name,
                    result=S.QUALIFIED.value, no_promotion=a.no_promotion, snapshot=snapshot, using_db=conn)
                await audit.record(actor, "certificate.issue", "certificate", cert.id,
                                   after={"assessment_id": a.id, "number": cert.number}, using_db=conn)
            return cert
        except IntegrityError:
            existing = await Certificate.get_or_none(assessment_id=a.id)
            if existing is not None:  # issued by a concurrent request
                return existing
    raise Conflict("通知书编号分配繁忙，请稍后重试", code="certificate_busy")


# --- the PDF ----------------------------------------------------------------------------------------


def verify_url(token: str) -> str:
    return f"{rt().settings.PUBLIC_BASE_URL.rstrip('/')}/verify/{token}"


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Lines of at most `width`: breaks between Chinese characters, never inside a Latin word or number."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines, line = [], ""
    for token in re.findall(r"[A-Za-z0-9\-.*]+|.", text):
        if line and stringWidth(line + token, font, size) > width:
            lines.append(line)
            line = ""
        line += token
    return [*lines, line] if line else lines


def _draw_qr(c: Any, value: str, *, x: float, y: float, size: float, border: int = 2) -> None:
    """The QR code (reportlab's encoder, error correction M) drawn as filled squares."""
    from reportlab.graphics.barcode.qrencoder import QRCode, QRErrorCorrectLevel

    qr = QRCode(None, QRErrorCorrectLevel.M)
    qr.addData(value)
    qr.make()
    n = qr.getModuleCount()
    box = size / (n + 2 * border)
    c.setFillColorRGB(0, 0, 0)
    for r in range(n):
        for col in range(n):
            if qr.isDark(r, col):
                c.rect(x + (col + border) * box, y + size - (r + border + 1) * box, box, box, stroke=0, fill=1)


def render_pdf(*, font: str, cert: dict[str, Any], photo: bytes | None, url: str) -> bytes:
    """The notice as an A4 PDF (synchronous: run it in a thread)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    width, height = A4
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, pageCompression=1, initialFontName=font)
    c.setTitle(f"医师定期考核结果通知书 {cert['number']}")
    c.setAuthor(cert["issuer"] or "定考通")
    c.setLineWidth(2)
    c.rect(36, 36, width - 72, height - 72)
    c.setLineWidth(0.6)
    c.rect(42, 42, width - 84, height - 84)
    c.setFont(font, 26)
    c.drawCentredString(width / 2, height - 110, "医师定期考核结果通知书")
    c.setFont(font, 10)
    c.drawRightString(width - 70, height - 140, f"编号：{cert['number']}")
    # photo, 1-inch proportions
    px, py, pw, ph = width - 70 - 90, height - 300, 90, 126
    if photo:
        try:
            c.drawImage(ImageReader(io.BytesIO(photo)), px, py, pw, ph, preserveAspectRatio=True, anchor="c")
        except Exception:
            photo = None
    if not photo:
        c.drawCentredString(px + pw / 2, py + ph / 2, "照片")
    c.rect(px, py, pw, ph)
    rows = [("姓　　名", cert["name"]), ("证件号码", cert["id_number"]), ("工作单位", cert["institution"]),
            ("考核周期", cert["cycle"]), ("考核程序", cert["procedure"]), ("考核结果", cert["result"])]
    y = height - 185
    for label, value in rows:
        c.setFont(font, 13)
        c.drawString(80, y, f"{label}：")
        for i, line in enumerate(_wrap(str(value), font, 13, px - 170)):
            c.drawString(158, y - i * 17, line)
        y -= 36
    text = (f"　　经考核，{cert['name']}医师在{cert['cycle']}（{cert['cycle_dates']}）医师定期考核中，"
            f"考核结果为{cert['result']}。特此通知。")
    c.setFont(font, 14)
    y -= 14
    for line in _wrap(text, font, 14, width - 160):
        c.drawString(80, y, line)
        y -= 24
    if cert.get("no_promotion"):
        c.setFont(font, 11)
        c.drawString(80, y - 4, "注：再次考核合格，本考核周期内不得评优和晋升。")
    c.setFont(font, 14)
    c.drawRightString(width - 80, 236, "发证机关（盖章）")
    c.drawRightString(width - 80, 210, cert["issuer"] or "")
    c.drawRightString(width - 80, 184, cert["issued_on"])
    _draw_qr(c, url, x=72, y=110, size=96)
    c.setFont(font, 9)
    c.drawString(72, 98, "扫码核验通知书真伪")
    c.drawString(72, 84, url)
    c.save()
    return buf.getvalue()


async def standard_photo(a: Assessment) -> bytes | None:
    if not a.photo_file_id:
        return None
    stored = await StoredFile.get_or_none(id=a.photo_file_id)
    if stored is None:
        return None
    try:
        return await files.read(stored)
    except (NotFound, OSError):  # the photo is gone (e.g. deleted on account deletion): the notice without it
        return None


async def _pdf(actor: Actor, a: Assessment) -> tuple[bytes, str]:
    font = font_for(rt().settings.CERT_FONT_PATH)  # before a number is issued
    cert = await ensure_certificate(actor, a)
    if a.status != S.QUALIFIED:
        raise Conflict("该医师考核结果已不是合格，不能打印考核结果通知书", code="certificate_unavailable")
    fields = {**cert.snapshot, "number": cert.number, "issuer": cert.issuer_name, "no_promotion": cert.no_promotion,
              "issued_on": f"{cert.issued_at.astimezone(CST):%Y年%m月%d日}"}
    data = await asyncio.to_thread(render_pdf, font=font, cert=fields, photo=await standard_photo(a),
                                   url=verify_url(cert.token))
    async with in_transaction() as conn:
        await Certificate.filter(id=cert.id).using_db(conn).update(print_count=cert.print_count + 1,
                                                                   last_printed_at=datetime.now(UTC))
        await audit.record(actor, "certificate.print", "certificate", cert.id, after={"number": cert.number},
                           using_db=conn)
    return data, f"考核结果通知书-{cert.number}.pdf"


async def certificate_for_reviewer(*, actor: Actor, assessment_id: int) -> tuple[bytes, str]:
    """证书打印 / 打印证书: a reviewer prints the notice of an assessment in their scope."""
    a = await Assessment.get_or_none(id=assessment_id)
    if a is None:
        raise NotFound("考核记录不存在")
    if actor.role not in (Role.HEALTH_INSTITUTION, Role.ASSESSMENT_INSTITUTION, Role.ADMINISTRATION) or \
            not await transitions.in_scope(actor, a):
        raise OutOfJurisdiction()
    return await _pdf(actor, a)


async def certificate_for_physician(*, actor: Actor, assessment_id: int | None = None) -> tuple[bytes, str]:
    """The physician downloads their own notice (current cycle, or the assessment named)."""
    if assessment_id is None:
        physician = await Physician.get_or_none(id=actor.physician_id)
        cycle = await transitions.current_cycle_for(physician) if physician else None
        a = await Assessment.get_or_none(physician_id=actor.physician_id, cycle_id=cycle.id) if cycle else None
    else:
        a = await Assessment.get_or_none(id=assessment_id, physician_id=actor.physician_id)
    if a is None:
        raise NotFound("考核记录不存在")
    return await _pdf(actor, a)


# --- /verify/<token> --------------------------------------------------------------------------------


async def _rate_limit(ip: str | None) -> None:
    key = f"verify:rate:{ip or 'unknown'}"
    redis = rt().redis
    n = await redis.incr(key)
    if n == 1:
        await redis.expire(key, 60)
    if n > max(1, rt().settings.VERIFY_RATE_PER_MINUTE):
        raise RateLimited("核验请求过于频繁，请稍后再试", code="verify_rate_limited")


class VerifyAnswer(TypedDict):
    """/verify/<token> (a public page or JSON, no declared model): the masked data when valid."""

    valid: bool
    number: str
    message: str
    name: NotRequired[str]
    id_number: NotRequired[str]
    result: NotRequired[str]
    cycle: NotRequired[str]
    issuer: NotRequired[str]
    issued_on: NotRequired[str]


async def verify(*, token: str, ip: str | None) -> VerifyAnswer:
    """The public confirmation of a notice: masked data only; 404 for an unknown token."""
    await _rate_limit(ip)
    cert = await Certificate.get_or_none(token=token) if TOKEN_RE.match(token or "") else None
    if cert is None:
        voided = await VoidedCertificate.get_or_none(token=token) if TOKEN_RE.match(token or "") else None
        if voided is not None:  # the result changed on 复核: the old number is void
            return {"valid": False, "number": voided.number, "message": "该考核结果通知书已作废"}
        raise NotFound("未找到该考核结果通知书", code="certificate_not_found")
    status = await Assessment.filter(id=cert.assessment_id).values_list("status", flat=True)
    if not status or status[0] != S.QUALIFIED:
        return {"valid": False, "number": cert.number, "message": "该考核结果通知书已失效"}
    snap = cert.snapshot or {}
    return {"valid": True, "number": cert.number, "name": mask_name(snap.get("name", "")),
            "id_number": snap.get("id_number", ""), "result": snap.get("result", ""), "cycle": snap.get("cycle", ""),
            "issuer": cert.issuer_name, "issued_on": cert.issued_at.astimezone(CST).date().isoformat(),
            "message": "该考核结果通知书真实有效"}
