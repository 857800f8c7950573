"""The physician's own assessment in the mini-program (SPEC §4, seed manual 2.2.3, 2.2.6):
the home page (未开通报名 / 已开通报名, the stage and what to do next) and the full record
with its history. Read-only; every answer about the assessment carries the buttons
(``actions``) the state machine allows now.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from server.errors import Conflict, NotFound
from server.models import (
    AppealStatus,
    Assessment,
    AssessmentEvent,
    AssessmentStatus,
    AttemptStatus,
    Cycle,
    DelayStatus,
    ExamAttempt,
    ExemptionStatus,
    ItemResult,
    ModificationStatus,
    Organisation,
    PaperPurpose,
    Physician,
    Procedure,
)
from server.models.cycle import WINDOWS
from server.schemas.assessment_mp import (
    ActionOut,
    AssessmentRecord,
    AssessmentSummary,
    CycleOut,
    CycleWindowOut,
    DelayDetail,
    EvaluationOut,
    ExemptionDetail,
    HistoryRow,
    Home,
    ModificationDetail,
    NextStep,
    RegistrationOpen,
    ReviewOut,
)
from server.schemas.common import Choice, Labelled
from server.services.access import Actor, Role
from server.services.assessment import flow, transitions
from server.services.notify.inbox import unread_count

S = AssessmentStatus
NOT_OPEN = "所在医疗卫生机构尚未允许您参加本周期考核，如需参加请联系单位定考负责人处理。"

HINTS: dict[AssessmentStatus, str] = {
    S.NOT_INCLUDED: NOT_OPEN,
    S.INCLUDED: "所在医疗卫生机构已经允许您参加本周期考核，请点击“我要报名”完善并提交报名信息。",
    S.ENROL_SUBMITTED: "报名信息已提交，请等待卫生机构审核，审核结果将以站内消息及短信形式通知。",
    S.ENROL_RETURNED: "报名信息被驳回，请根据驳回理由修改后重新提交信息。",
    S.ENROL_REPORTED: "卫生机构已审核通过，请等待考核机构确认考核医师名单。",
    S.ENROLLED: "报名成功，请等待卫生机构评定工作成绩、职业道德。",
    S.PROCEDURE_RETURNED: "考核程序被驳回，请重新选择考核程序并提交。",
    S.EVALUATED: "卫生机构已完成评定，请等待考核机构复核。",
    S.AWAITING_EXAM: "工作成绩、职业道德评定合格，请在首轮考核时间内参加测评。",
    S.EXAMS_DONE: "测评已完成，请等待考核机构进行成绩评定，评定结果将以站内消息及短信形式通知。",
    S.QUALIFIED: "本周期定期考核结果为合格，考核结束。可在“考核结果”中查看，并下载考核结果通知书。",
    S.FAILED: "本周期定期考核结果为不合格。请关注再次考核通知，在规定时间内参加补考。",
    S.REEXAM_LISTED: "首轮考核结果为不合格，已列入再次考核名单，请在再次考核时间内参加测评。",
    S.REEXAM_DONE: "再次考核测评已完成，请等待卫生行政部门评定再次考核结果。",
    S.FINAL_FAILED: "再次考核结果为不合格，将由执业注册的卫生健康行政部门依法处理（注销注册）。",
    S.LEFT: "您已退出当前考核周期，如有疑问请联系所在卫生机构。",
}
# what failed (SPEC §4 stage 6), for the 不合格 hint
PAPER_LABELS = {"humanities": "人文医学测评", "professional": "业务水平测评"}
# the pages the home card leads to, by status: (key, label)
NEXT_STEPS: dict[AssessmentStatus, list[tuple[str, str]]] = {
    S.AWAITING_EXAM: [("exams", "参加测评")],
    S.REEXAM_LISTED: [("exams", "参加测评")],
    S.QUALIFIED: [("results", "考核结果"), ("certificate", "下载考核结果通知书")],
    S.FAILED: [("results", "考核结果")],
    S.FINAL_FAILED: [("results", "考核结果")],
}
EXAM_HINTS = {
    Procedure.SIMPLE: "工作成绩、职业道德评定合格，请在首轮考核时间内参加人文医学测评（1张试卷）。",
    Procedure.GENERAL: "工作成绩、职业道德评定合格，请在首轮考核时间内先参加人文医学测评，再参加业务水平测评。",
}
# Statuses the physician reached through a refusal whose reason they must see.
REFUSED_INTO = {S.ENROL_RETURNED, S.PROCEDURE_RETURNED, S.LEFT}
REVIEWED = {S.AWAITING_EXAM, S.FAILED}
FLOW_ENUMS: dict[str, type[Enum]] = {"main": AssessmentStatus, "modification": ModificationStatus,
                              "exemption": ExemptionStatus, "delay": DelayStatus, "appeal": AppealStatus}
FLOW_LABELS = {"main": "考核进度", "modification": "申请修改", "exemption": "申请免考", "delay": "延期考核",
               "appeal": "复核申请"}
ROLE_LABELS = {r.value: r.label for r in Role}


def enum_out(value: Any) -> dict[str, str] | None:
    """A dict `{value, label}` (kept for services/exams; this module builds `Labelled.of`)."""
    return None if value is None else {"value": value.value, "label": value.label}


def actions_out(actions: list[dict[str, object]]) -> list[ActionOut]:
    """The buttons of ``transitions.actions_for`` (flow.py's plain dicts) as models."""
    return [ActionOut.model_validate(x) for x in actions]


@dataclass
class Mine:
    physician: Physician
    cycle: Cycle | None
    assessment: Assessment | None


async def physician_of(actor: Actor) -> Physician:
    physician = await Physician.get_or_none(id=actor.physician_id)
    if physician is None:
        raise NotFound("医师信息不存在", code="physician_not_found")
    return physician


async def mine(actor: Actor) -> Mine:
    """The physician, their province's current cycle and their assessment in it (if any)."""
    physician = await physician_of(actor)
    cycle = await transitions.current_cycle_for(physician)
    assessment = None
    if cycle is not None:
        assessment = await Assessment.get_or_none(physician_id=physician.id, cycle_id=cycle.id)
    return Mine(physician, cycle, assessment)


async def require_mine(actor: Actor) -> tuple[Physician, Cycle, Assessment]:
    """As ``mine``, refusing a physician who has not been included in the cycle (未开通报名)."""
    m = await mine(actor)
    if m.cycle is None:
        raise Conflict("本省尚未开启考核周期", code="no_cycle")
    if m.assessment is None or m.assessment.status == S.NOT_INCLUDED:
        raise Conflict(NOT_OPEN, code="enrolment_not_open")
    return m.physician, m.cycle, m.assessment


def cycle_out(cycle: Cycle) -> CycleOut:
    now = transitions.utcnow()
    windows = []
    for key, label in WINDOWS.items():
        start, end = getattr(cycle, f"{key}_start"), getattr(cycle, f"{key}_end")
        windows.append(CycleWindowOut(key=key, label=label, start=start, end=end,
                                      open=bool(start and end and start <= now <= end)))
    return CycleOut(id=cycle.id, name=cycle.name, start_date=cycle.start_date, end_date=cycle.end_date,
                    windows=windows, delay_deadline=cycle.delay_deadline)


async def refusal_reason(a: Assessment) -> str:
    """The reason of the refusal that brought the assessment to its current status."""
    if a.status not in REFUSED_INTO:
        return ""
    event = await AssessmentEvent.filter(assessment_id=a.id, flow="main", to_status=a.status.value
                                         ).order_by("-id").first()
    return event.reason if event else a.last_reason


async def side_reason(a: Assessment, flow_name: str) -> str:
    """The last reason given in a side flow (申请修改 / 免考 / 延期) by a reviewer."""
    event = await AssessmentEvent.filter(assessment_id=a.id, flow=flow_name).exclude(role=Role.PHYSICIAN.value
                                                                                     ).order_by("-id").first()
    return event.reason if event else ""


async def failed_parts(a: Assessment) -> list[str]:
    """What made the result 不合格: 工作成绩 / 职业道德 / which paper / 违纪 / 未参加考核."""
    if a.violation or a.fail_reason == "violation":
        return ["违纪不合格"]
    if a.fail_reason == "missed":
        return ["未参加首轮考核"]
    if a.fail_reason == "appeal":
        return ["复核变更为不合格"]
    parts = []
    if a.work_result == ItemResult.FAIL:
        parts.append("工作成绩评定不合格")
    if a.ethics_result == ItemResult.FAIL:
        parts.append("职业道德评定不合格")
    if a.fail_reason == "exam" or not parts:
        passed: dict[str, bool] = {}
        rows = await ExamAttempt.filter(assessment_id=a.id, status=AttemptStatus.SUBMITTED,
                                        purpose=PaperPurpose.FIRST).values_list("paper_type", "passed")
        for paper_type, ok in rows:
            key = getattr(paper_type, "value", paper_type)
            passed[key] = passed.get(key, False) or bool(ok)
        parts += [f"{PAPER_LABELS.get(k, k)}不合格" for k, ok in sorted(passed.items()) if not ok]
    return parts or ["考核不合格"]


async def hint_for(a: Assessment | None, cycle: Cycle | None) -> str:
    """The home card's text, naming what failed when the result is 不合格."""
    text = hint(a, cycle)
    if a is None or cycle is None:
        return text
    if a.status == S.FAILED:
        parts = "、".join(await failed_parts(a))
        if a.violation:
            return f"本周期定期考核结果为不合格（{parts}），不参加再次考核。"
        return f"本周期定期考核结果为不合格（{parts}）。请关注再次考核通知，在规定时间内参加补考。"
    if a.status == S.FINAL_FAILED and a.fail_reason == "missed":
        return "未在规定时间内参加再次考核，再次考核结果为不合格，将由执业注册的卫生健康行政部门依法处理（注销注册）。"
    if a.status == S.QUALIFIED and a.no_promotion:
        return "再次考核合格，本周期定期考核结果为合格（本考核周期内不得评优和晋升）。可在“考核结果”中查看，并下载考核结果通知书。"
    return text


def next_steps(a: Assessment | None) -> list[NextStep]:
    if a is None:
        return []
    return [NextStep(key=k, label=label) for k, label in NEXT_STEPS.get(a.status, [])]


def hint(a: Assessment | None, cycle: Cycle | None) -> str:
    if cycle is None:
        return "本省尚未开启本周期考核，请留意卫生机构通知。"
    if a is None:
        return NOT_OPEN
    if a.status == S.AWAITING_EXAM and a.procedure in EXAM_HINTS:
        return EXAM_HINTS[a.procedure]
    text = HINTS[a.status]
    if a.status in flow.ENROL_EDITABLE:
        start, end = cycle.enrol_start, cycle.enrol_end
        now = transitions.utcnow()
        if not (start and end and start <= now <= end):
            text += "当前不在报名时间内。"
    return text


async def summary(actor: Actor, a: Assessment, cycle: Cycle) -> AssessmentSummary:
    """The assessment's states and the buttons: the answer of every move the physician makes."""
    return AssessmentSummary(
        id=a.id,
        version=a.version,
        status=Labelled.of(a.status),
        procedure=Labelled.of(a.procedure),
        modification=Labelled.of(a.modification),
        exemption=Labelled.of(a.exemption),
        delay=Labelled.of(a.delay),
        hint=await hint_for(a, cycle),
        last_reason=await refusal_reason(a),
        actions=actions_out(await transitions.actions_for(actor, a, cycle)),
    )


async def home(*, actor: Actor) -> Home:
    """首页: 未开通报名 / 已开通报名, the stage and what to do next, unread messages, buttons."""
    m = await mine(actor)
    a = m.assessment if m.assessment and m.assessment.status != S.NOT_INCLUDED else None
    opened = a is not None and a.status != S.LEFT
    label = "已开通报名" if opened else (S.LEFT.label if a is not None else "未开通报名")
    hint_text = await hint_for(a, m.cycle)
    unread = await unread_count(m.physician.id)
    current = await summary(actor, a, m.cycle) if a is not None and m.cycle is not None else None
    return Home(
        registration=RegistrationOpen(open=opened, label=label),
        cycle=cycle_out(m.cycle) if m.cycle else None,
        stage=Labelled.of(a.status) if a else None,
        hint=hint_text,
        next_steps=next_steps(a),
        unread_messages=unread,
        last_reason=current.last_reason if current else "",
        assessment=current,
        actions=current.actions if current else [],
    )


def _pick(item: Any, keys: tuple[str, ...]) -> dict[str, str | int | float | bool]:
    if not isinstance(item, dict):
        return {}
    return {k: item[k] for k in keys if isinstance(item.get(k), str | int | float | bool)}


OPINION_KEYS = ("org_name", "opinion")  # 多机构执业 新增意见
REVIEW_KEYS = ("decision", "work_agree", "ethics_agree", "opinion", "reason", "reviewed_at")


async def evaluation_out(a: Assessment) -> EvaluationOut | None:
    """评定结果, shown once the assessment institution has reviewed it (复核): organisations only."""
    if a.status not in REVIEWED:
        return None
    institution = await Organisation.get_or_none(id=a.institution_id)
    result = a.work_result == ItemResult.PASS and a.ethics_result == ItemResult.PASS
    review = dict(a.review or {})
    reviewer_id = review.get("org_id")
    reviewer = await Organisation.get_or_none(id=reviewer_id) if isinstance(reviewer_id, int) else None
    return EvaluationOut(
        work_result=Labelled.of(a.work_result),
        ethics_result=Labelled.of(a.ethics_result),
        result=Labelled.of(ItemResult.PASS if result else ItemResult.FAIL),
        opinion=a.evaluation_opinion,
        institution=institution.name if institution else "",
        other_site_opinions=[_pick(o, OPINION_KEYS) for o in (a.other_site_opinions or [])],
        review=ReviewOut.model_validate({**_pick(review, REVIEW_KEYS),
                                         "organisation": reviewer.name if reviewer else ""}),
    )


def _status_out(flow_name: str, value: str) -> Choice:
    try:
        member = FLOW_ENUMS[flow_name](value)
    except (KeyError, ValueError):
        return Choice(value=value, label=value)
    return Choice(value=member.value, label=getattr(member, "label", member.value))


async def history(a: Assessment) -> list[HistoryRow]:
    """Every move: what, when, which kind of organisation (by name) and why — never who."""
    events = await AssessmentEvent.filter(assessment_id=a.id).order_by("id")
    org_ids = {e.org_id for e in events if e.org_id and e.actor_type != "physician"}
    names = dict(await Organisation.filter(id__in=org_ids).values_list("id", "name")) if org_ids else {}
    out = []
    for e in events:
        t = flow.BY_ACTION.get(e.action)
        physician = e.actor_type == "physician"
        out.append(HistoryRow(
            action=e.action,
            label=t.label if t else e.action,
            flow=e.flow,
            flow_label=FLOW_LABELS.get(e.flow, e.flow),
            from_status=_status_out(e.flow, e.from_status),
            to_status=_status_out(e.flow, e.to_status),
            actor="本人" if physician else ROLE_LABELS.get(e.role, ""),
            organisation="" if physician else names.get(e.org_id, ""),
            reason=e.reason,
            time=e.created_at,
        ))
    return out


async def record(*, actor: Actor) -> AssessmentRecord:
    """考核进度: the physician's whole current record."""
    physician, cycle, a = await require_mine(actor)
    exemption = dict(a.exemption_data or {})
    current = await summary(actor, a, cycle)
    return AssessmentRecord(
        **dict(current),
        cycle=cycle_out(cycle),
        submitted=a.status not in flow.ENROL_EDITABLE,
        evaluation=await evaluation_out(a),
        modification_detail=ModificationDetail(status=Labelled.of(a.modification),
                                               pending_changes=a.pending_changes or {},
                                               reason=await side_reason(a, "modification")),
        exemption_detail=ExemptionDetail(status=Labelled.of(a.exemption), paper=exemption.get("paper"),
                                         reasons=exemption.get("reason_texts", []), note=exemption.get("note", ""),
                                         reason=await side_reason(a, "exemption")),
        delay_detail=DelayDetail(status=Labelled.of(a.delay), reason=a.delay_reason,
                                 review_reason=await side_reason(a, "delay")),
        history=await history(a),
    )
