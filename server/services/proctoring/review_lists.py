"""监考管理 lists, photos and 违纪处理记录 (SPEC §6; seed manuals: administration 2.2.8, health
institution 2.2.9, assessment institution 2.2.7 — "建议先通过“最低相似度”进行筛选").

- **监考管理** (``list_examinees``): one row per examinee (assessment) of the current cycle(s) who
  has exam attempts, in the caller's scope (health institution: its physicians; assessment
  institution: the assigned institutions; administration: its region subtree —
  ``access.physician_scope_q`` on the Assessment's own columns). Each row: name, masked ID
  number, institution, papers, number of checks, lowest similarity (MIN over the checks),
  worst decision, failed/review checks, the 疑似作弊 mark and whether 处理 was done. Filters:
  ``max_similarity`` (最低相似度 ≤ x), ``decision``, ``suspected``, ``violation``,
  ``institution_id``, ``name``, ``id_number``, ``cycle_id``; sorted by lowest similarity,
  ascending by default (examinees without any similarity last). Efficient: one count, one
  grouped page query, then one query each for the page's details, check aggregates, attempts
  and marks (no query per row).
- **照片** (``examinee_detail``, ``check_image``, ``reference_photo``): the checks of one examinee
  and each stored image, served through an authorised endpoint only to reviewers in scope
  (never a public URL); a deleted image (retention) answers 404 ``image_deleted``.
- **违纪处理记录** (``list_violations``): 违纪不合格 examinees in scope with who processed them,
  when and why, and the link to the photos.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.expressions import Q, Subquery
from tortoise.functions import Coalesce, Count, Max, Min

from server.errors import NotFound, ValidationFailed
from server.models import (
    Assessment,
    Cycle,
    ExamAttempt,
    FaceCheck,
    FaceMoment,
    Organisation,
    ProctoringAction,
    ProctoringEvent,
    ProctoringMark,
    StoredFile,
)
from server.schemas.common import Choice, Labelled, Ref
from server.schemas.proctoring import (
    ExamineeActions,
    ExamineeDetail,
    ExamineePaper,
    ExamineePhysician,
    ExamineeRow,
    FaceCheckView,
    ProcessedBy,
    ViolationRow,
)
from server.security import mask_id_number, normalise_id_number
from server.services.access import Actor, Role, physician_scope_q
from server.services.assessment import flow, progress, transitions
from server.services.platform import files
from server.services.proctoring import cases

BASE = "/api/v1/admin/proctoring"
# decision -> (label, severity): the worst decision of an examinee is the most severe one
DECISIONS: dict[str, tuple[str, int]] = {
    "camera_covered": ("摄像头被遮挡", 6), "covered": ("摄像头被遮挡", 6),
    "multiple_faces": ("多人入镜", 5), "several_faces": ("多人入镜", 5),
    "low_similarity": ("相似度过低", 4), "review": ("待人工复核", 3), "no_face": ("未检测到人脸", 2),
    "invalid_image": ("图片无效", 1), "no_reference": ("无可用标准照", 1), "passed": ("核验通过", 0),
}
# a filter value and the stored decisions it matches (the placeholder verifier's names included)
DECISION_FILTERS: dict[str, tuple[str, ...]] = {
    "camera_covered": ("camera_covered", "covered"), "multiple_faces": ("multiple_faces", "several_faces"),
    "low_similarity": ("low_similarity",), "review": ("review",), "no_face": ("no_face",),
    "invalid_image": ("invalid_image",), "no_reference": ("no_reference",), "passed": ("passed",),
}
NO_SIMILARITY_ASC, NO_SIMILARITY_DESC = 2.0, -1.0  # sort keys of examinees without any similarity
SORTS = ("similarity", "-similarity", "id")
ROW_FIELDS = progress.STATE_FIELDS + ("violation", "fail_reason", "concluded_at", "physician__name",
                                      "physician__id_number", "institution__name")


def decision_out(value: str | None) -> Choice | None:
    if value is None:
        return None
    return Choice(value=value, label=DECISIONS.get(value, (value, 1))[0])


@dataclass
class ProctoringFilters:
    cycle_id: int | None = None
    max_similarity: float | None = None  # 最低相似度 ≤ x
    decision: str | None = None  # one or several, comma-separated: examinees with such a check
    suspected: bool | None = None
    violation: bool | None = None
    institution_id: int | None = None
    name: str | None = None
    id_number: str | None = None
    sort: str = "similarity"

    def check(self) -> None:
        if self.max_similarity is not None and not 0.0 <= self.max_similarity <= 1.0:
            raise ValidationFailed("最低相似度应在0到1之间", code="invalid_query")
        if self.sort not in SORTS:
            raise ValidationFailed("排序方式无效（similarity / -similarity / id）", code="invalid_query")
        self.decisions()

    def decisions(self) -> list[str]:
        wanted = [v.strip() for v in (self.decision or "").split(",") if v.strip()]
        if any(v not in DECISION_FILTERS for v in wanted):
            raise ValidationFailed("核验结果筛选值无效", code="invalid_query")
        return [d for v in wanted for d in DECISION_FILTERS[v]]


async def _cycle_ids(cycle_id: int | None) -> list[int]:
    """The cycle asked for, or every current cycle (the scope narrows the rows to one province)."""
    qs = Cycle.filter(id=cycle_id) if cycle_id is not None else Cycle.filter(is_current=True)
    return list(await qs.values_list("id", flat=True))


def _people_q(f: ProctoringFilters) -> Q:
    q = Q()
    if f.institution_id is not None:
        q &= Q(institution_id=f.institution_id)
    if f.name:
        q &= Q(physician__name__contains=f.name.strip())
    if f.id_number:
        q &= Q(physician__id_number=normalise_id_number(f.id_number))
    if f.violation is not None:
        q &= Q(violation=f.violation)
    return q


def _checks_q(f: ProctoringFilters) -> Q:
    q = Q()
    if f.max_similarity is not None:  # MIN(similarity) ≤ x ⇔ some check ≤ x
        q &= Q(id__in=Subquery(ExamAttempt.filter(face_checks__similarity__lte=f.max_similarity)
                               .values("assessment_id")))
    decisions = f.decisions()
    if decisions:
        q &= Q(id__in=Subquery(ExamAttempt.filter(face_checks__decision__in=decisions).values("assessment_id")))
    if f.suspected is not None:
        marked = Subquery(ProctoringMark.filter(suspected=True).values("assessment_id"))
        q &= Q(id__in=marked) if f.suspected else ~Q(id__in=marked)
    return q


async def list_examinees(*, actor: Actor, filters: ProctoringFilters, page_no: int, size: int
                         ) -> tuple[list[ExamineeRow], int]:
    """监考管理: the examinees in the caller's scope with their lowest similarity (see module doc)."""
    cases.ensure_reviewer(actor)
    filters.check()
    cycle_ids = await _cycle_ids(filters.cycle_id)
    sat = Subquery(ExamAttempt.filter(cycle_id__in=cycle_ids).values("assessment_id"))
    qs = (Assessment.filter(await physician_scope_q(actor), cycle_id__in=cycle_ids, id__in=sat)
          .filter(_people_q(filters)).filter(_checks_q(filters)))
    count = await qs.count()
    if filters.sort == "id":
        page = qs.order_by("id")
    else:
        desc = filters.sort.startswith("-")
        key = Coalesce(Min("attempts__face_checks__similarity"), NO_SIMILARITY_DESC if desc else NO_SIMILARITY_ASC)
        page = qs.annotate(sort_key=key).group_by("id").order_by("-sort_key" if desc else "sort_key", "id")
    ids = [r["id"] for r in await page.offset((page_no - 1) * size).limit(size).values("id")]
    return await rows_for(actor, ids), count


