"""Physician moves: 变更卫生机构 (county / city / province levels, in-cycle refusal),
人员调出申请 → 人员调入审核, 调入 / 调出暂存区 with the province's approval."""

from __future__ import annotations

from datetime import date

from server.models import (
    Assessment,
    AuditLog,
    Cycle,
    Department,
    HoldingReason,
    Physician,
    PhysicianTransfer,
    RegistryStatus,
    TransferKind,
    TransferStatus,
)
from server.services.access import Role
from tests.factories import auth, make_physician, make_world, token_for

API = "/api/v1/admin"


async def _change(client, org, physician, target, role=None):
    return await client.post(f"{API}/physicians/{physician.id}/change-institution",
                             headers=auth(await token_for(org, role)), json={"institution_id": target.id,
                                                                              "reason": "工作调动"})


async def _in_cycle(w, physician, *, active: bool = True, current: bool = True) -> Assessment:
    cycle = await Cycle.create(province=w.gx, name="2024-2026", start_date=date(2024, 1, 1),
                               end_date=date(2026, 12, 31), is_current=current)
    return await Assessment.create(physician=physician, cycle=cycle, institution_id=physician.institution_id,
                                   active=active)


async def test_change_within_county_by_county_admin(client):
    w = await make_world()
    dept = await Department.create(org=w.hospital, name="心内科")
    p = await make_physician(w.hospital, department=dept)
    r = await _change(client, w.qx_admin, p, w.hospital2)
    assert r.status_code == 200, r.text
    fresh = await Physician.get(id=p.id)
    assert fresh.institution_id == w.hospital2.id and fresh.department_id is None
    t = await PhysicianTransfer.get(physician_id=p.id)
    assert (t.kind, t.status, t.from_org_id, t.to_org_id, t.note) == (
        TransferKind.CHANGE, TransferStatus.APPROVED, w.hospital.id, w.hospital2.id, "工作调动")
    assert t.requested_by_id == t.decided_by_id and t.decided_at is not None
    assert await AuditLog.filter(action="physician.change", target_id=str(p.id)).exists()


async def test_change_across_counties_needs_the_city(client):
    w = await make_world()
    p = await make_physician(w.hospital)
    r = await _change(client, w.qx_admin, p, w.hospital3)
    assert r.status_code == 403 and r.json()["code"] == "out_of_jurisdiction"
    assert "市级" in r.json()["message"]
    r = await _change(client, w.nn_admin, p, w.hospital3)
    assert r.status_code == 200, r.text
    fresh = await Physician.get(id=p.id)
    assert fresh.institution_id == w.hospital3.id and fresh.region_path == w.hospital3.region_path


async def test_change_across_cities_needs_the_province(client):
    w = await make_world()
    p = await make_physician(w.hospital)
    r = await _change(client, w.nn_admin, p, w.lz_hospital)
    assert r.status_code == 403 and "省级" in r.json()["message"]
    r = await _change(client, w.lz_admin, p, w.lz_hospital)  # the old institution is not in Liuzhou
    assert r.status_code == 403 and r.json()["code"] == "out_of_jurisdiction"
    r = await _change(client, w.gz_admin, p, w.gz_hospital)
    assert r.status_code == 403
    r = await _change(client, w.gx_admin, p, w.lz_hospital)
    assert r.status_code == 200, r.text
    assert (await Physician.get(id=p.id)).region_path == w.lz_hospital.region_path
    # the province cannot move into another province
    r = await _change(client, w.gx_admin, p, w.gz_hospital)
    assert r.status_code == 403


async def test_change_refused_while_in_current_cycle(client):
    w = await make_world()
    p = await make_physician(w.hospital)
    a = await _in_cycle(w, p)
    r = await _change(client, w.nn_admin, p, w.hospital3)
    assert r.status_code == 409 and r.json()["code"] == "in_current_cycle"
    assert "驳回到退出当前周期" in r.json()["message"]
    assert (await Physician.get(id=p.id)).institution_id == w.hospital.id
    assert not await PhysicianTransfer.exists(physician_id=p.id)
    a.active = False  # 驳回到退出当前周期
    await a.save()
    assert (await _change(client, w.nn_admin, p, w.hospital3)).status_code == 200


async def test_change_not_blocked_by_a_past_cycle(client):
    w = await make_world()
    p = await make_physician(w.hospital)
    await _in_cycle(w, p, current=False)
    assert (await _change(client, w.nn_admin, p, w.hospital3)).status_code == 200


