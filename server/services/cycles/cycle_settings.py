"""本周期考核设置, 免考设置 and 去确认 (SPEC §3; seeds 2.2.4 考核设置, 卫生机构 2.2.2).

- Only the province administration writes its province's current cycle (the route guard
  enforces 省级专属; here a province may touch only its own province's cycle).
- Any staff account of the province reads it; administrations above a province (全国定考办)
  read any province in their jurisdiction.
- Windows: each start before its end, all inside the cycle dates, and in order
  (报名 before 首轮考核, 评定 not before 报名, 成绩评定 after the start of 首轮考核,
  再次考核 after the end of 首轮考核, 延期申请截止 before the end of 首轮考核).
- 免考设置: reasons per paper (人文医学 / 业务水平) and an open/closed switch per paper.
- 去确认: a health institution confirms its province's current cycle once (idempotent).
"""

from __future__ import annotations

from copy import deepcopy
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from server.errors import Conflict, NotFound, OutOfJurisdiction, ValidationFailed
from server.models import (
    DEFAULT_EVALUATION_ITEMS,
    DEFAULT_EXAM_SETTINGS,
    DEFAULT_SIMPLE_CONDITIONS,
    Cycle,
    CycleConfirmation,
    ExemptionReason,
    PaperType,
    PasswordRule,
    Region,
    RegionLevel,
)
from server.models.cycle import WINDOWS
from server.models.geo import province_id_of_path
from server.schemas.common import Labelled, Ref
from server.schemas.cycles import (
    ConfirmationCycle,
    CycleConfirmationView,
    CycleView,
    ExemptionOpen,
    ExemptionOpenView,
    ExemptionReasonItem,
    ExemptionReasonView,
    WindowsView,
)
from server.services import audit
from server.services.access import Actor, Role, ensure_path_in_jurisdiction

CST = ZoneInfo("Asia/Shanghai")
WINDOW_FIELDS = [f"{key}_{end}" for key in WINDOWS for end in ("start", "end")] + ["delay_deadline"]
DELAY_LABEL = "延期申请截止"
_BASIC = ["id", "province_id", "name", "start_date", "end_date", "is_current"]
_REASON = ["id", "cycle_id", "paper", "text", "sort"]


# --- reading --------------------------------------------------------------------------------


def _local(value: datetime | None) -> datetime | None:
    return value.astimezone(CST) if value else None


async def cycle_view(cycle: Cycle) -> CycleView:
    province = await Region.get(id=cycle.province_id)
    reasons = await ExemptionReason.filter(cycle_id=cycle.id).order_by("sort", "id")
    settings = _exam_settings_of(cycle)
    return CycleView(
        id=cycle.id,
        name=cycle.name,
        province=Ref(id=province.id, name=province.name),
        start_date=cycle.start_date,
        end_date=cycle.end_date,
        is_current=cycle.is_current,
        windows=WindowsView(**{name: _local(getattr(cycle, name)) for name in WINDOW_FIELDS}),
        window_labels={**WINDOWS, "delay_deadline": DELAY_LABEL},
        evaluation_items=cycle.evaluation_items or deepcopy(DEFAULT_EVALUATION_ITEMS),
        exam_settings=settings,
        simple_conditions=cycle.simple_conditions,
        physician_password_rule=Labelled[PasswordRule](value=cycle.physician_password_rule,
                                                       label=cycle.physician_password_rule.label),
        exemption_open=ExemptionOpen(humanities=cycle.humanities_exemption_open,
                                     professional=cycle.professional_exemption_open),
        exemption_reasons={
            paper.value: [ExemptionReasonItem(id=r.id, text=r.text, sort=r.sort) for r in reasons if r.paper == paper]
            for paper in PaperType
        },
    )


async def _province_for_read(actor: Actor, province_id: int | None) -> int:
    own = province_id_of_path(actor.region_path)
    if province_id is None or province_id == own:
        if own is None:
            raise ValidationFailed("请选择省份", code="province_required")
        return own
    region = await Region.get_or_none(id=province_id, level=RegionLevel.PROVINCE)
    if region is None:
        raise NotFound("省份不存在", code="region_not_found")
    ensure_path_in_jurisdiction(actor, region.path)
    return region.id


