from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from server.models.assessment import AppealStatus
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0003_holding_reason_closed')]

    initial = False

    operations = [
        ops.CreateModel(
            name='VoidedCertificate',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('assessment_id', fields.IntField(db_index=True)),
                ('number', fields.CharField(unique=True, max_length=40)),
                ('token', fields.CharField(unique=True, max_length=64)),
                ('reason', fields.CharField(default='', max_length=255)),
                ('issued_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('voided_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'voided_certificate', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A 考核结果通知书 number withdrawn (the result changed on 复核): its verification page says it'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Assessment',
            name='appeal',
            field=fields.CharEnumField(default=AppealStatus.NONE, description='NONE: none\nPENDING: pending\nUPHELD: upheld\nCHANGED: changed', enum_type=AppealStatus, max_length=16),
        ),
        ops.AddField(
            model_name='Assessment',
            name='appeal_data',
            field=fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads),
        ),
    ]
