"""考核进度 and the review queues (SPEC §8, §4; seed manuals: administration 2.2.10,
assessment institution 2.2.3-2.2.6, health institution 2.2.5-2.2.8).

Lists are scoped as a query with the same rules as ``transitions.in_scope``: a health
institution sees its own assessments (``institution_id``), an assessment institution those
of the institutions assigned to it, an administration those in its region subtree
(``region_path`` prefix). ``access.physician_scope_q`` builds exactly that filter, and the
Assessment row carries the same two columns, so it is used on Assessment directly.

Efficient at 300,000 rows per province: one count and one page query (the physician,
department and institution joined in), the cycles fetched once; each row's actions come
from ``transitions.actions_for`` on the already-fetched row with the prefetched cycle (no
query per row). ID and phone numbers are masked in every list.

A review queue (``queue=``) is the set of rows a group of moves may start from, taken from
the state-machine table itself (source statuses and required main status), and only for
the role that makes those moves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tortoise.expressions import Q, Subquery

from server.errors import Forbidden, ValidationFailed
from server.models import (
    Assessment,
    AssessmentStatus,
    Cycle,
    DelayStatus,
    ExemptionStatus,
    ModificationStatus,
    Physician,
    PhysicianLevel,
    PracticeCategory,
    Procedure,
    RegistryStatus,
)
from server.models.geo import province_id_of_path
from server.schemas.assessments import (
    AssessmentSummary,
    AvailableAction,
    CyclePhysicianPage,
    CyclePhysicianRow,
    ProgressPhysician,
    ProgressRow,
    ReviewQueue,
)
from server.schemas.common import Labelled, Ref
from server.security import mask_id_number, mask_phone, normalise_id_number
from server.services.access import Actor, Role, physician_scope_q
from server.services.assessment import flow, transitions

S = AssessmentStatus


# Dict helpers kept for the callers outside this package that still build dicts
# (services/proctoring); this package builds `Labelled.of` / `Ref.of`.
def choice(value: Any) -> dict[str, str] | None:
    return {"value": value.value, "label": value.label} if value is not None else None


def ref(obj_id: int | None, name: str | None) -> dict[str, int | str | None] | None:
    return {"id": obj_id, "name": name} if obj_id is not None else None


# --- review queues: the rows a group of moves may start from ----------------------------------


@dataclass(frozen=True)
class Queue:
    label: str
    actions: tuple[str, ...]

    @property
    def transitions(self) -> list[flow.Transition]:
        return [flow.BY_ACTION[a] for a in self.actions]

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset.intersection(*(t.roles for t in self.transitions))

    def q(self) -> Q:
        t0 = self.transitions[0]
        sources = {s for t in self.transitions for s in t.source}
        q = Q(**{f"{flow.FLOW_FIELD_NAMES[t0.flow]}__in": sorted(s.value for s in sources)})
        if t0.main_in is not None:
            q &= Q(status__in=sorted(s.value for s in t0.main_in))
        return q


QUEUES: dict[str, Queue] = {
    # 卫生机构
    "enrolment_report": Queue("上报考核名单", ("hi_approve_enrolment", "hi_reject_enrolment")),
    "modification": Queue("医师信息修改", ("hi_allow_modification", "hi_refuse_modification",
                                       "hi_confirm_modification", "hi_return_modification")),
    "evaluation": Queue("评定工作成绩、职业道德", ("hi_submit_evaluation", "hi_reject_procedure")),
    "exemption_audit": Queue("审核免考申请", ("hi_submit_exemption", "hi_return_exemption", "hi_refuse_exemption")),
    "delay_audit": Queue("延期考核审批（卫生机构）", ("hi_approve_delay", "hi_reject_delay")),
    # 考核机构
    "enrolment_confirm": Queue("确认考核医师名单", ("ai_confirm_enrolment", "ai_reject_enrolment")),
    "review": Queue("复核工作成绩、职业道德", ("ai_submit_review", "ai_reject_review")),
    "exemption_review": Queue("复核免考申请", ("ai_approve_exemption", "ai_return_exemption",
                                           "ai_refuse_exemption")),
    "results": Queue("成绩评定", ("ai_confirm_results",)),
    "appeal_review": Queue("复核申请", ("ai_uphold_result",)),
    # 卫生行政部门
    "delay_approval": Queue("延期考核审批（卫生行政部门）", ("admin_approve_delay", "admin_reject_delay")),
    "reexam_list": Queue("确认再次考核名单", ("admin_confirm_reexam",)),
    "reexam_judging": Queue("评定再次考核", ("admin_judge_reexam",)),
}


def queues_for(actor: Actor) -> list[ReviewQueue]:
    """The review queues (menus) of the caller's role."""
    return [ReviewQueue(queue=name, label=q.label) for name, q in QUEUES.items() if actor.role in q.roles]


