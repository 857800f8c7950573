"""Reviewers see what they judge (issue #12): staff in scope open every material the physician
submitted — photo, 简易程序 proofs, 述职报告, 自评 per item, conditions as text — and every opening
of a file is audited; outside the scope, or a file that is not the assessment's, answers 404."""

from __future__ import annotations

import uuid

from server.models import AuditLog, StoredFile
from tests.factories import auth, make_physician, token_for
from tests.integration.mp_support import fill_enrolment, pdf, setup, upload_proof

API = "/api/v1/admin/assessments"


async def test_institution_and_province_open_every_material(client):
    s = await setup()
    await fill_enrolment(client, s, simple=True)
    for org in (s.w.hospital, s.w.gx_admin):
        token = await token_for(org)
        r = await client.get(f"{API}/{s.assessment.id}/materials", headers=auth(token))
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["procedure"]["value"] == "simple"
        assert body["report"] == "本人述职报告。"
        assert body["simple_conditions"] == list(s.cycle.simple_conditions[:2])
        assert all(isinstance(c, str) and c for c in body["simple_conditions"])
        groups = {i["group"]: i["text"] for i in body["self_assessment"]}
        assert groups["work_performance"] == "按时完成岗位工作任务。" and groups["ethics"] == "遵守医德规范。"
        kinds = sorted(f["kind"] for f in body["files"])
        assert kinds == ["photo", "procedure_proof"]
        for f in body["files"]:
            got = await client.get(f"{API}/{s.assessment.id}/materials/{f['id']}", headers=auth(token))
            assert got.status_code == 200 and got.headers["content-type"] == f["content_type"]
            assert got.headers["cache-control"] == "private, no-store"
            assert len(got.content) == f["size"]
    views = await AuditLog.filter(action="physician_file.view").count()
    assert views == 4  # two files, two viewers


async def test_outside_scope_and_foreign_files_are_404(client):
    s = await setup()
    await fill_enrolment(client, s, simple=True)
    body = (await client.get(f"{API}/{s.assessment.id}/materials",
                             headers=auth(await token_for(s.w.hospital)))).json()
    file_id = body["files"][0]["id"]
    for org in (s.w.hospital2, s.w.gz_admin, s.w.lz_admin):
        token = await token_for(org)
        for url in (f"{API}/{s.assessment.id}/materials", f"{API}/{s.assessment.id}/materials/{file_id}"):
            r = await client.get(url, headers=auth(token))
            assert r.status_code == 404, (org.name, url, r.status_code)
            assert "本人述职报告" not in r.text
    token = await token_for(s.w.hospital)
    # a file of the same physician that is no material of this assessment, and an unknown id
    r = await upload_proof(client, s, pdf(), "other.pdf")
    loose = r.json()["data"][0]["id"]
    other = await make_physician(s.w.hospital, name="另一位医师")
    foreign = await StoredFile.create(key=f"x/{uuid.uuid4()}", purpose="proof", content_type="application/pdf",
                                      size=3, sha256="0" * 64, owner_physician_id=other.id)
    for fid in (loose, foreign.id, uuid.uuid4()):
        r = await client.get(f"{API}/{s.assessment.id}/materials/{fid}", headers=auth(token))
        assert r.status_code == 404 and r.json()["code"] == "material_not_found", fid
    assert await AuditLog.filter(action="physician_file.view").count() == 0


async def test_materials_need_a_staff_role(client):
    s = await setup()
    r = await client.get(f"{API}/{s.assessment.id}/materials", headers=auth(await token_for(s.w.industry)))
    assert r.status_code == 403
    r = await client.get(f"{API}/{s.assessment.id}/materials", headers=s.headers)
    assert r.status_code in (401, 403)


async def test_self_assessment_item_by_item_appears_in_materials(client):
    """The province's 考核内容 items appear in the physician's 自评 (one entry per item) and in 材料."""
    from server.models import DEFAULT_EVALUATION_ITEMS, Cycle

    s = await setup()
    await Cycle.filter(id=s.cycle.id).update(evaluation_items=DEFAULT_EVALUATION_ITEMS)
    work = DEFAULT_EVALUATION_ITEMS["work_performance"]
    await fill_enrolment(client, s)
    texts = [f"{name}：良好" for name in work]
    r = await client.put("/api/v1/mp/enrolment/self_assessment", headers=s.headers,
                         json={"item_texts": {"work_performance": texts[:-1]}})
    assert r.status_code == 422 and r.json()["code"] == "invalid_items"  # one entry per item
    r = await client.put("/api/v1/mp/enrolment/self_assessment", headers=s.headers,
                         json={"item_texts": {"work_performance": texts}})
    assert r.status_code == 200, r.text
    body = (await client.get(f"{API}/{s.assessment.id}/materials", headers=auth(await token_for(s.w.hospital)))).json()
    per_item = [i for i in body["self_assessment"] if "：" in i["group_label"]]
    assert [i["group_label"] for i in per_item] == [f"工作成绩：{name}" for name in work]
    assert [i["text"] for i in per_item] == texts
