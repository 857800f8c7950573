"""The province's assessment cycle (考核周期) and its settings (本周期考核设置)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from server.models.base import LabelledEnum, TimestampedModel


class PasswordRule(LabelledEnum):
    """How a physician who never logged in signs in the first time (a province's setting, issue #15)."""

    PHONE_CODE = ("phone_code", "首次登录凭登记手机的验证码")
    INITIAL_PASSWORD = ("initial_password", "机构发放的个人初始密码")
    FIXED = ("fixed", "初始密码666666")
    ID_LAST6 = ("id_last6", "证件号码后六位（X大写）")


class PaperType(LabelledEnum):
    HUMANITIES = ("humanities", "人文医学")
    PROFESSIONAL = ("professional", "业务水平")


# SPEC §3 defaults, taken from the seeds (广西 2019-2020 schedule).
DEFAULT_EXAM_SETTINGS: dict[str, dict[str, int]] = {
    "humanities": {"duration_minutes": 60, "question_count": 50, "max_attempts": 10, "pass_score": 60},
    "professional": {
        "duration_minutes": 60,
        "question_count": 100,
        "max_attempts": 1,
        "pass_score": 60,
        "pass_score_assistant": 55,
    },
}

DEFAULT_EVALUATION_ITEMS: dict[str, list[str]] = {
    "work_performance": ["完成岗位工作任务情况", "医疗质量与安全", "继续医学教育情况"],
    "ethics": ["遵守法律法规和规章制度", "医德医风", "医患沟通"],
    "professional_level": ["专业知识与技能", "业务水平测评"],
}

DEFAULT_SIMPLE_CONDITIONS: list[str] = [
    "具有中级以上专业技术职务任职资格，从事医疗、预防、保健工作满10年",
    "考核周期内无不良执业行为记录",
    "考核周期内未发生需要承担责任的医疗事故",
]

# Window fields of a cycle, in order, with their Chinese names.
WINDOWS: dict[str, str] = {
    "enrol": "报名",
    "evaluation": "评定",
    "exam": "首轮考核",
    "judging": "成绩评定",
    "reexam": "再次考核",
}


class Cycle(TimestampedModel):
    id = fields.IntField(primary_key=True)
    province = fields.ForeignKeyField("models.Region", related_name="cycles", on_delete=fields.RESTRICT)
    name = fields.CharField(max_length=64)
    start_date = fields.DateField()
    end_date = fields.DateField()
    is_current = fields.BooleanField(default=True)
    enrol_start = fields.DatetimeField(null=True)
    enrol_end = fields.DatetimeField(null=True)
    evaluation_start = fields.DatetimeField(null=True)
    evaluation_end = fields.DatetimeField(null=True)
    exam_start = fields.DatetimeField(null=True)
    exam_end = fields.DatetimeField(null=True)
    judging_start = fields.DatetimeField(null=True)
    judging_end = fields.DatetimeField(null=True)
    delay_deadline = fields.DatetimeField(null=True, description="延期申请截止")
    reexam_start = fields.DatetimeField(null=True)
    reexam_end = fields.DatetimeField(null=True)
    evaluation_items = fields.JSONField(default=dict)
    exam_settings = fields.JSONField(default=dict)
    simple_conditions = fields.JSONField(default=list)
    physician_password_rule = fields.CharEnumField(PasswordRule, max_length=16, default=PasswordRule.PHONE_CODE)
    # 考核通知: physicians who still have a paper are told when 首轮考核 / 再次考核 opens and this many
    # days before it closes (0: no closing reminder)
    notice_days_before_close = fields.SmallIntField(default=3)
    # 违纪不合格 published (the Guangxi schedule: 作弊…评定为本周期考核不合格并向社会进行公布), when the province turns it on
    publish_violations = fields.BooleanField(default=False)
    # 快速注册 (the Xinjiang guide): physicians register themselves and their institution decides (注册审核)
    self_registration = fields.BooleanField(default=False)
    humanities_exemption_open = fields.BooleanField(default=False)
    professional_exemption_open = fields.BooleanField(default=False)

    class Meta:
        table = "cycle"


class ExamWindowNotice(Model):
    """考核通知 sent: one row per physician, cycle, exam window and moment, so that each notice goes
    out exactly once (the unique key), whatever restarts or concurrent sweeps happen."""

    id = fields.BigIntField(primary_key=True)
    cycle = fields.ForeignKeyField("models.Cycle", related_name=False, on_delete=fields.CASCADE)
    window = fields.CharField(max_length=16, description="exam 首轮考核 | reexam 再次考核")
    moment = fields.CharField(max_length=16, description="open 开始 | closing 即将结束")
    physician_id = fields.IntField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "exam_window_notice"
        unique_together = (("cycle", "window", "moment", "physician_id"),)


class ExemptionReason(TimestampedModel):
    id = fields.IntField(primary_key=True)
    cycle = fields.ForeignKeyField("models.Cycle", related_name="exemption_reasons", on_delete=fields.CASCADE)
    paper = fields.CharEnumField(PaperType, max_length=16)
    text = fields.CharField(max_length=255)
    sort = fields.SmallIntField(default=0)

    class Meta:
        table = "exemption_reason"


class CycleConfirmation(Model):
    """去确认: a health institution confirmed the cycle dates on first login."""

    id = fields.IntField(primary_key=True)
    cycle = fields.ForeignKeyField("models.Cycle", related_name="confirmations", on_delete=fields.CASCADE)
    org = fields.ForeignKeyField("models.Organisation", related_name=False, on_delete=fields.CASCADE)
    confirmed_by = fields.ForeignKeyField("models.StaffAccount", null=True, related_name=False, on_delete=fields.SET_NULL)
    confirmed_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "cycle_confirmation"
        unique_together = (("cycle", "org"),)
