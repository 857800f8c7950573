"""The reviewers' moves on one physician's assessment (SPEC §4; seed manuals: health
institution 2.2.5-2.2.7, assessment institution 2.2.3-2.2.5, administration 2.2.10; 延期 from
the Guangxi schedule).

Every move goes through ``transitions.transition`` / ``transitions.batch``: the state machine
(``assessment_flow.TRANSITIONS``) decides who may do what, when; this module only adds the
data a move carries, in the ``apply`` hook, inside the move's transaction:

- 评定工作成绩、职业道德 提交 (``hi_submit_evaluation``): both items, the opinion and the
  opinions of other practice sites (多机构执业 新增意见);
- 复核 提交 (``ai_submit_review``): the target is decided from the stored items
  (either 不合格 ⇒ 不合格, ``assessment_flow.review_target``); 驳回 (``ai_reject_review``):
  同意/不同意 per item and the reason, kept in ``Assessment.review``;
- 确认修改 (``hi_confirm_modification``): the pending edits are merged into the enrolment
  and cleared; the registration fields (name, ID number, certificate numbers, ...) never change;
- 不允许修改 (``hi_refuse_modification``): the pending edits are dropped.

参加考核 / 取消参加考核 work on physicians (the assessment row may not exist yet): the row is
created for the physician's province's current cycle with ``transitions.ensure_assessment``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from server.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidTransition,
    NotFound,
    OutOfJurisdiction,
    ValidationFailed,
)
from server.models import Assessment, Cycle, Physician, RegistryStatus
from server.models.geo import province_id_of_path
from server.schemas.assessments import AssessmentSummary, IncludeBatchResult, MoveResult
from server.schemas.common import BatchFailure, BatchResult
from server.schemas.enrolment import READ_ONLY_FIELDS
from server.schemas.reviews import ActionBody, EvaluationBody, ReviewRejectBody, ReviewSubmitBody
from server.services.access import Actor, Role
from server.services.assessment import flow, transitions
from server.services.assessment.progress import summary_of
from server.services.results import judging

# Registration data (姓名, 证件号码, 证书编号, 执业类别, 医师级别, 手机号): read-only in the
# enrolment and through 申请修改 (SPEC §4.1) — the mini-program's list, enforced here again.
LOCKED_FIELDS = frozenset(READ_ONLY_FIELDS) | {"name", "id_number"}


def _now() -> str:
    return datetime.now(UTC).isoformat()


def merge_changes(enrolment: dict[str, Any], changes: dict[str, Any], path: str = ""
                  ) -> tuple[dict[str, Any], list[str]]:
    """The enrolment with `changes` merged in (step dicts merged key by key), and the paths of
    the changes left out because they touch a locked field. Pure: the inputs are not changed."""
    merged = dict(enrolment)
    ignored: list[str] = []
    for key, value in changes.items():
        where = f"{path}{key}"
        if key in LOCKED_FIELDS:
            ignored.append(where)
            continue
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key], inner = merge_changes(merged[key], value, f"{where}.")
            ignored.extend(inner)
        elif isinstance(value, dict):
            merged[key], inner = merge_changes({}, value, f"{where}.")
            ignored.extend(inner)
        else:
            merged[key] = value
    return merged, ignored


# --- the data each move carries (apply hooks) ------------------------------------------------


def evaluation_items_of(cycle: Cycle, items: dict[str, list[Any]] | None) -> dict[str, list[dict[str, str]]]:
    """逐项评定 against the province's 考核内容: one entry per item of each group sent, in order."""
    out: dict[str, list[dict[str, str]]] = {}
    for group, entries in (items or {}).items():
        names = list((cycle.evaluation_items or {}).get(group) or [])
        if len(entries) != len(names):
            raise ValidationFailed(f"逐项评定应与本周期考核内容一一对应（{len(names)}项）", code="invalid_items")
        out[group] = [{"item": name, "result": e.result.value, "reason": e.reason.strip()}
                      for name, e in zip(names, entries, strict=True)]
    return out


