"""延期考核申请表 (issue #12, regional extras): the physician and staff in scope print the form as a
PDF with the physician's data, the reason and the decisions taken; none before an application."""

from __future__ import annotations

import os

from server.models import AuditLog
from tests.factories import auth, token_for
from tests.integration.mp_support import fill_enrolment, move, setup
from tests.integration.test_certificates import needs_font, needs_poppler, pdf_text, render_png

MP = "/api/v1/mp/delay/form"
ADMIN = "/api/v1/admin/assessments/{id}/delay-form"


@needs_font
@needs_poppler
async def test_form_carries_the_application_and_both_decisions(client, tmp_path):
    s = await setup()
    await fill_enrolment(client, s)
    r = await client.post("/api/v1/mp/delay", headers=s.headers, json={"reason": "因公出国援外，无法参加首轮考核"})
    assert r.status_code == 200, r.text
    await move(s.assessment, "hi_approve_delay", s.w.hospital)
    r = await client.get(MP, headers=s.headers)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    text = pdf_text(r.content, tmp_path)
    for words in ("医师定期考核延期考核申请表", s.physician.name, "因公出国援外", "卫生机构意见", "卫生行政部门意见",
                  "同意", "（盖章）", s.physician.id_number):
        assert words in text.replace(" ", ""), words
    img = render_png(r.content, tmp_path).convert("L")
    assert img.getextrema()[0] < 100  # something is drawn
    if os.environ.get("DKT_KEEP_PDF_PNG"):
        img.save("/tmp/delay_form.png")
    # the province's administration prints it too; another province cannot
    r = await client.get(ADMIN.format(id=s.assessment.id), headers=auth(await token_for(s.w.gx_admin)))
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    r = await client.get(ADMIN.format(id=s.assessment.id), headers=auth(await token_for(s.w.gz_admin)))
    assert r.status_code in (403, 404)
    assert await AuditLog.filter(action="delay_form.print").count() == 2


async def test_no_form_without_an_application(client):
    s = await setup()
    r = await client.get(MP, headers=s.headers)
    assert r.status_code == 409 and r.json()["code"] == "no_delay_application"
    r = await client.get(ADMIN.format(id=s.assessment.id), headers=auth(await token_for(s.w.hospital)))
    assert r.status_code == 409
