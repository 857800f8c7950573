"""本周期考核设置, 免考设置 (省级专属) and 去确认 (SPEC §3)."""

from __future__ import annotations

from server.models import AuditLog, Cycle, CycleConfirmation, ExemptionReason, PasswordRule
from server.services.access import Role
from tests.factories import auth, make_world, token_for

API = "/api/v1/admin/cycles"

WINDOWS = {
    "enrol_start": "2025-04-19T08:00:00", "enrol_end": "2025-05-28T18:00:00",
    "evaluation_start": "2025-04-20T08:00:00", "evaluation_end": "2025-06-10T18:00:00",
    "exam_start": "2025-06-15T08:00:00", "exam_end": "2025-07-15T18:00:00",
    "judging_start": "2025-06-16T08:00:00", "judging_end": "2025-08-15T18:00:00",
    "delay_deadline": "2025-05-30T23:59:00",
    "reexam_start": "2025-10-01T08:00:00", "reexam_end": "2025-10-31T18:00:00",
}


async def _cycle(client, w, **extra):
    body = {"name": "2024-2026周期", "start_date": "2024-01-01", "end_date": "2026-12-31", **extra}
    r = await client.post(API, headers=auth(await token_for(w.gx_admin)), json=body)
    assert r.status_code == 201, r.text
    return r.json()


async def test_create_cycle_with_defaults(client):
    w = await make_world()
    cycle = await _cycle(client, w)
    assert cycle["province"] == {"id": w.gx.id, "name": "广西壮族自治区"}
    assert cycle["exam_settings"]["humanities"] == {"duration_minutes": 60, "question_count": 50,
                                                     "max_attempts": 10, "pass_score": 60}
    assert cycle["exam_settings"]["professional"]["pass_score_assistant"] == 55
    assert cycle["evaluation_items"]["work_performance"] and cycle["simple_conditions"]
    assert cycle["physician_password_rule"]["value"] == "phone_code"  # issue #15: no guessable password
    assert cycle["exemption_open"] == {"humanities": False, "professional": False}
    assert all(v is None for v in cycle["windows"].values())
    assert await AuditLog.filter(action="cycle.create", target_id=str(cycle["id"])).exists()


async def test_create_cycle_twice_or_bad_dates_refused(client):
    w = await make_world()
    await _cycle(client, w)
    token = await token_for(w.gx_admin)
    r = await client.post(API, headers=auth(token), json={"name": "又一个", "start_date": "2027-01-01",
                                                          "end_date": "2029-12-31"})
    assert r.status_code == 409 and r.json()["code"] == "cycle_exists"
    token = await token_for(w.gz_admin)
    r = await client.post(API, headers=auth(token), json={"name": "x", "start_date": "2026-01-01",
                                                          "end_date": "2024-01-01"})
    assert r.status_code == 422 and r.json()["code"] == "invalid_cycle_dates"
    r = await client.post(API, headers=auth(token), json={"name": "", "start_date": "2024-01-01",
                                                          "end_date": "2026-12-31"})
    assert r.status_code == 422
    r = await client.post(API, headers=auth(token), json={"name": "x", "start_date": "2024-01-01",
                                                          "end_date": "2026-12-31", "is_current": False})
    assert r.status_code == 422


async def test_create_cycle_not_province_refused(client):
    w = await make_world()
    body = {"name": "2024-2026周期", "start_date": "2024-01-01", "end_date": "2026-12-31"}
    for org in (w.nn_admin, w.qx_admin, w.national):
        r = await client.post(API, headers=auth(await token_for(org)), json=body)
        assert r.status_code == 403 and r.json()["code"] == "province_only"
    for org in (w.hospital2, w.industry):
        r = await client.post(API, headers=auth(await token_for(org)), json=body)
        assert r.status_code == 403 and r.json()["code"] == "wrong_role"
    assert await Cycle.all().count() == 0


