"""报名 in the mini-program (SPEC §4 stage 1 and 2, seed manual 2.2.3): the five steps saved
as drafts, 提交信息, and 重新选择考核程序 after the institution's 驳回.

- Drafts are saved only while the enrolment may be edited (已开通报名 / 报名信息被驳回);
  a draft is not a move of the state machine, so it is a small locked update.
- 提交信息 and 重新选择考核程序 are moves: ``transitions.transition`` checks the status and the
  window first, then (inside the same locked transaction) the ``apply`` hook checks the
  content is complete, fixes ``Assessment.procedure`` and keeps the hash of what was
  submitted, so that a re-submit after 驳回 without any change is refused.
"""

from __future__ import annotations

from typing import Any

from tortoise.transactions import in_transaction

from server.errors import ValidationFailed
from server.models import (
    Assessment,
    Cycle,
    Department,
    ModificationStatus,
    Physician,
    PhysicianLevel,
    PracticeCategory,
    Procedure,
)
from server.schemas.assessment_mp import (
    AssessmentSummary,
    DepartmentOption,
    EnrolmentLimits,
    EnrolmentPickers,
    EnrolmentView,
    MissingField,
    PhotoRef,
    SimpleCondition,
    StepSaved,
    StepView,
)
from server.schemas.common import Labelled
from server.schemas.enrolment import CORRECTABLE, MODIFIABLE_STEPS, REPORT_MAX, SELF_TEXT_MAX, STEPS
from server.schemas.specialties import SPECIALTIES, unknown_specialties
from server.services import audit
from server.services.access import Actor
from server.services.assessment import enrolment_rules as rules
from server.services.assessment import flow, transitions
from server.services.assessment.physician_files import check_own_proofs, not_editable, own_files
from server.services.assessment.physician_view import actions_out, require_mine, summary

M = ModificationStatus


def _mode(a: Assessment) -> str:
    if a.status in flow.ENROL_EDITABLE:
        return "enrolment"
    if a.modification == M.ALLOWED:
        return "modification"
    return "view"


async def check_references(physician: Physician, cycle: Cycle, step: str, data: dict[str, Any]) -> None:
    """What a schema cannot check: the department is the institution's, the conditions are the
    cycle's, the proofs are the physician's own."""
    if step == "practice" and data.get("department_id") is not None:
        exists = await Department.filter(id=data["department_id"], org_id=physician.institution_id).exists()
        if not exists:
            raise ValidationFailed("科室不存在，请联系所在单位完善科室信息", code="invalid_department")
    if step == "practice" and data.get("specialties"):
        category = data.get("category") or physician.category.value
        unknown = unknown_specialties(category, data["specialties"])
        if unknown:
            label = PracticeCategory(category).label
            raise ValidationFailed(f"从事专业「{unknown[0]}」不在{label}类别的专业列表中，请从列表中选择",
                                   code="invalid_specialty",
                                   details=[{"field": "specialties", "problem": "not_in_list",
                                             "message": f"从事专业「{n}」不在{label}类别的专业列表中"} for n in unknown])
    if step == "self_assessment" and data.get("item_texts"):
        for group, texts in data["item_texts"].items():
            names = list((cycle.evaluation_items or {}).get(group) or [])
            if len(texts) != len(names):
                raise ValidationFailed(f"逐项自评应与本周期考核内容一一对应（{len(names)}项）", code="invalid_items")
    if step == "procedure" and data.get("procedure") == "simple":
        count = len(cycle.simple_conditions or [])
        if count == 0:
            raise ValidationFailed("本周期未设置简易程序条件，请选择一般程序", code="simple_not_available")
        if any(i >= count for i in data.get("conditions", [])):
            raise ValidationFailed("简易程序条件无效，请重新勾选", code="invalid_condition")
        await check_own_proofs(physician.id, data.get("proof_ids", []))


def pickers() -> EnrolmentPickers:
    """The code lists of 执业信息: 执业类别, 医师级别, 从事专业 (per 执业类别)."""
    return EnrolmentPickers(
        category=[Labelled.of(c) for c in PracticeCategory],
        level=[Labelled.of(lv) for lv in PhysicianLevel],
        specialties={c: list(names) for c, names in SPECIALTIES.items()},
    )


