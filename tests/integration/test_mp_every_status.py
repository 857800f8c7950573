"""Every status, every screen (issue #11): the mini-program's home and 我的考核 render for every
status of the state table (derived from the table, so a status added later is covered), with a
hint in the seeds' words and the right next step; the 不合格 hint says what failed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from server.models import (
    Assessment,
    AssessmentStatus,
    AttemptStatus,
    ExamAttempt,
    ItemResult,
    Paper,
    PaperPurpose,
    Procedure,
)
from server.services.assessment import flow
from tests.integration.mp_support import setup

S = AssessmentStatus
API = "/api/v1/mp"


def table_statuses() -> list[S]:
    found: set[S] = set()
    for t in flow.TRANSITIONS:
        if t.flow == "main":
            found |= set(t.source) | set(t.possible_targets())
    return sorted(found, key=lambda s: list(S).index(s))


def test_the_table_reaches_every_status():
    assert set(table_statuses()) == set(S)


@pytest.mark.parametrize("status", table_statuses(), ids=lambda s: s.value)
async def test_home_and_record_render(client, status: S):
    s = await setup()
    await Assessment.filter(id=s.assessment.id).update(
        status=status, active=status not in (S.NOT_INCLUDED, S.LEFT), procedure=Procedure.GENERAL,
        work_result=ItemResult.PASS, ethics_result=ItemResult.PASS, concluded_at=datetime.now(UTC))
    home = await client.get(f"{API}/home", headers=s.headers)
    assert home.status_code == 200, (status, home.text)
    body = home.json()
    assert body["hint"], status
    record = await client.get(f"{API}/assessment", headers=s.headers)
    if status == S.NOT_INCLUDED:  # 未开通报名: no record yet; the refusal carries the same words
        assert record.status_code == 409 and record.json()["message"] == body["hint"]
        assert body["registration"]["label"] == "未开通报名"
        return
    assert record.status_code == 200, (status, record.text)
    assert record.json()["hint"] and record.json()["status"]["value"] == status.value
    actions = {a["action"] for a in record.json()["actions"]}
    assert {a["action"] for a in body["actions"]} == actions
    keys = [step["key"] for step in body["next_steps"]]
    if status == S.QUALIFIED:
        assert keys == ["results", "certificate"] and "合格" in body["hint"]
        assert [step["label"] for step in body["next_steps"]] == ["考核结果", "下载考核结果通知书"]
    if status in (S.AWAITING_EXAM, S.REEXAM_LISTED):
        assert keys == ["exams"]
    if status in (S.ENROL_RETURNED, S.INCLUDED):
        assert "submit_enrolment" in actions or status == S.ENROL_RETURNED


async def _failed(s, **outcome) -> str:
    await Assessment.filter(id=s.assessment.id).update(status=S.FAILED, active=True, procedure=Procedure.GENERAL,
                                                      **outcome)
    return s


@pytest.mark.parametrize(("outcome", "words"), [
    ({"work_result": ItemResult.FAIL, "ethics_result": ItemResult.PASS, "fail_reason": "evaluation"}, "工作成绩评定不合格"),
    ({"work_result": ItemResult.PASS, "ethics_result": ItemResult.FAIL, "fail_reason": "evaluation"}, "职业道德评定不合格"),
    ({"fail_reason": "missed", "work_result": ItemResult.PASS, "ethics_result": ItemResult.PASS}, "未参加首轮考核"),
    ({"fail_reason": "violation", "violation": True}, "违纪不合格"),
])
async def test_failed_hint_says_what_failed(client, outcome, words):
    s = await setup()
    await _failed(s, **outcome)
    body = (await client.get(f"{API}/home", headers=s.headers)).json()
    assert words in body["hint"] and "不合格" in body["hint"]
    if outcome.get("violation"):
        assert "不参加再次考核" in body["hint"]


async def test_failed_hint_names_the_paper(client):
    s = await setup()
    await _failed(s, fail_reason="exam", work_result=ItemResult.PASS, ethics_result=ItemResult.PASS)
    for paper_type, passed in (("humanities", True), ("professional", False)):
        paper = await Paper.create(assessment_id=s.assessment.id, physician=s.physician, cycle=s.cycle,
                                   paper_type=paper_type)
        await ExamAttempt.create(assessment_id=s.assessment.id, physician=s.physician, cycle=s.cycle, paper=paper,
                                 paper_type=paper_type, purpose=PaperPurpose.FIRST, duration_minutes=60,
                                 window_end=datetime.now(UTC), status=AttemptStatus.SUBMITTED, score=40,
                                 passed=passed)
    hint = (await client.get(f"{API}/home", headers=s.headers)).json()["hint"]
    assert "业务水平测评不合格" in hint and "人文医学测评不合格" not in hint
