"""Shared set-up of the 成绩评定 / 再次考核 / 通知书 tests: a cycle with every window open, question
banks, and physicians driven through the state machine and through real exams — the physician
sits each paper through the mini-program API (consent, start, face checks, answers, submit),
scoring exactly what the test asks for; the organisations act through the console API."""

from __future__ import annotations

import io
from typing import Any

import httpx
from PIL import Image

from server.models import (
    DEFAULT_SIMPLE_CONDITIONS,
    Assessment,
    AssessmentAssignment,
    Cycle,
    ExamAttempt,
    InboxMessage,
    Organisation,
    Paper,
    PracticeCategory,
    Question,
)
from server.models import AssessmentStatus as S
from server.models import ExemptionStatus as X
from server.services.access import Actor, Role
from server.services.exams import answer_saves
from tests.factories import World, auth, make_world, token_for
from tests.integration.exam_support import humanities_bank, professional_bank
from tests.integration.mp_support import pdf
from tests.integration.review_support import API, Driver, open_cycle, staff, staff_move

SIMPLE_PROCEDURE = {"procedure": "simple", "conditions": [0, 1], "report": "本人述职报告：考核周期内认真履职。"}
SIMPLE_SELF_ASSESSMENT = {"practice_conduct": "本周期无不良执业行为记录。", "work_performance": "按时完成岗位工作任务。", "ethics": "遵守医德规范。",
                          "professional_level": "熟练掌握本专业知识。"}


def face() -> bytes:
    """A picture the default face verifier accepts (neither dark, blank nor covered)."""
    img = Image.linear_gradient("L").resize((320, 320)).convert("RGB")
    out = io.BytesIO()
    img.save(out, "JPEG")
    return out.getvalue()


async def exam_world(**cycle_over: Any) -> tuple[World, Cycle]:
    """Two provinces, a 广西 cycle with every window open, and both question banks."""
    w = await make_world()
    cycle_over.setdefault("simple_conditions", list(DEFAULT_SIMPLE_CONDITIONS))
    cycle = await open_cycle(w.gx, **cycle_over)
    await humanities_bank()
    await professional_bank(PracticeCategory.CLINICAL)
    return w, cycle


