"""The state machine of one physician's assessment (SPEC §4), as data. Pure: no I/O.

Four flows share one assessment:
- ``main``: 报名 → 上报考核名单 → 确认考核医师名单 → 评定工作成绩、职业道德 → 复核 → 测评 ...
- ``modification``: 申请修改 → 允许修改 → 提交修改 → 确认修改 (after enrolment)
- ``exemption``: 免考申请 → 卫生机构审核 → 考核机构复核 (while the province has opened it)
- ``delay``: 延期考核申请 → 卫生机构审批 → 卫生行政部门审批 (before the delay deadline)

Every move is a row of ``TRANSITIONS``: where it may start, where it goes, who may do it,
which window must be open and what else must hold. ``check`` refuses a move with the reason;
``available_actions`` lists the moves a caller may make now (the buttons to show).
The service layer (``services/workflow.py``) runs the moves; nobody writes a status directly.

Consequences built into the runner: entering 待重新选择考核程序 clears a 免考 application
(exemption is tied to the procedure: 简易 → 人文医学, 一般 → 业务水平); leaving the cycle
(未开通报名 / 已退出当前周期) clears every side flow, so nothing stale comes back on re-inclusion.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from server.errors import Forbidden, InvalidTransition, OutOfJurisdiction
from server.models.assessment import (
    AppealStatus,
    AssessmentStatus,
    DelayStatus,
    ExemptionStatus,
    ItemResult,
    ModificationStatus,
    Procedure,
)
from server.services.access import Role

S = AssessmentStatus


# States in which the physician is taking part in the cycle and may still be moved back.
IN_CYCLE = frozenset(set(S) - {S.NOT_INCLUDED, S.LEFT})
# After 确认考核医师名单: "after enrolment"
AFTER_ENROLMENT = frozenset({S.ENROLLED, S.PROCEDURE_RETURNED, S.EVALUATED, S.AWAITING_EXAM})
# Before the exams: where a delay may still be asked for
BEFORE_EXAMS = frozenset({S.INCLUDED, S.ENROL_SUBMITTED, S.ENROL_RETURNED, S.ENROL_REPORTED, S.ENROLLED,
                          S.PROCEDURE_RETURNED, S.EVALUATED, S.AWAITING_EXAM})

HI, AI, ADMIN, PHYSICIAN, SYSTEM = (
    Role.HEALTH_INSTITUTION,
    Role.ASSESSMENT_INSTITUTION,
    Role.ADMINISTRATION,
    Role.PHYSICIAN,
    Role.SYSTEM,
)


@dataclass(frozen=True)
class Ctx:
    """What the rules need to know about one assessment, its cycle and the caller."""

    status: AssessmentStatus
    modification: ModificationStatus = ModificationStatus.NONE
    exemption: ExemptionStatus = ExemptionStatus.NONE
    delay: DelayStatus = DelayStatus.NONE
    procedure: Procedure | None = None
    role: Role = PHYSICIAN
    in_scope: bool = True
    now: datetime | None = None
    windows: dict[str, tuple[datetime | None, datetime | None]] = field(default_factory=dict)
    delay_deadline: datetime | None = None
    exemption_open: bool = False  # for the paper the physician's procedure may be exempted from
    violation: bool = False  # 违纪不合格: no re-exam
    actor_is_province: bool = False
    appeal: AppealStatus = AppealStatus.NONE
    concluded_at: datetime | None = None  # when the result was given (复核申请: within APPEAL_DAYS)


def window_open(ctx: Ctx, name: str) -> bool:
    start, end = ctx.windows.get(name, (None, None))
    return bool(ctx.now and start and end and start <= ctx.now <= end)


Guard = Callable[[Ctx], str | None]  # returns the refusal message, or None when it holds


def _exemption_open(ctx: Ctx) -> str | None:
    return None if ctx.exemption_open else "免考申请未开放"


def _before_delay_deadline(ctx: Ctx) -> str | None:
    if ctx.delay_deadline is None:
        return "本周期未设置延期申请截止时间，暂不能申请延期考核"
    if ctx.now and ctx.now <= ctx.delay_deadline:
        return None
    return "已超过延期申请截止时间"


def window_ended(ctx: Ctx, name: str) -> bool:
    _, end = ctx.windows.get(name, (None, None))
    return bool(ctx.now and end and ctx.now > end)


def _results_judgeable(ctx: Ctx) -> str | None:
    """成绩评定: in the judging window; a delayed physician's results once the re-exam window began."""
    if window_open(ctx, "judging"):
        return None
    start, _ = ctx.windows.get("reexam", (None, None))
    if ctx.delay == DelayStatus.APPROVED and ctx.now and start and ctx.now >= start:
        return None
    return "不在成绩评定时间内"


