"""What reviewers judge (SPEC §4 stages 1-3; issue #12 "reviewers see what they judge"): staff in
scope open every material a physician submitted for an assessment — the standard photo, the
简易程序 proofs and 免考 proofs, the 述职报告, the 自评 per item, the 简易程序 conditions and 免考
reasons as text. An assessment outside the caller's scope, or a file that is not one of that
assessment's materials, answers 404 (nothing tells whether it exists). Every opening of a file is
audited (who, when, which file, which assessment).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from server.errors import NotFound, OutOfJurisdiction
from server.models import Assessment, Cycle, ExemptionReason, Procedure, StoredFile
from server.schemas.common import Labelled
from server.schemas.materials import MaterialFile, Materials, SelfAssessmentItem
from server.services import audit
from server.services.access import Actor
from server.services.assessment import records
from server.services.platform import files

KIND_LABELS = {"photo": "标准照片", "procedure_proof": "简易程序证明材料", "exemption_proof": "免考证明材料"}
GROUP_LABELS = {"practice_conduct": "执业行为记录", "work_performance": "工作成绩", "ethics": "职业道德",
                "professional_level": "业务水平"}


async def _in_scope(actor: Actor, assessment_id: int) -> Assessment:
    try:
        return await records.get_in_scope(actor, assessment_id)
    except OutOfJurisdiction:
        raise NotFound("考核记录不存在", code="assessment_not_found") from None


def _uuids(values: Any) -> list[UUID]:
    out = []
    for v in values or []:
        try:
            out.append(UUID(str(v)))
        except ValueError:
            continue
    return out


def material_ids(a: Assessment) -> dict[UUID, str]:
    """The files of an assessment's materials, by kind (the photo first)."""
    ids: dict[UUID, str] = {}
    if a.photo_file_id:
        ids[UUID(str(a.photo_file_id))] = "photo"
    for fid in _uuids(((a.enrolment or {}).get("procedure") or {}).get("proof_ids")):
        ids.setdefault(fid, "procedure_proof")
    for fid in _uuids((a.exemption_data or {}).get("proof_ids")):
        ids.setdefault(fid, "exemption_proof")
    return ids


def _self_assessment(content: dict[str, Any], items: dict[str, list[str]] | None = None) -> list[SelfAssessmentItem]:
    """The 自评: the free texts, and the per-item entries against the province's 考核内容."""
    out = []
    for group, texts in (content.get("item_texts") or {}).items():
        names = list((items or {}).get(group) or [])
        for i, text in enumerate(texts or []):
            name = names[i] if i < len(names) else f"第{i + 1}项"
            out.append(SelfAssessmentItem(group=group, group_label=f"{GROUP_LABELS.get(group, group)}：{name}",
                                          text=str(text)))
    for group, label in GROUP_LABELS.items():
        value = content.get(group)
        items = value if isinstance(value, list) else [value] if value else []
        for item in items:
            text = item if isinstance(item, str) else (item or {}).get("text") or (item or {}).get("content") or str(item)
            out.append(SelfAssessmentItem(group=group, group_label=label, text=str(text)))
    return out


async def materials(*, actor: Actor, assessment_id: int) -> Materials:
    """The materials of one assessment in the caller's scope."""
    a = await _in_scope(actor, assessment_id)
    cycle = await Cycle.get(id=a.cycle_id)
    procedure_step = (a.enrolment or {}).get("procedure") or {}
    conditions = list(cycle.simple_conditions or [])
    chosen = [conditions[i] if isinstance(i, int) and 0 <= i < len(conditions) else f"条件{i}"
              for i in procedure_step.get("conditions") or []]
    reason_ids = [i for i in (a.exemption_data or {}).get("reason_ids") or [] if isinstance(i, int)]
    reasons = dict(await ExemptionReason.filter(id__in=reason_ids).values_list("id", "text")) if reason_ids else {}
    kinds = material_ids(a)
    stored = {f.id: f for f in await StoredFile.filter(id__in=list(kinds), owner_physician_id=a.physician_id)}
    procedure = a.procedure
    if procedure is None and procedure_step.get("procedure") in {p.value for p in Procedure}:
        procedure = Procedure(procedure_step["procedure"])  # chosen, not yet confirmed
    return Materials(
        assessment_id=a.id, procedure=Labelled.of(procedure),
        simple_conditions=[c if isinstance(c, str) else str((c or {}).get("text", c)) for c in chosen],
        report=str(procedure_step.get("report") or ""),
        self_assessment=_self_assessment((a.enrolment or {}).get("self_assessment") or {}, cycle.evaluation_items),
        exemption_reasons=[reasons[i] for i in reason_ids if i in reasons],
        files=[MaterialFile(id=f.id, kind=kind, kind_label=KIND_LABELS[kind], name=f.original_name or KIND_LABELS[kind],
                            content_type=f.content_type, size=f.size, created_at=f.created_at)
               for fid, kind in kinds.items() if (f := stored.get(fid)) is not None],
    )


async def open_material(*, actor: Actor, assessment_id: int, file_id: UUID) -> files.Download:
    """One material file to show inline (streamed from storage), audited."""
    a = await _in_scope(actor, assessment_id)
    kind = material_ids(a).get(file_id)
    stored = await StoredFile.get_or_none(id=file_id, owner_physician_id=a.physician_id) if kind else None
    if stored is None:
        raise NotFound("材料不存在", code="material_not_found")
    await audit.record(actor, "physician_file.view", "stored_file", str(stored.id),
                       after={"assessment_id": a.id, "physician_id": a.physician_id, "kind": kind})
    return files.download(stored, stored.original_name or KIND_LABELS[kind], inline=True, headers=files.PRIVATE)
