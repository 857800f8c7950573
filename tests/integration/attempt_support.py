"""Shared set-up of the exam-attempt tests: a current cycle with the first-round window open,
a physician waiting for the exams (assessment made directly in 待参加测评), question banks,
face images drawn with Pillow, and the mini-program calls of one attempt."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from PIL import Image, ImageDraw

from server.models import (
    Assessment,
    AssessmentStatus,
    Cycle,
    ExamAttempt,
    FaceConsent,
    Paper,
    PhysicianLevel,
    PracticeCategory,
    Procedure,
    Question,
)
from server.services.cycles.papers import to_letters
from server.services.exams import answer_saves, attempts, exam_rules
from tests.factories import World, auth, make_physician, make_world, physician_token
from tests.integration.exam_support import humanities_bank, professional_bank

MP = "/api/v1/mp"
DAY = timedelta(days=1)


def utcnow() -> datetime:
    return exam_rules.now()  # the time zone the exam code stores (SQLite compares the text)


@pytest.fixture(autouse=True)
def fresh_shape_cache() -> None:
    """Each test starts from empty tables whose ids start again at 1: forget cached shapes."""
    answer_saves._shapes.clear()


@dataclass
class Exam:
    w: World
    cycle: Cycle
    assessment: Assessment
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return auth(self.token)

    async def fresh(self) -> Assessment:
        return await Assessment.get(id=self.assessment.id)


async def exam_world(*, procedure: Procedure = Procedure.SIMPLE, level: PhysicianLevel = PhysicianLevel.PHYSICIAN,
                     consent: bool = True, status: AssessmentStatus = AssessmentStatus.AWAITING_EXAM,
                     settings: dict[str, Any] | None = None, w: World | None = None, n: int | None = None,
                     banks: bool = True, confirmed: bool = True, **windows: Any) -> Exam:
    """A physician in 待参加测评 with the 首轮考核 window open (override with ``windows``), who has
    made 确认考核信息 (``confirmed=False``: not yet)."""
    now = utcnow()
    if w is None:
        w = await make_world()
    cycle = await Cycle.filter(province_id=w.gx.id, is_current=True).first()
    if cycle is None:
        fields: dict[str, Any] = {"exam_start": now - DAY, "exam_end": now + 10 * DAY,
                                  "reexam_start": now + 40 * DAY, "reexam_end": now + 50 * DAY}
        fields.update(windows)
        cycle = await Cycle.create(province=w.gx, name="2024-2026周期", start_date=date(2024, 1, 1),
                                   end_date=date(2026, 12, 31), is_current=True, exam_settings=settings or {}, **fields)
    if banks:
        await humanities_bank()
        await professional_bank(PracticeCategory.CLINICAL)
    p = await make_physician(w.hospital, n=n, level=level, category=PracticeCategory.CLINICAL)
    a = await Assessment.create(physician=p, cycle=cycle, institution=w.hospital, region_path=w.hospital.region_path,
                                status=status, active=True, procedure=procedure,
                                exam_info_confirmed_at=now if confirmed else None)
    if consent:
        await FaceConsent.create(physician_id=p.id, cycle_id=cycle.id)
    return Exam(w, cycle, a, await physician_token(p))


# --- images --------------------------------------------------------------------------------------
def _jpeg(img: Image.Image) -> bytes:
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85)
    return out.getvalue()


def face_image() -> bytes:
    """A camera-like picture: a lit background, a face-coloured oval with eyes and a mouth."""
    img = Image.new("RGB", (320, 240), (120, 140, 160))
    d = ImageDraw.Draw(img)
    for y in range(240):
        d.line([(0, y), (320, y)], fill=(90 + y // 4, 110 + y // 5, 140))
    d.ellipse((110, 40, 210, 180), fill=(230, 190, 160))
    d.ellipse((135, 90, 150, 100), fill=(40, 30, 30))
    d.ellipse((170, 90, 185, 100), fill=(40, 30, 30))
    d.arc((140, 120, 180, 150), 20, 160, fill=(150, 60, 60), width=3)
    return _jpeg(img)


def black_image() -> bytes:
    return _jpeg(Image.new("RGB", (320, 240), (3, 3, 3)))


# --- calls ---------------------------------------------------------------------------------------
async def face_check(client: Any, e: Exam, attempt_id: int, moment: str, image: bytes | None = None,
                     headers: dict[str, str] | None = None) -> Any:
    return await client.post(f"{MP}/attempts/{attempt_id}/face-check", headers=headers or e.headers,
                             data={"moment": moment},
                             files={"image": ("face.jpg", image if image is not None else face_image(), "image/jpeg")})


async def start(client: Any, e: Exam, paper: str = "humanities", headers: dict[str, str] | None = None) -> Any:
    return await client.post(f"{MP}/exams/{paper}/start", headers=headers or e.headers)


async def begin(client: Any, e: Exam, paper: str = "humanities") -> dict[str, Any]:
    """进入 and pass the start check: the running attempt's view."""
    r = await start(client, e, paper)
    assert r.status_code == 200, r.text
    r = await face_check(client, e, r.json()["id"], "start")
    assert r.status_code == 200 and r.json()["check"]["passed"], r.text
    return r.json()["attempt"]


