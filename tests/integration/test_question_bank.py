"""题库管理: who keeps which bank, the content rules, frozen questions, lists and filters."""

from __future__ import annotations

from server.models import AuditLog, PaperType, PracticeCategory, Question, QuestionType
from tests.factories import auth, make_world, token_for
from tests.integration.exam_support import ADMIN, body, make_questions


async def test_create_question_national_office_keeps_national_bank(app, client):
    w = await make_world()
    r = await client.post(f"{ADMIN}/questions", headers=auth(await token_for(w.national)), json=body(code="N-001"))
    assert r.status_code == 201, r.text
    q = r.json()
    assert q["bank"]["value"] == "national" and q["bank"]["label"] == "国家题库"
    assert q["options"][2] == {"key": "C", "text": "三年"} and q["answer"] == ["C"]
    # every province reads the national bank
    for org in (w.gx_admin, w.gz_admin):
        got = await client.get(f"{ADMIN}/questions/{q['id']}", headers=auth(await token_for(org)))
        assert got.status_code == 200 and got.json()["code"] == "N-001"
    assert await AuditLog.filter(action="question.create", target_id=str(q["id"])).exists()


async def test_create_question_province_keeps_own_bank_hidden_from_other_provinces(app, client):
    w = await make_world()
    r = await client.post(f"{ADMIN}/questions", headers=auth(await token_for(w.gx_admin)),
                          json=body(stem="广西题库专用题干"))
    assert r.status_code == 201, r.text
    q = r.json()
    assert q["bank"]["value"] == str(w.gx.id) and q["code"].startswith("Q")
    other = await client.get(f"{ADMIN}/questions/{q['id']}", headers=auth(await token_for(w.gz_admin)))
    assert other.status_code == 404 and "广西题库专用题干" not in other.text
    national = await client.get(f"{ADMIN}/questions/{q['id']}", headers=auth(await token_for(w.national)))
    assert national.status_code == 200


async def test_bank_refused_below_province_and_for_institutions(app, client):
    w = await make_world()
    for org, code in ((w.nn_admin, "bank_admin_only"), (w.qx_admin, "bank_admin_only"),
                      (w.hospital, "wrong_role"), (w.industry, "wrong_role")):
        token = await token_for(org)
        r = await client.post(f"{ADMIN}/questions", headers=auth(token), json=body())
        assert r.status_code == 403 and r.json()["code"] == code, (org.name, r.text)
        r = await client.get(f"{ADMIN}/questions", headers=auth(token))
        assert r.status_code == 403 and r.json()["code"] == code
    assert await Question.all().count() == 0


async def test_update_question_of_another_bank_refused(app, client):
    w = await make_world()
    national_q = (await make_questions(1))[0]
    gx_q = (await make_questions(1, bank=str(w.gx.id), province_id=w.gx.id, prefix="gx"))[0]
    gx, national = await token_for(w.gx_admin), await token_for(w.national)
    r = await client.put(f"{ADMIN}/questions/{national_q.id}", headers=auth(gx), json=body())
    assert r.status_code == 403 and r.json()["code"] == "bank_read_only"
    r = await client.put(f"{ADMIN}/questions/{gx_q.id}", headers=auth(national), json=body())
    assert r.status_code == 403 and r.json()["code"] == "bank_read_only"
    r = await client.post(f"{ADMIN}/questions/{gx_q.id}/disable", headers=auth(await token_for(w.gz_admin)))
    assert r.status_code == 404
    assert (await Question.get(id=gx_q.id)).active


async def test_create_question_bad_content_refused(app, client):
    w = await make_world()
    token = await token_for(w.national)
    cases = [
        body(answer=["A", "B"]),  # single choice with two answers
        body(qtype="multiple", answer=["A"]),  # multiple choice needs two
        body(answer=["F"]),  # no such option
        body(paper_type="professional"),  # no category
        body(category="clinical"),  # humanities with a category
        body(options=["一年", "一年", "三年"], answer=["C"]),  # repeated option
        body(options=["一年", "", "三年"], answer=["C"]),  # gap
        body(qtype="judge", options=["对", "错"], answer=["A"]),  # judge options are fixed
        body(stem="=HYPERLINK(\"x\")"),  # formula-like
    ]
    for case in cases:
        r = await client.post(f"{ADMIN}/questions", headers=auth(token), json=case)
        assert r.status_code == 422, (case, r.text)
    assert await Question.all().count() == 0
    r = await client.post(f"{ADMIN}/questions", headers=auth(token),
                          json=body(qtype="judge", options=[], answer=["B"], stem="处方长期有效。"))
    assert r.status_code == 201 and r.json()["options"][1] == {"key": "B", "text": "错误"}


async def test_create_question_duplicate_code_conflicts(app, client):
    w = await make_world()
    token = await token_for(w.national)
    assert (await client.post(f"{ADMIN}/questions", headers=auth(token), json=body(code="DUP-1"))).status_code == 201
    r = await client.post(f"{ADMIN}/questions", headers=auth(token), json=body(code="DUP-1"))
    assert r.status_code == 409 and r.json()["code"] == "question_code_taken"