@dataclass
class _CheckStats:
    """One examinee's face checks, summed up."""

    checks: int = 0
    flagged_checks: int = 0
    lowest_similarity: float | None = None
    worst: str | None = None
    last_check_at: datetime | None = None


async def _check_stats(ids: list[int]) -> dict[int, _CheckStats]:
    """Per examinee: checks, lowest similarity, worst decision, failed / to-review checks (one query)."""
    rows = await (FaceCheck.filter(attempt__assessment_id__in=ids)
                  .annotate(n=Count("id"), low=Min("similarity"), last=Max("created_at"))
                  .group_by("attempt__assessment_id", "decision", "passed", "needs_review")
                  .values("attempt__assessment_id", "decision", "passed", "needs_review", "n", "low", "last"))
    out: dict[int, _CheckStats] = {}
    for r in rows:
        s = out.setdefault(r["attempt__assessment_id"], _CheckStats())
        s.checks += r["n"]
        if not r["passed"] or r["needs_review"] or r["decision"] == "review":
            s.flagged_checks += r["n"]
        if r["low"] is not None and (s.lowest_similarity is None or r["low"] < s.lowest_similarity):
            s.lowest_similarity = r["low"]
        if s.worst is None or DECISIONS.get(r["decision"], ("", 1))[1] > DECISIONS.get(s.worst, ("", 1))[1]:
            s.worst = r["decision"]
        if r["last"] is not None and (s.last_check_at is None or r["last"] > s.last_check_at):
            s.last_check_at = r["last"]
    return out


