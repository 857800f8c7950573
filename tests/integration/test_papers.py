"""组卷方案 and each physician's own paper: blueprint rules, drawing by the blueprint, shuffling,
idempotent re-entry, answers never in the client view, scoring through the shuffle, the
whole cycle drawn as a background job, and the demo bank."""

from __future__ import annotations

from collections import Counter

import orjson
import pytest

from server.demo_questions import seed_demo_bank
from server.errors import Conflict
from server.models import (
    AuditLog,
    ExemptionStatus,
    Paper,
    PaperType,
    PracticeCategory,
    Procedure,
    Question,
    QuestionType,
)
from server.services.cycles import papers
from tests.factories import auth, make_world, token_for, wait_for_job
from tests.integration.exam_support import (
    ADMIN,
    enrolled,
    humanities_bank,
    make_cycle,
    make_questions,
    professional_bank,
    walk_keys,
)

HUM_ITEMS = [
    {"knowledge_point": "卫生法律法规", "qtype": "single", "count": 15},
    {"knowledge_point": "卫生法律法规", "qtype": "judge", "count": 5},
    {"knowledge_point": "医学伦理", "count": 15},
    {"knowledge_point": "医患沟通", "qtype": "multiple", "count": 5},
    {"knowledge_point": "医患沟通", "qtype": "single", "count": 10},
]


def bp_url(cycle_id: int, paper: str = "humanities") -> str:
    return f"{ADMIN}/cycles/{cycle_id}/blueprints/{paper}"


async def _world():
    w = await make_world()
    cycle = await make_cycle(w)
    await humanities_bank()
    await professional_bank(PracticeCategory.CLINICAL)
    return w, cycle


# --- blueprints --------------------------------------------------------------------------------
async def test_blueprint_saved_by_province_and_read_by_national(app, client):
    w, cycle = await _world()
    r = await client.put(bp_url(cycle.id), headers=auth(await token_for(w.gx_admin)), json={"items": HUM_ITEMS})
    assert r.status_code == 200, r.text
    view = r.json()
    assert view["is_default"] is False and view["question_count"] == 50 and view["shortages"] == []
    assert view["items"][0] == {"knowledge_point": "卫生法律法规", "qtype": "single", "count": 15, "available": 20}
    got = await client.get(bp_url(cycle.id), headers=auth(await token_for(w.national)))
    assert got.status_code == 200 and got.json()["items"] == view["items"]
    assert await AuditLog.filter(action="blueprint.set").count() == 1


async def test_blueprint_default_spreads_count_over_the_bank(app, client):
    w, cycle = await _world()
    r = await client.get(bp_url(cycle.id, "professional") + "?category=clinical",
                         headers=auth(await token_for(w.gx_admin)))
    assert r.status_code == 200, r.text
    view = r.json()
    assert view["is_default"] is True and sum(i["count"] for i in view["items"]) == 100
    assert {i["knowledge_point"]: i["count"] for i in view["items"]} == {"内科学": 50, "外科学": 50}
    everything = await client.get(f"{ADMIN}/cycles/{cycle.id}/blueprints", headers=auth(await token_for(w.gx_admin)))
    shortages = {(b["paper_type"]["value"], (b["category"] or {}).get("value")): bool(b["shortages"])
                 for b in everything.json()["data"]}
    assert shortages == {("humanities", None): False, ("professional", "clinical"): False,
                         ("professional", "tcm"): True, ("professional", "dental"): True,
                         ("professional", "public_health"): True}


async def test_blueprint_counts_must_sum_to_question_count(app, client):
    w, cycle = await _world()
    token = await token_for(w.gx_admin)
    r = await client.put(bp_url(cycle.id), headers=auth(token), json={"items": HUM_ITEMS[:-1]})
    assert r.status_code == 422 and r.json()["code"] == "blueprint_sum"
    assert r.json()["details"] == {"expected": 50, "actual": 40}
    cycle.exam_settings = {"humanities": {"question_count": 40}}
    await cycle.save()
    r = await client.put(bp_url(cycle.id), headers=auth(token), json={"items": HUM_ITEMS[:-1]})
    assert r.status_code == 200, r.text