async def test_read_current_cycle_by_every_staff_role_of_the_province(client):
    w = await make_world()
    cycle = await _cycle(client, w)
    for org in (w.gx_admin, w.nn_admin, w.qx_admin, w.hospital2, w.lz_hospital, w.industry):
        r = await client.get(f"{API}/current", headers=auth(await token_for(org)))
        assert r.status_code == 200, (org.name, r.text)
        assert r.json()["id"] == cycle["id"]
    r = await client.get(f"{API}/current", headers=auth(await token_for(w.gz_hospital)))
    assert r.status_code == 404 and r.json()["code"] == "cycle_not_found"
    r = await client.get(f"{API}/{cycle['id']}", headers=auth(await token_for(w.gz_admin)))
    assert r.status_code == 403 and r.json()["code"] == "out_of_jurisdiction"
    r = await client.get(f"{API}/current", headers=auth(await token_for(w.gz_admin)), params={"province_id": w.gx.id})
    assert r.status_code == 403
    # the national office picks a province
    token = await token_for(w.national)
    r = await client.get(f"{API}/current", headers=auth(token))
    assert r.status_code == 422 and r.json()["code"] == "province_required"
    r = await client.get(f"{API}/current", headers=auth(token), params={"province_id": w.gx.id})
    assert r.status_code == 200 and r.json()["id"] == cycle["id"]
    assert (await client.get(f"{API}/{cycle['id']}", headers=auth(token))).status_code == 200


async def test_set_windows_saved_and_audited(client):
    w = await make_world()
    cycle = await _cycle(client, w)
    r = await client.put(f"{API}/{cycle['id']}/windows", headers=auth(await token_for(w.gx_admin)), json=WINDOWS)
    assert r.status_code == 200, r.text
    assert r.json()["windows"]["exam_start"].startswith("2025-06-15T08:00:00")
    assert r.json()["windows"]["exam_start"].endswith("+08:00")
    saved = await Cycle.get(id=cycle["id"])
    assert saved.delay_deadline is not None
    log = await AuditLog.get(action="cycle.windows")
    assert log.before["exam_start"] is None and log.after["exam_start"]


async def _window_error(client, w, cycle_id, **changes):
    body = {**WINDOWS, **changes}
    r = await client.put(f"{API}/{cycle_id}/windows", headers=auth(await token_for(w.gx_admin)), json=body)
    assert r.status_code == 422, (changes, r.text)
    return r.json()


async def test_set_windows_rules(client):
    w = await make_world()
    cycle_id = (await _cycle(client, w))["id"]
    e = await _window_error(client, w, cycle_id, enrol_end="2025-04-01T00:00:00")
    assert e["code"] == "window_order" and "报名" in e["message"]
    e = await _window_error(client, w, cycle_id, reexam_end=None)
    assert e["code"] == "window_incomplete" and "再次考核" in e["message"]
    e = await _window_error(client, w, cycle_id, enrol_start="2025-06-20T00:00:00", enrol_end="2025-06-25T00:00:00",
                            evaluation_start="2025-06-20T00:00:00", evaluation_end="2025-06-30T00:00:00")
    assert e["code"] == "window_order" and "首轮考核" in e["message"]
    e = await _window_error(client, w, cycle_id, judging_start="2025-06-01T00:00:00")
    assert e["code"] == "window_order" and "成绩评定" in e["message"]
    e = await _window_error(client, w, cycle_id, reexam_start="2025-07-10T00:00:00")
    assert e["code"] == "window_order" and "再次考核" in e["message"]
    e = await _window_error(client, w, cycle_id, delay_deadline="2025-07-20T00:00:00")
    assert e["code"] == "window_order" and "延期申请截止" in e["message"]
    e = await _window_error(client, w, cycle_id, evaluation_start="2025-04-18T00:00:00")
    assert e["code"] == "window_order" and "评定" in e["message"]
    e = await _window_error(client, w, cycle_id, reexam_end="2027-01-05T00:00:00")
    assert e["code"] == "window_outside_cycle" and "再次考核" in e["message"]
    e = await _window_error(client, w, cycle_id, enrol_start="2023-12-31T08:00:00")
    assert e["code"] == "window_outside_cycle" and e["details"]["fields"] == ["enrol_start"]
    e = await _window_error(client, w, cycle_id, exam_start="not a date")
    assert e["code"] == "invalid_input"
    e = await _window_error(client, w, cycle_id, signup_start="2025-04-19T08:00:00")
    assert e["code"] == "invalid_input"
    assert (await Cycle.get(id=cycle_id)).exam_start is None


async def test_set_windows_partial_is_allowed(client):
    w = await make_world()
    cycle_id = (await _cycle(client, w))["id"]
    body = {"enrol_start": WINDOWS["enrol_start"], "enrol_end": WINDOWS["enrol_end"]}
    r = await client.put(f"{API}/{cycle_id}/windows", headers=auth(await token_for(w.gx_admin)), json=body)
    assert r.status_code == 200 and r.json()["windows"]["exam_start"] is None