async def _ensure_may_read(actor: Actor, cycle: Cycle) -> None:
    if province_id_of_path(actor.region_path) == cycle.province_id:
        return
    province = await Region.get(id=cycle.province_id)
    ensure_path_in_jurisdiction(actor, province.path)


async def current_cycle(*, actor: Actor, province_id: int | None = None) -> CycleView:
    """本周期考核设置 (read): the current cycle of the caller's province."""
    pid = await _province_for_read(actor, province_id)
    cycle = await Cycle.filter(province_id=pid, is_current=True).order_by("-id").first()
    if cycle is None:
        raise NotFound("本省尚未设置当前考核周期", code="cycle_not_found")
    return await cycle_view(cycle)


async def get_cycle(*, actor: Actor, cycle_id: int) -> CycleView:
    cycle = await Cycle.get_or_none(id=cycle_id)
    if cycle is None:
        raise NotFound("考核周期不存在", code="cycle_not_found")
    await _ensure_may_read(actor, cycle)
    return await cycle_view(cycle)


# --- writing (province administration only) ----------------------------------------------------


async def _cycle_for_write(actor: Actor, cycle_id: int, conn: Any) -> Cycle:
    cycle = await Cycle.select_for_update().using_db(conn).get_or_none(id=cycle_id)
    if cycle is None:
        raise NotFound("考核周期不存在", code="cycle_not_found")
    if not actor.is_province or province_id_of_path(actor.region_path) != cycle.province_id:
        raise OutOfJurisdiction("只能设置本省的考核周期")
    return cycle


def _check_dates(start: date, end: date) -> None:
    if start >= end:
        raise ValidationFailed("考核周期开始日期必须早于结束日期", code="invalid_cycle_dates")


async def create_cycle(*, actor: Actor, name: str, start_date: date, end_date: date) -> CycleView:
    """新建本周期: one current cycle per province, with the default settings of the seeds."""
    _check_dates(start_date, end_date)
    pid = province_id_of_path(actor.region_path)
    if not actor.is_province or pid is None:
        raise OutOfJurisdiction("只能设置本省的考核周期")
    async with in_transaction() as conn:
        await Region.select_for_update().using_db(conn).get(id=pid)  # one creator at a time
        if await Cycle.filter(province_id=pid, is_current=True).using_db(conn).exists():
            raise Conflict("本省已有当前考核周期", code="cycle_exists")
        cycle = await Cycle.create(
            province_id=pid, name=name, start_date=start_date, end_date=end_date, is_current=True,
            evaluation_items=deepcopy(DEFAULT_EVALUATION_ITEMS), exam_settings=deepcopy(DEFAULT_EXAM_SETTINGS),
            simple_conditions=list(DEFAULT_SIMPLE_CONDITIONS), using_db=conn,
        )
        await audit.record(actor, "cycle.create", "cycle", cycle.id, after=audit.snapshot(cycle, _BASIC),
                           using_db=conn)
    return await cycle_view(cycle)


async def update_cycle(*, actor: Actor, cycle_id: int, name: str, start_date: date, end_date: date
                       ) -> CycleView:
    """修改周期名称与起止日期; the windows already set must still fit."""
    _check_dates(start_date, end_date)
    async with in_transaction() as conn:
        cycle = await _cycle_for_write(actor, cycle_id, conn)
        before = audit.snapshot(cycle, _BASIC)
        cycle.name, cycle.start_date, cycle.end_date = name, start_date, end_date
        check_windows(cycle, {f: getattr(cycle, f) for f in WINDOW_FIELDS})
        await cycle.save(update_fields=["name", "start_date", "end_date", "updated_at"], using_db=conn)
        await audit.record(actor, "cycle.update", "cycle", cycle.id, before=before,
                           after=audit.snapshot(cycle, _BASIC), using_db=conn)
    return await cycle_view(cycle)


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=CST) if value.tzinfo is None else value