async def test_update_question_in_use_keeps_options_and_answer(app, client):
    w = await make_world()
    token = await token_for(w.national)
    q = (await client.post(f"{ADMIN}/questions", headers=auth(token), json=body())).json()
    await Question.filter(id=q["id"]).update(in_use=True)
    r = await client.put(f"{ADMIN}/questions/{q['id']}", headers=auth(token), json=body(answer=["D"]))
    assert r.status_code == 409 and r.json()["code"] == "question_in_use"
    r = await client.put(f"{ADMIN}/questions/{q['id']}", headers=auth(token),
                         json=body(stem="医师定期考核的周期（年）为", explanation="修正解析"))
    assert r.status_code == 200 and r.json()["stem"] == "医师定期考核的周期（年）为"
    assert (await Question.get(id=q["id"])).answer == ["C"]
    assert await AuditLog.filter(action="question.update", target_id=str(q["id"])).count() == 1


async def test_update_question_not_in_use_changes_answer(app, client):
    w = await make_world()
    token = await token_for(w.gx_admin)
    q = (await client.post(f"{ADMIN}/questions", headers=auth(token), json=body())).json()
    r = await client.put(f"{ADMIN}/questions/{q['id']}", headers=auth(token),
                         json=body(qtype="multiple", options=["甲", "乙", "丙", "丁"], answer=["A", "D"]))
    assert r.status_code == 200, r.text
    assert r.json()["qtype"]["value"] == "multiple" and r.json()["answer"] == ["A", "D"]


async def test_disable_and_enable_question(app, client):
    w = await make_world()
    token = await token_for(w.national)
    q = (await make_questions(1))[0]
    r = await client.post(f"{ADMIN}/questions/{q.id}/disable", headers=auth(token))
    assert r.status_code == 200 and r.json()["active"] is False
    listed = (await client.get(f"{ADMIN}/questions?active=false", headers=auth(token))).json()
    assert [x["id"] for x in listed["data"]] == [q.id]
    r = await client.post(f"{ADMIN}/questions/{q.id}/enable", headers=auth(token))
    assert r.status_code == 200 and r.json()["active"] is True
    assert await AuditLog.filter(action__in=["question.disable", "question.enable"]).count() == 2


async def test_list_questions_scope_and_filters(app, client):
    w = await make_world()
    await make_questions(3, prefix="国家人文")
    await make_questions(2, paper_type=PaperType.PROFESSIONAL, category=PracticeCategory.TCM, kp="方剂学",
                         qtype=QuestionType.JUDGE, prefix="国家中医")
    await make_questions(2, bank=str(w.gx.id), province_id=w.gx.id, prefix="广西")
    await make_questions(2, bank=str(w.gz.id), province_id=w.gz.id, prefix="贵州")
    gx = await token_for(w.gx_admin)
    r = await client.get(f"{ADMIN}/questions?size=100", headers=auth(gx))
    assert r.status_code == 200 and r.json()["count"] == 7 and "贵州" not in r.text
    assert (await client.get(f"{ADMIN}/questions?bank=province", headers=auth(gx))).json()["count"] == 2
    assert (await client.get(f"{ADMIN}/questions?bank=national", headers=auth(gx))).json()["count"] == 5
    r = await client.get(f"{ADMIN}/questions?bank={w.gz.id}", headers=auth(gx))
    assert r.status_code == 403
    r = await client.get(f"{ADMIN}/questions?paper_type=professional&category=tcm&qtype=judge", headers=auth(gx))
    assert r.json()["count"] == 2 and all(q["knowledge_point"] == "方剂学" for q in r.json()["data"])
    assert (await client.get(f"{ADMIN}/questions?keyword=广西", headers=auth(gx))).json()["count"] == 2
    assert (await client.get(f"{ADMIN}/questions?qtype=essay", headers=auth(gx))).status_code == 422
    r = await client.get(f"{ADMIN}/questions?active=1", headers=auth(gx))  # true or false only
    assert r.status_code == 422 and r.json()["code"] == "invalid_query"
    national = await token_for(w.national)
    assert (await client.get(f"{ADMIN}/questions?size=100", headers=auth(national))).json()["count"] == 9
    assert (await client.get(f"{ADMIN}/questions?bank={w.gz.id}", headers=auth(national))).json()["count"] == 2


async def test_knowledge_points_count_active_questions_per_type(app, client):
    w = await make_world()
    await make_questions(4, kp="医学伦理")
    await make_questions(2, kp="医学伦理", qtype=QuestionType.JUDGE)
    await make_questions(3, kp="医患沟通", active=False)
    r = await client.get(f"{ADMIN}/knowledge-points?paper_type=humanities", headers=auth(await token_for(w.gx_admin)))
    assert r.status_code == 200
    rows = r.json()["data"]
    assert rows == [{"paper_type": "humanities", "category": None, "knowledge_point": "医学伦理", "total": 6,
                     "by_type": {"single": 4, "multiple": 0, "judge": 2}}]
