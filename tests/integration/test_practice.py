"""题库练习, 模拟考试 and 错题收藏 in the mini-program: answers checked on the server, the
physician's own pool only, wrong answers collected, and never a real paper."""

from __future__ import annotations

from server.models import (
    MockTest,
    Paper,
    PaperType,
    PracticeCategory,
    PracticeRecord,
    Question,
    QuestionType,
    WrongAnswer,
)
from tests.factories import auth, make_physician, make_world, physician_token, token_for
from tests.integration.exam_support import (
    MP,
    enrolled,
    humanities_bank,
    make_cycle,
    make_questions,
    walk_keys,
)


async def _world():
    w = await make_world()
    await humanities_bank(practice=True)
    p = await make_physician(w.hospital, category=PracticeCategory.CLINICAL)
    return w, p, auth(await physician_token(p))


async def test_knowledge_points_show_own_pool(app, client):
    w, p, headers = await _world()
    await make_questions(4, practice=True, paper_type=PaperType.PROFESSIONAL, category=PracticeCategory.CLINICAL, kp="内科学")
    await make_questions(4, practice=True, paper_type=PaperType.PROFESSIONAL, category=PracticeCategory.DENTAL, kp="口腔内科学")
    await make_questions(3, practice=True, kp="贵州专题", bank=str(w.gz.id), province_id=w.gz.id)
    r = await client.get(f"{MP}/knowledge-points", headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["category"]["value"] == "clinical"
    assert [k["knowledge_point"] for k in body["humanities"]] == ["医学伦理", "医患沟通", "卫生法律法规"]
    assert body["professional"] == [{"knowledge_point": "内科学", "count": 4}]


async def test_practice_questions_come_without_answers(app, client):
    w, p, headers = await _world()
    r = await client.get(f"{MP}/questions?paper_type=humanities&knowledge_point=医学伦理&count=8", headers=headers)
    assert r.status_code == 200, r.text
    rows = r.json()["data"]
    assert len(rows) == 8 and {q["knowledge_point"] for q in rows} == {"医学伦理"}
    assert not walk_keys(rows) & {"answer", "explanation", "correct"}
    r = await client.get(f"{MP}/questions?paper_type=humanities&count=100", headers=headers)
    assert r.status_code == 422
    r = await client.get(f"{MP}/questions?count=5", headers=headers)
    assert r.status_code == 422
    r = await client.get(f"{MP}/questions?paper_type=humanities&qtype=judge&count=50", headers=headers)
    assert len(r.json()["data"]) == 15 and {q["qtype"]["value"] for q in r.json()["data"]} == {"judge"}


async def test_answers_checked_on_server_and_wrong_ones_collected(app, client):
    w, p, headers = await _world()
    qs = await make_questions(3, practice=True, kp="医学伦理", prefix="练习")
    multiple = (await make_questions(1, practice=True, kp="医学伦理", qtype=QuestionType.MULTIPLE, prefix="多选"))[0]
    answers = [{"question_id": qs[0].id, "answer": ["B"]}, {"question_id": qs[1].id, "answer": "C"},
               {"question_id": multiple.id, "answer": "DB"}, {"question_id": qs[2].id, "answer": []}]
    r = await client.post(f"{MP}/answers", headers=headers, json={"answers": answers})
    assert r.status_code == 200, r.text
    rows = r.json()["data"]
    assert [x["correct"] for x in rows] == [True, False, True, False]
    assert rows[1]["answer"] == ["B"] and rows[1]["explanation"].startswith("解析")
    book = await WrongAnswer.filter(physician_id=p.id).order_by("question_id")
    assert [(x.question_id, x.added_by, x.wrong_count) for x in book] == [(qs[1].id, "auto", 1), (qs[2].id, "auto", 1)]
    await client.post(f"{MP}/answers", headers=headers, json={"answers": [answers[1]]})
    assert (await WrongAnswer.get(physician_id=p.id, question_id=qs[1].id)).wrong_count == 2
    assert await PracticeRecord.filter(physician_id=p.id).count() == 5


async def test_answers_outside_own_pool_not_found(app, client):
    w, p, headers = await _world()
    gz = (await make_questions(1, practice=True, bank=str(w.gz.id), province_id=w.gz.id, prefix="贵州"))[0]
    dental = (await make_questions(1, practice=True, paper_type=PaperType.PROFESSIONAL, category=PracticeCategory.DENTAL,
                                   kp="口腔内科学"))[0]
    off = (await make_questions(1, practice=True, active=False, prefix="停用"))[0]
    for q in (gz, dental, off):
        r = await client.post(f"{MP}/answers", headers=headers, json={"answers": [{"question_id": q.id, "answer": "B"}]})
        assert r.status_code == 404 and r.json()["code"] == "question_not_found"
        r = await client.post(f"{MP}/wrong-answers", headers=headers, json={"question_id": q.id})
        assert r.status_code == 404
    assert await PracticeRecord.all().count() == 0


async def test_mock_test_drawn_scored_and_never_a_real_paper(app, client):
    w, p, headers = await _world()
    cycle = await make_cycle(w)
    p2, a = await enrolled(cycle, w.hospital2)
    r = await client.post(f"{MP}/mock-tests", headers=headers, json={"paper_type": "humanities"})
    assert r.status_code == 201, r.text
    mock = r.json()
    assert mock["question_count"] == 50 and mock["submitted"] is False and mock["suggested_minutes"] == 60
    assert not walk_keys(mock["questions"]) & {"answer", "explanation", "key", "question_id"}
    unsubmitted = await client.get(f"{MP}/mock-tests/{mock['id']}", headers=headers)
    assert unsubmitted.status_code == 200 and unsubmitted.json()["submitted"] is False
    assert not walk_keys(unsubmitted.json()["questions"]) & {"answer", "explanation", "question_id"}
    stored = await MockTest.get(id=mock["id"])
    questions = {q.id: q for q in await Question.filter(id__in=stored.question_ids)}
    from server.services.cycles.papers import to_letters

    right = {str(no): to_letters(order, questions[qid].answer)
             for no, (qid, order) in enumerate(zip(stored.question_ids, stored.option_orders, strict=True), start=1)}
    answers = {k: v for k, v in right.items() if k != "1"}
    r = await client.post(f"{MP}/mock-tests/{mock['id']}/submit", headers=headers, json={"answers": answers})
    assert r.status_code == 200, r.text
    result = r.json()
    assert result["score"] == 98 and result["correct_count"] == 49
    first = result["questions"][0]
    assert first["correct"] is False and first["answer"] == right["1"] and "explanation" in first
    again = await client.post(f"{MP}/mock-tests/{mock['id']}/submit", headers=headers, json={"answers": right})
    assert again.json()["score"] == 98  # the first submission stands
    assert await WrongAnswer.filter(physician_id=p.id).count() == 1
    got = await client.get(f"{MP}/mock-tests/{mock['id']}", headers=headers)
    assert got.json()["questions"][1]["correct"] is True
    listed = await client.get(f"{MP}/mock-tests", headers=headers)
    assert listed.json()["count"] == 1 and listed.json()["data"][0]["score"] == 98
    # practice never touches real papers (nor the questions' in-use flag)
    assert await Paper.all().count() == 0
    assert not await Question.filter(in_use=True).exists()
    other = await client.get(f"{MP}/mock-tests/{mock['id']}", headers=auth(await physician_token(p2)))
    assert other.status_code == 404


async def test_mock_test_professional_uses_own_category(app, client):
    w, p, headers = await _world()
    r = await client.post(f"{MP}/mock-tests", headers=headers, json={"paper_type": "professional"})
    assert r.status_code == 409 and r.json()["code"] == "bank_shortage"
    await make_questions(120, practice=True, paper_type=PaperType.PROFESSIONAL, category=PracticeCategory.CLINICAL, kp="内科学")
    r = await client.post(f"{MP}/mock-tests", headers=headers, json={"paper_type": "professional"})
    assert r.status_code == 201 and r.json()["category"]["value"] == "clinical" and r.json()["question_count"] == 100


async def test_wrong_book_add_remove_and_isolation(app, client):
    w, p, headers = await _world()
    other = await make_physician(w.hospital2)
    other_headers = auth(await physician_token(other))
    q = (await make_questions(1, practice=True, kp="医患沟通", prefix="收藏"))[0]
    for _ in range(2):  # idempotent
        r = await client.post(f"{MP}/wrong-answers", headers=headers, json={"question_id": q.id})
        assert r.status_code == 200 and r.json()["collected"] is True
    listed = (await client.get(f"{MP}/wrong-answers", headers=headers)).json()
    assert listed["count"] == 1 and listed["data"][0]["answer"] == ["B"] and listed["data"][0]["added_by"] == "manual"
    assert (await client.get(f"{MP}/wrong-answers?paper_type=professional", headers=headers)).json()["count"] == 0
    bad = await client.get(f"{MP}/wrong-answers?paper_type=surgery", headers=headers)
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_query"
    assert (await client.get(f"{MP}/wrong-answers", headers=other_headers)).json()["count"] == 0
    r = await client.delete(f"{MP}/wrong-answers/{q.id}", headers=other_headers)
    assert r.status_code == 200 and r.json()["removed"] is False
    assert await WrongAnswer.filter(physician_id=p.id).count() == 1
    r = await client.delete(f"{MP}/wrong-answers/{q.id}", headers=headers)
    assert r.json()["removed"] is True and await WrongAnswer.all().count() == 0


async def test_practice_refused_to_staff(app, client):
    w, p, headers = await _world()
    token = await token_for(w.hospital)
    for method, path in (("GET", "/knowledge-points"), ("GET", "/questions?paper_type=humanities"),
                         ("POST", "/mock-tests"), ("GET", "/wrong-answers")):
        r = await client.request(method, MP + path, headers=auth(token), json={} if method == "POST" else None)
        assert r.status_code == 403 and r.json()["code"] == "wrong_role"


async def test_practice_never_reveals_a_question_of_the_real_pool(app, client):
    """Issue #11: every practice question reachable (章节练习, 模拟考试, 错题收藏) is answered and its key
    learned; none of them belongs to the pool real papers are drawn from."""
    from tests.integration.exam_support import humanities_bank, professional_bank

    w = await make_world()
    await humanities_bank()  # the exam pool
    await professional_bank(PracticeCategory.CLINICAL)
    await humanities_bank(practice=True)  # the practice pool
    await professional_bank(PracticeCategory.CLINICAL, 60, practice=True)
    p = await make_physician(w.hospital, category=PracticeCategory.CLINICAL)
    headers = auth(await physician_token(p))
    learned: set[int] = set()
    kps = (await client.get(f"{MP}/knowledge-points", headers=headers)).json()
    for paper_type in ("humanities", "professional"):
        for kp in kps[paper_type]:
            for _ in range(4):
                r = await client.get(f"{MP}/questions", headers=headers,
                                     params={"paper_type": paper_type, "knowledge_point": kp["knowledge_point"],
                                             "count": 50})
                assert r.status_code == 200, r.text
                ids = [q["question_id"] for q in r.json()["data"]]
                answered = await client.post(f"{MP}/answers", headers=headers,
                                             json={"answers": [{"question_id": i, "answer": ["A"]} for i in ids]})
                assert answered.status_code == 200, answered.text
                learned |= {q["question_id"] for q in answered.json()["data"] if "answer" in q}
        mock = await client.post(f"{MP}/mock-tests", headers=headers, json={"paper_type": paper_type})
        assert mock.status_code == 201, mock.text
        done = await client.post(f"{MP}/mock-tests/{mock.json()['id']}/submit", headers=headers, json={"answers": {}})
        assert done.status_code == 200
        stored = await MockTest.get(id=mock.json()["id"])
        learned |= set(stored.question_ids)
    exam_pool = set(await Question.filter(practice=False).values_list("id", flat=True))
    practice_pool = set(await Question.filter(practice=True).values_list("id", flat=True))
    assert learned and learned <= practice_pool
    assert not learned & exam_pool
    # asking practice about a real question by its id: refused, nothing revealed
    real = next(iter(exam_pool))
    r = await client.post(f"{MP}/answers", headers=headers, json={"answers": [{"question_id": real, "answer": ["A"]}]})
    assert r.status_code == 404 and "answer" not in r.text
    r = await client.post(f"{MP}/wrong-answers", headers=headers, json={"question_id": real})
    assert r.status_code == 404
