"""考核机构管理 (SPEC §2): 允许 / 不允许, applications with materials, 通过 / 驳回,
考核机构列表, 指定卫生机构 (添加 / 撤销), industry organisations, 已指定卫生机构列表."""

from __future__ import annotations

import io

from PIL import Image

from server.models import (
    AccountStatus,
    ApplicationStatus,
    AssessmentApplication,
    AssessmentAssignment,
    AuditLog,
    Organisation,
    OrgKind,
    StoredFile,
)
from server.services.access import Role
from server.services.platform.runtime import rt
from tests.factories import auth, make_org, make_world, token_for

A = "/api/v1/admin/assessment"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 10, 10)).save(out, "PNG")
    return out.getvalue()


def stored_files_on_disk() -> int:
    if not hasattr(rt().storage, "root"):
        return 0  # TEST_STORAGE_BACKEND=s3: the StoredFile count below still holds
    root = rt().storage.root / "assessment_material"
    return sum(1 for p in root.rglob("*") if p.is_file()) if root.exists() else 0


async def _allow(client, admin, org):
    r = await client.put(f"{A}/apply-permission/{org.id}", headers=auth(await token_for(admin)), json={"allow": True})
    assert r.status_code == 200, r.text


async def _upload(client, token, *files):
    parts = [("file", f) for f in files] or None
    return await client.post(f"{A}/materials", headers=auth(token), files=parts)


async def _apply(client, org, admin=None):
    """Allow (when an admin is given), upload a PNG and a PDF, submit; returns the application id."""
    if admin is not None:
        await _allow(client, admin, org)
    token = await token_for(org)
    r = await _upload(client, token, ("资质.png", png_bytes(), "image/png"), ("证明.pdf", PDF, "application/pdf"))
    assert r.status_code == 201, r.text
    ids = [f["id"] for f in r.json()["data"]]
    r = await client.post(f"{A}/applications", headers=auth(token), json={"note": "申请成为考核机构", "material_ids": ids})
    assert r.status_code == 201, r.text
    return r.json()["id"]


# --- 允许 / 不允许 ----------------------------------------------------------------------


async def test_allow_and_disallow_apply(client):
    w = await make_world()
    token = await token_for(w.nn_admin)
    r = await client.put(f"{A}/apply-permission/{w.hospital2.id}", headers=auth(token), json={"allow": True})
    assert r.status_code == 200
    assert (await Organisation.get(id=w.hospital2.id)).may_apply_assessment
    r = await client.put(f"{A}/apply-permission/{w.hospital2.id}", headers=auth(token), json={"allow": False})
    assert r.status_code == 200
    assert not (await Organisation.get(id=w.hospital2.id)).may_apply_assessment
    actions = await AuditLog.filter(target_id=str(w.hospital2.id)).values_list("action", flat=True)
    assert actions == ["assessment.allow_apply", "assessment.disallow_apply"]


async def test_allow_apply_refusals(client):
    w = await make_world()
    r = await client.put(f"{A}/apply-permission/{w.hospital2.id}", headers=auth(await token_for(w.lz_admin)),
                         json={"allow": True})
    assert r.status_code == 403 and r.json()["code"] == "out_of_jurisdiction"
    r = await client.put(f"{A}/apply-permission/{w.industry.id}", headers=auth(await token_for(w.gx_admin)),
                         json={"allow": True})
    assert r.status_code == 422 and r.json()["code"] == "not_health_institution"
    inactive = await make_org("未激活医院", OrgKind.HEALTH_INSTITUTION, w.qingxiu, status=AccountStatus.INACTIVE)
    r = await client.put(f"{A}/apply-permission/{inactive.id}", headers=auth(await token_for(w.nn_admin)),
                         json={"allow": True})
    assert r.status_code == 409 and r.json()["code"] == "account_not_active"
    r = await client.put(f"{A}/apply-permission/{w.hospital2.id}", headers=auth(await token_for(w.hospital)),
                         json={"allow": True})
    assert r.status_code == 403 and r.json()["code"] == "wrong_role"
    r = await client.put(f"{A}/apply-permission/{w.hospital2.id}", headers=auth(await token_for(w.nn_admin)),
                         json={"allow": "maybe"})
    assert r.status_code == 422
    assert not await Organisation.filter(may_apply_assessment=True).exclude(id=w.hospital.id).exists()