def check_windows(cycle: Cycle, windows: dict[str, datetime | None]) -> None:
    """Raise ValidationFailed naming the first window that breaks a rule."""
    w = {name: _aware(windows.get(name)) for name in WINDOW_FIELDS}

    def fail(message: str, code: str, *fields: str) -> None:
        raise ValidationFailed(message, code=code, details={"fields": list(fields)})

    for key, label in WINDOWS.items():
        start, end = w[f"{key}_start"], w[f"{key}_end"]
        if (start is None) != (end is None):
            fail(f"{label}时间请同时设置开始和结束时间", "window_incomplete", f"{key}_start", f"{key}_end")
        if start and end and start >= end:
            fail(f"{label}开始时间必须早于结束时间", "window_order", f"{key}_start", f"{key}_end")
    labels = {f"{k}_{e}": v for k, v in WINDOWS.items() for e in ("start", "end")}
    labels["delay_deadline"] = DELAY_LABEL
    for name in WINDOW_FIELDS:
        value = w[name]
        if value and not (cycle.start_date <= value.astimezone(CST).date() <= cycle.end_date):
            fail(f"{labels[name]}时间必须在考核周期（{cycle.start_date}至{cycle.end_date}）内",
                 "window_outside_cycle", name)
    # (earlier, later, may they be equal, message)
    rules = [
        ("enrol_start", "exam_start", False, "报名开始时间必须早于首轮考核开始时间"),
        ("enrol_start", "evaluation_start", True, "评定开始时间不得早于报名开始时间"),
        ("exam_start", "judging_start", False, "成绩评定开始时间必须晚于首轮考核开始时间"),
        ("exam_end", "reexam_start", False, "再次考核开始时间必须晚于首轮考核结束时间"),
        ("delay_deadline", "exam_end", False, "延期申请截止时间必须早于首轮考核结束时间"),
    ]
    for earlier, later, may_equal, message in rules:
        a, b = w[earlier], w[later]
        if a and b and (a > b or (a == b and not may_equal)):
            fail(message, "window_order", earlier, later)


async def set_windows(*, actor: Actor, cycle_id: int, windows: dict[str, datetime | None]) -> CycleView:
    """【保存时间设置】: every window at once (null = not set)."""
    async with in_transaction() as conn:
        cycle = await _cycle_for_write(actor, cycle_id, conn)
        check_windows(cycle, windows)
        before = audit.snapshot(cycle, WINDOW_FIELDS)
        for name in WINDOW_FIELDS:
            setattr(cycle, name, _aware(windows.get(name)))
        await cycle.save(update_fields=[*WINDOW_FIELDS, "updated_at"], using_db=conn)
        await audit.record(actor, "cycle.windows", "cycle", cycle.id, before=before,
                           after=audit.snapshot(cycle, WINDOW_FIELDS), using_db=conn)
    return await cycle_view(cycle)


async def _set_json(actor: Actor, cycle_id: int, field: str, value: Any, action: str) -> CycleView:
    async with in_transaction() as conn:
        cycle = await _cycle_for_write(actor, cycle_id, conn)
        before = {field: getattr(cycle, field)}
        setattr(cycle, field, value)
        await cycle.save(update_fields=[field, "updated_at"], using_db=conn)
        await audit.record(actor, action, "cycle", cycle.id, before=before, after={field: value}, using_db=conn)
    return await cycle_view(cycle)


def _no_duplicates(items: list[str], label: str) -> None:
    seen: set[str] = set()
    for item in items:
        if item in seen:
            raise ValidationFailed(f"{label}中有重复项：{item}", code="duplicate_item")
        seen.add(item)


async def set_evaluation_items(*, actor: Actor, cycle_id: int, items: dict[str, list[str]]) -> CycleView:
    """【编辑考核内容】: 工作成绩 / 职业道德 / 业务水平 items."""
    for key, label in (("work_performance", "工作成绩"), ("ethics", "职业道德"), ("professional_level", "业务水平")):
        _no_duplicates(items[key], label)
    return await _set_json(actor, cycle_id, "evaluation_items", items, "cycle.evaluation_items")


def _exam_settings_of(cycle: Cycle) -> dict[str, dict[str, int]]:
    merged = deepcopy(DEFAULT_EXAM_SETTINGS)
    for paper, values in (cycle.exam_settings or {}).items():
        merged.setdefault(paper, {}).update(values)
    return merged