# --- filters ------------------------------------------------------------------------------------


@dataclass
class ProgressFilters:
    queue: str | None = None
    cycle_id: int | None = None
    status: str | None = None  # one value or several, comma-separated
    modification: str | None = None
    exemption: str | None = None
    delay: str | None = None
    procedure: str | None = None
    institution_id: int | None = None
    department_id: int | None = None
    category: str | None = None
    level: str | None = None
    name: str | None = None
    id_number: str | None = None
    practice_cert_no: str | None = None
    qualification_cert_no: str | None = None
    phone: str | None = None


def enum_values(enum: Any, raw: str | None, what: str) -> list[Any]:
    """`raw` as a list of `enum` members (comma-separated allowed); 422 on an unknown value."""
    if not raw:
        return []
    try:
        return [enum(v.strip()) for v in raw.split(",") if v.strip()]
    except ValueError:
        raise ValidationFailed(f"{what}无效", code="invalid_query") from None


def physician_q(f: ProgressFilters, prefix: str = "") -> Q:
    """Filters on the physician's fields: department, category, level and every identifying field."""
    q = Q()
    if f.department_id is not None:
        q &= Q(**{f"{prefix}department_id": f.department_id})
    for field, enum, raw, what in (("category", PracticeCategory, f.category, "执业类别"),
                                   ("level", PhysicianLevel, f.level, "执业级别")):
        values = enum_values(enum, raw, what)
        if values:
            q &= Q(**{f"{prefix}{field}__in": [v.value for v in values]})
    if f.name and f.name.strip():
        q &= Q(**{f"{prefix}name__contains": f.name.strip()})
    if f.id_number and f.id_number.strip():
        q &= Q(**{f"{prefix}id_number": normalise_id_number(f.id_number)})
    for field, raw in (("practice_cert_no", f.practice_cert_no), ("qualification_cert_no", f.qualification_cert_no),
                       ("phone", f.phone)):
        if raw and raw.strip():
            q &= Q(**{f"{prefix}{field}": raw.strip()})
    return q


def assessment_q(f: ProgressFilters) -> Q:
    q = Q()
    for field, enum, raw, what in (("status", AssessmentStatus, f.status, "考核状态"),
                                   ("modification", ModificationStatus, f.modification, "修改状态"),
                                   ("exemption", ExemptionStatus, f.exemption, "免考状态"),
                                   ("delay", DelayStatus, f.delay, "延期状态"),
                                   ("procedure", Procedure, f.procedure, "考核程序")):
        values = enum_values(enum, raw, what)
        if values:
            q &= Q(**{f"{field}__in": [v.value for v in values]})
    if f.institution_id is not None:
        q &= Q(institution_id=f.institution_id)
    return q & physician_q(f, "physician__")


# --- rows -----------------------------------------------------------------------------------------