def _missing(rows: list[dict[str, str]]) -> list[MissingField]:
    return [MissingField(**m) for m in rows]


async def _correct_registry(actor: Actor, physician: Physician, data: dict[str, Any], conn: Any) -> None:
    """执业类别 / 医师级别 corrected by the physician (enrolment editable, checked by the caller):
    saved on the physician (the papers that apply follow ``physician.level``), audited."""
    before: dict[str, str] = {}
    after: dict[str, str] = {}
    for field in CORRECTABLE:
        value = data.pop(field, None)
        if value is None or value == getattr(physician, field).value:
            continue
        before[field] = getattr(physician, field).value
        after[field] = value
        setattr(physician, field, PracticeCategory(value) if field == "category" else PhysicianLevel(value))
    if after:
        await physician.save(update_fields=[*after, "updated_at"], using_db=conn)
        await audit.record(actor, "physician.correct_practice", "physician", physician.id, before=before,
                           after=after, using_db=conn)


async def view(*, actor: Actor) -> EnrolmentView:
    """我要报名: the five steps (drafts over registry data), read-only fields marked, what is missing."""
    physician, cycle, a = await require_mine(actor)
    mode = _mode(a)
    pending = a.pending_changes if a.modification in (M.ALLOWED, M.SUBMITTED) else None
    content = rules.merged_content(physician, a.enrolment, pending)
    conditions = list(cycle.simple_conditions or [])
    missing = rules.missing_fields(content, photo=bool(a.photo_file_id), condition_count=len(conditions))
    by_step = rules.missing_by_step(missing)
    fixed = rules.read_only_values(physician)
    steps = []
    for step, label in STEPS.items():
        editable = mode == "enrolment" or (mode == "modification" and step in MODIFIABLE_STEPS)
        steps.append(StepView(
            step=step,
            label=label,
            saved=step in (a.enrolment or {}),
            editable=editable,
            data={**fixed.get(step, {}), **content[step]},
            read_only=list(rules.read_only_of(step)),
            pending=(pending or {}).get(step),
            missing=_missing(by_step[step]),
        ))
    proof_ids = (content.get("procedure") or {}).get("proof_ids") or []
    departments = await Department.filter(org_id=physician.institution_id).order_by("level", "id").values(
        "id", "name", "parent_id", "level")
    return EnrolmentView(
        status=Labelled.of(a.status),
        modification=Labelled.of(a.modification),
        mode=mode,
        editable=mode != "view",
        photo=PhotoRef(file_id=a.photo_file_id),
        steps=steps,
        proofs=await own_files(physician_id=physician.id, ids=[str(i) for i in proof_ids]),
        simple_conditions=[SimpleCondition(index=i, text=text) for i, text in enumerate(conditions)],
        # the province's 考核内容 (编辑考核内容): the 自评 takes one entry per item (item_texts)
        evaluation_items={g: list((cycle.evaluation_items or {}).get(g) or [])
                          for g in ("work_performance", "ethics")},
        departments=[DepartmentOption(**d) for d in departments],
        missing=_missing(missing),
        complete=not missing,
        limits=EnrolmentLimits(report_max=REPORT_MAX, self_text_max=SELF_TEXT_MAX),
        pickers=pickers(),
        actions=actions_out(await transitions.actions_for(actor, a, cycle)),
    )