async def save(client: Any, e: Exam, attempt_id: int, position: int, answer: list[str], seq: int,
               headers: dict[str, str] | None = None) -> Any:
    return await client.put(f"{MP}/attempts/{attempt_id}/answers/{position}", headers=headers or e.headers,
                            json={"answer": answer, "seq": seq})


async def submit(client: Any, e: Exam, attempt_id: int, *, check: bool = True) -> Any:
    """交卷 as the app does it: the checks the server asks for (the mid check brought forward when
    its moment has not come, then the submit check), then the submission."""
    if not check:
        return await client.post(f"{MP}/attempts/{attempt_id}/submit", headers=e.headers)
    for _ in range(6):
        r = await client.post(f"{MP}/attempts/{attempt_id}/submit", headers=e.headers)
        if r.status_code != 409 or r.json().get("code") != "face_check_required":
            return r
        moment = r.json()["details"]["moment"]
        c = await face_check(client, e, attempt_id, moment)
        assert c.status_code == 200 and c.json()["check"]["passed"], c.text
    return r


async def key_of(attempt_id: int) -> list[list[str]]:
    """The right display letters per position (read on the server side, for tests only)."""
    attempt = await ExamAttempt.get(id=attempt_id)
    paper = await Paper.get(id=attempt.paper_id)
    questions = {q.id: q for q in await Question.filter(id__in=paper.question_ids)}
    return [to_letters(order, questions[qid].answer) for qid, order in zip(paper.question_ids, paper.option_orders,
                                                                            strict=True)]


def wrong(right: list[str], shape: str) -> list[str]:
    """A wrong answer of the same kind."""
    count = int(shape[1:])
    return [next(x for x in "ABCDEFGH"[:count] if x not in right)]


async def answer_share(client: Any, e: Exam, attempt_id: int, share: float) -> int:
    """Answer the first ``share`` of the questions right and the rest wrong (batch); the number right."""
    key = await key_of(attempt_id)
    shape = (await ExamAttempt.get(id=attempt_id)).shape
    right = round(len(key) * share)
    items = [{"position": i + 1, "answer": key[i] if i < right else wrong(key[i], shape[i]), "seq": 1}
             for i in range(len(key))]
    r = await client.put(f"{MP}/attempts/{attempt_id}/answers", headers=e.headers, json={"answers": items})
    assert r.status_code == 200, r.text
    return right


async def take(client: Any, e: Exam, paper: str, share: float) -> dict[str, Any]:
    """A whole attempt: begin, answer ``share`` right, submit; the submitted view."""
    attempt = await begin(client, e, paper)
    await answer_share(client, e, attempt["id"], share)
    r = await submit(client, e, attempt["id"])
    assert r.status_code == 200, r.text
    return r.json()


async def expire(attempt_id: int, seconds: int = 5) -> None:
    """Move the attempt's clock so that its deadline passed ``seconds`` ago."""
    attempt = await ExamAttempt.get(id=attempt_id)
    shift = (attempt.deadline - utcnow()) + timedelta(seconds=seconds)
    await ExamAttempt.filter(id=attempt_id).update(started_at=attempt.started_at - shift,
                                                   deadline=attempt.deadline - shift)


def walk_keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in walk_keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in walk_keys(v)}
    return set()


SECRET_KEYS = {"answer", "answers", "explanation", "key", "keys", "question_id", "question_ids", "option_orders",
               "correct", "mid_moments", "mid_check_due_at", "shape"}


async def stored_answers(attempt_id: int) -> dict[str, dict[str, Any]]:
    """The answers stored for an attempt (``exam_answer`` rows), keyed like the API ("1"…)."""
    return {str(k): v for k, v in (await attempts.answers_of(attempt_id)).items()}
