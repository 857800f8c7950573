"""本周期考核设置, 免考设置 (省级专属) and 去确认 (SPEC §3)."""

from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request
from sanic_ext import validate

from server.errors import NotFound
from server.models import PaperType
from server.routes.guards import actor_of, require
from server.routes.render import int_arg, ok
from server.schemas.cycles import (
    CycleCreate,
    CycleUpdate,
    CycleWindows,
    EvaluationItems,
    ExamSettings,
    ExemptionReasonCreate,
    ExemptionReasonUpdate,
    PasswordRuleUpdate,
    SimpleConditions,
)
from server.services.access import Role
from server.services.cycles import cycle_settings

bp = Blueprint("admin_cycles", url_prefix="/")

ADMIN = Role.ADMINISTRATION
HOSPITAL = Role.HEALTH_INSTITUTION


def _paper(raw: str) -> PaperType:
    try:
        return PaperType(raw)
    except ValueError:
        raise NotFound("试卷类型不存在（humanities 人文医学 / professional 业务水平）", code="paper_not_found") from None


@bp.get("/cycles/current")
@require()
async def current_cycle(request: Request):
    """本周期考核设置 (read): the caller's province; ?province_id= for the national office."""
    return ok(await cycle_settings.current_cycle(actor=actor_of(request), province_id=int_arg(request, "province_id")))


@bp.get("/cycles/current/confirmation")
@require(HOSPITAL, Role.ASSESSMENT_INSTITUTION)
async def get_confirmation(request: Request):
    """考核周期起止日期告知: whether this institution has confirmed (去确认)."""
    return ok(await cycle_settings.confirmation(actor=actor_of(request)))


@bp.post("/cycles/current/confirmation")
@require(HOSPITAL)
async def confirm(request: Request):
    """【去确认】 the current cycle dates (idempotent)."""
    return ok(await cycle_settings.confirm_cycle(actor=actor_of(request)))


@bp.post("/cycles")
@require(ADMIN, province_only=True)
@validate(json=CycleCreate)
async def create_cycle(request: Request, body: CycleCreate):
    """新建本周期 (name, 起止日期)."""
    view = await cycle_settings.create_cycle(actor=actor_of(request), name=body.name, start_date=body.start_date,
                                     end_date=body.end_date)
    return ok(view, status=201)


@bp.get("/cycles/<cycle_id:int>")
@require()
async def get_cycle(request: Request, cycle_id: int):
    return ok(await cycle_settings.get_cycle(actor=actor_of(request), cycle_id=cycle_id))


@bp.put("/cycles/<cycle_id:int>")
@require(ADMIN, province_only=True)
@validate(json=CycleUpdate)
async def update_cycle(request: Request, cycle_id: int, body: CycleUpdate):
    """修改周期名称与起止日期."""
    return ok(await cycle_settings.update_cycle(actor=actor_of(request), cycle_id=cycle_id, name=body.name,
                                        start_date=body.start_date, end_date=body.end_date))


@bp.put("/cycles/<cycle_id:int>/windows")
@require(ADMIN, province_only=True)
@validate(json=CycleWindows)
async def set_windows(request: Request, cycle_id: int, body: CycleWindows):
    """【保存时间设置】."""
    return ok(await cycle_settings.set_windows(actor=actor_of(request), cycle_id=cycle_id, windows=body.model_dump()))


@bp.put("/cycles/<cycle_id:int>/evaluation-items")
@require(ADMIN, province_only=True)
@validate(json=EvaluationItems)
async def set_evaluation_items(request: Request, cycle_id: int, body: EvaluationItems):
    """【编辑考核内容】→【保存】."""
    return ok(await cycle_settings.set_evaluation_items(actor=actor_of(request), cycle_id=cycle_id,
                                                items=body.model_dump()))


@bp.put("/cycles/<cycle_id:int>/exam-settings")
@require(ADMIN, province_only=True)
@validate(json=ExamSettings)
async def set_exam_settings(request: Request, cycle_id: int, body: ExamSettings):
    """考试参数 (fields left out keep their value)."""
    changes = {paper: values for paper, values in body.model_dump(exclude_none=True).items() if values}
    return ok(await cycle_settings.set_exam_settings(actor=actor_of(request), cycle_id=cycle_id, changes=changes))


@bp.put("/cycles/<cycle_id:int>/simple-conditions")
@require(ADMIN, province_only=True)
@validate(json=SimpleConditions)
async def set_simple_conditions(request: Request, cycle_id: int, body: SimpleConditions):
    """简易程序条件."""
    return ok(await cycle_settings.set_simple_conditions(actor=actor_of(request), cycle_id=cycle_id,
                                                 conditions=body.conditions))


@bp.put("/cycles/<cycle_id:int>/password-rule")
@require(ADMIN, province_only=True)
@validate(json=PasswordRuleUpdate)
async def set_password_rule(request: Request, cycle_id: int, body: PasswordRuleUpdate):
    """医师初始密码规则."""
    return ok(await cycle_settings.set_password_rule(actor=actor_of(request), cycle_id=cycle_id, rule=body.rule))


@bp.post("/cycles/<cycle_id:int>/exemption-reasons")
@require(ADMIN, province_only=True)
@validate(json=ExemptionReasonCreate)
async def add_exemption_reason(request: Request, cycle_id: int, body: ExemptionReasonCreate):
    """免考设置 →【添加免考理由】."""
    row = await cycle_settings.add_exemption_reason(actor=actor_of(request), cycle_id=cycle_id, paper=body.paper,
                                            text=body.text)
    return ok(row, status=201)


@bp.put("/cycles/<cycle_id:int>/exemption-reasons/<reason_id:int>")
@require(ADMIN, province_only=True)
@validate(json=ExemptionReasonUpdate)
async def edit_exemption_reason(request: Request, cycle_id: int, reason_id: int, body: ExemptionReasonUpdate):
    """免考设置 →【编辑】."""
    return ok(await cycle_settings.edit_exemption_reason(actor=actor_of(request), cycle_id=cycle_id, reason_id=reason_id,
                                                 text=body.text))


@bp.delete("/cycles/<cycle_id:int>/exemption-reasons/<reason_id:int>")
@require(ADMIN, province_only=True)
async def delete_exemption_reason(request: Request, cycle_id: int, reason_id: int):
    """免考设置 →【删除】."""
    await cycle_settings.delete_exemption_reason(actor=actor_of(request), cycle_id=cycle_id, reason_id=reason_id)
    return ok()


@bp.post("/cycles/<cycle_id:int>/exemptions/<paper:str>/open")
@require(ADMIN, province_only=True)
async def open_exemption(request: Request, cycle_id: int, paper: str):
    """免考设置 →【开启申请】 (paper: humanities | professional)."""
    return ok(await cycle_settings.set_exemption_open(actor=actor_of(request), cycle_id=cycle_id, paper=_paper(paper),
                                              is_open=True))


@bp.post("/cycles/<cycle_id:int>/exemptions/<paper:str>/close")
@require(ADMIN, province_only=True)
async def close_exemption(request: Request, cycle_id: int, paper: str):
    """免考设置 →【关闭申请】."""
    return ok(await cycle_settings.set_exemption_open(actor=actor_of(request), cycle_id=cycle_id, paper=_paper(paper),
                                              is_open=False))
