"""本周期考核设置, 免考设置 (省级专属) and 去确认 (SPEC §3)."""

from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request

from server.errors import NotFound
from server.models import PaperType
from server.routes.api import endpoint
from server.routes.guards import actor_of
from server.schemas.common import Done
from server.schemas.cycles import (
    CurrentCycleQuery,
    CycleConfirmationView,
    CycleCreate,
    CycleUpdate,
    CycleView,
    CycleWindows,
    EvaluationItems,
    ExamSettings,
    ExemptionOpenView,
    ExemptionReasonCreate,
    ExemptionReasonUpdate,
    ExemptionReasonView,
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
@endpoint(query=CurrentCycleQuery, response=CycleView)
async def current_cycle(request: Request, query: CurrentCycleQuery):
    """本周期考核设置 (read): the caller's province; ?province_id= for the national office."""
    return await cycle_settings.current_cycle(actor=actor_of(request), province_id=query.province_id)


@bp.get("/cycles/current/confirmation")
@endpoint(HOSPITAL, Role.ASSESSMENT_INSTITUTION, response=CycleConfirmationView)
async def get_confirmation(request: Request):
    """考核周期起止日期告知: whether this institution has confirmed (去确认)."""
    return await cycle_settings.confirmation(actor=actor_of(request))


@bp.post("/cycles/current/confirmation")
@endpoint(HOSPITAL, response=CycleConfirmationView)
async def confirm(request: Request):
    """【去确认】 the current cycle dates (idempotent)."""
    return await cycle_settings.confirm_cycle(actor=actor_of(request))


@bp.post("/cycles")
@endpoint(ADMIN, province_only=True, body=CycleCreate, response=CycleView, status=201)
async def create_cycle(request: Request, body: CycleCreate):
    """新建本周期 (name, 起止日期)."""
    return await cycle_settings.create_cycle(actor=actor_of(request), name=body.name, start_date=body.start_date,
                                             end_date=body.end_date)


@bp.get("/cycles/<cycle_id:int>")
@endpoint(response=CycleView)
async def get_cycle(request: Request, cycle_id: int):
    return await cycle_settings.get_cycle(actor=actor_of(request), cycle_id=cycle_id)


@bp.put("/cycles/<cycle_id:int>")
@endpoint(ADMIN, province_only=True, body=CycleUpdate, response=CycleView)
async def update_cycle(request: Request, cycle_id: int, body: CycleUpdate):
    """修改周期名称与起止日期."""
    return await cycle_settings.update_cycle(actor=actor_of(request), cycle_id=cycle_id, name=body.name,
                                        start_date=body.start_date, end_date=body.end_date)


@bp.put("/cycles/<cycle_id:int>/windows")
@endpoint(ADMIN, province_only=True, body=CycleWindows, response=CycleView)
async def set_windows(request: Request, cycle_id: int, body: CycleWindows):
    """【保存时间设置】."""
    return await cycle_settings.set_windows(actor=actor_of(request), cycle_id=cycle_id, windows=body.model_dump())


@bp.put("/cycles/<cycle_id:int>/evaluation-items")
@endpoint(ADMIN, province_only=True, body=EvaluationItems, response=CycleView)
async def set_evaluation_items(request: Request, cycle_id: int, body: EvaluationItems):
    """【编辑考核内容】→【保存】."""
    return await cycle_settings.set_evaluation_items(actor=actor_of(request), cycle_id=cycle_id,
                                                items=body.model_dump())


@bp.put("/cycles/<cycle_id:int>/exam-settings")
@endpoint(ADMIN, province_only=True, body=ExamSettings, response=CycleView)
async def set_exam_settings(request: Request, cycle_id: int, body: ExamSettings):
    """考试参数 (fields left out keep their value)."""
    changes = {paper: values for paper, values in body.model_dump(exclude_none=True).items() if values}
    return await cycle_settings.set_exam_settings(actor=actor_of(request), cycle_id=cycle_id, changes=changes)


@bp.put("/cycles/<cycle_id:int>/simple-conditions")
@endpoint(ADMIN, province_only=True, body=SimpleConditions, response=CycleView)
async def set_simple_conditions(request: Request, cycle_id: int, body: SimpleConditions):
    """简易程序条件."""
    return await cycle_settings.set_simple_conditions(actor=actor_of(request), cycle_id=cycle_id,
                                                 conditions=body.conditions)


@bp.put("/cycles/<cycle_id:int>/password-rule")
@endpoint(ADMIN, province_only=True, body=PasswordRuleUpdate, response=CycleView)
async def set_password_rule(request: Request, cycle_id: int, body: PasswordRuleUpdate):
    """医师初始密码规则."""
    return await cycle_settings.set_password_rule(actor=actor_of(request), cycle_id=cycle_id, rule=body.rule)


@bp.post("/cycles/<cycle_id:int>/exemption-reasons")
@endpoint(ADMIN, province_only=True, body=ExemptionReasonCreate, response=ExemptionReasonView, status=201)
async def add_exemption_reason(request: Request, cycle_id: int, body: ExemptionReasonCreate):
    """免考设置 →【添加免考理由】."""
    return await cycle_settings.add_exemption_reason(actor=actor_of(request), cycle_id=cycle_id, paper=body.paper,
                                                     text=body.text)


@bp.put("/cycles/<cycle_id:int>/exemption-reasons/<reason_id:int>")
@endpoint(ADMIN, province_only=True, body=ExemptionReasonUpdate, response=ExemptionReasonView)
async def edit_exemption_reason(request: Request, cycle_id: int, reason_id: int, body: ExemptionReasonUpdate):
    """免考设置 →【编辑】."""
    return await cycle_settings.edit_exemption_reason(actor=actor_of(request), cycle_id=cycle_id, reason_id=reason_id,
                                                 text=body.text)


@bp.delete("/cycles/<cycle_id:int>/exemption-reasons/<reason_id:int>")
@endpoint(ADMIN, province_only=True, response=Done)
async def delete_exemption_reason(request: Request, cycle_id: int, reason_id: int):
    """免考设置 →【删除】."""
    await cycle_settings.delete_exemption_reason(actor=actor_of(request), cycle_id=cycle_id, reason_id=reason_id)
    return Done()


@bp.post("/cycles/<cycle_id:int>/exemptions/<paper:str>/open")
@endpoint(ADMIN, province_only=True, response=ExemptionOpenView)
async def open_exemption(request: Request, cycle_id: int, paper: str):
    """免考设置 →【开启申请】 (paper: humanities | professional)."""
    return await cycle_settings.set_exemption_open(actor=actor_of(request), cycle_id=cycle_id, paper=_paper(paper),
                                              is_open=True)


@bp.post("/cycles/<cycle_id:int>/exemptions/<paper:str>/close")
@endpoint(ADMIN, province_only=True, response=ExemptionOpenView)
async def close_exemption(request: Request, cycle_id: int, paper: str):
    """免考设置 →【关闭申请】."""
    return await cycle_settings.set_exemption_open(actor=actor_of(request), cycle_id=cycle_id, paper=_paper(paper),
                                              is_open=False)