async def save_step(*, actor: Actor, step: str, data: dict[str, Any]) -> StepSaved:
    """保存: one step's draft (validated by the schema), only while the enrolment is editable. A partial
    update: the fields sent replace theirs, the others keep their values."""
    physician, cycle, a = await require_mine(actor)
    if a.status not in flow.ENROL_EDITABLE:
        raise not_editable()
    await check_references(physician, cycle, step, data)
    async with in_transaction() as conn:
        locked = await Assessment.filter(id=a.id).select_for_update().using_db(conn).get()
        if locked.status not in flow.ENROL_EDITABLE:
            raise not_editable()
        data = dict(data)
        if step == "practice":
            await _correct_registry(actor, physician, data, conn)
        drafts = dict(locked.enrolment or {})
        old = drafts.get(step) or {}
        if step == "procedure" and "procedure" in data and data["procedure"] != old.get("procedure"):
            old = {}  # another procedure: the other one's conditions, proofs and report do not carry over
        drafts[step] = {**old, **data}
        locked.enrolment = drafts
        await locked.save(update_fields=["enrolment", "updated_at"], using_db=conn)
        await audit.record(actor, "enrolment.save_step", "assessment", a.id,
                           after={"step": step, "fields": sorted(k for k, v in data.items() if v is not None)},
                           using_db=conn)
    content = rules.merged_content(physician, locked.enrolment)
    missing = rules.missing_fields(content, photo=bool(locked.photo_file_id),
                                   condition_count=len(cycle.simple_conditions or []))
    return StepSaved(
        step=step,
        label=STEPS[step],
        data={**rules.read_only_values(physician).get(step, {}), **content[step]},
        missing=_missing(rules.missing_by_step(missing)[step]),
        complete=not missing,
        actions=actions_out(await transitions.actions_for(actor, locked, cycle)),
    )


async def submit(*, actor: Actor) -> AssessmentSummary:
    """提交信息: the whole enrolment to the health institution (SPEC §4 stage 1)."""
    physician, cycle, a = await require_mine(actor)

    async def apply(locked: Assessment, conn: Any) -> None:
        content = rules.merged_content(physician, locked.enrolment)
        missing = rules.missing_fields(content, photo=bool(locked.photo_file_id),
                                       condition_count=len(cycle.simple_conditions or []))
        if missing:
            steps = "、".join(dict.fromkeys(m["step_label"] for m in missing))
            raise ValidationFailed(f"报名信息不完整，请完善：{steps}", code="enrolment_incomplete", details=missing)
        procedure = content["procedure"]
        if procedure["procedure"] == "simple":
            await check_own_proofs(physician.id, procedure["proof_ids"], using_db=conn)
        digest = rules.content_hash(content, locked.photo_file_id)
        if locked.status == flow.S.ENROL_RETURNED and digest == locked.submitted_hash:
            raise ValidationFailed("报名信息未作任何修改，请根据驳回理由修改后再提交", code="no_changes")
        locked.enrolment = content
        locked.submitted_hash = digest
        locked.procedure = Procedure(procedure["procedure"])

    outcome = await transitions.transition(actor=actor, assessment_id=a.id, action="submit_enrolment", apply=apply)
    return await summary(actor, outcome.assessment, cycle)


async def resubmit_procedure(*, actor: Actor, procedure: dict[str, Any], self_assessment: dict[str, Any] | None
                             ) -> AssessmentSummary:
    """重新选择考核程序 (待重新选择考核程序): 简易程序 with conditions, proofs, 述职报告, or 一般程序."""
    physician, cycle, a = await require_mine(actor)
    await check_references(physician, cycle, "procedure", procedure)

    async def apply(locked: Assessment, conn: Any) -> None:
        enrolment = dict(locked.enrolment or {})
        enrolment["procedure"] = procedure
        if self_assessment is not None:
            enrolment["self_assessment"] = self_assessment
        content = rules.merged_content(physician, enrolment)
        missing = [m for m in rules.missing_fields(content, photo=True,
                                                   condition_count=len(cycle.simple_conditions or []))
                   if m["step"] in ("procedure", "self_assessment")]
        if missing:
            labels = "、".join(m["label"] for m in missing)
            raise ValidationFailed(f"考核程序信息不完整，请完善：{labels}", code="procedure_incomplete",
                                   details=missing)
        locked.enrolment = {**enrolment, "procedure": content["procedure"],
                            "self_assessment": content["self_assessment"]}
        locked.procedure = Procedure(procedure["procedure"])

    outcome = await transitions.transition(actor=actor, assessment_id=a.id, action="resubmit_procedure", apply=apply,
                                        data={"procedure": procedure["procedure"]})
    return await summary(actor, outcome.assessment, cycle)