class ExamDriver(Driver):
    """A Driver whose physician can also choose 简易程序 and sit the papers."""

    simple = False
    assessor: Organisation | None = None  # default: w.hospital

    async def ai(self) -> Actor:
        if self.assessor is None:
            return await super().ai()
        return await staff(self.assessor, Role.ASSESSMENT_INSTITUTION)

    async def prepare(self, action: str) -> None:
        await super().prepare(action)
        if action == "submit_enrolment" and self.simple:
            r = await self.mp("POST", "/uploads", files={"file": ("proof.pdf", pdf(), "application/pdf")})
            assert r.status_code == 201, r.text
            body = {**SIMPLE_PROCEDURE, "proof_ids": [r.json()["data"][0]["id"]]}
            r = await self.mp("PUT", "/enrolment/procedure", json=body)
            assert r.status_code == 200, r.text
            r = await self.mp("PUT", "/enrolment/self_assessment", json=SIMPLE_SELF_ASSESSMENT)
            assert r.status_code == 200, r.text

    async def to_exams(self, *, exempt: bool = False) -> Assessment:
        """待参加测评; with ``exempt`` the procedure's paper is exempted (免考 通过) on the way."""
        if not exempt:
            return await self.main(S.AWAITING_EXAM)
        a = await self.side("exemption", X.AI_PENDING)
        await staff_move(await self.ai(), a, "ai_approve_exemption")
        await staff_move(await self.hi(), a, "hi_submit_evaluation")
        await staff_move(await self.ai(), a, "ai_submit_review")
        a = await Assessment.get(id=a.id)
        assert a.status == S.AWAITING_EXAM and a.exemption == X.APPROVED
        return a

    async def sit(self, paper: str, score: float) -> dict[str, Any]:
        """One attempt at `paper` through the mini-program, answering so as to score `score`."""
        r = await self.mp("POST", "/exams/face-consent", json={"agree": True})
        assert r.status_code == 200, r.text
        r = await self.mp("GET", "/exams/info")  # 考核详情 → 确认考核信息 → 试卷列表
        assert r.status_code == 200, r.text
        r = await self.mp("POST", "/exams/info/confirm", json={"assessment_id": r.json()["assessment_id"]})
        assert r.status_code == 200, r.text
        r = await self.mp("POST", f"/exams/{paper}/start")
        assert r.status_code == 200, r.text
        attempt_id = r.json()["id"]
        r = await self.mp("POST", f"/attempts/{attempt_id}/face-check", data={"moment": "start"},
                          files={"file": ("face.jpg", face(), "image/jpeg")})
        assert r.status_code == 200 and r.json()["check"]["passed"], r.text
        attempt = await ExamAttempt.get(id=attempt_id)
        drawn = await Paper.get(id=attempt.paper_id)
        keys = dict(await Question.filter(id__in=list(drawn.question_ids)).values_list("id", "answer"))
        n = len(drawn.question_ids)
        right = round(score * n / 100)
        answers = []
        for no, (qid, order) in enumerate(zip(drawn.question_ids, drawn.option_orders, strict=True), start=1):
            letters = sorted("ABCDEFGH"[i] for i, key in enumerate(order) if key in keys[qid])
            if no > right:  # a wrong answer: any other single letter
                letters = ["A"] if letters != ["A"] else ["B"]
            answers.append({"position": no, "answer": letters, "seq": 1})
        # attempt_answers caches shapes by attempt id in the process; ids restart with every test's
        # empty tables, so a shape cached by an earlier test would be used (reported to the lead)
        answer_saves._shapes.pop(attempt_id, None)
        r = await self.mp("PUT", f"/attempts/{attempt_id}/answers", json={"answers": answers})
        assert r.status_code == 200, r.text
        for _ in range(6):  # the checks the server asks for (mid brought forward, then submit), then 交卷
            r = await self.mp("POST", f"/attempts/{attempt_id}/submit")
            if r.status_code != 409 or r.json().get("code") != "face_check_required":
                break
            c = await self.mp("POST", f"/attempts/{attempt_id}/face-check", data={"moment": r.json()["details"]["moment"]},
                              files={"file": ("face.jpg", face(), "image/jpeg")})
            assert c.status_code == 200 and c.json()["check"]["passed"], c.text
        assert r.status_code == 200, r.text
        result = r.json()["result"]
        assert result["score"] == score, (paper, result, score)
        return result

    async def exams_done(self, *, humanities: float = 80, professional: float | None = 70,
                         exempt: bool = False) -> Assessment:
        """To 待成绩评定 through real exams (完成测评 is made by the exam service)."""
        await self.to_exams(exempt=exempt)
        await self.sit("humanities", humanities)
        if professional is not None:
            await self.sit("professional", professional)
        a = await self.assessment()
        assert a.status == S.EXAMS_DONE, a.status
        return a

    async def judged(self, *, humanities: float = 80, professional: float | None = 70) -> Assessment:
        """成绩评定 确认 by the assessment institution (through the console API)."""
        a = await self.exams_done(humanities=humanities, professional=professional)
        r = await act(self.client, await ai_token(self.w), a.id, "ai_confirm_results")
        assert r.status_code == 200, r.text
        return await Assessment.get(id=a.id)

    async def reexam_listed(self, **kw: Any) -> Assessment:
        """不合格 in the first round (业务水平), then on the re-exam list (province 确认)."""
        a = await self.judged(**{"professional": 40, **kw})
        assert a.status == S.FAILED, a.status
        r = await act(self.client, await token_for(self.w.gx_admin), a.id, "admin_confirm_reexam")
        assert r.status_code == 200, r.text
        return await Assessment.get(id=a.id)


async def ai_token(w: World) -> str:
    return await token_for(w.hospital, Role.ASSESSMENT_INSTITUTION)


async def act(client: httpx.AsyncClient, token: str, assessment_id: int, action: str,
              body: dict[str, Any] | None = None) -> httpx.Response:
    return await client.post(f"{API}/assessments/{assessment_id}/actions/{action}", headers=auth(token),
                             json=body or {})


async def act_batch(client: httpx.AsyncClient, token: str, ids: list[int], action: str) -> httpx.Response:
    return await client.post(f"{API}/assessments/batch/{action}", headers=auth(token), json={"ids": ids})


async def messages(physician_id: int, template: str) -> list[InboxMessage]:
    return list(await InboxMessage.filter(physician_id=physician_id, template=template).order_by("id"))


async def new_driver(client: httpx.AsyncClient, w: World, cycle: Cycle, *, simple: bool = False,
                     **fields: Any) -> ExamDriver:
    d = await ExamDriver.new(client, w, cycle, **fields)
    d.simple = simple
    return d


async def outside_driver(client: httpx.AsyncClient, w: World, cycle: Cycle, org: Organisation | None = None
                         ) -> ExamDriver:
    """A physician of `org` (default 兴宁区人民医院), assessed by that institution itself: outside
    w.hospital's assignment."""
    org = org or w.hospital3
    await Organisation.filter(id=org.id).update(is_assessment_institution=True)
    await AssessmentAssignment.get_or_create(assessor_id=org.id, institution_id=org.id)
    d = await new_driver(client, w, cycle, org=org)
    d.assessor = org
    return d