async def test_blueprint_overlapping_or_repeated_items_refused(app, client):
    w, cycle = await _world()
    token = await token_for(w.gx_admin)
    overlap = [{"knowledge_point": "医学伦理", "count": 25}, {"knowledge_point": "医学伦理", "qtype": "judge", "count": 25}]
    r = await client.put(bp_url(cycle.id), headers=auth(token), json={"items": overlap})
    assert r.status_code == 422 and r.json()["code"] == "blueprint_overlap"
    repeated = [{"knowledge_point": "医学伦理", "qtype": "single", "count": 25},
                {"knowledge_point": "医学伦理", "qtype": "single", "count": 25}]
    r = await client.put(bp_url(cycle.id), headers=auth(token), json={"items": repeated})
    assert r.status_code == 422 and r.json()["code"] == "blueprint_duplicate"
    r = await client.put(bp_url(cycle.id, "professional"), headers=auth(token), json={"items": HUM_ITEMS})
    assert r.status_code == 422 and r.json()["code"] == "category_required"


async def test_blueprint_shortages_listed(app, client):
    w, cycle = await _world()
    items = [{"knowledge_point": "卫生法律法规", "qtype": "multiple", "count": 30},
             {"knowledge_point": "不存在的知识点", "count": 20}]
    r = await client.put(bp_url(cycle.id), headers=auth(await token_for(w.gx_admin)), json={"items": items})
    assert r.status_code == 422 and r.json()["code"] == "bank_shortage"
    assert r.json()["details"]["shortages"] == [
        {"knowledge_point": "卫生法律法规", "qtype": "multiple", "needed": 30, "available": 5},
        {"knowledge_point": "不存在的知识点", "qtype": None, "needed": 20, "available": 0}]


async def test_blueprint_write_province_only_and_own_province(app, client):
    w, cycle = await _world()
    for org, code in ((w.nn_admin, "province_only"), (w.national, "province_only"),
                      (w.gz_admin, "out_of_jurisdiction"), (w.hospital, "wrong_role")):
        r = await client.put(bp_url(cycle.id), headers=auth(await token_for(org)), json={"items": HUM_ITEMS})
        assert r.status_code == 403 and r.json()["code"] == code, (org.name, r.text)
    r = await client.get(bp_url(cycle.id), headers=auth(await token_for(w.gz_admin)))
    assert r.status_code == 403 and r.json()["code"] == "out_of_jurisdiction"
    r = await client.get(bp_url(cycle.id), headers=auth(await token_for(w.nn_admin)))
    assert r.status_code == 403 and r.json()["code"] == "bank_admin_only"


# --- drawing -----------------------------------------------------------------------------------
async def test_draw_follows_blueprint_without_duplicates(app, client):
    w, cycle = await _world()
    await client.put(bp_url(cycle.id), headers=auth(await token_for(w.gx_admin)), json={"items": HUM_ITEMS})
    _, a = await enrolled(cycle, w.hospital)
    paper = await papers.draw_paper(assessment=a, paper_type=PaperType.HUMANITIES)
    assert len(paper.question_ids) == 50 == len(set(paper.question_ids))
    questions = {q.id: q for q in await Question.filter(id__in=paper.question_ids)}
    counts = Counter((questions[i].knowledge_point, questions[i].qtype.value) for i in paper.question_ids)
    assert counts[("卫生法律法规", "single")] == 15 and counts[("卫生法律法规", "judge")] == 5
    assert sum(n for (kp, _), n in counts.items() if kp == "医学伦理") == 15
    assert counts[("医患沟通", "multiple")] == 5 and counts[("医患沟通", "single")] == 10
    assert all(q.in_use for q in questions.values())
    for qid, order in zip(paper.question_ids, paper.option_orders, strict=True):
        assert sorted(order) == sorted(o["key"] for o in questions[qid].options)


async def test_draw_is_idempotent_per_attempt(app, client):
    w, cycle = await _world()
    _, a = await enrolled(cycle, w.hospital)
    first = await papers.draw_paper(assessment=a, paper_type=PaperType.HUMANITIES)
    again = await papers.draw_paper(assessment=a, paper_type=PaperType.HUMANITIES)
    assert again.id == first.id and again.question_ids == first.question_ids
    second = await papers.draw_paper(assessment=a, paper_type=PaperType.HUMANITIES, attempt_no=2)
    assert second.id != first.id
    with pytest.raises(Exception) as exc:
        await papers.draw_paper(assessment=a, paper_type=PaperType.HUMANITIES, attempt_no=11)
    assert getattr(exc.value, "code", "") == "attempt_out_of_range"
    assert await Paper.all().count() == 2


async def test_two_papers_differ_in_order_and_options(app, client):
    w, cycle = await _world()
    drawn = []
    for _ in range(2):
        _, a = await enrolled(cycle, w.hospital)
        drawn.append(await papers.draw_paper(assessment=a, paper_type=PaperType.HUMANITIES))
    assert drawn[0].question_ids != drawn[1].question_ids
    identity = sum(order == sorted(order) for p in drawn for order in p.option_orders if order != ["A", "B"])
    shuffled = sum(order != sorted(order) for p in drawn for order in p.option_orders)
    assert shuffled > identity  # five options: 1 in 120 stays in place


