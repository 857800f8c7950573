"""Shared set-up for the reviewers' tests: a cycle with open windows, actors, and driving an
assessment to a given state through the state machine (never by writing a status): the
physician's moves through the mini-program API, the organisations' through the review services."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from server.models import Assessment, Cycle, Department, ExemptionReason, Organisation, Physician, Region
from server.models import AssessmentStatus as S
from server.models import DelayStatus as D
from server.models import ExemptionStatus as X
from server.models import ModificationStatus as M
from server.schemas.reviews import parse_action_body
from server.schemas.specialties import SPECIALTIES
from server.services.access import Actor, Role
from server.services.assessment import flow, reviews, transitions
from tests.factories import World, account_of, auth, make_physician, physician_token
from tests.integration.mp_support import jpeg, pdf

API = "/api/v1/admin"
MP = "/api/v1/mp"
WINDOWS = ("enrol", "evaluation", "exam", "judging", "reexam")
EVALUATION = {"work_result": "pass", "ethics_result": "pass", "opinion": "同意",
              "other_site_opinions": [{"org_name": "南宁市第二人民医院", "opinion": "表现良好"}]}


async def open_cycle(province: Region, **over: Any) -> Cycle:
    now = datetime.now(UTC)
    fields: dict[str, Any] = {}
    for w in WINDOWS:
        fields[f"{w}_start"], fields[f"{w}_end"] = now - timedelta(days=1), now + timedelta(days=10)
    fields.update(delay_deadline=now + timedelta(days=5), humanities_exemption_open=True,
                  professional_exemption_open=True)
    fields.update(over)
    return await Cycle.create(province=province, name="2024-2026周期", start_date=date(2024, 1, 1),
                              end_date=date(2026, 12, 31), **fields)


async def close_window(cycle: Cycle, window: str) -> None:
    past = datetime.now(UTC) - timedelta(days=3)
    await Cycle.filter(id=cycle.id).update(**{f"{window}_start": past - timedelta(days=5), f"{window}_end": past})


async def reopen_window(cycle: Cycle, window: str) -> None:
    now = datetime.now(UTC)
    await Cycle.filter(id=cycle.id).update(**{f"{window}_start": now - timedelta(days=1),
                                              f"{window}_end": now + timedelta(days=10)})


async def staff(org: Organisation, role: Role | None = None) -> Actor:
    from server.services.access import default_role

    account = await account_of(org)
    return Actor(kind="staff", role=role or default_role(org.kind), token="test", account_id=account.id,
                 org_id=org.id, region_id=org.region_id, region_path=org.region_path)


def physician_actor(p: Physician) -> Actor:
    return Actor(kind="physician", role=Role.PHYSICIAN, token="test", physician_id=p.id, region_path=p.region_path)


async def physician_move(p: Physician, a: Assessment, action: str, *, reason: str = "",
                         apply: transitions.Apply | None = None) -> transitions.Outcome:
    """A physician's move straight through the runner (for refusals the mini-program cannot
    express, e.g. another physician naming this assessment, or crafted pending edits)."""
    return await transitions.transition(actor=physician_actor(p), assessment_id=a.id, action=action, reason=reason,
                                     apply=apply)


_seq = itertools.count(1)


async def make_enrollable_physician(org: Organisation, **fields: Any) -> Physician:
    """A physician with the registration data 提交信息 needs."""
    n = next(_seq)
    defaults: dict[str, Any] = {"gender": "女", "birth_date": date(1985, 6, 1), "phone": f"139{n:08d}",
                                "phone_verified": True, "qualification_cert_no": f"Q{n:012d}",
                                "practice_cert_no": f"P{n:012d}", "practice_scope": "内科专业"}
    return await make_physician(org, **{**defaults, **fields})


async def staff_move(actor: Actor, a: Assessment, action: str, body: dict[str, Any] | None = None) -> None:
    raw = dict(body or {})
    if action == "hi_submit_evaluation":
        raw = {**EVALUATION, **raw}
    if flow.BY_ACTION[action].needs_reason:
        raw.setdefault("reason", "材料不全")
    await reviews.perform(actor=actor, assessment_id=a.id, action=action, body=parse_action_body(action, raw))


class Driver:
    """Moves one physician's assessment along the flows, as the right people would: the
    physician through the mini-program API, the organisations through the review services."""

    def __init__(self, w: World, cycle: Cycle, physician: Physician, client: httpx.AsyncClient) -> None:
        self.w, self.cycle, self.p, self.client = w, cycle, physician, client
        self._token: str | None = None
        self._body: dict[str, Any] = {}

    @classmethod
    async def new(cls, client: httpx.AsyncClient, w: World, cycle: Cycle, org: Organisation | None = None,
                  **fields: Any) -> Driver:
        return cls(w, cycle, await make_enrollable_physician(org or w.hospital2, **fields), client)

    async def hi(self) -> Actor:
        return await staff(await Organisation.get(id=self.p.institution_id))

    async def ai(self) -> Actor:
        return await staff(self.w.hospital, Role.ASSESSMENT_INSTITUTION)

    async def admin(self) -> Actor:
        return await staff(self.w.gx_admin if self.p.region_path.startswith(self.w.gx.path) else self.w.gz_admin)

    async def assessment(self) -> Assessment:
        return await transitions.ensure_assessment(physician=self.p, cycle=self.cycle)

    # --- the physician, through the mini-program ------------------------------------------------

    async def mp(self, method: str, path: str, **kw: Any) -> httpx.Response:
        if self._token is None:
            self._token = await physician_token(self.p)
        return await self.client.request(method, f"{MP}{path}", headers=auth(self._token), **kw)

    async def prepare(self, action: str) -> None:
        """What comes before the physician's move and is no move itself: drafts and uploads."""
        if action == "submit_enrolment":
            dept, _ = await Department.get_or_create(org_id=self.p.institution_id, parent_id=None, name="内科")
            steps = enrolment_steps(dept.id, email=f"d{next(_seq)}@example.com",
                                    specialty=SPECIALTIES[self.p.category.value][0])
            for step, body in steps.items():
                r = await self.mp("PUT", f"/enrolment/{step}", json=body)
                assert r.status_code == 200, (step, r.text)
            r = await self.mp("POST", "/enrolment/photo", files={"file": ("photo.jpg", jpeg(), "image/jpeg")})
            assert r.status_code == 201, r.text
        elif action == "submit_modification":
            r = await self.mp("PUT", "/modification", json={"practice": {"practice_scope": "外科专业"},
                                                            "basic": {"education": "硕士研究生"}})
            assert r.status_code == 200, r.text
        elif action == "apply_exemption":
            a = await Assessment.get(id=(await self.assessment()).id)
            paper = transitions.exemption_paper(a.procedure)
            reason, _ = await ExemptionReason.get_or_create(cycle_id=self.cycle.id, paper=paper, text="年满60周岁")
            r = await self.mp("POST", "/uploads", files={"file": ("proof.pdf", pdf(), "application/pdf")})
            assert r.status_code == 201, r.text
            self._body = {"reason_ids": [reason.id], "proof_ids": [r.json()["data"][0]["id"]]}

    async def fire(self, action: str) -> httpx.Response:
        """The physician's move itself."""
        path, body = {
            "submit_enrolment": ("/enrolment/submit", None),
            "resubmit_procedure": ("/procedure/resubmit", {"procedure": "general"}),
            "request_modification": ("/modification/request", {}),
            "submit_modification": ("/modification/submit", None),
            "apply_exemption": ("/exemption", self._body),
            "apply_delay": ("/delay", {"reason": "身体原因，无法参加首轮考核"}),
        }[action]
        return await self.mp("POST", path, json=body)

    async def physician(self, action: str) -> None:
        await self.prepare(action)
        r = await self.fire(action)
        assert r.status_code == 200, (action, r.text)

    # --- to a state ----------------------------------------------------------------------------------

    async def main(self, target: S, *, work: str | None = None) -> Assessment:
        work = work or ("fail" if target == S.FAILED else "pass")
        a = await self.assessment()
        if target == S.NOT_INCLUDED:
            return a
        await staff_move(await self.hi(), a, "include")
        if target == S.INCLUDED:
            return await Assessment.get(id=a.id)
        await self.physician("submit_enrolment")
        if target == S.ENROL_RETURNED:
            await staff_move(await self.hi(), a, "hi_reject_enrolment")
        if target in (S.ENROL_SUBMITTED, S.ENROL_RETURNED):
            return await Assessment.get(id=a.id)
        await staff_move(await self.hi(), a, "hi_approve_enrolment")
        if target == S.ENROL_REPORTED:
            return await Assessment.get(id=a.id)
        await staff_move(await self.ai(), a, "ai_confirm_enrolment")
        if target == S.PROCEDURE_RETURNED:
            await staff_move(await self.hi(), a, "hi_reject_procedure")
        if target in (S.ENROLLED, S.PROCEDURE_RETURNED):
            return await Assessment.get(id=a.id)
        await staff_move(await self.hi(), a, "hi_submit_evaluation", {"work_result": work})
        if target == S.EVALUATED:
            return await Assessment.get(id=a.id)
        if target == S.LEFT:
            await staff_move(await self.admin(), a, "admin_reject_to_leave")
            return await Assessment.get(id=a.id)
        await staff_move(await self.ai(), a, "ai_submit_review")
        a = await Assessment.get(id=a.id)
        assert a.status == target, (a.status, target)
        return a

    async def side(self, flow_name: str, target: Any, main: S = S.ENROLLED) -> Assessment:
        a = await self.main(main)
        if flow_name == "modification" and target != M.NONE:
            await self.physician("request_modification")
            if target in (M.ALLOWED, M.SUBMITTED):
                await staff_move(await self.hi(), a, "hi_allow_modification")
            if target == M.SUBMITTED:
                await self.physician("submit_modification")
        if flow_name == "exemption" and target != X.NONE:
            await self.physician("apply_exemption")
            if target in (X.AI_PENDING, X.APPROVED):
                await staff_move(await self.hi(), a, "hi_submit_exemption")
            if target == X.RETURNED:
                await staff_move(await self.hi(), a, "hi_return_exemption")
            if target == X.REFUSED:
                await staff_move(await self.hi(), a, "hi_refuse_exemption")
        if flow_name == "delay" and target != D.NONE:
            await self.physician("apply_delay")
            if target in (D.ADMIN_PENDING, D.APPROVED):
                await staff_move(await self.hi(), a, "hi_approve_delay")
            if target == D.REJECTED:
                await staff_move(await self.hi(), a, "hi_reject_delay")
        a = await Assessment.get(id=a.id)
        assert getattr(a, flow_name) == target, (flow_name, getattr(a, flow_name), target)
        return a


def enrolment_steps(department_id: int, *, email: str, specialty: str = "心血管内科专业") -> dict[str, dict[str, Any]]:
    """The five steps of a complete 一般程序 enrolment, as the mini-program sends them (从事专业:
    one of the physician's 执业类别, from server/schemas/specialties.py)."""
    return {
        "basic": {"gender": "女", "ethnicity": "汉族", "birth_date": "1985-06-01", "id_type": "身份证",
                  "education": "本科", "email": email},
        "practice": {"department_id": department_id, "specialties": [specialty], "title": "中级（主治）",
                     "is_resident": False, "practice_scope": "内科专业", "employment": "在职"},
        "experience": {"education": [{"school": "广西医科大学", "major": "临床医学", "education": "本科",
                                      "start_date": "2003-09-01", "end_date": "2008-07-01"}],
                       "multi_site": [], "practice_history": []},
        "self_assessment": {"practice_conduct": "本周期无不良执业行为记录。", "work_performance": "按时完成岗位工作任务。", "ethics": "遵守医德规范。"},
        "procedure": {"procedure": "general"},
    }