async def test_batch_apply_permission(client):
    w = await make_world()
    r = await client.post(f"{A}/apply-permission/batch", headers=auth(await token_for(w.nn_admin)),
                          json={"ids": [w.hospital2.id, w.hospital3.id, w.lz_hospital.id, w.qx_admin.id], "allow": True})
    assert r.status_code == 200, r.text
    assert r.json()["done"] == [w.hospital2.id, w.hospital3.id]
    failed = {f["id"]: f["code"] for f in r.json()["failed"]}
    assert failed == {w.lz_hospital.id: "out_of_jurisdiction", w.qx_admin.id: "not_health_institution"}
    assert not (await Organisation.get(id=w.lz_hospital.id)).may_apply_assessment
    assert await Organisation.filter(id__in=[w.hospital2.id, w.hospital3.id], may_apply_assessment=True).count() == 2


# --- the application ------------------------------------------------------------------


async def test_apply_review_approve_flow(client):
    w = await make_world()
    app_id = await _apply(client, w.hospital2, w.nn_admin)
    hospital_token = await token_for(w.hospital2)
    # one pending application at a time
    r = await client.get(f"{A}/my-application", headers=auth(hospital_token))
    assert r.json()["can_apply"] is False and r.json()["reason"]["code"] == "application_pending"
    r = await client.post(f"{A}/applications", headers=auth(hospital_token),
                          json={"material_ids": (await AssessmentApplication.get(id=app_id)).material_ids})
    assert r.status_code == 409 and r.json()["code"] == "application_pending"
    admin = await token_for(w.nn_admin)
    r = await client.get(f"{A}/applications", headers=auth(admin), params={"status": "pending"})
    assert [a["id"] for a in r.json()["data"]] == [app_id]
    assert r.json()["data"][0]["status"]["label"] == "待审批"
    r = await client.get(f"{A}/applications/{app_id}", headers=auth(admin))
    assert r.status_code == 200
    materials = r.json()["materials"]
    assert [m["name"] for m in materials] == ["资质.png", "证明.pdf"]
    assert materials[0]["content_type"] == "image/jpeg"  # re-encoded
    r = await client.get(f"{A}/applications/{app_id}/materials/{materials[0]['id']}", headers=auth(admin))
    assert r.status_code == 200 and r.content[:3] == b"\xff\xd8\xff"
    r = await client.get(f"{A}/applications/{app_id}/materials/{materials[1]['id']}", headers=auth(hospital_token))
    assert r.status_code == 200 and r.content == PDF
    r = await client.post(f"{A}/applications/{app_id}/approve", headers=auth(admin))
    assert r.status_code == 200 and r.json()["status"]["value"] == "approved"
    assert (await Organisation.get(id=w.hospital2.id)).is_assessment_institution
    assert await AuditLog.filter(action="assessment.approve", target_id=str(app_id)).exists()
    assert await AuditLog.filter(action="assessment.apply", target_id=str(app_id)).exists()
    r = await client.post("/api/v1/admin/auth/switch-role", headers=auth(hospital_token),
                          json={"role": "assessment_institution"})
    assert r.status_code == 200
    # decided: no second decision
    r = await client.post(f"{A}/applications/{app_id}/approve", headers=auth(admin))
    assert r.status_code == 409 and r.json()["code"] == "application_not_pending"
    r = await client.post(f"{A}/applications/{app_id}/reject", headers=auth(admin), json={"reason": "迟了"})
    assert r.status_code == 409 and r.json()["code"] == "application_not_pending"
    # now an assessment institution: cannot apply again
    r = await _upload(client, await token_for(w.hospital2), ("a.pdf", PDF, "application/pdf"))
    assert r.status_code == 409 and r.json()["code"] == "already_assessment_institution"