async def _papers(ids: list[int]) -> dict[int, list[ExamineePaper]]:
    rows = await ExamAttempt.filter(assessment_id__in=ids).order_by("id").values(
        "assessment_id", "paper_type", "purpose", "status")
    grouped: dict[int, dict[tuple[str, str], ExamineePaper]] = defaultdict(dict)
    for r in rows:
        key = (r["paper_type"].value, r["purpose"].value)
        entry = grouped[r["assessment_id"]].get(key)
        if entry is None:
            entry = grouped[r["assessment_id"]][key] = ExamineePaper(
                paper_type=Labelled.of(r["paper_type"]), purpose=Labelled.of(r["purpose"]), attempts=0)
        entry.attempts += 1
    return {k: list(v.values()) for k, v in grouped.items()}


def _actions(actor: Actor, a: Assessment, cycle: Cycle | None, suspected: bool) -> ExamineeActions:
    """The buttons of a row (already in scope): 标记 / 撤销 / 处理."""
    can_process = False
    if cycle is not None:
        ctx = transitions.make_ctx(a, cycle, actor, scope=True)
        can_process = flow.refusal(flow.BY_ACTION[cases.VIOLATION_ACTION], ctx) is None
    return ExamineeActions(mark=not suspected, unmark=suspected and actor.role == Role.ADMINISTRATION,
                           process=can_process)


async def rows_for(actor: Actor, ids: list[int]) -> list[ExamineeRow]:
    """The rows of these examinees (already known to be in scope), in the given order."""
    if not ids:
        return []
    details = {r["id"]: r for r in await Assessment.filter(id__in=ids).values(*ROW_FIELDS)}
    stats = await _check_stats(ids)
    papers = await _papers(ids)
    marks = {m.assessment_id: m for m in await ProctoringMark.filter(assessment_id__in=ids)}
    cycles = {c.id: c for c in await Cycle.filter(id__in=list({r["cycle_id"] for r in details.values()}))}
    org_ids = {i for m in marks.values() for i in (m.marked_by_org_id, m.unmarked_by_org_id) if i}
    orgs = dict(await Organisation.filter(id__in=list(org_ids)).values_list("id", "name")) if org_ids else {}
    out: list[ExamineeRow] = []
    for a_id in ids:
        r = details[a_id]
        s = stats.get(a_id) or _CheckStats()
        a = Assessment(**{k: r[k] for k in progress.STATE_FIELDS}, violation=r["violation"])
        mark = await cases.mark_view(marks.get(a_id), orgs)
        out.append(ExamineeRow(
            id=a_id, assessment_id=a_id, cycle_id=r["cycle_id"],
            physician=ExamineePhysician(id=r["physician_id"], name=r["physician__name"],
                                        id_number=mask_id_number(r["physician__id_number"])),
            institution=Ref.of(r["institution_id"], r["institution__name"]),
            status=Labelled.of(r["status"]), papers=papers.get(a_id, []),
            checks=s.checks, flagged_checks=s.flagged_checks,
            lowest_similarity=s.lowest_similarity, worst_decision=decision_out(s.worst),
            last_check_at=s.last_check_at,
            suspected=mark.suspected, mark=mark,
            violation=r["violation"], concluded_at=r["concluded_at"] if r["violation"] else None,
            actions=_actions(actor, a, cycles.get(r["cycle_id"]), mark.suspected),
            photos=f"{BASE}/{a_id}",
        ))
    return out


# --- 照片: one examinee's checks and images -----------------------------------------------------------


def _moment(value: Any) -> Choice:
    try:
        moment = FaceMoment(value)
    except ValueError:
        return Choice(value=str(value), label=str(value))
    return Choice(value=moment.value, label=moment.label)


