"""监考管理: 标记疑似作弊, 撤销, 处理 (SPEC §6; seed manuals: administration 2.2.8 考核过程监管,
health institution 2.2.9 and assessment institution 2.2.7 监考管理; Guangxi schedule 其他注意事项).

- **标记疑似作弊** (blue → red): any reviewer (health institution, assessment institution,
  administration) for an examinee in its scope (``transitions.in_scope``). 标记作弊不代表不合格: it is
  only a flag. Marking a marked examinee again changes nothing (200, ``changed: false``). A mark
  by an institution alerts the nearest administration (公众号模板消息 ``proctoring_alert``).
- **撤销**: administrations only (others 403 ``wrong_role``), within their jurisdiction — a county
  or city its region subtree, the province the whole province (403 ``out_of_jurisdiction``).
- **处理** → 违纪不合格: the state machine's ``admin_mark_violation`` (administrations, from the
  exam stage on, reason required, refused once a violation) run by ``transitions.transition`` with
  ``violation_hook``: ``violation``, ``fail_reason = "violation"``, ``concluded_at``; the
  physician gets an inbox message (notices.PHYSICIAN_MESSAGES). A violation never goes on the
  re-exam list (guard ``_no_violation``). The same hook runs when 处理 is made through the generic
  action endpoint (services/reviews.py).

Every mark, unmark and 处理 writes a ``ProctoringEvent`` (who, organisation, role, when, why) and
an audit row in the same transaction. The Guangxi review rules (several people without
communication → pass; communicating, covering the camera → fail; cheating → fail for the cycle
and published) are the reviewers' judgement: the system gives them the photos and the decisions.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tortoise.transactions import in_transaction

from server.errors import Conflict, Forbidden, NotFound, OutOfJurisdiction, ValidationFailed
from server.models import (
    Assessment,
    ExamAttempt,
    Organisation,
    OrgKind,
    ProctoringAction,
    ProctoringEvent,
    ProctoringMark,
)
from server.schemas.common import Choice, Labelled, Ref
from server.schemas.proctoring import (
    MarkedBy,
    MarkResult,
    MarkState,
    ProctoringEventView,
    UnmarkedBy,
    ViolationProcessed,
)
from server.services import audit
from server.services.access import Actor, Role
from server.services.assessment import progress, transitions
from server.services.notify import notices

REVIEWERS = frozenset({Role.HEALTH_INSTITUTION, Role.ASSESSMENT_INSTITUTION, Role.ADMINISTRATION})
VIOLATION_ACTION = "admin_mark_violation"
MAX_NOTE = 255
MAX_REASON = 500


def utcnow() -> datetime:
    return datetime.now(UTC)


def ensure_reviewer(actor: Actor) -> None:
    if actor.role not in REVIEWERS:
        raise Forbidden("当前身份无权进行监考管理", code="wrong_role")


async def assessment_in_scope(actor: Actor, assessment_id: int, *, conn: Any = None,
                              lock: bool = False) -> Assessment:
    """The examinee's assessment, if the caller may see it (404 unknown, 403 outside)."""
    qs = Assessment.filter(id=assessment_id)
    if lock:
        qs = qs.select_for_update()
    a = await (qs.using_db(conn) if conn is not None else qs).first()
    if a is None:
        raise NotFound("考核记录不存在", code="assessment_not_found")
    if not await transitions.in_scope(actor, a):
        raise OutOfJurisdiction("该考生不在本机构管辖范围内")
    return a


def _who(actor: Actor) -> dict[str, Any]:  # kwargs of ProctoringEvent.create
    return {"actor_type": actor.kind, "actor_id": actor.account_id or actor.physician_id, "org_id": actor.org_id,
            "role": actor.role.value}


async def _event(conn: Any, a: Assessment, actor: Actor, action: ProctoringAction, *, reason: str = "",
                 data: dict[str, Any] | None = None) -> None:
    await ProctoringEvent.create(assessment_id=a.id, action=action, reason=reason, data=data or {}, **_who(actor),
                                 using_db=conn)


