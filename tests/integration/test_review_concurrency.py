"""Two reviewers act on the same assessment at the same moment: exactly one wins, the other
gets 409, and the history holds exactly one row for the move. Needs row locks, so it runs
on PostgreSQL only (TEST_DATABASE_URL); SQLite serialises writers and proves nothing."""

from __future__ import annotations

import asyncio

import pytest

from server.errors import Conflict
from server.models import Assessment, AssessmentEvent
from server.models import AssessmentStatus as S
from server.schemas.reviews import parse_action_body
from server.services.access import Role
from server.services.assessment import reviews
from tests.conftest import BACKEND
from tests.factories import auth, make_world, token_for
from tests.integration.review_support import API, Driver, open_cycle, staff

pytestmark = pytest.mark.skipif(
    BACKEND != "postgres",
    reason="concurrency needs PostgreSQL row locks: set TEST_DATABASE_URL (see scripts/services.sh)",
)


async def _at(client, status: S) -> tuple[object, Assessment]:
    w = await make_world()
    cycle = await open_cycle(w.gx)
    return w, await (await Driver.new(client, w, cycle)).main(status)


def _split(responses) -> tuple[list, list]:
    won = [r for r in responses if r.status_code == 200]
    lost = [r for r in responses if r.status_code != 200]
    return won, lost


async def test_two_assessment_institution_sessions_confirm_at_once(client):
    w, a = await _at(client, S.ENROL_REPORTED)
    tokens = [await token_for(w.hospital, Role.ASSESSMENT_INSTITUTION) for _ in range(2)]
    responses = await asyncio.gather(*(
        client.post(f"{API}/assessments/{a.id}/actions/ai_confirm_enrolment", headers=auth(t), json={})
        for t in tokens))
    won, lost = _split(responses)
    assert len(won) == 1 and len(lost) == 1, [r.text for r in responses]
    assert lost[0].status_code == 409 and lost[0].json()["code"] in ("invalid_transition", "conflict")
    assert await AssessmentEvent.filter(assessment_id=a.id, action="ai_confirm_enrolment").count() == 1
    assert (await Assessment.get(id=a.id)).status == S.ENROLLED


async def test_approve_and_reject_at_once_one_wins(client):
    w, a = await _at(client, S.ENROL_SUBMITTED)
    token = await token_for(w.hospital2)
    responses = await asyncio.gather(
        client.post(f"{API}/assessments/{a.id}/actions/hi_approve_enrolment", headers=auth(token), json={}),
        client.post(f"{API}/assessments/{a.id}/actions/hi_reject_enrolment", headers=auth(token),
                    json={"reason": "信息有误"}),
    )
    won, lost = _split(responses)
    assert len(won) == 1 and len(lost) == 1 and lost[0].status_code == 409, [r.text for r in responses]
    events = await AssessmentEvent.filter(assessment_id=a.id,
                                          action__in=["hi_approve_enrolment", "hi_reject_enrolment"])
    assert len(events) == 1
    fresh = await Assessment.get(id=a.id)
    assert fresh.status.value == events[0].to_status and fresh.version == a.version + 1


async def test_review_submit_and_reject_through_the_service_at_once(client):
    w, a = await _at(client, S.EVALUATED)
    ai = await staff(w.hospital, Role.ASSESSMENT_INSTITUTION)
    ai2 = await staff(w.hospital, Role.ASSESSMENT_INSTITUTION)
    results = await asyncio.gather(
        reviews.perform(actor=ai, assessment_id=a.id, action="ai_submit_review",
                        body=parse_action_body("ai_submit_review", {})),
        reviews.perform(actor=ai2, assessment_id=a.id, action="ai_reject_review",
                        body=parse_action_body("ai_reject_review", {"work_agree": False, "ethics_agree": True,
                                                                    "reason": "工作成绩依据不足"})),
        return_exceptions=True,
    )
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1 and isinstance(errors[0], Conflict), results
    assert await AssessmentEvent.filter(assessment_id=a.id,
                                        action__in=["ai_submit_review", "ai_reject_review"]).count() == 1


async def test_batch_and_single_at_once_move_once(client):
    w, a = await _at(client, S.ENROL_REPORTED)
    token = await token_for(w.hospital, Role.ASSESSMENT_INSTITUTION)
    single, batch = await asyncio.gather(
        client.post(f"{API}/assessments/{a.id}/actions/ai_confirm_enrolment", headers=auth(token), json={}),
        client.post(f"{API}/assessments/batch/ai_confirm_enrolment", headers=auth(token), json={"ids": [a.id]}),
    )
    assert batch.status_code == 200
    moved = (single.status_code == 200) + len(batch.json()["done"])
    assert moved == 1, (single.text, batch.text)
    assert await AssessmentEvent.filter(assessment_id=a.id, action="ai_confirm_enrolment").count() == 1
