"""Runs the moves of the assessment state machine (SPEC §4; rules in assessment_flow.py).

One move = one transaction: the assessment row is locked (``select_for_update``), the
rule table is checked against the locked row, the change is applied, and the history
row, the audit row and any notification go into the same transaction. An illegal move
raises and changes nothing. Two reviewers acting at once: the second one waits for the
lock, then finds the assessment moved on and gets a conflict.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tortoise.transactions import in_transaction

from server.errors import Conflict, DomainError, NotFound, ValidationFailed
from server.models import (
    Assessment,
    AssessmentEvent,
    AssessmentStatus,
    Cycle,
    PaperType,
    Physician,
    Procedure,
)
from server.models.geo import province_id_of_path
from server.schemas.common import BatchFailure
from server.schemas.common import BatchResult as BatchAnswer
from server.services import audit
from server.services.access import Actor, Role
from server.services.assessment import flow
from server.services.notify import notices

S = AssessmentStatus
WINDOW_NAMES = ("enrol", "evaluation", "exam", "judging", "reexam")
# Hook run inside the transaction before the status changes: it may edit the assessment
# (store an evaluation, apply edits) and, for moves with several targets, return the target.
Apply = Callable[[Assessment, Any], Awaitable[object | None]]


def utcnow() -> datetime:
    return datetime.now(UTC)


def exemption_paper(procedure: Procedure | None) -> PaperType | None:
    """General procedure: exemption from 业务水平; simple procedure: from 人文医学 (SPEC §4.3)."""
    if procedure == Procedure.GENERAL:
        return PaperType.PROFESSIONAL
    if procedure == Procedure.SIMPLE:
        return PaperType.HUMANITIES
    return None


def system_actor() -> Actor:
    """The server's own moves (完成测评 when the papers are done, deadlines): role SYSTEM."""
    return Actor(kind="system", role=Role.SYSTEM, token="")


async def in_scope(actor: Actor, assessment: Assessment) -> bool:
    """Whether the caller may see and act on this assessment (SPEC §1 jurisdiction)."""
    if actor.role == Role.SYSTEM:
        return True  # the server itself, for every assessment
    if actor.role == Role.PHYSICIAN:
        return actor.physician_id == assessment.physician_id
    if actor.role == Role.HEALTH_INSTITUTION:
        return actor.org_id == assessment.institution_id
    if actor.role == Role.ASSESSMENT_INSTITUTION:
        return assessment.institution_id in await actor.assigned_institution_ids()
    if actor.role == Role.ADMINISTRATION:
        return bool(actor.region_path) and assessment.region_path.startswith(actor.region_path)
    return False


def make_ctx(assessment: Assessment, cycle: Cycle, actor: Actor, *, scope: bool, now: datetime | None = None
             ) -> flow.Ctx:
    paper = exemption_paper(assessment.procedure)
    exemption_open = bool(
        paper and getattr(cycle, "humanities_exemption_open" if paper == PaperType.HUMANITIES
                          else "professional_exemption_open")
    )
    return flow.Ctx(
        status=assessment.status,
        modification=assessment.modification,
        exemption=assessment.exemption,
        delay=assessment.delay,
        procedure=assessment.procedure,
        role=actor.role,
        in_scope=scope,
        now=now or utcnow(),
        windows={w: (getattr(cycle, f"{w}_start"), getattr(cycle, f"{w}_end")) for w in WINDOW_NAMES},
        delay_deadline=cycle.delay_deadline,
        exemption_open=exemption_open,
        violation=assessment.violation,
        actor_is_province=actor.is_province,
        appeal=assessment.appeal,
        concluded_at=assessment.concluded_at,
    )


async def actions_for(actor: Actor, assessment: Assessment, cycle: Cycle | None = None) -> list[dict[str, object]]:
    """The buttons the caller may press on this assessment now."""
    cycle = cycle or await Cycle.get(id=assessment.cycle_id)
    ctx = make_ctx(assessment, cycle, actor, scope=await in_scope(actor, assessment))
    return flow.available_actions(ctx)


_RESET_REASON = {
    S.PROCEDURE_RETURNED: "考核程序需重新选择，免考申请随之撤销",
    S.NOT_INCLUDED: "已取消参加考核，未完成的申请随之撤销",
    S.LEFT: "已退出当前考核周期，未完成的申请随之撤销",
}


def _clear_side_flows(a: Assessment, t: flow.Transition, target: object) -> list[tuple[str, Any]]:
    """Side flows that cannot outlive a main move (see assessment_flow's docstring)."""
    if t.flow != "main" or target not in _RESET_REASON:
        return []
    flows = ["exemption"] if target == S.PROCEDURE_RETURNED else ["exemption", "delay", "modification"]
    cleared = []
    for name in flows:
        current = getattr(a, name)
        if current.value != "none":
            cleared.append((name, current))
            setattr(a, name, type(current)("none"))
    if any(name == "exemption" for name, _ in cleared):
        a.exemption_data = {}
    if any(name == "modification" for name, _ in cleared):
        a.pending_changes = {}
    return cleared


@dataclass
class Outcome:
    assessment: Assessment
    transition: flow.Transition
    from_status: str
    to_status: str