def _first_round_missed(ctx: Ctx) -> str | None:
    """未参加首轮考核且没有申请延期考核 ⇒ 不合格 (Guangxi schedule)."""
    if ctx.delay == DelayStatus.APPROVED:
        return "已批准延期考核"
    if not window_ended(ctx, "exam"):
        return "首轮考核尚未结束"
    return None


def _reexam_missed(ctx: Ctx) -> str | None:
    return None if window_ended(ctx, "reexam") else "再次考核尚未结束"


def _delayed_exam_missed(ctx: Ctx) -> str | None:
    """A delayed physician takes the first attempt in the re-exam window; missing it fails."""
    if ctx.delay != DelayStatus.APPROVED:
        return "未批准延期考核"
    return _reexam_missed(ctx)


def _province_only(ctx: Ctx) -> str | None:
    return None if ctx.actor_is_province else "只有省级卫生行政机构可以确认再次考核名单"


def _no_violation(ctx: Ctx) -> str | None:
    return "违纪不合格，不参加再次考核" if ctx.violation else None


APPEAL_DAYS = 30
# the results a physician may ask to be re-examined (复核申请): the first round's, judged by the
# assessment institution; a re-exam result is judged by the administration, a violation processed by it
RESULTS_APPEALABLE = frozenset({S.QUALIFIED, S.FAILED})


def _appeal_in_time(ctx: Ctx) -> str | None:
    if ctx.concluded_at is None or ctx.now is None:
        return "尚无考核结果"
    if ctx.now > ctx.concluded_at + timedelta(days=APPEAL_DAYS):
        return f"已超过复核申请期限（收到考核结果后{APPEAL_DAYS}日内）"
    return None


def _appeal_pending(ctx: Ctx) -> str | None:
    return None if ctx.appeal == AppealStatus.PENDING else "没有待处理的复核申请"


def _not_yet_violation(ctx: Ctx) -> str | None:
    return "已处理为违纪不合格" if ctx.violation else None


def _no_active_side_flow(ctx: Ctx) -> str | None:
    if ctx.modification != ModificationStatus.NONE:
        return "医师信息修改尚未完成"
    return None


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    flow: str  # main | modification | exemption | delay
    roles: frozenset[Role]
    source: frozenset  # statuses of `flow` it may start from
    target: object  # a status of `flow`, or None when the service decides (see `targets`)
    main_in: frozenset[AssessmentStatus] | None = None  # side flows: required main status
    window: str | None = None  # cycle window that must be open
    guards: tuple[Guard, ...] = ()
    needs_reason: bool = False
    batch: bool = False
    targets: tuple = ()  # the possible targets when `target` is None

    def possible_targets(self) -> tuple:
        return (self.target,) if self.target is not None else self.targets


def _t(action, label, flow, roles, source, target, **kw) -> Transition:
    return Transition(action, label, flow, frozenset(roles), frozenset(source), target, **kw)


M, X, D, MOD = ModificationStatus, ExemptionStatus, DelayStatus, "modification"
ENROL_EDITABLE = frozenset({S.INCLUDED, S.ENROL_RETURNED})