ROW_FIELDS = (
    "id", "cycle_id", "physician_id", "institution_id", "region_path", "status", "modification", "exemption",
    "delay", "procedure", "work_result", "ethics_result", "last_reason", "version", "updated_at",
    "institution__name", "physician__name", "physician__id_number", "physician__phone", "physician__gender",
    "physician__level", "physician__category", "physician__practice_cert_no", "physician__department_id",
    "physician__department__name",
)
STATE_FIELDS = ("id", "cycle_id", "physician_id", "institution_id", "region_path", "status", "modification",
                "exemption", "delay", "procedure", "version")


def as_assessment(r: dict[str, Any]) -> Assessment:
    """An in-memory Assessment built from a fetched row: what ``actions_for`` needs, no query."""
    return Assessment(**{k: r[k] for k in STATE_FIELDS if k in r})


def actions_out(actions: list[dict[str, object]]) -> list[AvailableAction]:
    """The buttons of ``transitions.actions_for`` (flow.py's plain dicts) as models."""
    return [AvailableAction.model_validate(x) for x in actions]


def _row_view(r: dict[str, Any], actions: list[dict[str, object]]) -> ProgressRow:
    return ProgressRow(
        id=r["id"], cycle_id=r["cycle_id"],
        physician=ProgressPhysician(
            id=r["physician_id"], name=r["physician__name"],
            id_number=mask_id_number(r["physician__id_number"]), phone=mask_phone(r["physician__phone"]),
            gender=r["physician__gender"], level=Labelled.of(r["physician__level"]),
            category=Labelled.of(r["physician__category"]), practice_cert_no=r["physician__practice_cert_no"],
            department=Ref.of(r["physician__department_id"], r["physician__department__name"]),
        ),
        institution=Ref.of(r["institution_id"], r["institution__name"]),
        status=Labelled.of(r["status"]), modification=Labelled.of(r["modification"]),
        exemption=Labelled.of(r["exemption"]), delay=Labelled.of(r["delay"]), procedure=Labelled.of(r["procedure"]),
        work_result=Labelled.of(r["work_result"]), ethics_result=Labelled.of(r["ethics_result"]),
        last_reason=r["last_reason"], version=r["version"], updated_at=r["updated_at"],
        actions=actions_out(actions),
    )


async def _cycles(f: ProgressFilters) -> dict[int, Cycle]:
    """The cycle asked for, or every current cycle (one per province; the scope narrows the rows)."""
    if f.cycle_id is not None:
        return {c.id: c for c in await Cycle.filter(id=f.cycle_id)}
    return {c.id: c for c in await Cycle.filter(is_current=True)}


def _queue(actor: Actor, name: str | None) -> Queue | None:
    if not name:
        return None
    queue = QUEUES.get(name)
    if queue is None:
        raise ValidationFailed("待办列表不存在", code="invalid_query")
    if actor.role not in queue.roles:
        raise Forbidden("当前身份无权查看该列表", code="wrong_role")
    return queue


async def list_assessments(*, actor: Actor, filters: ProgressFilters, page_no: int, size: int
                           ) -> tuple[list[ProgressRow], int]:
    """考核进度 (and, with ``queue``, a review queue): the assessments in the caller's scope."""
    queue = _queue(actor, filters.queue)
    cycles = await _cycles(filters)
    qs = Assessment.filter(await physician_scope_q(actor), cycle_id__in=list(cycles)).filter(assessment_q(filters))
    if queue is not None:
        qs = qs.filter(queue.q())
    count = await qs.count()
    rows = await qs.order_by("id").offset((page_no - 1) * size).limit(size).values(*ROW_FIELDS)
    out = []
    for r in rows:
        actions = await transitions.actions_for(actor, as_assessment(r), cycles[r["cycle_id"]])
        out.append(_row_view(r, actions))
    return out, count


async def summary_of(actor: Actor, a: Assessment, cycle: Cycle | None = None) -> AssessmentSummary:
    """The state of one assessment after a move, with the caller's next actions."""
    return AssessmentSummary(
        id=a.id, physician_id=a.physician_id, cycle_id=a.cycle_id, status=Labelled.of(a.status),
        modification=Labelled.of(a.modification), exemption=Labelled.of(a.exemption), delay=Labelled.of(a.delay),
        procedure=Labelled.of(a.procedure), last_reason=a.last_reason, version=a.version,
        actions=actions_out(await transitions.actions_for(actor, a, cycle)),
    )


