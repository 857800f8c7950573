"""The physician's side requests (SPEC §4): 申请修改 (after enrolment), 申请免考 (while the
province has opened it) and 申请延期考核 (before the delay deadline).

Every status change is a move of ``transitions.transition``; the state machine refuses moves
from the wrong state, outside the window or against a guard, and nothing changes then.
Editing the pending changes of 申请修改 is a draft (a small locked update, no move).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from tortoise.transactions import in_transaction

from server.errors import InvalidTransition, ValidationFailed
from server.models import Assessment, ExemptionReason, ModificationStatus, PaperType
from server.schemas.assessment_mp import (
    AssessmentSummary,
    ExemptionApplication,
    ExemptionReasonOut,
    ExemptionView,
    ModificationSaved,
)
from server.schemas.common import Labelled
from server.services import audit
from server.services.access import Actor
from server.services.assessment import transitions
from server.services.assessment.enrolment import check_references
from server.services.assessment.physician_files import check_own_proofs, own_files
from server.services.assessment.physician_view import actions_out, require_mine, side_reason, summary

M = ModificationStatus


# --- 申请修改 ----------------------------------------------------------------------------------
async def request_modification(*, actor: Actor, note: str = "") -> AssessmentSummary:
    """申请修改: asks the institution to allow edits; any stale pending edits are dropped."""
    _physician, cycle, a = await require_mine(actor)

    async def apply(locked: Assessment, conn: Any) -> None:
        locked.pending_changes = {}

    outcome = await transitions.transition(actor=actor, assessment_id=a.id, action="request_modification",
                                        apply=apply, data={"note": note.strip()} if note.strip() else None)
    return await summary(actor, outcome.assessment, cycle)


async def save_modification(*, actor: Actor, changes: dict[str, dict[str, Any]]) -> ModificationSaved:
    """修改信息 (允许修改后): edits of 基本信息 / 执业信息 / 相关经历 into ``pending_changes``,
    partial steps in the shape of ``enrolment`` (applying them is a per-step merge)."""
    physician, cycle, a = await require_mine(actor)
    if a.modification != M.ALLOWED:
        raise InvalidTransition("卫生机构允许修改后才能修改信息", code="not_editable")
    for step, data in changes.items():
        await check_references(physician, cycle, step, data)
    async with in_transaction() as conn:
        locked = await Assessment.filter(id=a.id).select_for_update().using_db(conn).get()
        if locked.modification != M.ALLOWED:
            raise InvalidTransition("卫生机构允许修改后才能修改信息", code="not_editable")
        pending = dict(locked.pending_changes or {})
        for step, data in changes.items():
            pending[step] = {**pending.get(step, {}), **data}
        locked.pending_changes = pending
        await locked.save(update_fields=["pending_changes", "updated_at"], using_db=conn)
        await audit.record(actor, "modification.save", "assessment", a.id,
                           after={step: sorted(data) for step, data in changes.items()}, using_db=conn)
    return ModificationSaved(pending_changes=pending,
                             actions=actions_out(await transitions.actions_for(actor, locked, cycle)))


async def submit_modification(*, actor: Actor) -> AssessmentSummary:
    """提交修改: the pending edits go to the institution for 确认修改."""
    _physician, cycle, a = await require_mine(actor)

    async def apply(locked: Assessment, conn: Any) -> None:
        if not any(locked.pending_changes.values() if locked.pending_changes else ()):
            raise ValidationFailed("尚未修改任何信息", code="no_changes")

    outcome = await transitions.transition(actor=actor, assessment_id=a.id, action="submit_modification", apply=apply)
    return await summary(actor, outcome.assessment, cycle)


# --- 申请免考 ----------------------------------------------------------------------------------
def _paper_open(cycle: Any, paper: PaperType | None) -> bool:
    if paper is None:
        return False
    return bool(cycle.humanities_exemption_open if paper == PaperType.HUMANITIES
                else cycle.professional_exemption_open)


async def exemption(*, actor: Actor) -> ExemptionView:
    """申请免考入口: which paper, whether open, the province's reasons, the current application."""
    physician, cycle, a = await require_mine(actor)
    paper = transitions.exemption_paper(a.procedure)
    reasons = []
    if paper is not None:
        reasons = [ExemptionReasonOut(id=r.id, text=r.text)
                   for r in await ExemptionReason.filter(cycle_id=cycle.id, paper=paper).order_by("sort", "id")]
    data = dict(a.exemption_data or {})
    actions = await transitions.actions_for(actor, a, cycle)
    return ExemptionView(
        paper=Labelled.of(paper),
        procedure=Labelled.of(a.procedure),
        open=_paper_open(cycle, paper),
        can_apply=any(x["action"] == "apply_exemption" for x in actions),
        reasons=reasons,
        status=Labelled.of(a.exemption),
        last_reason=await side_reason(a, "exemption"),
        application=ExemptionApplication(
            reason_ids=data.get("reason_ids", []),
            reason_texts=data.get("reason_texts", []),
            note=data.get("note", ""),
            proofs=await own_files(physician_id=physician.id, ids=data.get("proof_ids", [])),
        ) if data else None,
        actions=actions_out(actions),
    )


async def apply_exemption(*, actor: Actor, reason_ids: list[int], proof_ids: list[UUID], note: str
                          ) -> AssessmentSummary:
    """提交免考申请: reasons of this cycle and of the paper the procedure may be exempted from."""
    physician, cycle, a = await require_mine(actor)
    wanted = list(dict.fromkeys(reason_ids))
    proofs = [str(p) for p in dict.fromkeys(proof_ids)]

    async def apply(locked: Assessment, conn: Any) -> None:
        paper = transitions.exemption_paper(locked.procedure)
        found = await ExemptionReason.filter(id__in=wanted, cycle_id=locked.cycle_id, paper=paper
                                             ).using_db(conn).order_by("sort", "id")
        if paper is None or len(found) != len(wanted):
            raise ValidationFailed("免考理由无效，请重新选择", code="invalid_reason")
        await check_own_proofs(physician.id, proofs, using_db=conn)
        locked.exemption_data = {
            "paper": paper.value,
            "reason_ids": [r.id for r in found],
            "reason_texts": [r.text for r in found],
            "proof_ids": proofs,
            "note": note.strip(),
            "applied_at": transitions.utcnow().isoformat(),
        }

    outcome = await transitions.transition(actor=actor, assessment_id=a.id, action="apply_exemption", apply=apply,
                                        data={"reason_ids": wanted})
    return await summary(actor, outcome.assessment, cycle)


# --- 申请延期考核 ------------------------------------------------------------------------------
async def apply_delay(*, actor: Actor, reason: str) -> AssessmentSummary:
    """申请延期考核: with a reason, before the province's delay deadline."""
    _physician, cycle, a = await require_mine(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写延期理由", code="reason_required")

    async def apply(locked: Assessment, conn: Any) -> None:
        locked.delay_reason = reason

    outcome = await transitions.transition(actor=actor, assessment_id=a.id, action="apply_delay", reason=reason,
                                        apply=apply)
    return await summary(actor, outcome.assessment, cycle)
