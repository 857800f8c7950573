"""Shared set-up of the 监考管理 / retention tests.

Assessments are driven to the exam stage through the state machine (results_support's drivers:
the physician through the mini-program, the organisations through the console). Exam attempts and
face checks with stored images are then made directly with ``add_checks`` — TEST FIXTURES standing
in for many sittings through the exam API (slow), never a status write; one test sits a real paper
to show the real path too.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import httpx
from PIL import Image

from server.models import Assessment, Cycle, ExamAttempt, FaceCheck, Organisation, Paper
from server.services.access import Role
from server.services.exams import exam_rules
from server.services.platform import files
from tests.factories import World, auth, token_for
from tests.integration.results_support import ExamDriver, exam_world, new_driver, outside_driver
from tests.integration.review_support import API, open_cycle

P = f"{API}/proctoring"


def image(shade: int = 120) -> bytes:
    img = Image.linear_gradient("L").resize((64, 64)).convert("RGB")
    img.paste((shade, 100, 90), (0, 0, 16, 16))
    out = io.BytesIO()
    img.save(out, "JPEG")
    return out.getvalue()


async def add_checks(a: Assessment, checks: list[tuple[float | None, str, bool]], *, images: bool = True,
                     paper_type: str = "humanities") -> list[FaceCheck]:
    """FIXTURE: an attempt of `a` (made if it has none) with these (similarity, decision, passed)
    checks, each with a stored image like face_gate keeps."""
    attempt = await ExamAttempt.filter(assessment_id=a.id, paper_type=paper_type).first()
    if attempt is None:
        paper = await Paper.create(assessment_id=a.id, physician_id=a.physician_id, cycle_id=a.cycle_id,
                                   paper_type=paper_type)
        attempt = await ExamAttempt.create(assessment_id=a.id, physician_id=a.physician_id, cycle_id=a.cycle_id,
                                           paper=paper, paper_type=paper_type, duration_minutes=60,
                                           window_end=exam_rules.now())
    out = []
    for similarity, decision, passed in checks:
        stored = None
        if images:
            clean = files.clean_image(image(), max_side=640, quality=82)
            stored = await files.store(clean, purpose="face_check", owner_physician_id=a.physician_id)
        out.append(await FaceCheck.create(attempt=attempt, physician_id=a.physician_id, moment="snapshot",
                                          passed=passed, decision=decision, reason=f"{decision}原因",
                                          faces=1, similarity=similarity,
                                          image_file_id=stored.id if stored else None))
    return out


@dataclass
class Scene:
    """Examinees in and out of every reviewer's scope, at 待参加测评 through the state machine."""

    client: httpx.AsyncClient
    w: World
    cycle: Cycle
    gz_cycle: Cycle
    drivers: dict[str, ExamDriver] = field(default_factory=dict)
    a: dict[str, Assessment] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    async def token(self, who: str) -> str:
        if who not in self.tokens:
            w = self.w
            org, role = {
                "hi": (w.hospital2, None), "hi_own": (w.hospital, None),
                "ai": (w.hospital, Role.ASSESSMENT_INSTITUTION), "industry": (w.industry, None),
                "qx": (w.qx_admin, None), "nn": (w.nn_admin, None), "lz": (w.lz_admin, None),
                "gx": (w.gx_admin, None), "gz": (w.gz_admin, None), "hi3": (w.hospital3, None),
            }[who]
            self.tokens[who] = await token_for(org, role)
        return self.tokens[who]

    async def get(self, who: str, path: str, **params: Any) -> httpx.Response:
        return await self.client.get(f"{P}{path}", headers=auth(await self.token(who)), params=params)

    async def post(self, who: str, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        return await self.client.post(f"{P}{path}", headers=auth(await self.token(who)), json=body or {})

    async def ids(self, who: str, **params: Any) -> list[int]:
        r = await self.get(who, "", size=100, **params)
        assert r.status_code == 200, r.text
        return [row["id"] for row in r.json()["data"]]


async def examinee(client: httpx.AsyncClient, w: World, cycle: Cycle, org: Organisation | None = None
                   ) -> tuple[ExamDriver, Assessment]:
    """A physician of `org` at 待参加测评 (w.hospital2 by default: assessed by w.hospital)."""
    if org is None or org.id == w.hospital2.id:
        d = await new_driver(client, w, cycle)
    else:
        d = await outside_driver(client, w, cycle, org)
    return d, await d.to_exams()


async def scene(client: httpx.AsyncClient) -> Scene:
    """in_hi2 (青秀, hospital2), in_hi2_b, xn (兴宁: not assigned to w.hospital), lz (柳州),
    gz (贵州) — each at 待参加测评 with face checks; `idle` (hospital2) never sat an exam."""
    w, cycle = await exam_world()
    gz_cycle = await open_cycle(w.gz)
    s = Scene(client, w, cycle, gz_cycle)
    plan = {"in_hi2": (w.hospital2, cycle), "in_hi2_b": (w.hospital2, cycle), "xn": (w.hospital3, cycle),
            "lz": (w.lz_hospital, cycle), "gz": (w.gz_hospital, gz_cycle), "idle": (w.hospital2, cycle)}
    for name, (org, cyc) in plan.items():
        s.drivers[name], s.a[name] = await examinee(client, w, cyc, org)
    await add_checks(s.a["in_hi2"], [(0.92, "passed", True), (0.55, "review", True), (None, "no_face", False),
                                     (0.71, "passed", True)])
    await add_checks(s.a["in_hi2_b"], [(0.30, "low_similarity", False), (0.88, "passed", True)])
    await add_checks(s.a["xn"], [(0.81, "passed", True), (None, "multiple_faces", False)])
    await add_checks(s.a["lz"], [(0.77, "passed", True), (None, "covered", False)])
    await add_checks(s.a["gz"], [(0.10, "low_similarity", False)])
    return s
