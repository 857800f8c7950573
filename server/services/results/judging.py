"""成绩评定 and the data the result moves carry (SPEC §4 stages 5-7; seed manuals: assessment
institution 简易程序成绩评定 / 一般程序成绩评定 (确认 / 批量确认), administration 2.2.9 再次考核管理).

The moves are rows of ``assessment_flow.TRANSITIONS`` run by ``transitions.transition``; this
module gives them their ``apply`` hooks (run inside the move's transaction, on the locked row):

- 确认 (``ai_confirm_results``, assessment institution, single or batch): the outcome is computed
  by ``verdict.first_round`` from the stored items, the 违纪 flag and ``attempts.paper_results``
  (first round) against the cycle's pass lines — 合格 or 不合格 with ``fail_reason``;
  ``concluded_at`` is set and the scores go into the history row;
- 确认 (``admin_confirm_reexam``, province only): the suspension (暂停执业 3-6 months, from a
  date) is recorded — see services/reexam.py for the list and 一键确认;
- 确认 (``admin_judge_reexam``, administrations): ``verdict.reexam`` on the re-exam papers —
  合格 with ``no_promotion`` (本周期不得评优和晋升), or 再次考核不合格 with
  ``deregistration_recommended`` (注销注册);
- the system's 未参加首轮考核 / 未参加再次考核 (services/outcome.py's sweep): ``fail_reason`` missed.

The lists 评定简易程序测评结果 / 评定一般程序成绩结果 show each physician's paper scores and what
确认 will decide (``preview``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from server.errors import Forbidden, ValidationFailed
from server.models import Assessment, AssessmentStatus, Certificate, Cycle, Physician, PhysicianLevel
from server.models.assessment import Procedure
from server.schemas.common import Labelled, Ref
from server.schemas.judging import PaperScore, ResultPhysician, ResultRow, ScoredResultRow
from server.schemas.results_mp import CertificateLink, PhysicianResult
from server.schemas.reviews import ActionBody, ReexamConfirmBody
from server.security import mask_id_number
from server.services.access import Actor, Role, physician_scope_q
from server.services.assessment import physician_view, progress, transitions
from server.services.exams import attempts
from server.services.results import verdict
from server.services.results.reexam_notices import notify_administrations, today

S = AssessmentStatus
RESULT_ACTIONS = frozenset({"ai_confirm_results", "admin_confirm_reexam", "admin_judge_reexam"})


def utcnow() -> datetime:
    return datetime.now(UTC)


async def verdict_for(a: Assessment, *, purpose: str = "first", cycle: Cycle | None = None,
                      level: PhysicianLevel | None = None) -> verdict.Verdict:
    """What 确认 decides for this assessment now (first round or re-exam)."""
    cycle = cycle or await Cycle.get(id=a.cycle_id)
    if level is None:
        level = (await Physician.filter(id=a.physician_id).values_list("level", flat=True))[0]
    papers = await attempts.paper_results(a.id, purpose=purpose)
    lines = verdict.pass_lines(cycle.exam_settings, level)
    if purpose == "reexam":
        return verdict.reexam(violation=a.violation, papers=papers, lines=lines)
    return verdict.first_round(work=a.work_result, ethics=a.ethics_result, violation=a.violation,
                               papers=papers, lines=lines)


# --- apply hooks ----------------------------------------------------------------------------------


def confirm_results_hook(record: dict[str, Any]) -> transitions.Apply:
    """成绩评定 确认: 合格 / 不合格 from the scores (never chosen by the reviewer)."""
    async def apply(a: Assessment, conn: Any) -> object:
        v = await verdict_for(a, purpose="first")
        a.fail_reason = v.fail_reason
        a.concluded_at = utcnow()
        record.update(verdict=v.as_dict())
        return v.status

    return apply


def judge_reexam_hook(record: dict[str, Any]) -> transitions.Apply:
    """评定再次考核 确认: 合格 (no promotion this cycle) or 再次考核不合格 (deregistration)."""
    async def apply(a: Assessment, conn: Any) -> object:
        v = await verdict_for(a, purpose="reexam")
        a.no_promotion = v.qualified
        a.deregistration_recommended = not v.qualified
        a.fail_reason = v.fail_reason
        a.concluded_at = utcnow()
        record.update(verdict=v.as_dict())
        return S.QUALIFIED if v.qualified else S.FINAL_FAILED

    return apply


def suspension_hook(months: int, start: Any, record: dict[str, Any]) -> transitions.Apply:
    """确认再次考核名单: 暂停执业 `months` months from `start` (default: today, China time)."""
    async def apply(a: Assessment, conn: Any) -> None:
        a.suspension_months = months
        a.suspended_from = start or today()
        record.update(suspension_months=months, suspended_from=a.suspended_from.isoformat())
        return None

    return apply


async def _missed_first_round(a: Assessment, conn: Any) -> None:
    a.fail_reason = "missed"
    a.concluded_at = utcnow()
    return None


async def _missed_reexam(a: Assessment, conn: Any) -> None:
    a.fail_reason = "missed"
    a.deregistration_recommended = True
    a.no_promotion = False
    a.concluded_at = utcnow()
    return None


def system_hook(action: str) -> transitions.Apply | None:
    """The hooks of the system's moves (services/outcome.py)."""
    return {"miss_first_round": _missed_first_round, "miss_delayed_exam": _missed_first_round,
            "miss_reexam": _missed_reexam}.get(action)