def _evaluation_hook(body: EvaluationBody) -> transitions.Apply:
    async def apply(a: Assessment, conn: Any) -> None:
        cycle = await Cycle.get(id=a.cycle_id).using_db(conn)
        a.evaluation_items = evaluation_items_of(cycle, body.items)
        a.work_result = body.work_result
        a.ethics_result = body.ethics_result
        a.evaluation_opinion = body.opinion.strip()
        a.other_site_opinions = [o.model_dump() for o in body.other_site_opinions]
        return None

    return apply


def _review_submit_hook(actor: Actor, opinion: str, record: dict[str, Any]) -> transitions.Apply:
    async def apply(a: Assessment, conn: Any) -> object:
        if a.work_result is None or a.ethics_result is None:
            raise Conflict("卫生机构尚未评定工作成绩、职业道德，不能复核", code="evaluation_missing")
        a.review = {"decision": "agree", "work_agree": True, "ethics_agree": True, "opinion": opinion.strip(),
                    "reason": "", "org_id": actor.org_id, "reviewed_at": _now()}
        record.update(a.review)
        target = flow.review_target(a.work_result, a.ethics_result)
        judging.note_evaluation_outcome(a, target)  # 不合格: fail_reason evaluation, concluded_at
        return target

    return apply


def _review_reject_hook(actor: Actor, body: ReviewRejectBody, record: dict[str, Any]) -> transitions.Apply:
    async def apply(a: Assessment, conn: Any) -> None:
        a.review = {"decision": "reject", "work_agree": body.work_agree, "ethics_agree": body.ethics_agree,
                    "opinion": "", "reason": body.reason.strip(), "org_id": actor.org_id, "reviewed_at": _now()}
        record.update(a.review)
        return None

    return apply


def _confirm_modification_hook(record: dict[str, Any]) -> transitions.Apply:
    async def apply(a: Assessment, conn: Any) -> None:
        changes = dict(a.pending_changes or {})
        a.enrolment, ignored = merge_changes(dict(a.enrolment or {}), changes)
        a.pending_changes = {}
        record.update(applied=changes, ignored=ignored)
        return None

    return apply


async def _drop_pending_changes(a: Assessment, conn: Any) -> None:
    a.pending_changes = {}
    return None


def _move_for(actor: Actor, action: str, body: ActionBody) -> tuple[transitions.Apply | None, dict[str, Any]]:
    """The apply hook of `action` and the history data it fills (a non-empty dict: the hook
    completes it inside the transaction, before the history row is written)."""
    data: dict[str, Any] = {"action": action}
    if action in judging.RESULT_ACTIONS:  # 成绩评定 / 再次考核: services/results/judging.py
        return judging.hook_for(actor, action, body, data), data
    if action == "admin_mark_violation":  # 处理 → 违纪不合格: services/proctoring/cases.py
        # imported here: proctoring sits above assessment (pyproject's layers list this exception)
        from server.services.proctoring import cases

        return cases.violation_hook(actor, body.reason, data), data
    if action == "hi_submit_evaluation" and isinstance(body, EvaluationBody):
        data.update(work_result=body.work_result.value, ethics_result=body.ethics_result.value,
                    opinion=body.opinion.strip(),
                    other_site_opinions=[o.model_dump() for o in body.other_site_opinions])
        return _evaluation_hook(body), data
    if action == "ai_submit_review":
        opinion = body.opinion if isinstance(body, ReviewSubmitBody) else ""
        return _review_submit_hook(actor, opinion, data), data
    if action == "ai_reject_review" and isinstance(body, ReviewRejectBody):
        return _review_reject_hook(actor, body, data), data
    if action == "hi_confirm_modification":
        return _confirm_modification_hook(data), data
    if action == "hi_refuse_modification":
        return _drop_pending_changes, data
    return None, data


async def perform(*, actor: Actor, assessment_id: int, action: str, body: ActionBody) -> MoveResult:
    """One move on one assessment (SPEC §4): the state machine decides; the result carries
    the assessment's new state and the caller's next actions."""
    apply, data = _move_for(actor, action, body)
    outcome = await transitions.transition(actor=actor, assessment_id=assessment_id, action=action,
                                        reason=body.reason, data=data, apply=apply,
                                        expected_version=body.version)
    summary = await summary_of(actor, outcome.assessment)
    return MoveResult(**dict(summary), from_status=outcome.from_status, to_status=outcome.to_status,
                      flow=outcome.transition.flow)