async def test_change_bad_input_and_wrong_role(client):
    w = await make_world()
    p = await make_physician(w.hospital)
    r = await _change(client, w.nn_admin, p, w.hospital)
    assert r.status_code == 422 and r.json()["code"] == "same_institution"
    r = await _change(client, w.nn_admin, p, w.nn_admin)  # not a health institution
    assert r.status_code == 404
    r = await client.post(f"{API}/physicians/{p.id}/change-institution", headers=auth(await token_for(w.nn_admin)),
                          json={"institution_id": "x"})
    assert r.status_code == 422
    for org, role in ((w.hospital, None), (w.hospital, Role.ASSESSMENT_INSTITUTION), (w.industry, None)):
        r = await _change(client, org, p, w.hospital2, role)
        assert r.status_code == 403 and r.json()["code"] == "wrong_role"
    await Physician.filter(id=p.id).update(registry_status=RegistryStatus.HOLDING, institution_id=None)
    r = await _change(client, w.nn_admin, p, w.hospital2)
    assert r.status_code == 409 and r.json()["code"] == "physician_in_holding"


# --- 人员调出申请 / 人员调入审核 ---------------------------------------------------------------
async def _transfer_out(client, org, physician, target, role=None):
    return await client.post(f"{API}/transfers/out", headers=auth(await token_for(org, role)),
                             json={"id_number": physician.id_number, "to_institution_id": target.id, "note": "调动"})


async def _decide(client, org, transfer_id, approve=True, reason="", role=None):
    return await client.post(f"{API}/transfers/{transfer_id}/decision", headers=auth(await token_for(org, role)),
                             json={"approve": approve, "reason": reason})


async def test_transfer_out_then_new_institution_approves(client):
    w = await make_world()
    p = await make_physician(w.hospital)
    r = await _transfer_out(client, w.hospital, p, w.lz_hospital)
    assert r.status_code == 201, r.text
    tid = r.json()["id"]
    todo = (await client.get(f"{API}/transfers", params={"todo": 1},
                             headers=auth(await token_for(w.lz_hospital)))).json()
    assert [t["id"] for t in todo["data"]] == [tid] and todo["data"][0]["kind"]["label"] == "人员调出"
    assert (await client.get(f"{API}/transfers", params={"todo": 1},
                             headers=auth(await token_for(w.hospital)))).json()["count"] == 0
    # nobody but the receiving institution decides
    for org, role in ((w.hospital, None), (w.hospital2, None), (w.gx_admin, None)):
        r = await _decide(client, org, tid, role=role)
        assert r.status_code == 403 and r.json()["code"] == "not_decider"
    r = await _decide(client, w.lz_hospital, tid)
    assert r.status_code == 200 and r.json()["status"]["value"] == "approved"
    fresh = await Physician.get(id=p.id)
    assert fresh.institution_id == w.lz_hospital.id and fresh.region_path == w.lz_hospital.region_path
    t = await PhysicianTransfer.get(id=tid)
    assert t.decided_by_id is not None and t.decided_at is not None
    r = await _decide(client, w.lz_hospital, tid, approve=False, reason="再驳回")
    assert r.status_code == 409 and r.json()["code"] == "not_pending"
    history = (await client.get(f"{API}/physicians/{p.id}/transfers",
                                headers=auth(await token_for(w.gx_admin)))).json()["data"]
    assert [(h["kind"]["value"], h["status"]["value"]) for h in history] == [("transfer", "approved")]
    assert history[0]["requested_by"] == w.hospital.name and history[0]["decided_by"] == w.lz_hospital.name


async def test_transfer_rejected_with_reason(client):
    w = await make_world()
    p = await make_physician(w.hospital)
    tid = (await _transfer_out(client, w.hospital, p, w.hospital3)).json()["id"]
    r = await _decide(client, w.hospital3, tid, approve=False)
    assert r.status_code == 422 and r.json()["code"] == "reason_required"
    r = await _decide(client, w.hospital3, tid, approve=False, reason="本院无此岗位")
    assert r.status_code == 200 and r.json()["status"]["value"] == "rejected"
    assert (await Physician.get(id=p.id)).institution_id == w.hospital.id
    assert (await PhysicianTransfer.get(id=tid)).decision_reason == "本院无此岗位"
    r = await _decide(client, w.hospital3, tid)
    assert r.status_code == 409 and r.json()["code"] == "not_pending"