async def transition(
    *,
    actor: Actor,
    assessment_id: int,
    action: str,
    reason: str = "",
    data: dict[str, Any] | None = None,
    apply: Apply | None = None,
    expected_version: int | None = None,
) -> Outcome:
    """Make one move of the state machine, all or nothing."""
    reason = (reason or "").strip()
    async with in_transaction() as conn:
        a = await Assessment.filter(id=assessment_id).select_for_update().using_db(conn).first()
        if a is None:
            raise NotFound("考核记录不存在")
        scope = await in_scope(actor, a)
        if actor.role == Role.PHYSICIAN and not scope:
            raise NotFound("考核记录不存在")
        if expected_version is not None and a.version != expected_version:
            raise Conflict("该记录已被他人处理，请刷新后重试", code="stale_version")
        cycle = await Cycle.get(id=a.cycle_id).using_db(conn)
        t = flow.check(action, make_ctx(a, cycle, actor, scope=scope))
        if t.needs_reason and not reason:
            raise ValidationFailed("请填写理由", code="reason_required")
        if len(reason) > 500:
            raise ValidationFailed("理由不能超过500字", code="reason_too_long")
        column = flow.FLOW_FIELD_NAMES[t.flow]
        before = getattr(a, column)
        target = t.target
        if apply is not None:
            decided = await apply(a, conn)
            if target is None:
                target = decided
        if target is None or target not in t.possible_targets():
            raise DomainError("状态机配置错误", code="flow_misconfigured")
        setattr(a, column, target)
        if t.flow == "main":
            a.active = target not in (S.NOT_INCLUDED, S.LEFT)
        if actor.role != Role.PHYSICIAN and (reason or t.flow == "main"):
            # the last reviewer's reason, shown to the physician / lower organisation; an approval
            # on the main flow clears an older refusal
            a.last_reason = reason
        cleared = _clear_side_flows(a, t, target)
        a.version += 1
        await a.save(using_db=conn)
        for side_flow, side_before in cleared:
            await AssessmentEvent.create(
                assessment_id=a.id, flow=side_flow, action="reset", from_status=side_before.value,
                to_status="none", actor_type=actor.kind, actor_id=actor.account_id or actor.physician_id,
                org_id=actor.org_id, role=actor.role.value, reason=_RESET_REASON[target], using_db=conn,
            )
        await AssessmentEvent.create(
            assessment_id=a.id, flow=t.flow, action=t.action, from_status=before.value, to_status=target.value,
            actor_type=actor.kind, actor_id=actor.account_id or actor.physician_id, org_id=actor.org_id,
            role=actor.role.value, reason=reason, data=data if data is not None else {}, using_db=conn,
        )
        await audit.record(actor, f"assessment.{t.action}", "assessment", a.id,
                           before={t.flow: before.value}, after={t.flow: target.value, "reason": reason},
                           using_db=conn)
        await notices.on_transition(conn=conn, assessment=a, transition=t, before=before, after=target,
                                   reason=reason)
    return Outcome(a, t, before.value, target.value)


@dataclass
class BatchResult:
    done: list[int] = field(default_factory=list)
    failed: list[BatchFailure] = field(default_factory=list)

    def public(self) -> BatchAnswer:
        """The answer of a batch endpoint."""
        return BatchAnswer(done=self.done, failed=self.failed)


async def batch(*, actor: Actor, assessment_ids: list[int], action: str, reason: str = "",
                apply_for: Callable[[int], Apply | None] | None = None) -> BatchResult:
    """批量: each row is its own move; the valid ones proceed, the others are reported by row."""
    t = flow.BY_ACTION.get(action)
    if t is None or not t.batch:
        raise ValidationFailed("该操作不支持批量处理", code="batch_not_supported")
    if not assessment_ids or len(assessment_ids) > 1000:
        raise ValidationFailed("请选择1-1000条记录", code="invalid_batch")
    result = BatchResult()
    for assessment_id in dict.fromkeys(assessment_ids):
        try:
            await transition(actor=actor, assessment_id=assessment_id, action=action, reason=reason,
                             apply=apply_for(assessment_id) if apply_for else None)
            result.done.append(assessment_id)
        except DomainError as exc:
            result.failed.append(BatchFailure(id=assessment_id, code=exc.code, message=exc.message))
    return result


async def current_cycle_for(physician: Physician) -> Cycle | None:
    province_id = province_id_of_path(physician.region_path)
    if province_id is None:
        return None
    return await Cycle.filter(province_id=province_id, is_current=True).order_by("-start_date", "-id").first()


async def ensure_assessment(*, physician: Physician, cycle: Cycle) -> Assessment:
    """The physician's assessment row for the cycle (未开通报名 until 参加考核)."""
    a = await Assessment.get_or_none(physician_id=physician.id, cycle_id=cycle.id)
    if a is not None:
        if a.status == S.NOT_INCLUDED and a.institution_id != physician.institution_id:
            a.institution_id = physician.institution_id
            a.region_path = physician.region_path
            await a.save(update_fields=["institution_id", "region_path"])
        return a
    from tortoise.exceptions import IntegrityError

    try:
        return await Assessment.create(physician_id=physician.id, cycle_id=cycle.id,
                                       institution_id=physician.institution_id, region_path=physician.region_path)
    except IntegrityError:
        return await Assessment.get(physician_id=physician.id, cycle_id=cycle.id)
