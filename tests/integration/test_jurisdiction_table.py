"""The jurisdiction table: every admin endpoint that names an object is tried, by every
role it allows (from 广西), on an object of another province (贵州). The answer is 403
or 404 and carries none of the object's data. A new endpoint with a path parameter must
be added to the table (test_table_covers_every_object_route)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from server.models import (
    AssessmentApplication,
    Cycle,
    Department,
    ExamAttempt,
    ExemptionReason,
    FaceCheck,
    Job,
    OrgKind,
    OutboxMessage,
    OutboxStatus,
    Paper,
    PaperType,
    PhysicianTransfer,
    Question,
    StaffAccount,
    TransferKind,
)
from server.services.access import Role
from server.services.assessment import transitions
from tests.factories import auth, make_org, make_physician, make_world, token_for

ACTION_FOR_ROLE = {
    Role.HEALTH_INSTITUTION: "hi_approve_enrolment",
    Role.ASSESSMENT_INSTITUTION: "ai_confirm_enrolment",
    Role.ADMINISTRATION: "admin_reject_to_leave",
}

# (method, path as registered) -> path with the outside object's ids filled in
TABLE: dict[tuple[str, str], str] = {
    ("GET", "/api/v1/admin/accounts/<account_id:int>"): "/api/v1/admin/accounts/{account}",
    ("PUT", "/api/v1/admin/accounts/<account_id:int>"): "/api/v1/admin/accounts/{account}",
    ("DELETE", "/api/v1/admin/accounts/<account_id:int>"): "/api/v1/admin/accounts/{account}",
    ("POST", "/api/v1/admin/accounts/<account_id:int>/activate"): "/api/v1/admin/accounts/{account}/activate",
    ("POST", "/api/v1/admin/outbox/<message_id:int>/resend"): "/api/v1/admin/outbox/{message}/resend",
    ("PUT", "/api/v1/admin/cycles/<cycle_id:int>/publish-violations"):
        "/api/v1/admin/cycles/{cycle}/publish-violations",
    ("POST", "/api/v1/admin/registrations/<physician_id:int>/decision"):
        "/api/v1/admin/registrations/{physician}/decision",
    ("PUT", "/api/v1/admin/cycles/<cycle_id:int>/self-registration"): "/api/v1/admin/cycles/{cycle}/self-registration",
    ("PUT", "/api/v1/admin/institutions/<org_id:int>/upkeep"): "/api/v1/admin/institutions/{hospital}/upkeep",
    ("POST", "/api/v1/admin/institutions/<org_id:int>/cancel"): "/api/v1/admin/institutions/{hospital}/cancel",
    ("GET", "/api/v1/admin/assessments/<assessment_id:int>/appeal"): "/api/v1/admin/assessments/{assessment}/appeal",
    ("POST", "/api/v1/admin/assessments/<assessment_id:int>/appeal/decision"):
        "/api/v1/admin/assessments/{assessment}/appeal/decision",
    ("GET", "/api/v1/admin/assessments/<assessment_id:int>/delay-form"):
        "/api/v1/admin/assessments/{assessment}/delay-form",
    ("GET", "/api/v1/admin/assessments/<assessment_id:int>/materials"):
        "/api/v1/admin/assessments/{assessment}/materials",
    ("GET", "/api/v1/admin/assessments/<assessment_id:int>/materials/<file_id:uuid>"):
        "/api/v1/admin/assessments/{assessment}/materials/{material}",
    ("POST", "/api/v1/admin/accounts/<account_id:int>/cancel"): "/api/v1/admin/accounts/{account}/cancel",
    ("POST", "/api/v1/admin/accounts/<account_id:int>/reset-password"):
        "/api/v1/admin/accounts/{account}/reset-password",
    ("GET", "/api/v1/admin/assessment/applications/<application_id:int>"):
        "/api/v1/admin/assessment/applications/{application}",
    ("POST", "/api/v1/admin/assessment/applications/<application_id:int>/approve"):
        "/api/v1/admin/assessment/applications/{application}/approve",
    ("POST", "/api/v1/admin/assessment/applications/<application_id:int>/reject"):
        "/api/v1/admin/assessment/applications/{application}/reject",
    ("GET", "/api/v1/admin/assessment/applications/<application_id:int>/materials/<file_id:uuid>"):
        "/api/v1/admin/assessment/applications/{application}/materials/{material}",
    ("PUT", "/api/v1/admin/assessment/apply-permission/<org_id:int>"):
        "/api/v1/admin/assessment/apply-permission/{hospital}",
    ("PUT", "/api/v1/admin/assessment/industry-orgs/<org_id:int>"): "/api/v1/admin/assessment/industry-orgs/{industry}",
    ("POST", "/api/v1/admin/assessment/institutions/<assessor_id:int>/assign"):
        "/api/v1/admin/assessment/institutions/{hospital}/assign",
    ("GET", "/api/v1/admin/assessment/institutions/<assessor_id:int>/assigned"):
        "/api/v1/admin/assessment/institutions/{hospital}/assigned",
    ("POST", "/api/v1/admin/assessment/institutions/<assessor_id:int>/unassign"):
        "/api/v1/admin/assessment/institutions/{hospital}/unassign",
    ("GET", "/api/v1/admin/assessments/<assessment_id:int>"): "/api/v1/admin/assessments/{assessment}",
    ("GET", "/api/v1/admin/assessments/<assessment_id:int>/certificate"):
        "/api/v1/admin/assessments/{assessment}/certificate",
    ("POST", "/api/v1/admin/assessments/<assessment_id:int>/actions/<action:str>"):
        "/api/v1/admin/assessments/{assessment}/actions/{action}",
    ("POST", "/api/v1/admin/assessments/batch/<action:str>"): "/api/v1/admin/assessments/batch/{action}",
    ("POST", "/api/v1/admin/assessments/physicians/<physician_id:int>/include"):
        "/api/v1/admin/assessments/physicians/{physician}/include",
    ("POST", "/api/v1/admin/assessments/physicians/<physician_id:int>/cancel-include"):
        "/api/v1/admin/assessments/physicians/{physician}/cancel-include",
    ("GET", "/api/v1/admin/cycles/<cycle_id:int>"): "/api/v1/admin/cycles/{cycle}",
    ("PUT", "/api/v1/admin/cycles/<cycle_id:int>"): "/api/v1/admin/cycles/{cycle}",
    ("PUT", "/api/v1/admin/cycles/<cycle_id:int>/evaluation-items"): "/api/v1/admin/cycles/{cycle}/evaluation-items",
    ("PUT", "/api/v1/admin/cycles/<cycle_id:int>/exam-settings"): "/api/v1/admin/cycles/{cycle}/exam-settings",
    ("POST", "/api/v1/admin/cycles/<cycle_id:int>/exemption-reasons"):
        "/api/v1/admin/cycles/{cycle}/exemption-reasons",
    ("PUT", "/api/v1/admin/cycles/<cycle_id:int>/exemption-reasons/<reason_id:int>"):
        "/api/v1/admin/cycles/{cycle}/exemption-reasons/{reason}",
    ("DELETE", "/api/v1/admin/cycles/<cycle_id:int>/exemption-reasons/<reason_id:int>"):
        "/api/v1/admin/cycles/{cycle}/exemption-reasons/{reason}",
    ("POST", "/api/v1/admin/cycles/<cycle_id:int>/exemptions/<paper:str>/open"):
        "/api/v1/admin/cycles/{cycle}/exemptions/humanities/open",
    ("POST", "/api/v1/admin/cycles/<cycle_id:int>/exemptions/<paper:str>/close"):
        "/api/v1/admin/cycles/{cycle}/exemptions/humanities/close",
    ("PUT", "/api/v1/admin/cycles/<cycle_id:int>/password-rule"): "/api/v1/admin/cycles/{cycle}/password-rule",
    ("PUT", "/api/v1/admin/cycles/<cycle_id:int>/simple-conditions"):
        "/api/v1/admin/cycles/{cycle}/simple-conditions",
    ("PUT", "/api/v1/admin/cycles/<cycle_id:int>/windows"): "/api/v1/admin/cycles/{cycle}/windows",
    ("PUT", "/api/v1/admin/departments/<dept_id:int>"): "/api/v1/admin/departments/{department}",
    ("DELETE", "/api/v1/admin/departments/<dept_id:int>"): "/api/v1/admin/departments/{department}",
    ("GET", "/api/v1/admin/institutions/<org_id:int>"): "/api/v1/admin/institutions/{hospital}",
    ("GET", "/api/v1/admin/jobs/<job_id:str>"): "/api/v1/admin/jobs/{job}",
    ("GET", "/api/v1/admin/jobs/<job_id:str>/errors"): "/api/v1/admin/jobs/{job}/errors",
    ("GET", "/api/v1/admin/jobs/<job_id:str>/result"): "/api/v1/admin/jobs/{job}/result",
    ("GET", "/api/v1/admin/physicians/<physician_id:int>"): "/api/v1/admin/physicians/{physician}",
    ("POST", "/api/v1/admin/physicians/<physician_id:int>/change-institution"):
        "/api/v1/admin/physicians/{physician}/change-institution",
    ("POST", "/api/v1/admin/physicians/<physician_id:int>/reset-password"):
        "/api/v1/admin/physicians/{physician}/reset-password",
    ("GET", "/api/v1/admin/physicians/<physician_id:int>/transfers"):
        "/api/v1/admin/physicians/{physician}/transfers",
    ("POST", "/api/v1/admin/transfers/<transfer_id:int>/decision"): "/api/v1/admin/transfers/{transfer}/decision",
    ("GET", "/api/v1/admin/question-bank/questions/<question_id:int>"): "/api/v1/admin/question-bank/questions/{question}",
    ("PUT", "/api/v1/admin/question-bank/questions/<question_id:int>"): "/api/v1/admin/question-bank/questions/{question}",
    ("POST", "/api/v1/admin/question-bank/questions/<question_id:int>/disable"):
        "/api/v1/admin/question-bank/questions/{question}/disable",
    ("POST", "/api/v1/admin/question-bank/questions/<question_id:int>/enable"):
        "/api/v1/admin/question-bank/questions/{question}/enable",
    ("GET", "/api/v1/admin/question-bank/cycles/<cycle_id:int>/blueprints"):
        "/api/v1/admin/question-bank/cycles/{cycle}/blueprints",
    ("GET", "/api/v1/admin/question-bank/cycles/<cycle_id:int>/blueprints/<paper_type:str>"):
        "/api/v1/admin/question-bank/cycles/{cycle}/blueprints/humanities",
    ("PUT", "/api/v1/admin/question-bank/cycles/<cycle_id:int>/blueprints/<paper_type:str>"):
        "/api/v1/admin/question-bank/cycles/{cycle}/blueprints/humanities",
    ("POST", "/api/v1/admin/question-bank/cycles/<cycle_id:int>/papers/draw"):
        "/api/v1/admin/question-bank/cycles/{cycle}/papers/draw",
    ("GET", "/api/v1/admin/proctoring/<assessment_id:int>"): "/api/v1/admin/proctoring/{assessment}",
    ("GET", "/api/v1/admin/proctoring/<assessment_id:int>/photo"): "/api/v1/admin/proctoring/{assessment}/photo",
    ("GET", "/api/v1/admin/proctoring/checks/<check_id:int>/image"): "/api/v1/admin/proctoring/checks/{check}/image",
    ("POST", "/api/v1/admin/proctoring/<assessment_id:int>/mark"): "/api/v1/admin/proctoring/{assessment}/mark",
    ("POST", "/api/v1/admin/proctoring/<assessment_id:int>/unmark"): "/api/v1/admin/proctoring/{assessment}/unmark",
    ("POST", "/api/v1/admin/proctoring/<assessment_id:int>/process"):
        "/api/v1/admin/proctoring/{assessment}/process",
}

# Lists that take an organisation or region to look into: an outside one is refused or empty.
LIST_FILTERS = [
    "/api/v1/admin/outbox?physician_id={physician}",
    "/api/v1/admin/accounts?region_id={gz_region}",
    "/api/v1/admin/institutions?region_id={gz_region}",
    "/api/v1/admin/departments?org_id={hospital}",
    "/api/v1/admin/physicians?institution_id={hospital}",
    "/api/v1/admin/cycles/current?province_id={gz_region}",
    "/api/v1/admin/proctoring?institution_id={hospital}",
    "/api/v1/admin/proctoring/violations?institution_id={hospital}",
]

# A body that passes each endpoint's shape check, so the refusal is about jurisdiction.
BODIES: dict[str, dict] = {
    "reject": {"reason": "材料不全"},
    "decision": {"approve": True, "decision": "uphold", "reason": "维持"},  # transfers and appeals
    "publish-violations": {"enabled": True},
    "self-registration": {"enabled": True},
    "apply-permission": {"allow": True},
    "industry-orgs": {"enabled": True},
    "exemption-reasons": {"paper": "humanities", "text": "年满60周岁"},
    "password-rule": {"rule": "fixed"},
    "departments": {"name": "新科室"},
    "accounts": {"name": "新名称"},
    "cycles": {"name": "周期", "start_date": "2025-01-01", "end_date": "2027-12-31"},
    "simple-conditions": {"conditions": ["条件"]},
    "evaluation-items": {"work_performance": ["a"], "ethics": ["b"], "professional_level": ["c"]},
    "questions": {"paper_type": "humanities", "knowledge_point": "医学伦理", "qtype": "judge", "stem": "题干",
                  "answer": ["A"]},
    "humanities": {"items": [{"knowledge_point": "医学伦理", "count": 50}]},
}


def _registered_object_routes(app) -> set[tuple[str, str]]:
    out = set()
    for route in app.router.routes:
        path = "/" + route.path.lstrip("/")
        if path.startswith("/api/v1/admin/") and "<" in path:
            out.update((m, path) for m in route.methods if m not in ("HEAD", "OPTIONS"))
    return out


def test_table_covers_every_object_route(app):
    missing = sorted(_registered_object_routes(app) - set(TABLE))
    assert missing == [], f"add these routes to the jurisdiction table: {missing}"


@pytest.fixture
async def outside(app):
    """A world, and one object of every kind in 贵州 (outside every 广西 caller)."""
    w = await make_world()
    gz = w.gz_hospital
    gz.is_assessment_institution = True
    await gz.save()
    industry = await make_org("贵州医师协会", OrgKind.INDUSTRY_ORG, w.gz, code="gz-mda")
    now = datetime.now(UTC)
    cycle = await Cycle.create(province=w.gz, name="贵州周期", start_date=date(2025, 1, 1),
                               end_date=date(2027, 12, 31), enrol_start=now - timedelta(days=1),
                               enrol_end=now + timedelta(days=30))
    reason = await ExemptionReason.create(cycle=cycle, paper=PaperType.HUMANITIES, text="年满60周岁")
    physician = await make_physician(gz, name="贵州医师")
    assessment = await transitions.ensure_assessment(physician=physician, cycle=cycle)
    department = await Department.create(org=gz, name="贵州内科", level=1)
    material = uuid.uuid4()
    application = await AssessmentApplication.create(org=gz, note="申请", material_ids=[str(material)])
    job = await Job.create(kind="physician_import", org=gz)
    transfer = await PhysicianTransfer.create(physician=physician, kind=TransferKind.HOLDING_IN, from_org=gz)
    account = await StaffAccount.get(org_id=gz.id)
    question = await Question.create(bank=str(w.gz.id), province_id=w.gz.id, code="GZ-1", paper_type="humanities",
                                     knowledge_point="医学伦理", qtype="single", stem="贵州题库试题",
                                     options=[{"key": "A", "text": "甲"}, {"key": "B", "text": "乙"}], answer=["A"])
    paper = await Paper.create(assessment=assessment, physician=physician, cycle=cycle, paper_type="humanities")
    attempt = await ExamAttempt.create(assessment=assessment, physician=physician, cycle=cycle, paper=paper,
                                       paper_type="humanities", duration_minutes=60, window_end=now)
    check = await FaceCheck.create(attempt=attempt, physician=physician, moment="start", passed=True,
                                   decision="passed", similarity=0.9)  # 监考管理: a check in 贵州
    message = await OutboxMessage.create(channel="sms", recipient_type="physician", recipient_id=physician.id,
                                         address="13800000000", template="include", status=OutboxStatus.FAILED)
    ids = {
        "check": check.id, "message": message.id,
        "account": account.id, "application": application.id, "material": material, "hospital": gz.id,
        "industry": industry.id, "assessment": assessment.id, "physician": physician.id, "cycle": cycle.id,
        "reason": reason.id, "department": department.id, "job": job.id, "transfer": transfer.id,
        "question": question.id,
        "gz_region": w.gz.id,
    }
    tokens = {
        Role.ADMINISTRATION: await token_for(w.gx_admin),
        Role.HEALTH_INSTITUTION: await token_for(w.hospital2),
        Role.ASSESSMENT_INSTITUTION: await token_for(w.hospital, Role.ASSESSMENT_INSTITUTION),
        Role.INDUSTRY_ORG: await token_for(w.industry),
    }
    secrets = [physician.id_number, "贵州医师", "贵阳市第一人民医院", "贵州内科", "贵州周期", "贵州题库试题"]
    return w, ids, tokens, secrets


def _body_for(method: str, path: str, role: Role, ids: dict) -> dict:
    last = [p for p in path.split("/") if p and not p.isdigit()][-1]
    if method == "PUT" and last == "exemption-reasons":
        return {"text": "年满60周岁"}
    if "/batch/" in path:
        return {"ids": [ids["assessment"]], "reason": "不符合"}
    if "/actions/" in path:
        return {"reason": "不符合"}
    if last == "change-institution":
        return {"institution_id": ids["hospital"]}
    if last in ("assign", "unassign"):
        return {"ids": [ids["hospital"]]}
    return BODIES.get(last, {})


async def test_every_object_route_refuses_objects_outside_jurisdiction(app, client, outside):
    w, ids, tokens, secrets = outside
    registered = _registered_object_routes(app)
    handlers = {("/" + r.path.lstrip("/")): r.handler for r in app.router.routes}
    checked = 0
    for (method, template), filled in TABLE.items():
        if (method, template) not in registered:
            continue  # the table may run ahead of the routes
        for role in handlers[template].__guard__["roles"]:
            if role not in tokens:
                continue
            url = filled.format(**ids, action=ACTION_FOR_ROLE.get(role, "hi_approve_enrolment"))
            r = await client.request(method, url, headers=auth(tokens[role]),
                                     json=_body_for(method, url, role, ids) if method != "GET" else None)
            text = r.text
            for secret in secrets:
                assert secret not in text, (method, url, role.value, "leaked", secret)
            if "/batch/" in url:
                body = r.json()
                # administrations have no batch moves: 422 batch_not_supported is a refusal too
                assert r.status_code in (200, 403, 404, 422), (method, url, r.status_code)
                if r.status_code == 200:
                    assert body["done"] == [], (url, role.value, body)
                    assert body["failed"][0]["code"] in ("out_of_jurisdiction", "wrong_role", "not_found")
            else:
                assert r.status_code in (403, 404), (method, url, role.value, r.status_code, text[:200])
            checked += 1
    assert checked > 20


async def test_list_filters_pointing_outside_are_refused_or_empty(app, client, outside):
    w, ids, tokens, secrets = outside
    for template in LIST_FILTERS:
        url = template.format(**ids)
        for role, token in tokens.items():
            r = await client.get(url, headers=auth(token))
            for secret in secrets:
                assert secret not in r.text, (url, role.value, "leaked", secret)
            if r.status_code == 200:
                data = r.json().get("data", r.json())
                assert not data or data == [] or isinstance(data, dict), (url, role.value, r.text[:200])
            else:
                assert r.status_code in (403, 404, 422), (url, role.value, r.status_code)


async def test_unfiltered_lists_never_show_outside_rows(app, client, outside):
    w, ids, tokens, secrets = outside
    lists = ["/api/v1/admin/accounts", "/api/v1/admin/institutions", "/api/v1/admin/physicians",
             "/api/v1/admin/assessment/applications", "/api/v1/admin/assessment/institutions",
             "/api/v1/admin/transfers", "/api/v1/admin/audit-logs", "/api/v1/admin/jobs",
             "/api/v1/admin/assessments", "/api/v1/admin/proctoring", "/api/v1/admin/proctoring/violations",
             "/api/v1/admin/outbox"]
    for url in lists:
        for role, token in tokens.items():
            r = await client.get(url + "?size=100", headers=auth(token))
            assert r.status_code in (200, 403, 404), (url, role.value, r.status_code)
            for secret in secrets:
                assert secret not in r.text, (url, role.value, "leaked", secret)
            assert not re.search(r'"id_number":\s*"\d{17}[\dX]"', r.text), (url, "unmasked ID number in a list")
