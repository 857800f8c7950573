"""The runner's own rules (services/transitions.py): side flows do not outlive the main move
that ends them, reviewers' reasons are kept and cleared, and refusals change nothing."""

from __future__ import annotations

import pytest

from server.errors import InvalidTransition
from server.models import Assessment, AssessmentEvent, AssessmentStatus, DelayStatus
from server.services.access import Role
from server.services.assessment import transitions
from tests.integration.mp_support import move, setup, state
from tests.integration.review_support import physician_actor


async def test_cancel_include_clears_pending_delay_and_reinclusion_starts_clean(app):
    s = await setup()
    await transitions.transition(actor=physician_actor(s.physician), assessment_id=s.assessment.id,
                              action="apply_delay", reason="外出进修")
    a = await Assessment.get(id=s.assessment.id)
    assert a.delay == DelayStatus.HI_PENDING
    await move(a, "cancel_include", s.w.hospital)
    a = await Assessment.get(id=s.assessment.id)
    assert a.status == AssessmentStatus.NOT_INCLUDED and a.delay == DelayStatus.NONE and not a.active
    reset = await AssessmentEvent.filter(assessment_id=a.id, flow="delay", action="reset").first()
    assert reset is not None and reset.from_status == "hi_pending"
    a = await move(a, "include", s.w.hospital)
    assert a.delay == DelayStatus.NONE
    with pytest.raises(InvalidTransition):  # nothing stale left to approve
        await move(a, "hi_approve_delay", s.w.hospital)


async def test_admin_reject_to_leave_clears_side_flows(app):
    s = await setup()
    await transitions.transition(actor=physician_actor(s.physician), assessment_id=s.assessment.id,
                              action="apply_delay", reason="外出进修")
    a = await move(s.assessment.id, "admin_reject_to_leave", s.w.gx_admin, Role.ADMINISTRATION, reason="离职")
    assert a.status == AssessmentStatus.LEFT and a.delay == DelayStatus.NONE and a.active is False
    assert a.last_reason == "离职"


async def test_physician_reason_is_not_a_refusal_reason(app):
    s = await setup()
    await move(s.assessment.id, "cancel_include", s.w.hospital)
    await move(s.assessment.id, "include", s.w.hospital)
    await transitions.transition(actor=physician_actor(s.physician), assessment_id=s.assessment.id,
                              action="apply_delay", reason="外出进修")
    a = await Assessment.get(id=s.assessment.id)
    assert a.last_reason == "" and a.delay_reason in ("", "外出进修")


async def test_refused_move_changes_nothing(app):
    s = await setup()
    before = await state(s.assessment.id)
    with pytest.raises(InvalidTransition):
        await move(s.assessment.id, "ai_confirm_enrolment", s.w.hospital, Role.ASSESSMENT_INSTITUTION)
    assert await state(s.assessment.id) == before