def note_evaluation_outcome(a: Assessment, target: object) -> None:
    """复核 提交 with an item 不合格 ⇒ the cycle's result is 不合格 (reason: evaluation)."""
    if target == S.FAILED:
        a.fail_reason = "evaluation"
        a.concluded_at = utcnow()


def hook_for(actor: Actor, action: str, body: ActionBody, record: dict[str, Any]) -> transitions.Apply | None:
    """The hook of a result move made through the reviewers' action endpoint (one assessment)."""
    if action == "ai_confirm_results":
        return confirm_results_hook(record)
    if action == "admin_judge_reexam":
        return judge_reexam_hook(record)
    if action == "admin_confirm_reexam":
        months = body.suspension_months if isinstance(body, ReexamConfirmBody) else 3
        start = body.suspended_from if isinstance(body, ReexamConfirmBody) else None
        suspend = suspension_hook(months, start, record)

        async def apply(a: Assessment, conn: Any) -> None:
            await suspend(a, conn)
            await notify_administrations(actor=actor, assessment_ids=[a.id], conn=conn)
            return None

        return apply
    return None


def batch_hook_for(actor: Actor, action: str, *, months: int = 3, start: Any = None
                   ) -> Callable[[int], transitions.Apply | None] | None:
    """批量确认: a fresh hook per row (each row its own move)."""
    if action == "ai_confirm_results":
        return lambda _id: confirm_results_hook({})
    if action == "admin_judge_reexam":
        return lambda _id: judge_reexam_hook({})
    if action == "admin_confirm_reexam":
        return lambda _id: suspension_hook(months, start, {})
    return None


async def after_batch(*, actor: Actor, action: str, done: list[int]) -> None:
    """After 批量确认 of the re-exam list: the administrations concerned are told (SPEC §7)."""
    if action == "admin_confirm_reexam" and done:
        await notify_administrations(actor=actor, assessment_ids=done)


# --- lists: 评定简易程序测评结果 / 评定一般程序成绩结果 (and the re-exam lists) ------------------------

ROW_FIELDS = ("id", "cycle_id", "physician_id", "institution_id", "region_path", "status", "modification",
              "exemption", "delay", "procedure", "version", "work_result", "ethics_result", "violation",
              "fail_reason", "suspension_months", "suspended_from", "no_promotion", "deregistration_recommended",
              "concluded_at", "institution__name", "physician__name", "physician__id_number", "physician__level",
              "physician__category")


def procedure_arg(raw: str | None) -> Procedure | None:
    if raw in (None, ""):
        return None
    try:
        return Procedure(raw)
    except ValueError:
        raise ValidationFailed("考核程序无效（simple 简易程序 / general 一般程序）", code="invalid_query") from None