async def set_exam_settings(*, actor: Actor, cycle_id: int, changes: dict[str, dict[str, int]]) -> CycleView:
    """考试参数 (时长、题量、次数、合格线): fields left out keep their value."""
    async with in_transaction() as conn:
        cycle = await _cycle_for_write(actor, cycle_id, conn)
        before = _exam_settings_of(cycle)
        after = deepcopy(before)
        for paper, values in changes.items():
            after[paper].update(values)
        cycle.exam_settings = after
        await cycle.save(update_fields=["exam_settings", "updated_at"], using_db=conn)
        await audit.record(actor, "cycle.exam_settings", "cycle", cycle.id, before={"exam_settings": before},
                           after={"exam_settings": after}, using_db=conn)
    return await cycle_view(cycle)


async def set_simple_conditions(*, actor: Actor, cycle_id: int, conditions: list[str]) -> CycleView:
    """简易程序条件."""
    _no_duplicates(conditions, "简易程序条件")
    return await _set_json(actor, cycle_id, "simple_conditions", conditions, "cycle.simple_conditions")


async def set_password_rule(*, actor: Actor, cycle_id: int, rule: PasswordRule) -> CycleView:
    """医师首次登录规则: phone_code (a code to the registry's phone, the default), initial_password (the
    institution hands out a random one per physician), fixed (666666) or id_last6 (issue #15)."""
    async with in_transaction() as conn:
        cycle = await _cycle_for_write(actor, cycle_id, conn)
        before = {"physician_password_rule": cycle.physician_password_rule.value}
        cycle.physician_password_rule = rule
        await cycle.save(update_fields=["physician_password_rule", "updated_at"], using_db=conn)
        await audit.record(actor, "cycle.password_rule", "cycle", cycle.id, before=before,
                           after={"physician_password_rule": rule.value}, using_db=conn)
    return await cycle_view(cycle)


# --- 免考设置 ------------------------------------------------------------------------------------


async def _reason_of(cycle: Cycle, reason_id: int, conn: Any) -> ExemptionReason:
    reason = await ExemptionReason.filter(id=reason_id, cycle_id=cycle.id).using_db(conn).first()
    if reason is None:
        raise NotFound("免考理由不存在", code="exemption_reason_not_found")
    return reason


async def _ensure_unique_reason(cycle: Cycle, paper: PaperType, text: str, conn: Any, exclude: int | None = None
                                ) -> None:
    query = ExemptionReason.filter(cycle_id=cycle.id, paper=paper, text=text).using_db(conn)
    if exclude is not None:
        query = query.exclude(id=exclude)
    if await query.exists():
        raise Conflict(f"{paper.label}免考理由已存在", code="exemption_reason_exists")


async def add_exemption_reason(*, actor: Actor, cycle_id: int, paper: PaperType, text: str) -> ExemptionReasonView:
    """【添加免考理由】."""
    async with in_transaction() as conn:
        cycle = await _cycle_for_write(actor, cycle_id, conn)
        await _ensure_unique_reason(cycle, paper, text, conn)
        last = await ExemptionReason.filter(cycle_id=cycle.id, paper=paper).using_db(conn).order_by("-sort").first()
        reason = await ExemptionReason.create(cycle_id=cycle.id, paper=paper, text=text,
                                              sort=(last.sort + 1) if last else 1, using_db=conn)
        after = audit.snapshot(reason, _REASON)
        await audit.record(actor, "cycle.exemption_reason.create", "exemption_reason", reason.id, after=after,
                           using_db=conn)
    return _reason_view(reason)


async def edit_exemption_reason(*, actor: Actor, cycle_id: int, reason_id: int, text: str) -> ExemptionReasonView:
    """【编辑】 a 免考理由."""
    async with in_transaction() as conn:
        cycle = await _cycle_for_write(actor, cycle_id, conn)
        reason = await _reason_of(cycle, reason_id, conn)
        await _ensure_unique_reason(cycle, reason.paper, text, conn, exclude=reason.id)
        before = audit.snapshot(reason, _REASON)
        reason.text = text
        await reason.save(update_fields=["text", "updated_at"], using_db=conn)
        after = audit.snapshot(reason, _REASON)
        await audit.record(actor, "cycle.exemption_reason.update", "exemption_reason", reason.id, before=before,
                           after=after, using_db=conn)
    return _reason_view(reason)


def _reason_view(reason: ExemptionReason) -> ExemptionReasonView:
    return ExemptionReasonView(id=reason.id, cycle_id=reason.cycle_id, paper=reason.paper, text=reason.text,
                               sort=reason.sort)