TRANSITIONS: tuple[Transition, ...] = (
    # --- 1. enrolment ------------------------------------------------------------------------
    _t("include", "参加考核", "main", {HI}, {S.NOT_INCLUDED}, S.INCLUDED, window="enrol", batch=True),
    _t("cancel_include", "取消参加考核", "main", {HI},
       {S.INCLUDED, S.ENROL_SUBMITTED, S.ENROL_RETURNED, S.ENROL_REPORTED},
       S.NOT_INCLUDED, batch=True),
    _t("submit_enrolment", "提交信息", "main", {PHYSICIAN}, ENROL_EDITABLE, S.ENROL_SUBMITTED, window="enrol"),
    _t("hi_approve_enrolment", "通过", "main", {HI}, {S.ENROL_SUBMITTED}, S.ENROL_REPORTED, window="enrol",
       batch=True),
    _t("hi_reject_enrolment", "驳回", "main", {HI}, {S.ENROL_SUBMITTED}, S.ENROL_RETURNED, window="enrol",
       needs_reason=True),
    _t("ai_confirm_enrolment", "通过", "main", {AI}, {S.ENROL_REPORTED}, S.ENROLLED, window="enrol", batch=True),
    _t("ai_reject_enrolment", "驳回", "main", {AI}, {S.ENROL_REPORTED}, S.ENROL_SUBMITTED, window="enrol",
       needs_reason=True),
    # --- 2. procedure: evaluation and review -----------------------------------------------
    _t("hi_submit_evaluation", "提交", "main", {HI}, {S.ENROLLED}, S.EVALUATED, window="evaluation",
       guards=(_no_active_side_flow,)),
    _t("hi_reject_procedure", "驳回", "main", {HI}, {S.ENROLLED}, S.PROCEDURE_RETURNED, window="evaluation",
       needs_reason=True),
    _t("resubmit_procedure", "提交信息", "main", {PHYSICIAN}, {S.PROCEDURE_RETURNED}, S.ENROLLED,
       window="evaluation"),
    _t("ai_submit_review", "提交", "main", {AI}, {S.EVALUATED}, None, window="evaluation", batch=True,
       targets=(S.AWAITING_EXAM, S.FAILED)),
    _t("ai_reject_review", "驳回", "main", {AI}, {S.EVALUATED}, S.ENROLLED, window="evaluation",
       needs_reason=True),
    # --- 4-6. exams, 成绩评定, outcome --------------------------------------------------------
    _t("finish_exams", "完成测评", "main", {SYSTEM}, {S.AWAITING_EXAM}, S.EXAMS_DONE),
    _t("miss_first_round", "未参加首轮考核", "main", {SYSTEM}, {S.AWAITING_EXAM}, S.FAILED,
       guards=(_first_round_missed,)),
    _t("miss_delayed_exam", "延期后未参加考核", "main", {SYSTEM}, {S.AWAITING_EXAM}, S.FAILED,
       guards=(_delayed_exam_missed,)),
    _t("ai_confirm_results", "确认", "main", {AI}, {S.EXAMS_DONE}, None, batch=True,
       guards=(_results_judgeable,), targets=(S.QUALIFIED, S.FAILED)),
    # --- 7. 再次考核 ----------------------------------------------------------------------------
    _t("admin_confirm_reexam", "确认", "main", {ADMIN}, {S.FAILED}, S.REEXAM_LISTED, batch=True,
       guards=(_province_only, _no_violation)),
    _t("finish_reexam", "完成再次考核", "main", {SYSTEM}, {S.REEXAM_LISTED}, S.REEXAM_DONE),
    _t("miss_reexam", "未参加再次考核", "main", {SYSTEM}, {S.REEXAM_LISTED}, S.FINAL_FAILED,
       guards=(_reexam_missed,)),
    _t("admin_judge_reexam", "确认", "main", {ADMIN}, {S.REEXAM_DONE}, None, batch=True,
       targets=(S.QUALIFIED, S.FINAL_FAILED)),
    # --- 监考: 处理 → 违纪不合格 (SPEC §6) -------------------------------------------------------
    _t("admin_mark_violation", "处理", "main", {ADMIN},
       {S.AWAITING_EXAM, S.EXAMS_DONE, S.QUALIFIED, S.FAILED, S.REEXAM_LISTED, S.REEXAM_DONE}, S.FAILED,
       needs_reason=True, guards=(_not_yet_violation,)),
    # --- 复核申请 (appeal): the physician within 30 days of the result; the assessment institution
    # 维持 (appeal flow) or 变更 (the main flow moves to the other result; the hook closes the appeal)
    _t("ai_change_result", "变更", "main", {AI}, RESULTS_APPEALABLE, None, needs_reason=True,
       guards=(_appeal_pending,), targets=(S.QUALIFIED, S.FAILED)),
    # --- administrations: 考核进度 驳回 -----------------------------------------------------
    _t("admin_reject_to_leave", "驳回到退出当前周期", "main", {ADMIN}, IN_CYCLE, S.LEFT, needs_reason=True),
    _t("admin_reject_to_procedure", "驳回到重新选择程序", "main", {ADMIN},
       {S.ENROLLED, S.EVALUATED, S.AWAITING_EXAM}, S.PROCEDURE_RETURNED, needs_reason=True),
    # --- 申请修改 (after enrolment; name and ID number stay locked) ---------------------------
    _t("request_modification", "申请修改", MOD, {PHYSICIAN}, {M.NONE}, M.REQUESTED, main_in=AFTER_ENROLMENT),
    _t("hi_allow_modification", "允许修改", MOD, {HI}, {M.REQUESTED}, M.ALLOWED, main_in=AFTER_ENROLMENT),
    _t("hi_refuse_modification", "不允许修改", MOD, {HI}, {M.REQUESTED}, M.NONE, main_in=AFTER_ENROLMENT,
       needs_reason=True),
    _t("submit_modification", "提交修改", MOD, {PHYSICIAN}, {M.ALLOWED}, M.SUBMITTED, main_in=AFTER_ENROLMENT),
    _t("hi_confirm_modification", "确认修改", MOD, {HI}, {M.SUBMITTED}, M.NONE, main_in=AFTER_ENROLMENT),
    _t("hi_return_modification", "驳回修改", MOD, {HI}, {M.SUBMITTED}, M.ALLOWED, main_in=AFTER_ENROLMENT,
       needs_reason=True),
    # --- 3. 免考 ------------------------------------------------------------------------------
    _t("apply_exemption", "提交免考申请", "exemption", {PHYSICIAN}, {X.NONE, X.RETURNED}, X.HI_PENDING,
       main_in=AFTER_ENROLMENT - {S.PROCEDURE_RETURNED}, guards=(_exemption_open,)),
    _t("hi_submit_exemption", "提交", "exemption", {HI}, {X.HI_PENDING}, X.AI_PENDING, main_in=IN_CYCLE),
    _t("hi_return_exemption", "驳回补充材料", "exemption", {HI}, {X.HI_PENDING}, X.RETURNED, main_in=IN_CYCLE,
       needs_reason=True),
    _t("hi_refuse_exemption", "驳回禁止再次申请", "exemption", {HI}, {X.HI_PENDING}, X.REFUSED,
       main_in=IN_CYCLE, needs_reason=True),
    _t("ai_approve_exemption", "通过", "exemption", {AI}, {X.AI_PENDING}, X.APPROVED, main_in=IN_CYCLE),
    _t("ai_return_exemption", "驳回需补充材料", "exemption", {AI}, {X.AI_PENDING}, X.RETURNED,
       main_in=IN_CYCLE, needs_reason=True),
    _t("ai_refuse_exemption", "驳回禁止再次申请", "exemption", {AI}, {X.AI_PENDING}, X.REFUSED,
       main_in=IN_CYCLE, needs_reason=True),
    # --- 复核申请 (side flow) -------------------------------------------------------------------
    _t("apply_appeal", "申请复核", "appeal", {PHYSICIAN}, {AppealStatus.NONE}, AppealStatus.PENDING,
       main_in=RESULTS_APPEALABLE, needs_reason=True, guards=(_appeal_in_time, _no_violation)),
    _t("ai_uphold_result", "维持", "appeal", {AI}, {AppealStatus.PENDING}, AppealStatus.UPHELD,
       main_in=RESULTS_APPEALABLE, needs_reason=True),
    # --- 8. 延期考核 --------------------------------------------------------------------------
    _t("apply_delay", "申请延期考核", "delay", {PHYSICIAN}, {D.NONE, D.REJECTED}, D.HI_PENDING,
       main_in=BEFORE_EXAMS, guards=(_before_delay_deadline,), needs_reason=True),
    _t("hi_approve_delay", "同意", "delay", {HI}, {D.HI_PENDING}, D.ADMIN_PENDING, main_in=IN_CYCLE),
    _t("hi_reject_delay", "不同意", "delay", {HI}, {D.HI_PENDING}, D.REJECTED, main_in=IN_CYCLE,
       needs_reason=True),
    _t("admin_approve_delay", "同意", "delay", {ADMIN}, {D.ADMIN_PENDING}, D.APPROVED, main_in=IN_CYCLE),
    _t("admin_reject_delay", "不同意", "delay", {ADMIN}, {D.ADMIN_PENDING}, D.REJECTED, main_in=IN_CYCLE,
       needs_reason=True),
)