async def test_professional_paper_uses_physician_category_and_specialty(app, client):
    w, cycle = await _world()
    await professional_bank(PracticeCategory.TCM, n=100)
    own = await make_questions(5, paper_type=PaperType.PROFESSIONAL, category=PracticeCategory.TCM, kp="内科学",
                               specialty="针灸推拿", prefix="针灸")
    other = await make_questions(5, paper_type=PaperType.PROFESSIONAL, category=PracticeCategory.TCM, kp="内科学",
                                 specialty="中医骨伤", prefix="骨伤")
    _, a = await enrolled(cycle, w.hospital, category=PracticeCategory.TCM, practice_scope="针灸推拿")
    paper = await papers.draw_paper(assessment=a, paper_type=PaperType.PROFESSIONAL)
    assert paper.category == "tcm" and len(paper.question_ids) == 100
    drawn = await Question.filter(id__in=paper.question_ids)
    assert {q.category for q in drawn} == {PracticeCategory.TCM}
    assert not {q.id for q in other} & set(paper.question_ids)
    assert {q.specialty for q in drawn} <= {"", "针灸推拿"}
    pool, _ = await papers.plan(cycle=cycle, province_id=w.gx.id, paper_type=PaperType.PROFESSIONAL,
                                category=PracticeCategory.TCM)
    assert {q.id for q in own} <= {q.id for q in pool.candidates("内科学", None, "针灸推拿")}


async def test_disabled_and_other_province_questions_never_drawn(app, client):
    w, cycle = await _world()
    disabled = await make_questions(20, kp="医学伦理", active=False, prefix="停用")
    gz = await make_questions(20, kp="医学伦理", bank=str(w.gz.id), province_id=w.gz.id, prefix="贵州")
    gx = await make_questions(20, kp="医学伦理", bank=str(w.gx.id), province_id=w.gx.id, prefix="广西")
    _, a = await enrolled(cycle, w.hospital)
    paper = await papers.draw_paper(assessment=a, paper_type=PaperType.HUMANITIES)
    ids = set(paper.question_ids)
    assert not ids & {q.id for q in disabled + gz}
    pool = await papers.plan(cycle=cycle, province_id=w.gx.id, paper_type=PaperType.HUMANITIES, category=None)
    assert {q.id for q in gx} <= {q.id for rows in pool[0].groups.values() for q in rows}


async def test_draw_with_too_small_bank_conflicts(app, client):
    w = await make_world()
    cycle = await make_cycle(w)
    await make_questions(10)
    _, a = await enrolled(cycle, w.hospital)
    with pytest.raises(Conflict) as exc:
        await papers.draw_paper(assessment=a, paper_type=PaperType.HUMANITIES)
    assert exc.value.code == "bank_shortage"
    assert await Paper.all().count() == 0


# --- what reaches the client, and scoring ------------------------------------------------------
async def test_client_view_carries_no_answer(app, client):
    w, cycle = await _world()
    _, a = await enrolled(cycle, w.hospital)
    paper = await papers.draw_paper(assessment=a, paper_type=PaperType.HUMANITIES)
    view = (await papers.client_view(paper)).model_dump(mode="json")  # what the client receives
    text = orjson.dumps(view).decode()
    assert view["question_count"] == 50 and len(view["questions"]) == 50
    keys = walk_keys(view)
    assert not keys & {"answer", "answers", "explanation", "key", "keys", "question_id", "question_ids",
                       "option_orders", "order", "correct"}
    for item in view["questions"]:
        assert set(item) == {"no", "qtype", "stem", "options"}
        assert [o["label"] for o in item["options"]] == list("ABCDE"[: len(item["options"])])
        assert all(set(o) == {"label", "text"} for o in item["options"])
    assert "解析" not in text  # explanations of the test bank start with 解析