def _open_field(paper: PaperType) -> str:
    return f"{paper.value}_exemption_open"


async def delete_exemption_reason(*, actor: Actor, cycle_id: int, reason_id: int) -> None:
    """【删除】 a 免考理由; the last reason of an open paper cannot go (关闭申请 first)."""
    async with in_transaction() as conn:
        cycle = await _cycle_for_write(actor, cycle_id, conn)
        reason = await _reason_of(cycle, reason_id, conn)
        remaining = await ExemptionReason.filter(cycle_id=cycle.id, paper=reason.paper).using_db(conn).count()
        if getattr(cycle, _open_field(reason.paper)) and remaining <= 1:
            raise Conflict(f"{reason.paper.label}免考申请已开启，不能删除最后一条免考理由，请先关闭申请",
                           code="exemption_open")
        before = audit.snapshot(reason, _REASON)
        await reason.delete(using_db=conn)
        await audit.record(actor, "cycle.exemption_reason.delete", "exemption_reason", reason_id, before=before,
                           using_db=conn)


async def set_exemption_open(*, actor: Actor, cycle_id: int, paper: PaperType, is_open: bool
                             ) -> ExemptionOpenView:
    """【开启申请】 / 【关闭申请】 of one paper's exemption; opening needs at least one reason."""
    field = _open_field(paper)
    async with in_transaction() as conn:
        cycle = await _cycle_for_write(actor, cycle_id, conn)
        if is_open and not await ExemptionReason.filter(cycle_id=cycle.id, paper=paper).using_db(conn).exists():
            raise ValidationFailed(f"请先添加{paper.label}免考理由，再开启申请", code="no_exemption_reasons")
        before = {field: getattr(cycle, field)}
        setattr(cycle, field, is_open)
        await cycle.save(update_fields=[field, "updated_at"], using_db=conn)
        await audit.record(actor, "cycle.exemption_open" if is_open else "cycle.exemption_close", "cycle",
                           cycle.id, before=before, after={field: is_open}, using_db=conn)
    return ExemptionOpenView(paper=paper, open=is_open)


# --- 去确认 -------------------------------------------------------------------------------------


async def _own_current_cycle(actor: Actor) -> Cycle:
    pid = province_id_of_path(actor.region_path)
    cycle = await Cycle.filter(province_id=pid, is_current=True).order_by("-id").first() if pid else None
    if cycle is None:
        raise NotFound("本省尚未设置当前考核周期", code="cycle_not_found")
    return cycle


def _confirmation_view(cycle: Cycle, confirmation: CycleConfirmation | None) -> CycleConfirmationView:
    return CycleConfirmationView(
        cycle=ConfirmationCycle(id=cycle.id, name=cycle.name, start_date=cycle.start_date, end_date=cycle.end_date),
        confirmed=confirmation is not None,
        confirmed_at=_local(confirmation.confirmed_at) if confirmation else None,
    )


async def confirmation(*, actor: Actor) -> CycleConfirmationView:
    """Whether the caller's institution confirmed the current cycle dates (first-login prompt)."""
    cycle = await _own_current_cycle(actor)
    found = await CycleConfirmation.get_or_none(cycle_id=cycle.id, org_id=actor.org_id)
    return _confirmation_view(cycle, found)


async def confirm_cycle(*, actor: Actor) -> CycleConfirmationView:
    """【去确认】: record the confirmation once; confirming again keeps the first time."""
    if actor.role != Role.HEALTH_INSTITUTION:
        raise OutOfJurisdiction("只有卫生机构需要确认考核周期")
    cycle = await _own_current_cycle(actor)
    found = await CycleConfirmation.get_or_none(cycle_id=cycle.id, org_id=actor.org_id)
    if found is None:
        try:
            async with in_transaction() as conn:
                found = await CycleConfirmation.create(cycle_id=cycle.id, org_id=actor.org_id,
                                                       confirmed_by_id=actor.account_id, using_db=conn)
                await audit.record(actor, "cycle.confirm", "cycle", cycle.id, before={"confirmed": False},
                                   after={"confirmed": True, "org_id": actor.org_id}, using_db=conn)
        except IntegrityError:  # a concurrent confirmation won: keep its time
            found = await CycleConfirmation.get(cycle_id=cycle.id, org_id=actor.org_id)
    return _confirmation_view(cycle, found)