def _text(value: str, limit: int, what: str) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise ValidationFailed(f"{what}不能超过{limit}字", code="reason_too_long")
    return value


# --- 标记疑似作弊 / 撤销 --------------------------------------------------------------------------------


async def _nearest_administration(region_path: str, conn: Any) -> int | None:
    """The administration of the examinee's own region, else of the nearest region above it."""
    ids = [int(x) for x in region_path.strip("/").split("/") if x.isdigit()]
    rows = await Organisation.filter(kind=OrgKind.ADMINISTRATION, region_id__in=ids).using_db(conn).values(
        "id", "region_id")
    if not rows:
        return None
    depth = {rid: i for i, rid in enumerate(ids)}
    return max(rows, key=lambda r: (depth.get(r["region_id"], -1), -r["id"]))["id"]


async def _alert(conn: Any, a: Assessment, actor: Actor) -> None:
    """An institution marked an examinee: the administration that may 撤销 / 处理 is told."""
    if actor.role == Role.ADMINISTRATION:
        return
    org_id = await _nearest_administration(a.region_path, conn)
    if org_id is None:
        return
    names = await Organisation.filter(id=a.institution_id).using_db(conn).values_list("name", flat=True)
    await notices.staff_message(conn=conn, org_id=org_id, template="proctoring_alert", data={
        "title": "疑似作弊标记", "count": 1, "institution": names[0] if names else "",
        "body": f"{names[0] if names else '辖区机构'}将1名考生标记为疑似作弊，请在监考管理中核查处理。",
        "time": utcnow().isoformat(timespec="seconds")})


async def mark(*, actor: Actor, assessment_id: int, note: str = "") -> MarkResult:
    """标记疑似作弊 (any reviewer in scope; idempotent)."""
    ensure_reviewer(actor)
    note = _text(note, MAX_NOTE, "标记说明")
    async with in_transaction() as conn:
        a = await assessment_in_scope(actor, assessment_id, conn=conn, lock=True)
        if not await ExamAttempt.filter(assessment_id=a.id).using_db(conn).exists():
            raise Conflict("该医师尚未参加测评，不能标记疑似作弊", code="not_examinee")
        m, _ = await ProctoringMark.get_or_create(assessment_id=a.id, using_db=conn)
        changed = not m.suspected
        if changed:
            m.suspected, m.note, m.marked_at = True, note, utcnow()
            m.marked_by_account_id, m.marked_by_org_id, m.marked_role = actor.account_id, actor.org_id, actor.role.value
            m.unmarked_at = m.unmarked_by_account_id = m.unmarked_by_org_id = None
            m.version += 1
            await m.save(using_db=conn)
            await _event(conn, a, actor, ProctoringAction.MARK, reason=note)
            await audit.record(actor, "proctoring.mark", "assessment", a.id, before={"suspected": False},
                               after={"suspected": True, "note": note}, using_db=conn)
            await _alert(conn, a, actor)
    return MarkResult(**dict(await mark_view(m)), assessment_id=a.id, changed=changed)


async def unmark(*, actor: Actor, assessment_id: int, reason: str = "") -> MarkResult:
    """撤销疑似作弊标记: administrations only, within their jurisdiction (the province: all of it)."""
    if actor.role != Role.ADMINISTRATION:
        raise Forbidden("仅卫生行政机构可撤销疑似作弊标记", code="wrong_role")
    reason = _text(reason, MAX_REASON, "撤销理由")
    async with in_transaction() as conn:
        a = await Assessment.filter(id=assessment_id).select_for_update().using_db(conn).first()
        if a is None:
            raise NotFound("考核记录不存在", code="assessment_not_found")
        if not await transitions.in_scope(actor, a):
            raise OutOfJurisdiction("只能撤销管辖范围内的疑似作弊标记")
        m = await ProctoringMark.get_or_none(assessment_id=a.id, using_db=conn)
        changed = m is not None and m.suspected
        if m is not None and changed:
            m.suspected, m.unmarked_at = False, utcnow()
            m.unmarked_by_account_id, m.unmarked_by_org_id = actor.account_id, actor.org_id
            m.version += 1
            await m.save(using_db=conn)
            await _event(conn, a, actor, ProctoringAction.UNMARK, reason=reason)
            await audit.record(actor, "proctoring.unmark", "assessment", a.id, before={"suspected": True},
                               after={"suspected": False, "reason": reason}, using_db=conn)
    return MarkResult(**dict(await mark_view(m)), assessment_id=a.id, changed=changed)


