"""The physician registry: who practises where, and moves between institutions."""

from __future__ import annotations

from tortoise import fields

from server.models.base import LabelledEnum, TimestampedModel


class PracticeCategory(LabelledEnum):
    CLINICAL = ("clinical", "临床")
    TCM = ("tcm", "中医")
    DENTAL = ("dental", "口腔")
    PUBLIC_HEALTH = ("public_health", "公共卫生")


class PhysicianLevel(LabelledEnum):
    PHYSICIAN = ("physician", "执业医师")
    ASSISTANT = ("assistant", "执业助理医师")


class RegistryStatus(LabelledEnum):
    ACTIVE = ("active", "在册")
    HOLDING = ("holding", "暂存区")
    PENDING = ("pending", "注册待审核")  # 快速注册, waiting for the institution's 注册审核


class HoldingReason(LabelledEnum):
    DECEASED = ("deceased", "死亡")
    RETIRED = ("retired", "退休（不再执业）")
    LEFT = ("left", "离职（不再执业）")
    INSTITUTION_CANCELLED = ("closed", "机构注销")
    REGISTRATION_REJECTED = ("reg_rejected", "注册审核未通过")


class Physician(TimestampedModel):
    id = fields.IntField(primary_key=True)
    id_number = fields.CharField(max_length=18, unique=True, description="证件号码")
    name = fields.CharField(max_length=64)
    gender = fields.CharField(max_length=4, null=True)
    birth_date = fields.DateField(null=True)
    phone = fields.CharField(max_length=20, null=True)
    phone_verified = fields.BooleanField(default=False)
    qualification_cert_no = fields.CharField(max_length=32, null=True, description="医师资格证书编号")
    practice_cert_no = fields.CharField(max_length=32, null=True, description="执业证书编号")
    level = fields.CharEnumField(PhysicianLevel, max_length=16, default=PhysicianLevel.PHYSICIAN)
    category = fields.CharEnumField(PracticeCategory, max_length=16, default=PracticeCategory.CLINICAL)
    practice_scope = fields.CharField(max_length=64, null=True, description="执业范围")
    institution = fields.ForeignKeyField(
        "models.Organisation", null=True, related_name="physicians", on_delete=fields.RESTRICT, db_index=True
    )
    department = fields.ForeignKeyField(
        "models.Department", null=True, related_name="physicians", on_delete=fields.RESTRICT
    )
    # Copy of the institution's region path (jurisdiction filters without joins);
    # for physicians in the holding area, the path of the institution they left.
    region_path = fields.CharField(max_length=255, db_index=True)
    registry_status = fields.CharEnumField(RegistryStatus, max_length=16, default=RegistryStatus.ACTIVE)
    holding_reason = fields.CharEnumField(HoldingReason, max_length=16, null=True)
    # NULL means "still the initial password" of the province's rule
    password_hash = fields.CharField(max_length=255, null=True)
    must_change_password = fields.BooleanField(default=True)
    failed_logins = fields.SmallIntField(default=0)
    locked_until = fields.DatetimeField(null=True)
    last_login_at = fields.DatetimeField(null=True)
    wechat_openid = fields.CharField(max_length=64, null=True, unique=True, description="mini-program openid")

    class Meta:
        table = "physician"


class TransferKind(LabelledEnum):
    CHANGE = ("change", "变更卫生机构")
    TRANSFER = ("transfer", "人员调出")
    HOLDING_IN = ("holding_in", "调入暂存区")
    HOLDING_OUT = ("holding_out", "调出暂存区")


class TransferStatus(LabelledEnum):
    PENDING = ("pending", "待审核")
    APPROVED = ("approved", "已通过")
    REJECTED = ("rejected", "已驳回")


class PhysicianTransfer(TimestampedModel):
    """A move of a physician: direct change, transfer out/in, or into/out of the holding area."""

    id = fields.IntField(primary_key=True)
    physician = fields.ForeignKeyField("models.Physician", related_name="transfers", on_delete=fields.CASCADE)
    kind = fields.CharEnumField(TransferKind, max_length=16)
    status = fields.CharEnumField(TransferStatus, max_length=16, default=TransferStatus.PENDING)
    from_org = fields.ForeignKeyField("models.Organisation", null=True, related_name=False, on_delete=fields.SET_NULL)
    to_org = fields.ForeignKeyField("models.Organisation", null=True, related_name=False, on_delete=fields.SET_NULL)
    holding_reason = fields.CharEnumField(HoldingReason, max_length=16, null=True)
    note = fields.TextField(default="")
    requested_by = fields.ForeignKeyField("models.StaffAccount", null=True, related_name=False, on_delete=fields.SET_NULL)
    decided_by = fields.ForeignKeyField("models.StaffAccount", null=True, related_name=False, on_delete=fields.SET_NULL)
    decision_reason = fields.TextField(default="")
    decided_at = fields.DatetimeField(null=True)

    class Meta:
        table = "physician_transfer"