async def perform_batch(*, actor: Actor, ids: list[int], action: str, reason: str = "") -> BatchResult:
    """批量通过 / 批量提交: each row its own move; rows that may not move are reported by row.
    A role that may never make the move is refused as a whole (403), not row by row."""
    t = flow.BY_ACTION.get(action)
    if t is not None and t.batch and actor.role not in t.roles:
        raise Forbidden("当前身份无权进行此操作", code="wrong_role")
    apply_for: Callable[[int], transitions.Apply | None] | None = judging.batch_hook_for(actor, action)
    if action == "ai_submit_review":
        def apply_for(_id: int) -> transitions.Apply | None:
            return _review_submit_hook(actor, "", {})
    result = await transitions.batch(actor=actor, assessment_ids=ids, action=action, reason=reason,
                                  apply_for=apply_for)
    await judging.after_batch(actor=actor, action=action, done=result.done)
    return result.public()


# --- 参加考核 / 取消参加考核 (by physician) ----------------------------------------------------


class _Cycles:
    """The current cycle per province, looked up once per request."""

    def __init__(self) -> None:
        self._by_province: dict[int, Cycle | None] = {}

    async def of(self, physician: Physician) -> Cycle:
        pid = province_id_of_path(physician.region_path)
        if pid is not None and pid not in self._by_province:
            self._by_province[pid] = await transitions.current_cycle_for(physician)
        cycle = self._by_province.get(pid) if pid is not None else None
        if cycle is None:
            raise Conflict("本省尚未设置当前考核周期", code="cycle_not_found")
        return cycle


def _ensure_health_institution(actor: Actor) -> None:
    if actor.role != Role.HEALTH_INSTITUTION:
        raise Forbidden("仅医师所在卫生机构可操作参加考核", code="wrong_role")


def _own_physician(actor: Actor, physician: Physician | None) -> Physician:
    if physician is None:
        raise NotFound("医师不存在", code="physician_not_found")
    if physician.institution_id != actor.org_id:
        raise OutOfJurisdiction("该医师不属于本机构")
    if physician.registry_status != RegistryStatus.ACTIVE:
        raise InvalidTransition("暂存区中的医师不能参加考核", code="physician_in_holding")
    return physician


async def _include_one(actor: Actor, physician: Physician | None, cycles: _Cycles, *, cancel: bool
                       ) -> transitions.Outcome:
    p = _own_physician(actor, physician)
    cycle = await cycles.of(p)
    if cancel:
        a = await Assessment.get_or_none(physician_id=p.id, cycle_id=cycle.id)
        if a is None:
            raise InvalidTransition("该医师未参加本周期考核", code="invalid_transition")
        return await transitions.transition(actor=actor, assessment_id=a.id, action="cancel_include")
    a = await transitions.ensure_assessment(physician=p, cycle=cycle)
    return await transitions.transition(actor=actor, assessment_id=a.id, action="include")


async def include_physician(*, actor: Actor, physician_id: int, cancel: bool = False) -> AssessmentSummary:
    """参加考核 (or 取消参加考核) for one physician of the caller's institution."""
    _ensure_health_institution(actor)
    physician = await Physician.get_or_none(id=physician_id)
    outcome = await _include_one(actor, physician, _Cycles(), cancel=cancel)
    return await summary_of(actor, outcome.assessment)


async def include_physicians(*, actor: Actor, physician_ids: list[int], cancel: bool = False
                             ) -> IncludeBatchResult:
    """批量参加考核 / 批量取消参加考核: {done: [physician ids], assessments: {physician id: assessment
    id}, failed: [{id, code, message}]} — one move per physician, the others go on."""
    _ensure_health_institution(actor)
    ids = list(dict.fromkeys(physician_ids))
    physicians = {p.id: p for p in await Physician.filter(id__in=ids)}
    cycles = _Cycles()
    done: list[int] = []
    assessments: dict[int, int] = {}
    failed: list[BatchFailure] = []
    for pid in ids:
        try:
            outcome = await _include_one(actor, physicians.get(pid), cycles, cancel=cancel)
        except DomainError as exc:
            failed.append(BatchFailure(id=pid, code=exc.code, message=exc.message))
            continue
        done.append(pid)
        assessments[pid] = outcome.assessment.id
    return IncludeBatchResult(done=done, assessments=assessments, failed=failed)
