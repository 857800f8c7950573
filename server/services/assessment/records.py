"""One assessment's whole record (SPEC §4 "keep the whole history", §8 考核进度 查看; seed
manuals: administration 2.2.10(1), assessment institution 2.2.6, health institution 2.2.8):
医师个人信息, the enrolment steps and the self-assessment, the institution's evaluation, the
assessment institution's review, the exemption / delay / modification data, the full history
with organisation names and role labels, and the caller's actions.

Who sees the full ID and phone number (the rule of 医师管理's detail view):
- the health institution of the assessment, while the physician still belongs to it, and an
  administration whose jurisdiction contains the assessment: they manage the registration
  record and must check it against documents;
- an assessment institution sees them masked, as in every list (it reviews the evaluation,
  not the registration). Copies of the numbers inside the enrolment steps are masked alike.
Outside the caller's scope: 403 ``out_of_jurisdiction``; no such record: 404. Never data.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from server.errors import NotFound, OutOfJurisdiction
from server.models import (
    AppealStatus,
    Assessment,
    AssessmentEvent,
    AssessmentStatus,
    Cycle,
    DelayStatus,
    ExemptionReason,
    ExemptionStatus,
    ModificationStatus,
    Organisation,
    Physician,
)
from server.schemas.assessments import (
    AssessmentRecordCore,
    DoneBy,
    EnrolmentStep,
    RecordCycle,
    RecordDelay,
    RecordEvaluation,
    RecordEvent,
    RecordExemption,
    RecordExemptionReason,
    RecordModification,
    RecordPhysician,
)
from server.schemas.common import Choice, Labelled, Ref
from server.security import mask_id_number, mask_phone
from server.services.access import Actor, Role
from server.services.assessment import flow, transitions
from server.services.assessment.progress import actions_out

ENROLMENT_STEPS = (
    ("basic", "基本信息"),
    ("practice", "执业信息"),
    ("experience", "相关经历"),
    ("self_assessment", "工作成绩、职业道德自评"),
    ("procedure", "选择考核程序"),
)
FLOW_LABELS = {"main": "考核流程", "modification": "申请修改", "exemption": "免考申请", "delay": "延期考核",
               "appeal": "复核申请"}
FLOW_ENUMS: dict[str, type[Enum]] = {"main": AssessmentStatus, "modification": ModificationStatus,
                              "exemption": ExemptionStatus, "delay": DelayStatus, "appeal": AppealStatus}
ROLE_LABELS = {r.value: r.label for r in Role}
# History rows the runner writes by itself (no row of the table)
RUNNER_ACTIONS = {"reset": "申请随之撤销", "appeal_closed": "复核变更结果"}
_MASKERS = {"id_number": mask_id_number, "phone": mask_phone}


def sees_full_numbers(actor: Actor, a: Assessment, physician: Physician) -> bool:
    """See the module docstring. Called only for an assessment already in the caller's scope."""
    if actor.role == Role.ADMINISTRATION:
        return bool(actor.region_path) and a.region_path.startswith(actor.region_path)
    return (actor.role == Role.HEALTH_INSTITUTION and a.institution_id == actor.org_id
            and physician.institution_id == actor.org_id)


def mask_numbers(value: Any) -> Any:
    """A copy of `value` with every ``id_number`` / ``phone`` inside masked."""
    if isinstance(value, dict):
        return {k: (_MASKERS[k](v) if k in _MASKERS and isinstance(v, str) else mask_numbers(v))
                for k, v in value.items()}
    if isinstance(value, list):
        return [mask_numbers(v) for v in value]
    return value


async def get_in_scope(actor: Actor, assessment_id: int) -> Assessment:
    a = await Assessment.get_or_none(id=assessment_id)
    if a is None:
        raise NotFound("考核记录不存在", code="assessment_not_found")
    if not await transitions.in_scope(actor, a):
        raise OutOfJurisdiction("该考核记录不在本机构管辖范围内")
    return a


def _status_out(flow_name: str, value: str) -> Choice:
    try:
        member = FLOW_ENUMS[flow_name](value)
    except (KeyError, ValueError):
        return Choice(value=value, label=value)
    return Choice(value=member.value, label=getattr(member, "label", member.value))


def _event_view(e: AssessmentEvent, orgs: dict[int, str], physician: Physician) -> RecordEvent:
    t = flow.BY_ACTION.get(e.action)
    if e.actor_type == "physician":
        who = physician.name
    else:
        who = orgs.get(e.org_id or 0, "")
    data = {k: v for k, v in (e.data or {}).items() if k != "action"}
    return RecordEvent(
        id=e.id, flow=Choice(value=e.flow, label=FLOW_LABELS.get(e.flow, e.flow)),
        action=Choice(value=e.action, label=t.label if t else RUNNER_ACTIONS.get(e.action, e.action)),
        from_status=_status_out(e.flow, e.from_status), to_status=_status_out(e.flow, e.to_status),
        actor_type=e.actor_type, role=Choice(value=e.role, label=ROLE_LABELS.get(e.role, e.role)),
        org=Ref.of(e.org_id, orgs.get(e.org_id or 0)), actor_name=who,
        reason=e.reason, data=data, created_at=e.created_at,
    )


