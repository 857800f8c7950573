"""复核申请 (issue #12 "appeals"): a physician who disagrees with the first-round result applies
within 30 days of receiving it (reason + proofs) in the mini-program; the assessment institution
decides 维持 (uphold: the appeal flow closes) or 变更 (change: the main flow moves to the other result
through the state machine, with history and notices). A change voids the 考核结果通知书 already
issued — its number answers 已作废 on the verification page — and a 合格 gets a new notice number on
the next print. One appeal per assessment; a violation (违纪不合格) or a re-exam result is not
appealed here (administrations decide those). Rules are rows of the state table
(services/assessment/flow.py: apply_appeal, ai_uphold_result, ai_change_result).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from server.models import (
    AppealStatus,
    Assessment,
    AssessmentEvent,
    AssessmentStatus,
    Certificate,
    VoidedCertificate,
)
from server.schemas.appeals import AppealView
from server.schemas.common import Labelled
from server.services.access import Actor
from server.services.assessment import flow, records, transitions
from server.services.assessment.physician_files import check_own_proofs
from server.services.assessment.physician_view import require_mine

S = AssessmentStatus


async def _view(actor: Actor, a: Assessment) -> AppealView:
    data = a.appeal_data or {}
    actions = await transitions.actions_for(actor, a)
    deadline = a.concluded_at + timedelta(days=flow.APPEAL_DAYS) if a.concluded_at else None
    return AppealView(
        assessment_id=a.id, status=Labelled.of(a.appeal), result=Labelled.of(a.status),
        can_apply=any(x["action"] == "apply_appeal" for x in actions), deadline=deadline,
        reason=data.get("reason"), proof_ids=list(data.get("proof_ids") or []), applied_at=data.get("applied_at"),
        result_before=data.get("result_before"), result_after=data.get("result_after"),
        decision_reason=data.get("decision_reason"), decided_at=data.get("decided_at"),
    )


async def my_appeal(*, actor: Actor) -> AppealView:
    """The physician's appeal of the current cycle (or whether one can be made)."""
    _physician, _cycle, a = await require_mine(actor)
    return await _view(actor, a)


async def apply(*, actor: Actor, reason: str, proof_ids: list[UUID]) -> AppealView:
    """申请复核 (SPEC-less; issue #12): within 30 days of the result, once."""
    physician, _cycle, a = await require_mine(actor)
    proofs = [str(p) for p in dict.fromkeys(proof_ids)]
    reason = reason.strip()

    async def hook(locked: Assessment, conn: Any) -> None:
        await check_own_proofs(physician.id, proofs, using_db=conn)
        locked.appeal_data = {"reason": reason, "proof_ids": proofs, "applied_at": transitions.utcnow().isoformat(),
                              "result_before": locked.status.value}

    outcome = await transitions.transition(actor=actor, assessment_id=a.id, action="apply_appeal", reason=reason,
                                           apply=hook, data={"proof_ids": proofs})
    return await _view(actor, outcome.assessment)


async def _void_certificate(a: Assessment, conn: Any, reason: str) -> None:
    cert = await Certificate.get_or_none(assessment_id=a.id).using_db(conn)
    if cert is None:
        return
    await VoidedCertificate.create(assessment_id=a.id, number=cert.number, token=cert.token, issued_at=cert.issued_at,
                                   reason=f"复核变更考核结果：{reason}"[:255], using_db=conn)
    await cert.delete(using_db=conn)


async def decide(*, actor: Actor, assessment_id: int, decision: str, reason: str) -> AppealView:
    """维持 or 变更 by the assessment institution in charge (its assigned institutions)."""
    reason = reason.strip()
    if decision == "uphold":
        async def uphold(locked: Assessment, conn: Any) -> None:
            locked.appeal_data = {**(locked.appeal_data or {}), "decision_reason": reason,
                                  "result_after": locked.status.value,
                                  "decided_at": transitions.utcnow().isoformat()}

        outcome = await transitions.transition(actor=actor, assessment_id=assessment_id, action="ai_uphold_result",
                                               reason=reason, apply=uphold)
        return await _view(actor, outcome.assessment)

    async def change(locked: Assessment, conn: Any) -> AssessmentStatus:
        before = locked.status
        target = S.FAILED if before == S.QUALIFIED else S.QUALIFIED
        now = transitions.utcnow()
        locked.appeal = AppealStatus.CHANGED
        locked.appeal_data = {**(locked.appeal_data or {}), "decision_reason": reason, "result_after": target.value,
                              "decided_at": now.isoformat()}
        if target == S.QUALIFIED:
            locked.fail_reason = ""
        else:
            locked.fail_reason = "appeal"
        locked.concluded_at = now
        await _void_certificate(locked, conn, reason)
        await AssessmentEvent.create(
            assessment_id=locked.id, flow="appeal", action="appeal_closed", from_status=AppealStatus.PENDING.value,
            to_status=AppealStatus.CHANGED.value, actor_type=actor.kind, actor_id=actor.account_id,
            org_id=actor.org_id, role=actor.role.value, reason=reason, using_db=conn)
        return target

    outcome = await transitions.transition(actor=actor, assessment_id=assessment_id, action="ai_change_result",
                                           reason=reason, apply=change)
    return await _view(actor, outcome.assessment)


async def appeal_of(*, actor: Actor, assessment_id: int) -> AppealView:
    """A reviewer reads the appeal of an assessment in scope."""
    return await _view(actor, await records.get_in_scope(actor, assessment_id))
