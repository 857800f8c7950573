"""Organisations (administrations, health institutions, industry organisations) and
what hangs off them: departments, assessment-institution applications and assignments."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from server.models.base import LabelledEnum, TimestampedModel


class OrgKind(LabelledEnum):
    ADMINISTRATION = ("administration", "卫生行政机构")
    HEALTH_INSTITUTION = ("health_institution", "卫生机构")
    INDUSTRY_ORG = ("industry_org", "行业组织")


class Organisation(TimestampedModel):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=128)
    kind = fields.CharEnumField(OrgKind, max_length=32)
    region = fields.ForeignKeyField("models.Region", related_name="organisations", on_delete=fields.RESTRICT)
    # Copy of region.path, so jurisdiction filters need no join.
    region_path = fields.CharField(max_length=255, db_index=True)
    credit_code = fields.CharField(max_length=32, null=True, description="统一社会信用代码")
    address = fields.CharField(max_length=255, null=True, description="详细地址")
    # 考核机构: approved by the administration (health institutions) or configured (industry orgs)
    is_assessment_institution = fields.BooleanField(default=False)
    # 允许 / 不允许 applying to become an assessment institution
    may_apply_assessment = fields.BooleanField(default=False)
    # 本机构信息 forms, keyed by form: institution / health_commission / committee / office
    info = fields.JSONField(default=dict)

    class Meta:
        table = "organisation"

    def __str__(self) -> str:
        return self.name


class Department(TimestampedModel):
    id = fields.IntField(primary_key=True)
    org = fields.ForeignKeyField("models.Organisation", related_name="departments", on_delete=fields.CASCADE)
    parent = fields.ForeignKeyField(
        "models.Department", null=True, related_name="children", on_delete=fields.RESTRICT
    )
    name = fields.CharField(max_length=64)
    description = fields.CharField(max_length=255, default="", description="科室介绍")
    level = fields.SmallIntField(default=1, description="1 一级科室, 2 二级科室")

    class Meta:
        table = "department"
        unique_together = (("org", "parent", "name"),)


class AssessmentAssignment(Model):
    """指定卫生机构: which assessment institution assesses which health institution."""

    id = fields.IntField(primary_key=True)
    assessor = fields.ForeignKeyField(
        "models.Organisation", related_name="assigned_institutions", on_delete=fields.CASCADE
    )
    institution = fields.OneToOneField(
        "models.Organisation", related_name="assessor_assignment", on_delete=fields.CASCADE
    )
    assigned_by = fields.ForeignKeyField("models.StaffAccount", null=True, related_name=False, on_delete=fields.SET_NULL)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "assessment_assignment"


class ApplicationStatus(LabelledEnum):
    PENDING = ("pending", "待审批")
    APPROVED = ("approved", "已通过")
    REJECTED = ("rejected", "已驳回")


class AssessmentApplication(TimestampedModel):
    """A health institution's application to become an assessment institution."""

    id = fields.IntField(primary_key=True)
    org = fields.ForeignKeyField("models.Organisation", related_name="assessment_applications", on_delete=fields.CASCADE)
    status = fields.CharEnumField(ApplicationStatus, max_length=16, default=ApplicationStatus.PENDING)
    note = fields.TextField(default="", description="申请说明")
    # ids of StoredFile rows with the uploaded materials
    material_ids = fields.JSONField(default=list)
    reason = fields.TextField(default="", description="驳回理由")
    decided_by = fields.ForeignKeyField("models.StaffAccount", null=True, related_name=False, on_delete=fields.SET_NULL)
    decided_at = fields.DatetimeField(null=True)

    class Meta:
        table = "assessment_application"