def _last(events: list[AssessmentEvent], *actions: str) -> AssessmentEvent | None:
    return next((e for e in reversed(events) if e.action in actions), None)


def _done_by(e: AssessmentEvent | None, orgs: dict[int, str]) -> DoneBy | None:
    return DoneBy(org=Ref.of(e.org_id, orgs.get(e.org_id or 0)), at=e.created_at) if e else None


async def _exemption_reasons(a: Assessment) -> list[RecordExemptionReason]:
    ids = [i for i in (a.exemption_data or {}).get("reason_ids", []) if isinstance(i, int)]
    if not ids:
        return []
    rows = await ExemptionReason.filter(id__in=ids, cycle_id=a.cycle_id).values("id", "paper", "text")
    return [RecordExemptionReason(id=r["id"], paper=Labelled.of(r["paper"]), text=r["text"]) for r in rows]


async def assessment_record(*, actor: Actor, assessment_id: int) -> AssessmentRecordCore:
    """考核进度 → 查看: the whole record of one assessment in the caller's scope."""
    a = await get_in_scope(actor, assessment_id)
    physician = await Physician.get(id=a.physician_id).prefetch_related("department")
    cycle = await Cycle.get(id=a.cycle_id)
    events = await AssessmentEvent.filter(assessment_id=a.id).order_by("id")
    org_ids = {e.org_id for e in events if e.org_id} | {a.institution_id}
    if isinstance((a.review or {}).get("org_id"), int):
        org_ids.add(a.review["org_id"])
    orgs = dict(await Organisation.filter(id__in=org_ids).values_list("id", "name"))
    full = sees_full_numbers(actor, a, physician)
    keep = (lambda v: v) if full else mask_numbers
    enrolment = keep(dict(a.enrolment or {}))
    review = dict(a.review or {})
    if review:  # the stored review document, with who did it (a free-form JSON object in the answer)
        org = Ref.of(review.get("org_id"), orgs.get(review.get("org_id") or 0))
        done = _done_by(_last(events, "ai_submit_review", "ai_reject_review"), orgs)
        review["org"] = org.model_dump() if org else None
        review["done"] = done.model_dump() if done else None
    return AssessmentRecordCore(
        id=a.id, version=a.version, active=a.active,
        cycle=RecordCycle(id=cycle.id, name=cycle.name, start_date=cycle.start_date, end_date=cycle.end_date),
        institution=Ref.of(a.institution_id, orgs.get(a.institution_id)),
        status=Labelled.of(a.status), procedure=Labelled.of(a.procedure), last_reason=a.last_reason,
        numbers_masked=not full,
        physician=RecordPhysician(
            id=physician.id, name=physician.name, gender=physician.gender,
            birth_date=physician.birth_date,
            id_number=physician.id_number if full else mask_id_number(physician.id_number),
            phone=(physician.phone or "") if full else mask_phone(physician.phone),
            level=Labelled.of(physician.level), category=Labelled.of(physician.category),
            practice_scope=physician.practice_scope,
            qualification_cert_no=physician.qualification_cert_no,
            practice_cert_no=physician.practice_cert_no,
            department=Ref.of(physician.department_id, physician.department.name if physician.department else None),
            photo_file_id=a.photo_file_id,
        ),
        enrolment=[EnrolmentStep(step=key, label=label, data=enrolment.get(key) or {})
                   for key, label in ENROLMENT_STEPS],
        self_assessment=enrolment.get("self_assessment") or {},
        evaluation=RecordEvaluation(
            work_result=Labelled.of(a.work_result), ethics_result=Labelled.of(a.ethics_result),
            opinion=a.evaluation_opinion, other_site_opinions=a.other_site_opinions or [],
            items=a.evaluation_items or {}, content=cycle.evaluation_items or {},
            done=_done_by(_last(events, "hi_submit_evaluation"), orgs),
        ),
        review=review,
        modification=RecordModification(status=Labelled.of(a.modification),
                                        pending_changes=keep(dict(a.pending_changes or {}))),
        exemption=RecordExemption(
            status=Labelled.of(a.exemption), paper=Labelled.of(transitions.exemption_paper(a.procedure)),
            data=a.exemption_data or {}, reasons=await _exemption_reasons(a),
        ),
        delay=RecordDelay(status=Labelled.of(a.delay), reason=a.delay_reason),
        history=[_event_view(e, orgs, physician) for e in events],
        actions=actions_out(await transitions.actions_for(actor, a, cycle)),
    )