async def test_update_cycle_dates_must_keep_windows_inside(client):
    w = await make_world()
    cycle_id = (await _cycle(client, w))["id"]
    token = await token_for(w.gx_admin)
    await client.put(f"{API}/{cycle_id}/windows", headers=auth(token), json=WINDOWS)
    r = await client.put(f"{API}/{cycle_id}", headers=auth(token),
                         json={"name": "2025-2027周期", "start_date": "2025-05-01", "end_date": "2027-12-31"})
    assert r.status_code == 422 and r.json()["code"] == "window_outside_cycle"
    r = await client.put(f"{API}/{cycle_id}", headers=auth(token),
                         json={"name": "2025-2027周期", "start_date": "2025-01-01", "end_date": "2027-12-31"})
    assert r.status_code == 200 and r.json()["name"] == "2025-2027周期"


async def test_writes_refused_for_city_institution_and_other_province(client):
    w = await make_world()
    cycle_id = (await _cycle(client, w))["id"]
    writes = [
        ("put", f"{API}/{cycle_id}/windows", WINDOWS),
        ("put", f"{API}/{cycle_id}/exam-settings", {"humanities": {"pass_score": 70}}),
        ("put", f"{API}/{cycle_id}/password-rule", {"rule": "id_last6"}),
        ("post", f"{API}/{cycle_id}/exemption-reasons", {"paper": "humanities", "text": "年满60周岁"}),
        ("post", f"{API}/{cycle_id}/exemptions/humanities/close", None),
    ]
    cases = [(w.nn_admin, None, "province_only"), (w.national, None, "province_only"),
             (w.hospital2, None, "wrong_role"), (w.hospital, Role.ASSESSMENT_INSTITUTION, "wrong_role"),
             (w.gz_admin, None, "out_of_jurisdiction")]
    for org, role, code in cases:
        token = await token_for(org, role)
        for method, url, body in writes:
            r = await client.request(method.upper(), url, headers=auth(token), json=body)
            assert r.status_code == 403, (org.name, url, r.text)
            assert r.json()["code"] == code, (org.name, url)
    saved = await Cycle.get(id=cycle_id)
    assert saved.exam_start is None and saved.physician_password_rule == PasswordRule.PHONE_CODE
    assert not await ExemptionReason.exists()


async def test_set_evaluation_items(client):
    w = await make_world()
    cycle_id = (await _cycle(client, w))["id"]
    token = await token_for(w.gx_admin)
    items = {"work_performance": ["完成工作任务"], "ethics": ["医德医风", "医患沟通"], "professional_level": ["业务能力"]}
    r = await client.put(f"{API}/{cycle_id}/evaluation-items", headers=auth(token), json=items)
    assert r.status_code == 200 and r.json()["evaluation_items"] == items
    for bad in ({**items, "ethics": []}, {**items, "ethics": [""]}, {**items, "ethics": ["  "]},
                {"work_performance": ["a"], "ethics": ["b"]}, {**items, "extra": ["x"]}):
        r = await client.put(f"{API}/{cycle_id}/evaluation-items", headers=auth(token), json=bad)
        assert r.status_code == 422, bad
    r = await client.put(f"{API}/{cycle_id}/evaluation-items", headers=auth(token),
                         json={**items, "ethics": ["医德医风", "医德医风"]})
    assert r.status_code == 422 and r.json()["code"] == "duplicate_item"
    assert (await Cycle.get(id=cycle_id)).evaluation_items == items


