"""One physician's assessment in one cycle (SPEC §4), its history, and the enums of the
state machine (the rules themselves are in server/services/assessment_flow.py)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from server.models.base import LabelledEnum, TimestampedModel


class AssessmentStatus(LabelledEnum):
    NOT_INCLUDED = ("not_included", "未开通报名")
    INCLUDED = ("included", "已开通报名")
    ENROL_SUBMITTED = ("enrol_submitted", "待卫生机构审核")
    ENROL_RETURNED = ("enrol_returned", "报名信息被驳回")
    ENROL_REPORTED = ("enrol_reported", "待考核机构确认")
    ENROLLED = ("enrolled", "待卫生机构评定")
    PROCEDURE_RETURNED = ("procedure_returned", "待重新选择考核程序")
    EVALUATED = ("evaluated", "待考核机构复核")
    AWAITING_EXAM = ("awaiting_exam", "待参加测评")
    EXAMS_DONE = ("exams_done", "待成绩评定")
    QUALIFIED = ("qualified", "合格")
    FAILED = ("failed", "不合格")
    REEXAM_LISTED = ("reexam_listed", "待再次考核")
    REEXAM_DONE = ("reexam_done", "再次考核待评定")
    FINAL_FAILED = ("final_failed", "再次考核不合格")
    LEFT = ("left", "已退出当前周期")



class ModificationStatus(LabelledEnum):
    NONE = ("none", "无")
    REQUESTED = ("requested", "申请修改待审核")
    ALLOWED = ("allowed", "已允许修改")
    SUBMITTED = ("submitted", "修改待确认")


class ExemptionStatus(LabelledEnum):
    NONE = ("none", "未申请")
    HI_PENDING = ("hi_pending", "待卫生机构审核")
    AI_PENDING = ("ai_pending", "待考核机构复核")
    APPROVED = ("approved", "免考通过")
    RETURNED = ("returned", "驳回需补充材料")
    REFUSED = ("refused", "驳回禁止再次申请")


class DelayStatus(LabelledEnum):
    NONE = ("none", "未申请")
    HI_PENDING = ("hi_pending", "待卫生机构审批")
    ADMIN_PENDING = ("admin_pending", "待卫生行政部门审批")
    APPROVED = ("approved", "延期已批准")
    REJECTED = ("rejected", "延期被驳回")


class AppealStatus(LabelledEnum):
    """复核申请: the physician disagrees with the result (within 30 days of receiving it)."""

    NONE = ("none", "未申请")
    PENDING = ("pending", "复核申请待处理")
    UPHELD = ("upheld", "维持原结果")
    CHANGED = ("changed", "已变更结果")


class Procedure(LabelledEnum):
    SIMPLE = ("simple", "简易程序")
    GENERAL = ("general", "一般程序")


class ItemResult(LabelledEnum):
    PASS = ("pass", "合格")
    FAIL = ("fail", "不合格")




class Assessment(TimestampedModel):
    id = fields.IntField(primary_key=True)
    physician = fields.ForeignKeyField("models.Physician", related_name="assessments", on_delete=fields.RESTRICT)
    cycle = fields.ForeignKeyField("models.Cycle", related_name="assessments", on_delete=fields.RESTRICT)
    institution = fields.ForeignKeyField("models.Organisation", related_name="assessments", on_delete=fields.RESTRICT)
    # Copy of the institution's region path: jurisdiction filters without joins.
    region_path = fields.CharField(max_length=255, db_index=True, default="")
    # The four flows' states. Set only by server/services/workflow.py, never directly.
    status = fields.CharEnumField(AssessmentStatus, max_length=32, default=AssessmentStatus.NOT_INCLUDED,
                                  db_index=True)
    modification = fields.CharEnumField(ModificationStatus, max_length=16, default=ModificationStatus.NONE)
    exemption = fields.CharEnumField(ExemptionStatus, max_length=16, default=ExemptionStatus.NONE)
    delay = fields.CharEnumField(DelayStatus, max_length=16, default=DelayStatus.NONE)
    # True while the physician takes part in the cycle (not 未开通报名 / 已退出当前周期).
    active = fields.BooleanField(default=False, db_index=True)
    procedure = fields.CharEnumField(Procedure, max_length=16, null=True)
    # The five enrolment steps, saved as drafts: basic / practice / experience / self_assessment / procedure
    enrolment = fields.JSONField(default=dict)
    # sha256 of the enrolment content last submitted (提交信息): a re-submit after 驳回 must change something
    submitted_hash = fields.CharField(max_length=64, default="")
    # 申请修改: the edits waiting for the institution's confirmation
    pending_changes = fields.JSONField(default=dict)
    photo_file_id = fields.UUIDField(null=True)
    # 评定工作成绩、职业道德 (health institution) and 复核 (assessment institution)
    work_result = fields.CharEnumField(ItemResult, max_length=8, null=True)
    ethics_result = fields.CharEnumField(ItemResult, max_length=8, null=True)
    evaluation_opinion = fields.TextField(default="")
    other_site_opinions = fields.JSONField(default=list)
    # 逐项评定: {group: [{item, result, reason}]} against the cycle's 考核内容 (evaluation_items)
    evaluation_items = fields.JSONField(default=dict)
    review = fields.JSONField(default=dict)
    # 免考: {paper, reason_ids, proof_ids, note}; 延期: reason
    exemption_data = fields.JSONField(default=dict)
    delay_reason = fields.TextField(default="")
    # 复核申请 (side flow): status, and {reason, proof_ids, applied_at, result_before, decision_reason,
    # result_after, decided_at}
    appeal = fields.CharEnumField(AppealStatus, max_length=16, default=AppealStatus.NONE)
    appeal_data = fields.JSONField(default=dict)
    # The reason of the last refusal, shown to the physician / lower organisation
    last_reason = fields.TextField(default="")
    version = fields.IntField(default=0)
    # Outcome details (SPEC §4 stages 6-7)
    fail_reason = fields.CharField(max_length=32, default="", description="evaluation|exam|missed|violation")
    violation = fields.BooleanField(default=False, description="违纪不合格")
    suspension_months = fields.SmallIntField(null=True, description="暂停执业月数 (3-6)")
    suspended_from = fields.DateField(null=True)
    no_promotion = fields.BooleanField(default=False, description="再次考核合格: 本周期不得评优和晋升")
    deregistration_recommended = fields.BooleanField(default=False, description="再次考核不合格: 建议注销注册")
    concluded_at = fields.DatetimeField(null=True)
    # 考核详情 → 确认考核信息 (seed manual 2.2.4): the 试卷列表 and 进入 wait for it (SPEC §5)
    exam_info_confirmed_at = fields.DatetimeField(null=True, description="确认考核信息的时间")

    class Meta:
        table = "assessment"
        unique_together = (("physician", "cycle"),)
        # the health institution's and assessment institution's lists and queues (SPEC §8)
        indexes = (("institution_id", "status"),)


class AssessmentEvent(Model):
    """History: every transition with who, which organisation and role, when, from, to, why."""

    id = fields.BigIntField(primary_key=True)
    assessment = fields.ForeignKeyField("models.Assessment", related_name="events", on_delete=fields.CASCADE)
    flow = fields.CharField(max_length=16)
    action = fields.CharField(max_length=48)
    from_status = fields.CharField(max_length=32)
    to_status = fields.CharField(max_length=32)
    actor_type = fields.CharField(max_length=16)
    actor_id = fields.IntField(null=True)
    org_id = fields.IntField(null=True)
    role = fields.CharField(max_length=32)
    reason = fields.TextField(default="")
    data = fields.JSONField(default=dict)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "assessment_event"
        indexes = (("assessment_id", "id"),)  # one record's history, in order
