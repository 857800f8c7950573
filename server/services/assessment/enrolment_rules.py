"""The enrolment content (SPEC §4 stage 1, seed manual 2.2.3) as pure functions: the drafts
merged over the registration data, what is still missing before 提交信息, and the hash of
what was submitted. No I/O.

The content is five steps keyed like ``Assessment.enrolment``; ``pending_changes`` (申请修改)
has the same shape with partial steps, so applying it is a per-step dict merge.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

from server.models import Physician
from server.schemas.enrolment import READ_ONLY, STEPS, field_label
from server.schemas.specialties import unknown_specialties

Content = dict[str, dict[str, Any]]

REQUIRED: dict[str, tuple[str, ...]] = {
    "basic": ("gender", "ethnicity", "birth_date", "id_type", "education", "email"),
    "practice": ("department_id", "specialties", "title", "is_resident", "employment"),
    "experience": ("education",),
    "self_assessment": ("practice_conduct", "work_performance", "ethics"),
    "procedure": ("procedure",),
}


def registry_defaults(physician: Physician) -> Content:
    """Editable fields pre-filled from the registration data (the physician may change them)."""
    return {
        "basic": {
            "gender": physician.gender if physician.gender in ("男", "女") else None,
            "birth_date": physician.birth_date.isoformat() if physician.birth_date else None,
            "id_type": "身份证" if len(physician.id_number or "") == 18 else None,
        },
        "practice": {"department_id": physician.department_id, "practice_scope": physician.practice_scope},
    }


def read_only_values(physician: Physician) -> Content:
    """The registry fields shown in the steps but never editable (姓名, 证件号码, ...)."""
    return {
        "basic": {"name": physician.name, "id_number": physician.id_number, "phone": physician.phone},
        "practice": {
            "qualification_cert_no": physician.qualification_cert_no,
            "practice_cert_no": physician.practice_cert_no,
        },
    }


def _over(base: dict[str, Any], top: dict[str, Any] | None) -> dict[str, Any]:
    out = dict(base)
    for key, value in (top or {}).items():
        if value is not None or key not in out:
            out[key] = value
    return out


def merged_content(physician: Physician, enrolment: Content | None, pending: Content | None = None) -> Content:
    """Registry defaults ← saved drafts ← pending edits (申请修改), step by step; editable fields only."""
    defaults = registry_defaults(physician)
    out: Content = {}
    for step in STEPS:
        value = _over(defaults.get(step, {}), (enrolment or {}).get(step))
        if pending and step in pending:
            value = {**value, **pending[step]}
        out[step] = value
    # 执业类别 / 医师级别: the physician's (corrected in 执业信息 while editable), never a stale draft
    out["practice"] = {**out["practice"], "category": physician.category.value, "level": physician.level.value}
    return out


def apply_pending(enrolment: Content, pending: Content) -> Content:
    """确认修改: the pending edits merged into the enrolment (the institution's confirm)."""
    return {**enrolment, **{step: {**enrolment.get(step, {}), **edits} for step, edits in pending.items()}}


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def missing_fields(content: Content, *, photo: bool, condition_count: int) -> list[dict[str, str]]:
    """What 提交信息 still needs: [{step, step_label, field, label}] (empty = complete)."""
    missing: list[dict[str, str]] = []

    def need(step: str, field: str, label: str | None = None) -> None:
        missing.append({"step": step, "step_label": STEPS[step], "field": field, "label": label or field_label(field)})

    if not photo:
        need("basic", "photo", "照片")
    for step, fields in REQUIRED.items():
        data = content.get(step) or {}
        for field in fields:
            if _empty(data.get(field)):
                need(step, field)
    practice = content.get("practice") or {}
    if practice.get("category") and unknown_specialties(practice["category"], practice.get("specialties")):
        need("practice", "specialties", "从事专业（与执业类别不符，请重新选择）")
    if practice.get("is_resident") is False and _empty(practice.get("practice_scope")):
        need("practice", "practice_scope")
    procedure = content.get("procedure") or {}
    if procedure.get("procedure") == "simple":
        if _empty(procedure.get("conditions")):
            need("procedure", "conditions")
        elif any(i >= condition_count for i in procedure["conditions"]):
            need("procedure", "conditions", "简易程序条件（已变更，请重新勾选）")
        if _empty(procedure.get("proof_ids")):
            need("procedure", "proof_ids")
        if _empty(procedure.get("report")):
            need("procedure", "report")
        if _empty((content.get("self_assessment") or {}).get("professional_level")):
            need("self_assessment", "professional_level")
    return missing


def missing_by_step(missing: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = {step: [] for step in STEPS}
    for m in missing:
        out[m["step"]].append(m)
    return out


def content_hash(content: Content, photo_file_id: Any) -> str:
    """What was submitted, as one digest: a re-submit after 驳回 without any change is refused."""
    blob = orjson.dumps({"content": content, "photo": str(photo_file_id or "")},
                        option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    return hashlib.sha256(blob).hexdigest()


def read_only_of(step: str) -> dict[str, str]:
    return READ_ONLY.get(step, {})