async def test_transfer_out_refusals(client):
    w = await make_world()
    p = await make_physician(w.hospital)
    r = await _transfer_out(client, w.hospital2, p, w.hospital3)  # not its physician
    assert r.status_code == 403 and r.json()["code"] == "out_of_jurisdiction"
    for org, role in ((w.nn_admin, None), (w.hospital, Role.ASSESSMENT_INSTITUTION)):
        r = await _transfer_out(client, org, p, w.hospital3, role)
        assert r.status_code == 403 and r.json()["code"] == "wrong_role"
    r = await _transfer_out(client, w.hospital, p, w.hospital)
    assert r.status_code == 422 and r.json()["code"] == "same_institution"
    r = await client.post(f"{API}/transfers/out", headers=auth(await token_for(w.hospital)),
                          json={"id_number": "110101199003070000", "to_institution_id": w.hospital3.id})
    assert r.status_code == 404
    assert (await _transfer_out(client, w.hospital, p, w.hospital3)).status_code == 201
    r = await _transfer_out(client, w.hospital, p, w.lz_hospital)
    assert r.status_code == 409 and r.json()["code"] == "pending_transfer_exists"


async def test_transfer_refused_in_current_cycle_at_request_and_approval(client):
    w = await make_world()
    p = await make_physician(w.hospital)
    tid = (await _transfer_out(client, w.hospital, p, w.hospital3)).json()["id"]
    await _in_cycle(w, p)  # included in the cycle after the application
    r = await _decide(client, w.hospital3, tid)
    assert r.status_code == 409 and r.json()["code"] == "in_current_cycle"
    assert (await PhysicianTransfer.get(id=tid)).status == TransferStatus.PENDING
    await _decide(client, w.hospital3, tid, approve=False, reason="在考核周期中")
    r = await _transfer_out(client, w.hospital, p, w.hospital3)
    assert r.status_code == 409 and r.json()["code"] == "in_current_cycle"


# --- 暂存区 --------------------------------------------------------------------------------
async def _holding_in(client, org, physician, reason="retired"):
    return await client.post(f"{API}/transfers/holding-in", headers=auth(await token_for(org)),
                             json={"id_number": physician.id_number, "reason": reason})


async def _holding_out(client, org, physician, target):
    return await client.post(f"{API}/transfers/holding-out", headers=auth(await token_for(org)),
                             json={"id_number": physician.id_number, "to_institution_id": target.id})


async def test_holding_in_approved_by_the_province(client):
    w = await make_world()
    p = await make_physician(w.hospital)
    r = await _holding_in(client, w.hospital, p)
    assert r.status_code == 201, r.text
    tid = r.json()["id"]
    for org in (w.nn_admin, w.qx_admin, w.gz_admin, w.hospital):
        r = await _decide(client, org, tid)
        assert r.status_code == 403 and r.json()["code"] == "not_decider"
    todo = (await client.get(f"{API}/transfers", params={"todo": "1"},
                             headers=auth(await token_for(w.gx_admin)))).json()
    assert [t["id"] for t in todo["data"]] == [tid] and todo["data"][0]["holding_reason"]["label"] == "退休（不再执业）"
    assert (await _decide(client, w.gx_admin, tid)).status_code == 200
    fresh = await Physician.get(id=p.id)
    assert fresh.registry_status == RegistryStatus.HOLDING and fresh.holding_reason == HoldingReason.RETIRED
    assert fresh.institution_id is None and fresh.region_path == w.hospital.region_path
    # the institution no longer sees the physician; the administrations still do
    r = await client.get(f"{API}/physicians", headers=auth(await token_for(w.hospital)))
    assert r.json()["count"] == 0
    r = await client.get(f"{API}/physicians", params={"registry_status": "holding"},
                         headers=auth(await token_for(w.nn_admin)))
    assert [row["id"] for row in r.json()["data"]] == [p.id]
    r = await _holding_in(client, w.nn_admin, p)
    assert r.status_code == 409 and r.json()["code"] == "already_in_holding"


async def test_holding_out_approved_back_to_an_institution(client):
    w = await make_world()
    p = await make_physician(w.hospital, registry_status=RegistryStatus.HOLDING,
                             holding_reason=HoldingReason.LEFT)
    await Physician.filter(id=p.id).update(institution_id=None)
    r = await _holding_out(client, w.qx_admin, p, w.hospital3)  # target outside the county
    assert r.status_code == 403
    r = await _holding_out(client, w.hospital2, p, w.hospital3)  # an institution only for itself
    assert r.status_code == 403 and r.json()["code"] == "wrong_role"
    r = await _holding_out(client, w.national, p, w.gz_hospital)
    assert r.status_code == 422 and r.json()["code"] == "other_province"
    r = await _holding_out(client, w.nn_admin, p, w.hospital3)
    assert r.status_code == 201, r.text
    tid = r.json()["id"]
    r = await _holding_out(client, w.hospital3, p, w.hospital3)
    assert r.status_code == 409 and r.json()["code"] == "pending_transfer_exists"
    assert (await _decide(client, w.nn_admin, tid)).status_code == 403
    r = await _decide(client, w.gx_admin, tid)
    assert r.status_code == 200, r.text
    fresh = await Physician.get(id=p.id)
    assert fresh.registry_status == RegistryStatus.ACTIVE and fresh.holding_reason is None
    assert fresh.institution_id == w.hospital3.id and fresh.region_path == w.hospital3.region_path
    r = await _holding_out(client, w.nn_admin, p, w.hospital)
    assert r.status_code == 404 and r.json()["code"] == "physician_not_in_holding"


