"""Shared set-up of the mini-program assessment tests: a current cycle with open windows, a
physician included by their institution (through the state machine), sessions, images."""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from PIL import Image

from server.models import (
    DEFAULT_SIMPLE_CONDITIONS,
    Assessment,
    AssessmentEvent,
    Cycle,
    Department,
    Organisation,
    Physician,
    StaffAccount,
)
from server.services.access import Actor, Role
from server.services.assessment import transitions
from tests.factories import World, auth, make_physician, make_world, physician_token

API = "/api/v1/mp"
DAY = timedelta(days=1)


@dataclass
class Setup:
    w: World
    cycle: Cycle
    dept: Department
    physician: Physician
    assessment: Assessment
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return auth(self.token)


async def staff_actor(org: Organisation, role: Role = Role.HEALTH_INSTITUTION) -> Actor:
    account = await StaffAccount.get(org_id=org.id)
    return Actor(kind="staff", role=role, token="", account_id=account.id, org_id=org.id,
                 region_path=org.region_path)


async def make_open_cycle(w: World, **overrides: Any) -> Cycle:
    now = transitions.utcnow()
    fields: dict[str, Any] = {
        "enrol_start": now - DAY, "enrol_end": now + DAY,
        "evaluation_start": now - DAY, "evaluation_end": now + 2 * DAY,
        "exam_start": now + 3 * DAY, "exam_end": now + 10 * DAY,
        "delay_deadline": now + 2 * DAY,
        "simple_conditions": list(DEFAULT_SIMPLE_CONDITIONS),
    }
    fields.update(overrides)
    return await Cycle.create(province=w.gx, name="2024-2026周期", start_date=date(2024, 1, 1),
                              end_date=date(2026, 12, 31), is_current=True, **fields)


async def move(a: Assessment | int, action: str, org: Organisation, role: Role = Role.HEALTH_INSTITUTION,
               *, reason: str = "", apply: Any = None) -> Assessment:
    """A staff move through the state machine (what the console's endpoints will do)."""
    assessment_id = a if isinstance(a, int) else a.id
    outcome = await transitions.transition(actor=await staff_actor(org, role), assessment_id=assessment_id,
                                        action=action, reason=reason, apply=apply)
    return outcome.assessment


async def setup(*, include: bool = True, **cycle_overrides: Any) -> Setup:
    w = await make_world()
    cycle = await make_open_cycle(w, **cycle_overrides)
    dept = await Department.create(org=w.hospital, name="心内科")
    p = await make_physician(w.hospital, department=dept, phone="13800138000", phone_verified=True, gender="女",
                             birth_date=date(1985, 6, 1), qualification_cert_no="Q450103198506010021",
                             practice_cert_no="P110450000123456", practice_scope="内科专业")
    a = await transitions.ensure_assessment(physician=p, cycle=cycle)
    if include:
        a = await move(a, "include", w.hospital)
    return Setup(w, cycle, dept, p, a, await physician_token(p))


async def state(assessment_id: int) -> tuple[Any, ...]:
    """Everything a refused request must leave as it was."""
    a = await Assessment.get(id=assessment_id)
    events = await AssessmentEvent.filter(assessment_id=assessment_id).count()
    return (a.version, a.status, a.modification, a.exemption, a.delay, a.procedure, a.enrolment,
            a.pending_changes, a.exemption_data, a.delay_reason, a.photo_file_id, events)


# --- images --------------------------------------------------------------------------------
def jpeg(width: int = 295, height: int = 413, *, exif: bool = False) -> bytes:
    img = Image.new("RGB", (width, height), (250, 250, 250))
    out = io.BytesIO()
    if exif:
        info = Image.Exif()
        info[0x010F] = "SecretCamMaker"  # Make
        info[0x013B] = "SecretArtist"  # Artist
        img.save(out, "JPEG", exif=info.tobytes())
    else:
        img.save(out, "JPEG")
    return out.getvalue()


def png(width: int = 295, height: int = 413) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (255, 255, 255)).save(out, "PNG")
    return out.getvalue()


def png_bomb(width: int = 50000, height: int = 50000) -> bytes:
    """A tiny PNG whose header claims a huge picture (a decompression bomb)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
            + chunk(b"IEND", b""))


def pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


# --- a complete enrolment --------------------------------------------------------------------
def steps(s: Setup, *, simple: bool = False, proof_ids: list[str] | None = None, report: str = "本人述职报告。"
          ) -> dict[str, dict[str, Any]]:
    procedure: dict[str, Any] = {"procedure": "general"}
    if simple:
        procedure = {"procedure": "simple", "conditions": [0, 1], "proof_ids": proof_ids or [], "report": report}
    return {
        "basic": {"gender": "女", "ethnicity": "汉族", "birth_date": "1985-06-01", "id_type": "身份证",
                  "education": "本科", "email": "doctor@example.com"},
        "practice": {"department_id": s.dept.id, "specialties": ["心血管内科专业"], "title": "中级（主治）",
                     "title_date": "2015-01-01", "is_resident": False, "practice_scope": "内科专业",
                     "employment": "在职"},
        "experience": {"education": [{"school": "广西医科大学", "major": "临床医学", "education": "本科",
                                      "start_date": "2003-09-01", "end_date": "2008-07-01"}],
                       "multi_site": [], "practice_history": []},
        "self_assessment": {"practice_conduct": "本周期无不良执业行为记录。", "work_performance": "按时完成岗位工作任务。", "ethics": "遵守医德规范。",
                            "professional_level": "熟练掌握本专业知识。"},
        "procedure": procedure,
    }


async def upload_photo(client: Any, s: Setup, data: bytes | None = None, name: str = "photo.jpg") -> Any:
    return await client.post(f"{API}/enrolment/photo", headers=s.headers,
                             files={"file": (name, data if data is not None else jpeg(), "image/jpeg")})


async def upload_proof(client: Any, s: Setup, data: bytes | None = None, name: str = "proof.pdf") -> Any:
    return await client.post(f"{API}/uploads", headers=s.headers,
                             files={"file": (name, data if data is not None else pdf(), "application/pdf")})


async def fill_enrolment(client: Any, s: Setup, *, simple: bool = False, photo: bool = True) -> None:
    proof_ids: list[str] = []
    if simple:
        r = await upload_proof(client, s)
        assert r.status_code == 201, r.text
        proof_ids = [r.json()["data"][0]["id"]]
    for step, body in steps(s, simple=simple, proof_ids=proof_ids).items():
        r = await client.put(f"{API}/enrolment/{step}", headers=s.headers, json=body)
        assert r.status_code == 200, (step, r.text)
    if photo:
        r = await upload_photo(client, s)
        assert r.status_code == 201, r.text


async def enrolled(client: Any, s: Setup, *, simple: bool = False) -> Assessment:
    """Filled, submitted, 上报 by the institution, confirmed by the assessment institution."""
    await fill_enrolment(client, s, simple=simple)
    r = await client.post(f"{API}/enrolment/submit", headers=s.headers)
    assert r.status_code == 200, r.text
    await move(s.assessment, "hi_approve_enrolment", s.w.hospital)
    return await move(s.assessment, "ai_confirm_enrolment", s.w.hospital, Role.ASSESSMENT_INSTITUTION)


def actions(body: dict[str, Any]) -> set[str]:
    return {a["action"] for a in body["actions"]}