async def result_rows(actor: Actor, *, statuses: list[AssessmentStatus], filters: progress.ProgressFilters,
                      page_no: int, size: int, purpose: str | None, extra_q: Any = None
                      ) -> tuple[list[ResultRow], int]:
    """Assessments in the caller's scope in `statuses`, with (when `purpose`) each paper's scores
    and what 确认 would decide, and the caller's actions. ID numbers masked."""
    cycles = ({c.id: c for c in await Cycle.filter(id=filters.cycle_id)} if filters.cycle_id is not None
              else {c.id: c for c in await Cycle.filter(is_current=True)})
    qs = Assessment.filter(await physician_scope_q(actor), cycle_id__in=list(cycles),
                           status__in=[s.value for s in statuses]).filter(progress.assessment_q(filters))
    if extra_q is not None:
        qs = qs.filter(extra_q)
    count = await qs.count()
    rows = await qs.order_by("id").offset((page_no - 1) * size).limit(size).values(*ROW_FIELDS)
    out: list[ResultRow] = []
    for r in rows:
        a = Assessment(**{k: r[k] for k in progress.STATE_FIELDS + ("work_result", "ethics_result", "violation")})
        fields = dict(
            id=r["id"], cycle_id=r["cycle_id"],
            physician=ResultPhysician(id=r["physician_id"], name=r["physician__name"],
                                      id_number=mask_id_number(r["physician__id_number"]),
                                      level=Labelled.of(r["physician__level"]),
                                      category=Labelled.of(r["physician__category"])),
            institution=Ref.of(r["institution_id"], r["institution__name"]),
            status=Labelled.of(r["status"]), procedure=Labelled.of(r["procedure"]),
            work_result=Labelled.of(r["work_result"]), ethics_result=Labelled.of(r["ethics_result"]),
            violation=r["violation"], fail_reason=r["fail_reason"],
            fail_reason_label=verdict.FAIL_REASONS.get(r["fail_reason"], ""),
            suspension_months=r["suspension_months"], suspended_from=r["suspended_from"],
            no_promotion=r["no_promotion"], deregistration_recommended=r["deregistration_recommended"],
            concluded_at=r["concluded_at"], version=r["version"],
            actions=progress.actions_out(await transitions.actions_for(actor, a, cycles[r["cycle_id"]])),
        )
        if purpose:
            v = await verdict_for(a, purpose=purpose, cycle=cycles[r["cycle_id"]], level=r["physician__level"])
            out.append(ScoredResultRow(**fields, papers=v.scores(), preview=v.preview()))
        else:
            out.append(ResultRow(**fields))
    return out, count


async def judging_list(*, actor: Actor, procedure: str | None, filters: progress.ProgressFilters, page_no: int,
                       size: int) -> tuple[list[ResultRow], int]:
    """评定简易程序测评结果 (procedure=simple) / 评定一般程序成绩结果 (procedure=general): the
    assessment institution's 待成绩评定 rows with their scores (seed manual 2.2.4-2.2.5)."""
    if actor.role != Role.ASSESSMENT_INSTITUTION:
        raise Forbidden("仅考核机构可进行成绩评定", code="wrong_role")
    proc = procedure_arg(procedure)
    filters.procedure = proc.value if proc else None
    return await result_rows(actor, statuses=[S.EXAMS_DONE], filters=filters, page_no=page_no, size=size,
                             purpose="first")



# --- the physician's own result (mini-program 考核结果) ---------------------------------------------

JUDGED = frozenset({S.QUALIFIED, S.FAILED, S.REEXAM_LISTED, S.REEXAM_DONE, S.FINAL_FAILED})
FIRST_SCORES = JUDGED | {S.EXAMS_DONE}
REEXAM_SCORES = frozenset({S.REEXAM_DONE, S.FINAL_FAILED})


async def physician_result(*, actor: Actor) -> PhysicianResult:
    """考核结果: the outcome once judged, the paper scores, the re-exam details, the notice.
    ``papers`` / ``reexam_papers`` are left unset (absent from the answer) when there are none."""
    physician, cycle, a = await physician_view.require_mine(actor)
    scores: dict[str, list[PaperScore]] = {}
    had_reexam = a.status in REEXAM_SCORES or (a.status == S.QUALIFIED and a.no_promotion)
    if a.status in FIRST_SCORES:
        scores["papers"] = (await verdict_for(a, purpose="first", cycle=cycle, level=physician.level)).scores()
    if had_reexam:
        scores["reexam_papers"] = (await verdict_for(a, purpose="reexam", cycle=cycle,
                                                     level=physician.level)).scores()
    cert = await Certificate.get_or_none(assessment_id=a.id)
    return PhysicianResult(
        assessment_id=a.id, cycle=Ref(id=cycle.id, name=cycle.name),
        status=Labelled.of(a.status), procedure=Labelled.of(a.procedure),
        judged=a.status in JUDGED,
        work_result=Labelled.of(a.work_result), ethics_result=Labelled.of(a.ethics_result),
        fail_reason=a.fail_reason if a.status in JUDGED else "",
        fail_reason_label=verdict.FAIL_REASONS.get(a.fail_reason, "") if a.status in JUDGED else "",
        suspension_months=a.suspension_months, suspended_from=a.suspended_from,
        no_promotion=a.no_promotion, deregistration_recommended=a.deregistration_recommended,
        concluded_at=a.concluded_at,
        **scores,
        certificate=CertificateLink(available=a.status == S.QUALIFIED, number=cert.number if cert else None,
                                    download="/api/v1/mp/results/certificate" if a.status == S.QUALIFIED else None),
    )