async def test_holding_out_by_the_receiving_institution_and_rejection(client):
    w = await make_world()
    p = await make_physician(w.hospital, registry_status=RegistryStatus.HOLDING)
    await Physician.filter(id=p.id).update(institution_id=None)
    tid = (await _holding_out(client, w.lz_hospital, p, w.lz_hospital)).json()["id"]
    r = await _decide(client, w.gx_admin, tid, approve=False, reason="材料不全")
    assert r.status_code == 200 and r.json()["status"]["value"] == "rejected"
    assert (await Physician.get(id=p.id)).registry_status == RegistryStatus.HOLDING
    assert (await _decide(client, w.gx_admin, tid)).json()["code"] == "not_pending"


async def test_holding_in_refusals(client):
    w = await make_world()
    p = await make_physician(w.hospital)
    r = await _holding_in(client, w.hospital, p, reason="bored")
    assert r.status_code == 422 and r.json()["code"] == "invalid_reason"
    r = await _holding_in(client, w.hospital2, p)
    assert r.status_code == 403 and r.json()["code"] == "out_of_jurisdiction"
    r = await _holding_in(client, w.lz_admin, p)
    assert r.status_code == 403 and r.json()["code"] == "out_of_jurisdiction"
    r = await client.post(f"{API}/transfers/holding-in", headers=auth(await token_for(w.industry)),
                          json={"id_number": p.id_number, "reason": "deceased"})
    assert r.status_code == 403 and r.json()["code"] == "wrong_role"
    await _in_cycle(w, p)
    r = await _holding_in(client, w.hospital, p, reason="deceased")
    assert r.status_code == 409 and r.json()["code"] == "in_current_cycle"


async def test_transfer_lists_by_role(client):
    w = await make_world()
    p1 = await make_physician(w.hospital)
    p2 = await make_physician(w.lz_hospital)
    await _transfer_out(client, w.hospital, p1, w.hospital3)
    await _holding_in(client, w.lz_hospital, p2)

    async def ids(org, **params):
        r = await client.get(f"{API}/transfers", params=params, headers=auth(await token_for(org)))
        assert r.status_code == 200, r.text
        return sorted(t["physician"]["id"] for t in r.json()["data"])

    assert await ids(w.hospital) == [p1.id]
    assert await ids(w.hospital3) == [p1.id]
    assert await ids(w.hospital2) == []
    assert await ids(w.nn_admin) == [p1.id]
    assert await ids(w.lz_admin) == [p2.id]
    assert await ids(w.gx_admin) == [p1.id, p2.id]
    assert await ids(w.gx_admin, kind="holding_in") == [p2.id]
    assert await ids(w.gx_admin, status="approved") == []
    assert await ids(w.gz_admin) == []
    r = await client.get(f"{API}/transfers", params={"kind": "teleport"}, headers=auth(await token_for(w.gx_admin)))
    assert r.status_code == 422
    r = await client.get(f"{API}/transfers", headers=auth(await token_for(w.hospital, Role.ASSESSMENT_INSTITUTION)))
    assert r.status_code == 403
    r = await _decide(client, w.gx_admin, 999999)
    assert r.status_code == 404


async def test_institution_lists_its_transfers_out_or_in(client):
    w = await make_world()
    out = (await _transfer_out(client, w.hospital, await make_physician(w.hospital), w.hospital2)).json()["id"]
    came = (await _transfer_out(client, w.hospital2, await make_physician(w.hospital2), w.hospital)).json()["id"]
    token = await token_for(w.hospital)

    async def ids(**params) -> list[int]:
        r = await client.get(f"{API}/transfers", params=params, headers=auth(token))
        assert r.status_code == 200, r.text
        return [t["id"] for t in r.json()["data"]]

    assert await ids() == [came, out]
    assert await ids(direction="out") == [out]
    assert await ids(direction="in") == [came]
    r = await client.get(f"{API}/transfers", params={"direction": "sideways"}, headers=auth(token))
    assert r.status_code == 422