async def test_reject_needs_reason_then_reapply(client):
    w = await make_world()
    app_id = await _apply(client, w.hospital3, w.nn_admin)
    admin = await token_for(w.gx_admin)  # the province is also over it
    for body in ({}, {"reason": ""}, {"reason": "   "}):
        r = await client.post(f"{A}/applications/{app_id}/reject", headers=auth(admin), json=body)
        assert r.status_code == 422, body
    assert (await AssessmentApplication.get(id=app_id)).status == ApplicationStatus.PENDING
    r = await client.post(f"{A}/applications/{app_id}/reject", headers=auth(admin), json={"reason": "材料不全"})
    assert r.status_code == 200 and r.json()["reason"] == "材料不全"
    assert not (await Organisation.get(id=w.hospital3.id)).is_assessment_institution
    log = await AuditLog.get(action="assessment.reject", target_id=str(app_id))
    assert log.after["reason"] == "材料不全"
    r = await client.get(f"{A}/my-application", headers=auth(await token_for(w.hospital3)))
    assert r.json()["can_apply"] is True and r.json()["applications"][0]["status"]["label"] == "已驳回"
    assert await _apply(client, w.hospital3) != app_id


async def test_apply_not_allowed(client):
    w = await make_world()
    token = await token_for(w.hospital3)
    r = await _upload(client, token, ("a.png", png_bytes(), "image/png"))
    assert r.status_code == 409 and r.json()["code"] == "apply_not_allowed"
    r = await client.post(f"{A}/applications", headers=auth(token),
                          json={"material_ids": ["6f1c2a38-2a2b-4e59-9d57-111111111111"]})
    assert r.status_code == 409 and r.json()["code"] == "apply_not_allowed"
    r = await _upload(client, await token_for(w.hospital), ("a.png", png_bytes(), "image/png"))
    assert r.status_code == 409 and r.json()["code"] == "already_assessment_institution"
    assert await StoredFile.all().count() == 0 and await AssessmentApplication.all().count() == 0


async def test_apply_wrong_role(client):
    w = await make_world()
    for token in (await token_for(w.nn_admin), await token_for(w.hospital, Role.ASSESSMENT_INSTITUTION),
                  await token_for(w.industry)):
        r = await _upload(client, token, ("a.png", png_bytes(), "image/png"))
        assert r.status_code == 403 and r.json()["code"] == "wrong_role"
        r = await client.post(f"{A}/applications", headers=auth(token), json={"material_ids": []})
        assert r.status_code == 403 and r.json()["code"] == "wrong_role"
    assert await StoredFile.all().count() == 0


