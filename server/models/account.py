"""Staff accounts (机构账号): one login per organisation; login sessions of staff and physicians."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from server.models.base import LabelledEnum, TimestampedModel


class AccountStatus(LabelledEnum):
    INACTIVE = ("inactive", "未激活")
    ACTIVE = ("active", "激活")
    CANCELLED = ("cancelled", "注销")


class StaffAccount(TimestampedModel):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=64, unique=True, description="机构账号")
    org = fields.ForeignKeyField("models.Organisation", related_name="accounts", on_delete=fields.RESTRICT)
    status = fields.CharEnumField(AccountStatus, max_length=16, default=AccountStatus.INACTIVE)
    # NULL means "still the initial password" (666666): nothing to hash for millions of rows
    password_hash = fields.CharField(max_length=255, null=True)
    must_change_password = fields.BooleanField(default=True)
    failed_logins = fields.SmallIntField(default=0)
    locked_until = fields.DatetimeField(null=True)
    last_login_at = fields.DatetimeField(null=True)
    # official-account openid, bound by scanning a parametric QR code (template messages)
    wechat_openid = fields.CharField(max_length=64, null=True, unique=True)
    created_by = fields.ForeignKeyField("models.StaffAccount", null=True, related_name=False, on_delete=fields.SET_NULL)

    class Meta:
        table = "staff_account"


class LoginSession(Model):
    """A login session of a staff account or a physician (services/accounts/sessions.py): the
    database is the record, Redis a cache in front of it, so a Redis restart logs nobody out.
    Only the sha256 of the bearer token is stored; expired rows are pruned by a periodic job."""

    id = fields.BigIntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)  # sha256 hex of the token
    subject = fields.CharField(max_length=64, db_index=True)  # staff:<id> | physician:<id>
    data = fields.JSONField(default=dict)  # what the guard reads (role, org, set-up flags, ...)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField(db_index=True)
    last_seen_at = fields.DatetimeField(null=True)  # when last read from the database (a cache miss)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "login_session"