async def test_set_exam_settings_merges_and_checks_ranges(client):
    w = await make_world()
    cycle_id = (await _cycle(client, w))["id"]
    token = await token_for(w.gx_admin)
    r = await client.put(f"{API}/{cycle_id}/exam-settings", headers=auth(token),
                         json={"professional": {"pass_score_assistant": 50, "duration_minutes": 90}})
    assert r.status_code == 200, r.text
    settings = r.json()["exam_settings"]
    assert settings["professional"] == {"duration_minutes": 90, "question_count": 100, "max_attempts": 1,
                                        "pass_score": 60, "pass_score_assistant": 50}
    assert settings["humanities"]["question_count"] == 50
    for bad in ({"humanities": {"duration_minutes": 5}}, {"humanities": {"duration_minutes": 241}},
                {"humanities": {"question_count": 0}}, {"professional": {"question_count": 301}},
                {"humanities": {"max_attempts": 21}}, {"professional": {"max_attempts": 0}},
                {"humanities": {"pass_score": 101}}, {"professional": {"pass_score_assistant": -1}},
                {"humanities": {"pass_score_assistant": 50}}, {"oral": {"pass_score": 60}}):
        r = await client.put(f"{API}/{cycle_id}/exam-settings", headers=auth(token), json=bad)
        assert r.status_code == 422, bad
    log = await AuditLog.get(action="cycle.exam_settings")
    assert log.before["exam_settings"]["professional"]["duration_minutes"] == 60
    assert log.after["exam_settings"]["professional"]["duration_minutes"] == 90


async def test_set_simple_conditions_and_password_rule(client):
    w = await make_world()
    cycle_id = (await _cycle(client, w))["id"]
    token = await token_for(w.gx_admin)
    r = await client.put(f"{API}/{cycle_id}/simple-conditions", headers=auth(token),
                         json={"conditions": ["从事医疗工作满15年", "无不良执业行为记录"]})
    assert r.status_code == 200 and r.json()["simple_conditions"] == ["从事医疗工作满15年", "无不良执业行为记录"]
    r = await client.put(f"{API}/{cycle_id}/simple-conditions", headers=auth(token), json={"conditions": []})
    assert r.status_code == 422
    r = await client.put(f"{API}/{cycle_id}/password-rule", headers=auth(token), json={"rule": "id_last6"})
    assert r.status_code == 200 and r.json()["physician_password_rule"]["label"] == "证件号码后六位（X大写）"
    assert (await Cycle.get(id=cycle_id)).physician_password_rule == PasswordRule.ID_LAST6
    r = await client.put(f"{API}/{cycle_id}/password-rule", headers=auth(token), json={"rule": "123456"})
    assert r.status_code == 422


async def test_exemption_reasons_add_edit_delete(client):
    w = await make_world()
    cycle_id = (await _cycle(client, w))["id"]
    token = await token_for(w.gx_admin)
    url = f"{API}/{cycle_id}/exemption-reasons"
    r = await client.post(url, headers=auth(token), json={"paper": "humanities", "text": "考核周期内年满60周岁"})
    assert r.status_code == 201, r.text
    reason = r.json()
    r = await client.post(url, headers=auth(token), json={"paper": "professional", "text": "获得省级以上科技奖励"})
    assert r.status_code == 201
    r = await client.post(url, headers=auth(token), json={"paper": "humanities", "text": "考核周期内年满60周岁"})
    assert r.status_code == 409 and r.json()["code"] == "exemption_reason_exists"
    for bad in ({"paper": "oral", "text": "x"}, {"paper": "humanities", "text": ""}, {"paper": "humanities"}):
        assert (await client.post(url, headers=auth(token), json=bad)).status_code == 422
    r = await client.put(f"{url}/{reason['id']}", headers=auth(token), json={"text": "年满60周岁及以上"})
    assert r.status_code == 200 and r.json()["text"] == "年满60周岁及以上"
    view = (await client.get(f"{API}/current", headers=auth(await token_for(w.hospital2)))).json()
    assert [x["text"] for x in view["exemption_reasons"]["humanities"]] == ["年满60周岁及以上"]
    assert len(view["exemption_reasons"]["professional"]) == 1
    r = await client.delete(f"{url}/{reason['id']}", headers=auth(token))
    assert r.status_code == 200
    assert (await client.delete(f"{url}/{reason['id']}", headers=auth(token))).status_code == 404
    actions = set(await AuditLog.filter(action__startswith="cycle.exemption_reason").values_list("action", flat=True))
    assert actions == {"cycle.exemption_reason.create", "cycle.exemption_reason.update",
                       "cycle.exemption_reason.delete"}


async def test_exemption_reason_of_another_cycle_not_found(client):
    w = await make_world()
    gx_cycle = await _cycle(client, w)
    gz = await client.post(API, headers=auth(await token_for(w.gz_admin)),
                           json={"name": "贵州周期", "start_date": "2024-01-01", "end_date": "2026-12-31"})
    gz_reason = await ExemptionReason.create(cycle_id=gz.json()["id"], paper="humanities", text="贵州理由")
    r = await client.put(f"{API}/{gx_cycle['id']}/exemption-reasons/{gz_reason.id}",
                         headers=auth(await token_for(w.gx_admin)), json={"text": "改"})
    assert r.status_code == 404
    assert (await ExemptionReason.get(id=gz_reason.id)).text == "贵州理由"


