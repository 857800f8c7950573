"""考核结果通知书 (SPEC §8): one notice per qualified assessment, with a unique number and an
unguessable token for the public verification page (services/results/certificates.py)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Certificate(Model):
    """Issued once, on the first print or download. Every reprint shows the same number.

    ``snapshot`` keeps what the notice says at issue (name, masked ID number, institution,
    cycle, procedure, result, issuing organisation), so reprints and the verification page
    agree with the first print. Whether it is still valid is read live from the assessment
    (still 合格). No semicolons here: the docstring becomes the table comment."""

    id = fields.IntField(primary_key=True)
    assessment = fields.OneToOneField("models.Assessment", related_name="certificate", on_delete=fields.CASCADE)
    physician_id = fields.IntField(db_index=True)
    cycle_id = fields.IntField()
    # DKT-<province code>-<year>-<seq:06d>; seq counts per province and year of issue
    number = fields.CharField(max_length=40, unique=True)
    province_code = fields.CharField(max_length=12)
    year = fields.SmallIntField()
    seq = fields.IntField()
    # /verify/<token>: random, URL-safe, unguessable (secrets.token_urlsafe(24))
    token = fields.CharField(max_length=64, unique=True)
    issuer_org_id = fields.IntField(null=True)
    issuer_name = fields.CharField(max_length=128, default="")
    result = fields.CharField(max_length=16, description="qualified")
    no_promotion = fields.BooleanField(default=False)
    snapshot = fields.JSONField(default=dict)
    issued_at = fields.DatetimeField(auto_now_add=True)
    print_count = fields.IntField(default=0)
    last_printed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "certificate"
        unique_together = (("province_code", "year", "seq"),)


class VoidedCertificate(Model):
    """A 考核结果通知书 number withdrawn (the result changed on 复核): its verification page says it
    is void. No semicolons here: the docstring becomes the table comment."""

    id = fields.IntField(primary_key=True)
    assessment_id = fields.IntField(db_index=True)
    number = fields.CharField(max_length=40, unique=True)
    token = fields.CharField(max_length=64, unique=True)
    reason = fields.CharField(max_length=255, default="")
    issued_at = fields.DatetimeField()
    voided_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "voided_certificate"