async def examinee_detail(*, actor: Actor, assessment_id: int) -> ExamineeDetail:
    """照片: the examinee's row, every check (moment, time, decision, reason, similarity, faces,
    image link), the standard photo link, the mark and the proctoring history."""
    cases.ensure_reviewer(actor)
    a = await cases.assessment_in_scope(actor, assessment_id)
    rows = await rows_for(actor, [a.id])
    checks = await (FaceCheck.filter(attempt__assessment_id=a.id).order_by("created_at", "id")
                    .values("id", "attempt_id", "moment", "passed", "decision", "reason", "faces", "similarity",
                            "needs_review", "image_file_id", "created_at", "attempt__paper_type",
                            "attempt__purpose"))
    return ExamineeDetail(
        **dict(rows[0]),
        reference_photo=f"{BASE}/{a.id}/photo" if a.photo_file_id else None,
        face_checks=[FaceCheckView(
            id=c["id"], attempt_id=c["attempt_id"], paper_type=Labelled.of(c["attempt__paper_type"]),
            purpose=Labelled.of(c["attempt__purpose"]), moment=_moment(c["moment"]),
            at=c["created_at"], passed=c["passed"], decision=decision_out(c["decision"]),
            reason=c["reason"], similarity=c["similarity"], faces=c["faces"],
            needs_review=c["needs_review"],
            image=f"{BASE}/checks/{c['id']}/image" if c["image_file_id"] else None,
            image_deleted=c["image_file_id"] is None,
        ) for c in checks],
        history=await cases.history(a),
    )


async def _serve(file_id: Any, purpose: str) -> files.Download:
    f = await StoredFile.get_or_none(id=file_id, purpose=purpose)
    if f is None:
        raise NotFound("照片已按规定删除或不存在", code="image_deleted")
    return files.download(f, f"{purpose}.jpg", inline=True, headers=files.PRIVATE)


async def check_image(*, actor: Actor, check_id: int) -> files.Download:
    """One check's image, only for a reviewer in scope (404 unknown or deleted, 403 outside)."""
    cases.ensure_reviewer(actor)
    rows = await FaceCheck.filter(id=check_id).values("image_file_id", "attempt__assessment_id")
    if not rows:
        raise NotFound("核验记录不存在", code="check_not_found")
    await cases.assessment_in_scope(actor, rows[0]["attempt__assessment_id"])
    if rows[0]["image_file_id"] is None:
        raise NotFound("照片已按规定删除或不存在", code="image_deleted")
    return await _serve(rows[0]["image_file_id"], "face_check")


async def reference_photo(*, actor: Actor, assessment_id: int) -> files.Download:
    """The examinee's standard photo (照片上传), to compare with the checks."""
    cases.ensure_reviewer(actor)
    a = await cases.assessment_in_scope(actor, assessment_id)
    if a.photo_file_id is None:
        raise NotFound("尚未上传标准照片", code="no_photo")
    return await _serve(a.photo_file_id, "photo")


# --- 违纪处理记录 ------------------------------------------------------------------------------------


async def list_violations(*, actor: Actor, filters: ProctoringFilters, page_no: int, size: int
                          ) -> tuple[list[ViolationRow], int]:
    """违纪处理记录: the examinees processed as 违纪不合格 in scope, latest first, with who/when/why."""
    cases.ensure_reviewer(actor)
    filters.violation = True
    cycle_ids = await _cycle_ids(filters.cycle_id)
    qs = Assessment.filter(await physician_scope_q(actor), cycle_id__in=cycle_ids).filter(_people_q(filters))
    count = await qs.count()
    ids = [r["id"] for r in await qs.order_by("-concluded_at", "-id").offset((page_no - 1) * size).limit(size)
           .values("id")]
    rows = await rows_for(actor, ids)
    events = await ProctoringEvent.filter(assessment_id__in=ids, action=ProctoringAction.PROCESS).order_by("id")
    last = {e.assessment_id: e for e in events}
    org_ids = [e.org_id for e in last.values() if e.org_id]
    orgs = dict(await Organisation.filter(id__in=org_ids).values_list("id", "name")) if org_ids else {}
    out: list[ViolationRow] = []
    for row in rows:
        e = last.get(row.id)
        processed = None if e is None else ProcessedBy(
            org=Ref.of(e.org_id, orgs.get(e.org_id or 0)), role=cases.role_out(e.role),
            actor_id=e.actor_id, at=e.created_at, reason=e.reason)
        out.append(ViolationRow(**dict(row), processed=processed))
    return out, count
