"""Publication of 违纪不合格 outcomes (issue #12, regional extras): only where the province turns it on,
showing a masked name, institution, cycle and result — never an ID number; province only, audited."""

from __future__ import annotations

from datetime import UTC, date, datetime

from server.models import Assessment, AssessmentStatus, AuditLog, Cycle
from tests.factories import auth, make_physician, make_world, token_for

PUBLIC = "/api/v1/public/violations/450000"


async def _world():
    w = await make_world()
    cycle = await Cycle.create(province=w.gx, name="2024-2026周期", start_date=date(2024, 1, 1),
                               end_date=date(2026, 12, 31), is_current=True)
    cheat = await make_physician(w.hospital2, name="王小明")
    honest = await make_physician(w.hospital2, name="李四")
    for p, violation in ((cheat, True), (honest, False)):
        await Assessment.create(physician=p, cycle=cycle, institution=w.hospital2, region_path=w.hospital2.region_path,
                                status=AssessmentStatus.FAILED, active=True, violation=violation,
                                fail_reason="violation" if violation else "exam", concluded_at=datetime.now(UTC))
    return w, cycle, cheat


async def test_nothing_is_published_until_the_province_turns_it_on(client):
    w, cycle, cheat = await _world()
    r = await client.get(PUBLIC)
    assert r.status_code == 200 and r.json()["data"] == []
    r = await client.put(f"/api/v1/admin/cycles/{cycle.id}/publish-violations", headers=auth(await token_for(w.gx_admin)),
                         json={"enabled": True})
    assert r.status_code == 200 and r.json() == {"cycle_id": cycle.id, "enabled": True}
    assert await AuditLog.filter(action="cycle.publish_violations").count() == 1
    body = (await client.get(PUBLIC)).json()
    assert body["province"] == "广西壮族自治区"
    assert [(row["name"], row["institution"], row["result"]) for row in body["data"]] == [
        ("王**", "南宁市第一人民医院", "违纪不合格")]
    assert cheat.id_number not in (await client.get(PUBLIC)).text and "王小明" not in (await client.get(PUBLIC)).text


async def test_only_the_province_may_publish(client):
    w, cycle, _ = await _world()
    for org in (w.nn_admin, w.hospital2):
        r = await client.put(f"/api/v1/admin/cycles/{cycle.id}/publish-violations", headers=auth(await token_for(org)),
                             json={"enabled": True})
        assert r.status_code == 403
    r = await client.put(f"/api/v1/admin/cycles/{cycle.id}/publish-violations", headers=auth(await token_for(w.gz_admin)),
                         json={"enabled": True})
    assert r.status_code in (403, 404)
    assert (await Cycle.get(id=cycle.id)).publish_violations is False
    assert (await client.get("/api/v1/public/violations/999999")).status_code == 404


async def test_cycle_settings_show_both_switches(client):
    """本周期考核设置 reads the state of 向社会公布违纪不合格结果 and 开放快速注册 (the console's switches)."""
    w, cycle, _ = await _world()
    headers = auth(await token_for(w.gx_admin))
    body = (await client.get(f"/api/v1/admin/cycles/{cycle.id}", headers=headers)).json()
    assert body["publish_violations"] is False and body["self_registration"] is False
    await client.put(f"/api/v1/admin/cycles/{cycle.id}/publish-violations", headers=headers, json={"enabled": True})
    await client.put(f"/api/v1/admin/cycles/{cycle.id}/self-registration", headers=headers, json={"enabled": True})
    body = (await client.get("/api/v1/admin/cycles/current", headers=auth(await token_for(w.nn_admin)))).json()
    assert body["publish_violations"] is True and body["self_registration"] is True