async def mark_view(m: ProctoringMark | None, orgs: dict[int, str] | None = None) -> MarkState:
    """The state of a mark (who marked, when; who cleared it, when)."""
    if m is None:
        return MarkState(suspected=False, marked=None, unmarked=None)
    if orgs is None:
        ids = [i for i in (m.marked_by_org_id, m.unmarked_by_org_id) if i]
        orgs = dict(await Organisation.filter(id__in=ids).values_list("id", "name")) if ids else {}
    marked = None
    if m.marked_at is not None:
        marked = MarkedBy(org=Ref.of(m.marked_by_org_id, orgs.get(m.marked_by_org_id or 0)),
                          role=role_out(m.marked_role), at=m.marked_at, note=m.note)
    unmarked = None
    if m.unmarked_at is not None:
        unmarked = UnmarkedBy(org=Ref.of(m.unmarked_by_org_id, orgs.get(m.unmarked_by_org_id or 0)),
                              at=m.unmarked_at)
    return MarkState(suspected=m.suspected, marked=marked, unmarked=unmarked)


def role_out(value: str) -> Choice:
    try:
        return Choice(value=value, label=Role(value).label)
    except ValueError:
        return Choice(value=value, label=value)


# --- 处理 → 违纪不合格 ------------------------------------------------------------------------------


def violation_hook(actor: Actor, reason: str, record: dict[str, Any]) -> transitions.Apply:
    """The apply hook of ``admin_mark_violation``: 违纪不合格 (run inside the move's transaction)."""
    async def apply(a: Assessment, conn: Any) -> None:
        record.update(violation=True, previous_fail_reason=a.fail_reason, by="proctoring")
        a.violation = True
        a.fail_reason = "violation"
        a.no_promotion = False  # 再次考核合格's restriction no longer applies: the cycle is 不合格
        a.concluded_at = utcnow()
        await _event(conn, a, actor, ProctoringAction.PROCESS, reason=(reason or "").strip(),
                     data={"from_status": a.status.value})
        return None

    return apply


async def process(*, actor: Actor, assessment_id: int, reason: str, version: int | None = None
                  ) -> ViolationProcessed:
    """处理: the examinee's result of this cycle is 违纪不合格 (the state machine decides who/when)."""
    record: dict[str, Any] = {"action": VIOLATION_ACTION}  # the move's data (stored JSON)
    outcome = await transitions.transition(actor=actor, assessment_id=assessment_id, action=VIOLATION_ACTION,
                                        reason=reason, data=record, apply=violation_hook(actor, reason, record),
                                        expected_version=version)
    a = outcome.assessment
    summary = await progress.summary_of(actor, a)
    return ViolationProcessed(**dict(summary), from_status=outcome.from_status, to_status=outcome.to_status,
                              violation=a.violation, fail_reason=a.fail_reason, concluded_at=a.concluded_at)


# --- history ----------------------------------------------------------------------------------------


async def history(a: Assessment) -> list[ProctoringEventView]:
    """Every mark, unmark and 处理 of the examinee, oldest first, with who and when."""
    events = await ProctoringEvent.filter(assessment_id=a.id).order_by("id")
    ids = {e.org_id for e in events if e.org_id}
    orgs = dict(await Organisation.filter(id__in=list(ids)).values_list("id", "name")) if ids else {}
    return [ProctoringEventView(id=e.id, action=Labelled.of(e.action), org=Ref.of(e.org_id, orgs.get(e.org_id or 0)),
                                role=role_out(e.role), actor_type=e.actor_type, actor_id=e.actor_id, reason=e.reason,
                                data=e.data, created_at=e.created_at) for e in events]