# --- 医师信息列表 (health institution): the institution's physicians and their cycle status ------


PHYSICIAN_FIELDS = ("id", "name", "id_number", "phone", "gender", "level", "category", "practice_cert_no",
                    "institution_id", "region_path", "department_id", "department__name")


async def _own_current_cycle(actor: Actor) -> Cycle | None:
    pid = province_id_of_path(actor.region_path)
    return await Cycle.filter(province_id=pid, is_current=True).order_by("-id").first() if pid else None


def _status_q(cycle: Cycle, statuses: list[AssessmentStatus]) -> Q:
    """Physicians whose assessment in `cycle` has one of `statuses` (未开通报名: no row, too)."""
    taking_part = Assessment.filter(cycle_id=cycle.id).exclude(status=S.NOT_INCLUDED)
    wanted = [s.value for s in statuses if s != S.NOT_INCLUDED]
    q = Q(id__in=Subquery(Assessment.filter(cycle_id=cycle.id, status__in=wanted).values("physician_id"))) \
        if wanted else Q(id__in=[])
    if S.NOT_INCLUDED in statuses:
        q |= ~Q(id__in=Subquery(taking_part.values("physician_id")))
    return q


async def list_cycle_physicians(*, actor: Actor, filters: ProgressFilters, page_no: int, size: int
                                ) -> CyclePhysicianPage:
    """医师信息列表 (seed 2.2.5(1)): the institution's physicians (not in the holding area) with
    their status in the current cycle and the 参加考核 / 取消参加考核 buttons."""
    if actor.role != Role.HEALTH_INSTITUTION:
        raise Forbidden("当前身份无权查看该列表", code="wrong_role")
    cycle = await _own_current_cycle(actor)
    qs = Physician.filter(institution_id=actor.org_id, registry_status=RegistryStatus.ACTIVE)
    qs = qs.filter(physician_q(filters))
    statuses = enum_values(AssessmentStatus, filters.status, "考核状态")
    if statuses and cycle is not None:
        qs = qs.filter(_status_q(cycle, statuses))
    elif statuses and S.NOT_INCLUDED not in statuses:
        qs = qs.filter(id__in=[])
    count = await qs.count()
    rows = await qs.order_by("id").offset((page_no - 1) * size).limit(size).values(*PHYSICIAN_FIELDS)
    found: dict[int, Assessment] = {}
    if cycle is not None and rows:
        found = {a.physician_id: a for a in await Assessment.filter(cycle_id=cycle.id,
                                                                     physician_id__in=[r["id"] for r in rows])}
    out = []
    for r in rows:
        a = found.get(r["id"])
        if a is None and cycle is not None:  # not yet included: the row 参加考核 would create
            a = Assessment(physician_id=r["id"], cycle_id=cycle.id, institution_id=r["institution_id"],
                           region_path=r["region_path"], status=S.NOT_INCLUDED)
        out.append(CyclePhysicianRow(
            id=r["id"], name=r["name"], id_number=mask_id_number(r["id_number"]),
            phone=mask_phone(r["phone"]), gender=r["gender"], level=Labelled.of(r["level"]),
            category=Labelled.of(r["category"]), practice_cert_no=r["practice_cert_no"],
            department=Ref.of(r["department_id"], r["department__name"]),
            assessment_id=a.id if a is not None else None,
            status=Labelled.of(a.status if a is not None else S.NOT_INCLUDED),
            in_cycle=bool(a is not None and a.status not in (S.NOT_INCLUDED, S.LEFT)),
            actions=actions_out(await transitions.actions_for(actor, a, cycle)) if a is not None and cycle else [],
        ))
    return CyclePhysicianPage(cycle=Ref.of(cycle.id, cycle.name) if cycle else None, data=out, count=count,
                              page=page_no, size=size)
