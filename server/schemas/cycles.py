"""Request bodies of 本周期考核设置 and 免考设置 (SPEC §3). Unknown fields are refused."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from server.models import PaperType, PasswordRule
from server.schemas.common import In, Labelled, Out, Ref

Item = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CycleCreate(Strict):
    name: str = Field(min_length=1, max_length=64, description="周期名称，如 2024-2026周期")
    start_date: date = Field(description="考核周期开始日期")
    end_date: date = Field(description="考核周期结束日期")


class CycleUpdate(CycleCreate):
    """修改周期名称与起止日期 (the windows must still fit)."""


class CycleWindows(Strict):
    """【保存时间设置】: every window replaced; null = not set yet. Naive times are Beijing time."""

    enrol_start: datetime | None = Field(default=None, description="报名开始")
    enrol_end: datetime | None = Field(default=None, description="报名结束")
    evaluation_start: datetime | None = Field(default=None, description="评定开始")
    evaluation_end: datetime | None = Field(default=None, description="评定结束")
    exam_start: datetime | None = Field(default=None, description="首轮考核开始")
    exam_end: datetime | None = Field(default=None, description="首轮考核结束")
    judging_start: datetime | None = Field(default=None, description="成绩评定开始")
    judging_end: datetime | None = Field(default=None, description="成绩评定结束")
    delay_deadline: datetime | None = Field(default=None, description="延期申请截止")
    reexam_start: datetime | None = Field(default=None, description="再次考核开始")
    reexam_end: datetime | None = Field(default=None, description="再次考核结束")


class EvaluationItems(Strict):
    """【编辑考核内容】: the items of 工作成绩 / 职业道德 / 业务水平."""

    work_performance: list[Item] = Field(min_length=1, max_length=30, description="工作成绩")
    ethics: list[Item] = Field(min_length=1, max_length=30, description="职业道德")
    professional_level: list[Item] = Field(min_length=1, max_length=30, description="业务水平")


class _PaperSettings(Strict):
    duration_minutes: int | None = Field(default=None, ge=10, le=240, description="考试时长（分钟）")
    question_count: int | None = Field(default=None, ge=1, le=300, description="题量")
    max_attempts: int | None = Field(default=None, ge=1, le=20, description="最多考试次数")
    pass_score: int | None = Field(default=None, ge=0, le=100, description="合格分数线")
    show_score: bool | None = Field(default=None, description="交卷后是否向医师显示分数")
    mid_checks: int | None = Field(default=None, ge=0, le=5, description="考中人脸核验次数")


class HumanitiesSettings(_PaperSettings):
    """人文医学."""


class ProfessionalSettings(_PaperSettings):
    """业务水平: 执业医师 pass line, and the 执业助理医师 one."""

    pass_score_assistant: int | None = Field(default=None, ge=0, le=100, description="执业助理医师合格分数线")


class ExamSettings(Strict):
    """考试参数: fields left out keep their current value."""

    humanities: HumanitiesSettings | None = None
    professional: ProfessionalSettings | None = None


class SimpleConditions(Strict):
    """简易程序条件."""

    conditions: list[Item] = Field(min_length=1, max_length=20)


class PasswordRuleUpdate(Strict):
    """医师初始密码规则: fixed (666666) | id_last6 (证件号码后六位，X大写)."""

    rule: PasswordRule


class ExemptionReasonCreate(Strict):
    """【添加免考理由】."""

    paper: PaperType = Field(title="试卷类型", description="humanities 人文医学 | professional 业务水平")
    text: str = Field(min_length=1, max_length=255, description="免考理由")


class ExemptionReasonUpdate(Strict):
    """【编辑】 a 免考理由."""

    text: str = Field(min_length=1, max_length=255, description="免考理由")


# --- typed contract (issue #10): queries and answers ---------------------------------------------


class CurrentCycleQuery(In):
    province_id: int | None = Field(default=None, description="省份（国家级查看某省时）")


class WindowsView(Out):
    """The cycle's windows in Beijing time (null = not set yet)."""

    enrol_start: datetime | None
    enrol_end: datetime | None
    evaluation_start: datetime | None
    evaluation_end: datetime | None
    exam_start: datetime | None
    exam_end: datetime | None
    judging_start: datetime | None
    judging_end: datetime | None
    reexam_start: datetime | None
    reexam_end: datetime | None
    delay_deadline: datetime | None


class ExemptionReasonItem(Out):
    id: int
    text: str
    sort: int


class ExemptionOpen(Out):
    humanities: bool
    professional: bool


class CycleView(Out):
    """本周期考核设置: dates, windows, 考核内容, 考试参数, 简易程序条件, 初始密码规则, 免考设置."""

    id: int
    name: str
    province: Ref
    start_date: date
    end_date: date
    is_current: bool
    windows: WindowsView
    window_labels: dict[str, str]
    evaluation_items: dict[str, list[str]]
    exam_settings: dict[str, dict[str, Any]] = Field(description="按试卷类型（humanities / professional）的考试参数")
    simple_conditions: list[str]
    physician_password_rule: Labelled[PasswordRule]
    self_registration: bool = Field(description="开放快速注册")
    publish_violations: bool = Field(description="向社会公布违纪不合格结果")
    exemption_open: ExemptionOpen
    exemption_reasons: dict[str, list[ExemptionReasonItem]]


class ConfirmationCycle(Out):
    id: int
    name: str
    start_date: date
    end_date: date


class CycleConfirmationView(Out):
    """考核周期起止日期告知 and whether this institution confirmed it (去确认)."""

    cycle: ConfirmationCycle
    confirmed: bool
    confirmed_at: datetime | None


class ExemptionReasonView(Out):
    id: int
    cycle_id: int
    paper: PaperType
    text: str
    sort: int


class ExemptionOpenView(Out):
    paper: PaperType
    open: bool