async def test_upload_rejects_bad_files_and_writes_nothing(client):
    w = await make_world()
    await _allow(client, w.nn_admin, w.hospital2)
    token = await token_for(w.hospital2)
    on_disk = stored_files_on_disk()
    exe = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200
    fake_jpeg = b"\xff\xd8\xff\xe0" + b"not really a jpeg" * 20
    cases = [
        ([("virus.jpg", exe, "image/jpeg")], 422, "invalid_image"),
        ([("photo.jpg", fake_jpeg, "image/jpeg")], 422, "invalid_image"),
        ([("empty.png", b"", "image/png")], 422, "empty_file"),
        ([("broken.pdf", b"%PDF-1.4 no end", "application/pdf")], 422, "invalid_pdf"),
        ([("big.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024) + b"%%EOF", "application/pdf")], 413, "file_too_large"),
        # one good and one bad: all or nothing
        ([("ok.png", png_bytes(), "image/png"), ("virus.jpg", exe, "image/jpeg")], 422, "invalid_image"),
        ([], 422, "no_file"),
    ]
    for files, status, code in cases:
        r = await _upload(client, token, *files)
        assert r.status_code == status, (code, r.status_code, r.text[:200])
        assert r.json()["code"] == code and r.json()["message"]
    assert await StoredFile.all().count() == 0
    assert stored_files_on_disk() == on_disk
    assert not await AuditLog.filter(action="assessment.upload_material").exists()


async def test_submit_with_foreign_material_refused(client):
    w = await make_world()
    await _allow(client, w.nn_admin, w.hospital2)
    await _allow(client, w.nn_admin, w.hospital3)
    r = await _upload(client, await token_for(w.hospital3), ("a.png", png_bytes(), "image/png"))
    foreign = r.json()["data"][0]["id"]
    token = await token_for(w.hospital2)
    r = await client.post(f"{A}/applications", headers=auth(token), json={"material_ids": [foreign]})
    assert r.status_code == 422 and r.json()["code"] == "invalid_material"
    r = await client.post(f"{A}/applications", headers=auth(token), json={"material_ids": []})
    assert r.status_code == 422
    r = await client.post(f"{A}/applications", headers=auth(token), json={"material_ids": ["not-a-uuid"]})
    assert r.status_code == 422
    assert await AssessmentApplication.all().count() == 0


async def test_application_outside_jurisdiction(client):
    w = await make_world()
    app_id = await _apply(client, w.hospital2, w.nn_admin)
    material = (await AssessmentApplication.get(id=app_id)).material_ids[0]
    for org in (w.lz_admin, w.gz_admin):
        token = await token_for(org)
        r = await client.get(f"{A}/applications", headers=auth(token))
        assert r.json()["count"] == 0 and r.json()["data"] == []
        for method, path in (("GET", f"{A}/applications/{app_id}"),
                             ("GET", f"{A}/applications/{app_id}/materials/{material}"),
                             ("POST", f"{A}/applications/{app_id}/approve")):
            r = await client.request(method, path, headers=auth(token))
            assert r.status_code == 403 and r.json()["code"] == "out_of_jurisdiction", (method, path)
            assert "南宁市第一人民医院" not in r.text
    # another health institution, even in the same district
    r = await client.get(f"{A}/applications/{app_id}/materials/{material}", headers=auth(await token_for(w.hospital)))
    assert r.status_code == 403 and r.json()["code"] == "out_of_jurisdiction"
    # an assessment institution cannot read materials at all
    r = await client.get(f"{A}/applications/{app_id}/materials/{material}",
                         headers=auth(await token_for(w.hospital, Role.ASSESSMENT_INSTITUTION)))
    assert r.status_code == 403 and r.json()["code"] == "wrong_role"
    assert (await AssessmentApplication.get(id=app_id)).status == ApplicationStatus.PENDING
    assert not (await Organisation.get(id=w.hospital2.id)).is_assessment_institution


async def test_material_of_another_application_not_served(client):
    w = await make_world()
    first = await _apply(client, w.hospital2, w.nn_admin)
    second = await _apply(client, w.hospital3, w.nn_admin)
    other = (await AssessmentApplication.get(id=second)).material_ids[0]
    r = await client.get(f"{A}/applications/{first}/materials/{other}", headers=auth(await token_for(w.hospital2)))
    assert r.status_code == 404 and r.json()["code"] == "file_not_found"
    r = await client.get(f"{A}/applications/999999", headers=auth(await token_for(w.nn_admin)))
    assert r.status_code == 404


async def test_list_applications_bad_status_and_wrong_role(client):
    w = await make_world()
    r = await client.get(f"{A}/applications", headers=auth(await token_for(w.nn_admin)), params={"status": "x"})
    assert r.status_code == 422 and r.json()["code"] == "invalid_query"
    r = await client.get(f"{A}/applications", headers=auth(await token_for(w.hospital)))
    assert r.status_code == 403 and r.json()["code"] == "wrong_role"


# --- 考核机构列表 / 指定卫生机构 ------------------------------------------------------------


async def test_list_assessment_institutions(client):
    w = await make_world()
    r = await client.get(f"{A}/institutions", headers=auth(await token_for(w.gx_admin)))
    assert r.status_code == 200
    rows = r.json()["data"]
    assert [x["id"] for x in rows] == [w.hospital.id] and rows[0]["assigned_count"] == 2
    r = await client.get(f"{A}/institutions", headers=auth(await token_for(w.gz_admin)))
    assert r.json()["data"] == []
    r = await client.get(f"{A}/institutions", headers=auth(await token_for(w.hospital)))
    assert r.status_code == 403 and r.json()["code"] == "wrong_role"


async def test_assign_and_unassign(client):
    w = await make_world()
    token = await token_for(w.nn_admin)
    r = await client.get(f"{A}/unassigned", headers=auth(token))
    assert [x["id"] for x in r.json()["data"]] == [w.hospital3.id]
    r = await client.post(f"{A}/institutions/{w.hospital.id}/assign", headers=auth(token),
                          json={"ids": [w.hospital3.id, w.hospital2.id]})
    assert r.status_code == 200 and r.json()["assigned"] == [w.hospital3.id]  # hospital2 was already there
    r = await client.get(f"{A}/institutions/{w.hospital.id}/assigned", headers=auth(token))
    assert {x["id"] for x in r.json()["data"]} == {w.hospital.id, w.hospital2.id, w.hospital3.id}
    log = await AuditLog.get(action="assessment.assign")
    assert log.after == {"institution_ids": [w.hospital3.id]}
    # one assessor per institution: another assessment institution must wait for 撤销
    other = await make_org("南宁市第二人民医院", OrgKind.HEALTH_INSTITUTION, w.xingning, is_assessment_institution=True)
    r = await client.post(f"{A}/institutions/{other.id}/assign", headers=auth(token), json={"ids": [w.hospital3.id]})
    assert r.status_code == 409 and r.json()["code"] == "already_assigned"
    assert r.json()["details"] == {"ids": [w.hospital3.id]}
    r = await client.post(f"{A}/institutions/{w.hospital.id}/unassign", headers=auth(token),
                          json={"ids": [w.hospital3.id]})
    assert r.status_code == 200
    assert await AuditLog.filter(action="assessment.unassign").exists()
    r = await client.post(f"{A}/institutions/{other.id}/assign", headers=auth(token), json={"ids": [w.hospital3.id]})
    assert r.status_code == 200
    assert (await AssessmentAssignment.get(institution_id=w.hospital3.id)).assessor_id == other.id
    r = await client.post(f"{A}/institutions/{w.hospital.id}/unassign", headers=auth(token),
                          json={"ids": [w.hospital3.id]})
    assert r.status_code == 409 and r.json()["code"] == "not_assigned"


async def test_assign_refusals_write_nothing(client):
    w = await make_world()
    token = await token_for(w.nn_admin)
    before = await AssessmentAssignment.all().count()
    r = await client.post(f"{A}/institutions/{w.hospital.id}/assign", headers=auth(token),
                          json={"ids": [w.hospital3.id, w.lz_hospital.id]})
    assert r.status_code == 403 and r.json()["code"] == "out_of_jurisdiction"
    r = await client.post(f"{A}/institutions/{w.hospital.id}/assign", headers=auth(token),
                          json={"ids": [w.hospital3.id, w.qx_admin.id]})
    assert r.status_code == 422 and r.json()["code"] == "not_health_institution"
    r = await client.post(f"{A}/institutions/{w.hospital2.id}/assign", headers=auth(token),
                          json={"ids": [w.hospital3.id]})
    assert r.status_code == 422 and r.json()["code"] == "not_assessment_institution"
    r = await client.post(f"{A}/institutions/{w.hospital.id}/assign", headers=auth(await token_for(w.lz_admin)),
                          json={"ids": [w.lz_hospital.id]})
    assert r.status_code == 403 and r.json()["code"] == "out_of_jurisdiction"
    r = await client.get(f"{A}/institutions/{w.hospital.id}/assigned", headers=auth(await token_for(w.gz_admin)))
    assert r.status_code == 403 and "data" not in r.json()
    r = await client.post(f"{A}/institutions/{w.hospital.id}/unassign", headers=auth(await token_for(w.lz_admin)),
                          json={"ids": [w.hospital2.id]})
    assert r.status_code == 403
    r = await client.post(f"{A}/institutions/{w.hospital.id}/assign", headers=auth(await token_for(w.hospital)),
                          json={"ids": [w.hospital3.id]})
    assert r.status_code == 403 and r.json()["code"] == "wrong_role"
    r = await client.post(f"{A}/institutions/{w.hospital.id}/assign", headers=auth(token), json={"ids": []})
    assert r.status_code == 422
    assert await AssessmentAssignment.all().count() == before
    assert not await AuditLog.filter(action__startswith="assessment.").exists()


async def test_industry_org_as_assessment_institution(client):
    w = await make_world()
    admin = await token_for(w.gx_admin)
    r = await client.put(f"{A}/industry-orgs/{w.industry.id}", headers=auth(await token_for(w.nn_admin)),
                         json={"enabled": True})
    assert r.status_code == 403 and r.json()["code"] == "out_of_jurisdiction"
    r = await client.put(f"{A}/industry-orgs/{w.hospital2.id}", headers=auth(admin), json={"enabled": True})
    assert r.status_code == 422 and r.json()["code"] == "not_industry_org"
    r = await client.put(f"{A}/industry-orgs/{w.industry.id}", headers=auth(admin), json={"enabled": True})
    assert r.status_code == 200 and r.json()["is_assessment_institution"] is True
    ind_token = await token_for(w.industry)
    r = await client.post("/api/v1/admin/auth/switch-role", headers=auth(ind_token),
                          json={"role": "assessment_institution"})
    assert r.status_code == 200
    r = await client.post(f"{A}/institutions/{w.industry.id}/assign", headers=auth(admin),
                          json={"ids": [w.lz_hospital.id]})
    assert r.status_code == 200
    r = await client.get(f"{A}/my-institutions", headers=auth(ind_token))
    assert [x["id"] for x in r.json()["data"]] == [w.lz_hospital.id]
    r = await client.put(f"{A}/industry-orgs/{w.industry.id}", headers=auth(admin), json={"enabled": False})
    assert r.status_code == 409 and r.json()["code"] == "has_assigned_institutions"
    await client.post(f"{A}/institutions/{w.industry.id}/unassign", headers=auth(admin),
                      json={"ids": [w.lz_hospital.id]})
    r = await client.put(f"{A}/industry-orgs/{w.industry.id}", headers=auth(admin), json={"enabled": False})
    assert r.status_code == 200 and r.json()["is_assessment_institution"] is False
    assert (await client.get(f"{A}/my-institutions", headers=auth(ind_token))).status_code == 401
    actions = await AuditLog.filter(action="assessment.industry_assessor").values_list("after", flat=True)
    assert actions == [{"is_assessment_institution": True}, {"is_assessment_institution": False}]


async def test_my_institutions(client):
    w = await make_world()
    r = await client.get(f"{A}/my-institutions", headers=auth(await token_for(w.hospital, Role.ASSESSMENT_INSTITUTION)))
    assert r.status_code == 200
    assert {x["id"] for x in r.json()["data"]} == {w.hospital.id, w.hospital2.id}
    assert r.json()["count"] == 2
    for org in (w.hospital, w.nn_admin):
        r = await client.get(f"{A}/my-institutions", headers=auth(await token_for(org)))
        assert r.status_code == 403 and r.json()["code"] == "wrong_role"
