from tortoise import migrations
from tortoise.migrations import operations as ops
from server.models.physician import HoldingReason
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0002_exam_window_notices')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='Physician',
            name='holding_reason',
            field=fields.CharEnumField(null=True, description='DECEASED: deceased\nRETIRED: retired\nLEFT: left\nINSTITUTION_CANCELLED: closed', enum_type=HoldingReason, max_length=16),
        ),
        ops.AlterField(
            model_name='PhysicianTransfer',
            name='holding_reason',
            field=fields.CharEnumField(null=True, description='DECEASED: deceased\nRETIRED: retired\nLEFT: left\nINSTITUTION_CANCELLED: closed', enum_type=HoldingReason, max_length=16),
        ),
    ]