async def test_score_maps_shuffled_letters_back(app, client):
    w, cycle = await _world()
    _, a = await enrolled(cycle, w.hospital)
    paper = await papers.draw_paper(assessment=a, paper_type=PaperType.HUMANITIES)
    questions = {q.id: q for q in await Question.filter(id__in=paper.question_ids)}
    right = {str(no): papers.to_letters(order, questions[qid].answer)
             for no, (qid, order) in enumerate(zip(paper.question_ids, paper.option_orders, strict=True), start=1)}
    score, correct = await papers.score(paper, right)
    assert score == 100 and all(correct)
    # the original keys (B, or B and D) are not the answer once the options are shuffled
    original = {str(no): questions[qid].answer for no, qid in enumerate(paper.question_ids, start=1)}
    score_original, _ = await papers.score(paper, original)
    assert score_original < 100
    half = {k: v for k, v in right.items() if int(k) % 2}
    assert (await papers.score(paper, half))[0] == 50
    assert (await papers.score(paper, {}))[0] == 0
    # multiple choice: all or nothing
    no, qid = next((no, qid) for no, qid in enumerate(paper.question_ids, start=1)
                   if questions[qid].qtype == QuestionType.MULTIPLE)
    partial = {**right, str(no): right[str(no)][:1]}
    score, correct = await papers.score(paper, partial)
    assert score == 98 and correct[no - 1] is False
    score, _ = await papers.score(paper, {**right, str(no): "".join(right[str(no)]), "1": ["Z"]})
    assert score == 98


# --- the whole cycle ---------------------------------------------------------------------------
async def test_draw_papers_for_cycle_job(app, client):
    w, cycle = await _world()
    _, general = await enrolled(cycle, w.hospital)
    _, simple = await enrolled(cycle, w.hospital2, procedure=Procedure.SIMPLE)
    _, exempt = await enrolled(cycle, w.hospital2)
    exempt.exemption = ExemptionStatus.APPROVED
    await exempt.save()
    _, tcm = await enrolled(cycle, w.hospital3, category=PracticeCategory.TCM)  # no 中医 bank: fails
    existing = await papers.draw_paper(assessment=general, paper_type=PaperType.HUMANITIES)
    token = await token_for(w.gx_admin)
    r = await client.post(f"{ADMIN}/cycles/{cycle.id}/papers/draw", headers=auth(token))
    assert r.status_code == 202, r.text
    job = await wait_for_job(client, token, r.json()["id"])
    assert job["status"]["value"] == "succeeded", job
    assert job["outcome"] == {"drawn": 4, "existing": 1, "failed": 1} and job["has_errors"] is True
    kinds = Counter((p.assessment_id, p.paper_type.value) for p in await Paper.all())
    assert kinds == Counter({(general.id, "humanities"): 1, (general.id, "professional"): 1,
                             (simple.id, "humanities"): 1, (exempt.id, "humanities"): 1,
                             (tcm.id, "humanities"): 1})
    assert (await Paper.get(assessment_id=general.id, paper_type=PaperType.HUMANITIES)).id == existing.id
    again = await wait_for_job(client, token, (await client.post(f"{ADMIN}/cycles/{cycle.id}/papers/draw",
                                                                 headers=auth(token))).json()["id"])
    assert again["outcome"] == {"drawn": 0, "existing": 5, "failed": 1}
    assert await Paper.all().count() == 5


async def test_draw_papers_for_cycle_province_only(app, client):
    w, cycle = await _world()
    for org, code in ((w.nn_admin, "province_only"), (w.national, "province_only"),
                      (w.gz_admin, "out_of_jurisdiction")):
        r = await client.post(f"{ADMIN}/cycles/{cycle.id}/papers/draw", headers=auth(await token_for(org)))
        assert r.status_code == 403 and r.json()["code"] == code


# --- the demo bank -----------------------------------------------------------------------------
async def test_demo_bank_draws_full_papers(app, client):
    w = await make_world()
    cycle = await make_cycle(w)
    assert await seed_demo_bank() > 0
    assert await seed_demo_bank() == 0  # idempotent
    assert await Question.filter(paper_type=PaperType.HUMANITIES, practice=False).count() >= 50
    assert await Question.filter(paper_type=PaperType.HUMANITIES, practice=True).count() >= 10  # 练习题 too
    for category in PracticeCategory:
        assert await Question.filter(paper_type=PaperType.PROFESSIONAL, category=category, practice=False).count() >= 100
        assert await Question.filter(paper_type=PaperType.PROFESSIONAL, category=category, practice=True).exists()
        kps = await Question.filter(category=category).distinct().values_list("knowledge_point", flat=True)
        assert len(set(kps)) >= 3
        _, a = await enrolled(cycle, w.hospital, category=category)
        paper = await papers.draw_paper(assessment=a, paper_type=PaperType.PROFESSIONAL)
        assert len(set(paper.question_ids)) == 100
        assert not await Question.filter(id__in=paper.question_ids, practice=True).exists()
    _, a = await enrolled(cycle, w.hospital)
    paper = await papers.draw_paper(assessment=a, paper_type=PaperType.HUMANITIES)
    assert len(set(paper.question_ids)) == 50
    types = set(await Question.all().distinct().values_list("qtype", flat=True))
    assert {str(t) for t in types} == {"single", "multiple", "judge"}
