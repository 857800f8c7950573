"""医师定期考核延期考核申请表 (SPEC §4 stage 8; the Guangxi schedule's 附件1): the printable form of
a delay application — name, gender, photo, institution, ID number, the two certificate numbers,
the reason, and the two levels' opinion boxes (卫生机构意见 / 卫生行政部门意见, each with a date line
and room for the stamp), filled with the decisions already taken. "此表一式2份".

Who: the physician their own (mini-program); staff in scope (health institution, administration)
any of theirs. Only while a delay application exists (申请延期考核 made). The ID number is printed
in full for the physician and for staff who see full numbers (the form is handed to the authority
that stamps it), masked otherwise.
"""

from __future__ import annotations

import asyncio
import io
from datetime import timedelta, timezone

from server.errors import Conflict, NotFound, OutOfJurisdiction
from server.models import Assessment, AssessmentEvent, DelayStatus, Organisation, Physician
from server.security import mask_id_number
from server.services import audit
from server.services.access import Actor, Role
from server.services.assessment import records, transitions
from server.services.platform.runtime import rt
from server.services.results.certificates import font_for, standard_photo

CST = timezone(timedelta(hours=8))


def render_delay_form(*, font: str, form: dict[str, str], photo: bytes | None) -> bytes:
    """The form as an A4 PDF (synchronous: run it in a thread)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    width, height = A4
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, pageCompression=1, initialFontName=font)
    c.setTitle("医师定期考核延期考核申请表")
    c.setFont(font, 20)
    c.drawCentredString(width / 2, height - 80, "医师定期考核延期考核申请表")
    left, right = 60, width - 60
    label_w, photo_w = 110, 100
    row_h = 34
    top = height - 110
    rows = [("姓名", form["name"], "性别", form["gender"]), ("所在执业卫生机构", form["institution"], None, None),
            ("身份证号", form["id_number"], None, None), ("医师资格证书编号", form["qualification_cert_no"], None, None),
            ("执业/助理证书编号", form["practice_cert_no"], None, None)]
    c.setLineWidth(0.8)
    y = top
    value_right = right - photo_w
    for label, value, label2, value2 in rows:
        c.rect(left, y - row_h, value_right - left, row_h)
        c.line(left + label_w, y, left + label_w, y - row_h)
        c.setFont(font, 11)
        c.drawCentredString(left + label_w / 2, y - row_h / 2 - 4, label)
        if label2:
            mid = left + label_w + (value_right - left - label_w) / 2
            c.line(mid, y, mid, y - row_h)
            c.line(mid + 50, y, mid + 50, y - row_h)
            c.drawCentredString(mid + 25, y - row_h / 2 - 4, label2)
            c.drawString(mid + 58, y - row_h / 2 - 4, str(value2 or ""))
            c.drawString(left + label_w + 8, y - row_h / 2 - 4, str(value or ""))
        else:
            c.drawString(left + label_w + 8, y - row_h / 2 - 4, str(value or ""))
        y -= row_h
    # photo box beside the rows
    c.rect(value_right, y, photo_w, top - y)
    if photo:
        try:
            c.drawImage(ImageReader(io.BytesIO(photo)), value_right + 8, y + 8, photo_w - 16, top - y - 16,
                        preserveAspectRatio=True, anchor="c")
        except Exception:
            photo = None
    if not photo:
        c.drawCentredString(value_right + photo_w / 2, (top + y) / 2, "相片")
    boxes = [("申请延期考核原因", form["reason"], None, 150),
             ("卫生机构意见", form["hi_opinion"], "年　　月　　日（盖章）", 130),
             ("卫生行政部门意见", form["admin_opinion"], "年　　月　　日（盖章）", 130)]
    for label, text, foot, h in boxes:
        c.rect(left, y - h, right - left, h)
        c.line(left + label_w, y, left + label_w, y - h)
        c.setFont(font, 11)
        c.drawCentredString(left + label_w / 2, y - h / 2 - 4, label)
        ty = y - 22
        for line in _lines(str(text or ""), 30):
            c.drawString(left + label_w + 8, ty, line)
            ty -= 16
        if foot:
            c.drawRightString(right - 12, y - h + 14, foot)
        y -= h
    c.setFont(font, 10)
    c.drawString(left, y - 24, "注：1.此表一式2份，一份审批后由本单位存档，一份由卫生行政部门存档。")
    c.save()
    return buf.getvalue()


def _lines(text: str, per_line: int) -> list[str]:
    out: list[str] = []
    for para in text.splitlines() or [""]:
        out.extend(para[i:i + per_line] for i in range(0, max(len(para), 1), per_line))
    return out[:7]


def _opinion(event: AssessmentEvent | None, agree: str) -> str:
    if event is None:
        return ""
    when = f"{event.created_at.astimezone(CST):%Y年%m月%d日}"
    verdict = "同意" if event.action.endswith("approve_delay") else f"不同意。理由：{event.reason}"
    return f"{verdict}（{agree}，{when}）"


async def _form(a: Assessment, *, full_numbers: bool) -> dict[str, str]:
    physician = await Physician.get(id=a.physician_id)
    events = await AssessmentEvent.filter(assessment_id=a.id, flow="delay").order_by("id")
    hi = next((e for e in reversed(events) if e.action in ("hi_approve_delay", "hi_reject_delay")), None)
    admin = next((e for e in reversed(events) if e.action in ("admin_approve_delay", "admin_reject_delay")), None)
    orgs = dict(await Organisation.filter(id__in=[x.org_id for x in (hi, admin) if x and x.org_id]
                                          + [a.institution_id]).values_list("id", "name"))
    return {
        "name": physician.name, "gender": physician.gender or "",
        "institution": orgs.get(a.institution_id, ""),
        "id_number": physician.id_number if full_numbers else mask_id_number(physician.id_number),
        "qualification_cert_no": physician.qualification_cert_no or "",
        "practice_cert_no": physician.practice_cert_no or "",
        "reason": a.delay_reason,
        "hi_opinion": _opinion(hi, orgs.get(hi.org_id, "") if hi else ""),
        "admin_opinion": _opinion(admin, orgs.get(admin.org_id, "") if admin else ""),
    }


async def _pdf(actor: Actor, a: Assessment, *, full_numbers: bool) -> tuple[bytes, str]:
    if a.delay == DelayStatus.NONE:
        raise Conflict("尚未申请延期考核，没有延期考核申请表", code="no_delay_application")
    font = font_for(rt().settings.CERT_FONT_PATH)
    form = await _form(a, full_numbers=full_numbers)
    data = await asyncio.to_thread(render_delay_form, font=font, form=form, photo=await standard_photo(a))
    await audit.record(actor, "delay_form.print", "assessment", a.id)
    return data, f"延期考核申请表-{form['name']}.pdf"


async def delay_form_for_reviewer(*, actor: Actor, assessment_id: int) -> tuple[bytes, str]:
    """A health institution or administration prints the form of an assessment in its scope."""
    if actor.role not in (Role.HEALTH_INSTITUTION, Role.ADMINISTRATION):
        raise OutOfJurisdiction()
    a = await records.get_in_scope(actor, assessment_id)
    physician = await Physician.get(id=a.physician_id)
    return await _pdf(actor, a, full_numbers=records.sees_full_numbers(actor, a, physician))


async def delay_form_for_physician(*, actor: Actor) -> tuple[bytes, str]:
    """The physician prints the form of their current cycle."""
    physician = await Physician.get_or_none(id=actor.physician_id)
    cycle = await transitions.current_cycle_for(physician) if physician else None
    a = await Assessment.get_or_none(physician_id=actor.physician_id, cycle_id=cycle.id) if cycle else None
    if a is None:
        raise NotFound("考核记录不存在", code="assessment_not_found")
    return await _pdf(actor, a, full_numbers=True)