async def test_exemption_open_and_close(client):
    w = await make_world()
    cycle_id = (await _cycle(client, w))["id"]
    token = await token_for(w.gx_admin)
    r = await client.post(f"{API}/{cycle_id}/exemptions/professional/open", headers=auth(token))
    assert r.status_code == 422 and r.json()["code"] == "no_exemption_reasons"
    reason = (await client.post(f"{API}/{cycle_id}/exemption-reasons", headers=auth(token),
                                json={"paper": "professional", "text": "获得省级以上科技奖励"})).json()
    r = await client.post(f"{API}/{cycle_id}/exemptions/professional/open", headers=auth(token))
    assert r.status_code == 200 and r.json() == {"paper": "professional", "open": True}
    cycle = await Cycle.get(id=cycle_id)
    assert cycle.professional_exemption_open and not cycle.humanities_exemption_open
    r = await client.delete(f"{API}/{cycle_id}/exemption-reasons/{reason['id']}", headers=auth(token))
    assert r.status_code == 409 and r.json()["code"] == "exemption_open"
    r = await client.post(f"{API}/{cycle_id}/exemptions/professional/close", headers=auth(token))
    assert r.status_code == 200 and r.json()["open"] is False
    assert not (await Cycle.get(id=cycle_id)).professional_exemption_open
    r = await client.post(f"{API}/{cycle_id}/exemptions/oral/open", headers=auth(token))
    assert r.status_code == 404 and r.json()["code"] == "paper_not_found"
    assert await AuditLog.filter(action="cycle.exemption_open").count() == 1


async def test_confirm_cycle_once_and_idempotent(client):
    w = await make_world()
    cycle = await _cycle(client, w)
    token = await token_for(w.hospital2)
    url = f"{API}/current/confirmation"
    r = await client.get(url, headers=auth(token))
    assert r.status_code == 200 and r.json()["confirmed"] is False
    assert r.json()["cycle"]["start_date"] == "2024-01-01"
    r = await client.post(url, headers=auth(token))
    assert r.status_code == 200 and r.json()["confirmed"] is True
    first = r.json()["confirmed_at"]
    r = await client.post(url, headers=auth(token))
    assert r.status_code == 200 and r.json()["confirmed_at"] == first
    assert await CycleConfirmation.filter(cycle_id=cycle["id"]).count() == 1
    assert await AuditLog.filter(action="cycle.confirm").count() == 1
    assert (await client.get(url, headers=auth(token))).json()["confirmed"] is True
    # the same hospital's other institution is unaffected
    assert (await client.get(url, headers=auth(await token_for(w.hospital3)))).json()["confirmed"] is False


async def test_confirm_cycle_wrong_role_or_no_cycle(client):
    w = await make_world()
    await _cycle(client, w)
    url = f"{API}/current/confirmation"
    for org, role in ((w.gx_admin, None), (w.nn_admin, None), (w.industry, None),
                      (w.hospital, Role.ASSESSMENT_INSTITUTION)):
        r = await client.post(url, headers=auth(await token_for(org, role)))
        assert r.status_code == 403 and r.json()["code"] == "wrong_role"
    r = await client.post(url, headers=auth(await token_for(w.gz_hospital)))
    assert r.status_code == 404 and r.json()["code"] == "cycle_not_found"
    assert not await CycleConfirmation.exists()


async def test_set_exam_settings_show_score_and_mid_checks(client):
    w = await make_world()
    cycle_id = (await _cycle(client, w))["id"]
    token = await token_for(w.gx_admin)
    r = await client.put(f"{API}/{cycle_id}/exam-settings", headers=auth(token),
                         json={"humanities": {"show_score": False, "mid_checks": 2}})
    assert r.status_code == 200, r.text
    assert r.json()["exam_settings"]["humanities"]["show_score"] is False
    assert r.json()["exam_settings"]["humanities"]["mid_checks"] == 2
    r = await client.put(f"{API}/{cycle_id}/exam-settings", headers=auth(token),
                         json={"humanities": {"mid_checks": 6}})
    assert r.status_code == 422