BY_ACTION: dict[str, Transition] = {t.action: t for t in TRANSITIONS}

WINDOW_LABELS = {"enrol": "报名", "evaluation": "评定", "exam": "首轮考核", "judging": "成绩评定",
                 "reexam": "再次考核"}


FLOW_FIELD_NAMES = {"main": "status", "modification": "modification", "exemption": "exemption",
                    "delay": "delay", "appeal": "appeal"}


def flow_status(ctx: Ctx, flow: str):
    return getattr(ctx, FLOW_FIELD_NAMES[flow])


def refusal(t: Transition, ctx: Ctx) -> Exception | None:
    """Why `ctx` may not make move `t` now (an exception to raise), or None."""
    if ctx.role not in t.roles:
        return Forbidden("当前身份无权进行此操作", code="wrong_role")
    if not ctx.in_scope:
        return OutOfJurisdiction()
    current = flow_status(ctx, t.flow)
    if current not in t.source:
        return InvalidTransition(f"当前状态（{current.label}）不能进行“{t.label}”操作")
    if t.main_in is not None and ctx.status not in t.main_in:
        return InvalidTransition(f"当前考核状态（{ctx.status.label}）不能进行“{t.label}”操作")
    if t.window and not window_open(ctx, t.window):
        return InvalidTransition(f"不在{WINDOW_LABELS[t.window]}时间内", code="window_closed")
    for guard in t.guards:
        problem = guard(ctx)
        if problem:
            return InvalidTransition(problem, code="guard_failed")
    return None


def check(action: str, ctx: Ctx) -> Transition:
    """The transition for `action`, or raise the reason it is refused."""
    t = BY_ACTION.get(action)
    if t is None:
        raise InvalidTransition("未知操作", code="unknown_action")
    problem = refusal(t, ctx)
    if problem is not None:
        raise problem
    return t


def available_actions(ctx: Ctx) -> list[dict[str, object]]:
    """The moves the caller may make now: what the client shows as buttons."""
    return [
        {"action": t.action, "label": t.label, "flow": t.flow, "needs_reason": t.needs_reason, "batch": t.batch}
        for t in TRANSITIONS
        if refusal(t, ctx) is None
    ]


def review_target(work: ItemResult | None, ethics: ItemResult | None) -> AssessmentStatus:
    """复核 提交: either item 不合格 ⇒ the cycle result is 不合格 (SPEC §4 stage 2)."""
    if work is None or ethics is None:
        raise InvalidTransition("卫生机构尚未评定工作成绩、职业道德", code="evaluation_missing")
    return S.AWAITING_EXAM if work == ItemResult.PASS and ethics == ItemResult.PASS else S.FAILED
