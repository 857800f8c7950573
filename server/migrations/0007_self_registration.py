from tortoise import migrations
from tortoise.migrations import operations as ops
from server.models.physician import HoldingReason, RegistryStatus
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0006_publish_violations')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Cycle',
            name='self_registration',
            field=fields.BooleanField(default=False),
        ),
        ops.AlterField(
            model_name='Physician',
            name='holding_reason',
            field=fields.CharEnumField(null=True, description='DECEASED: deceased\nRETIRED: retired\nLEFT: left\nINSTITUTION_CANCELLED: closed\nREGISTRATION_REJECTED: reg_rejected', enum_type=HoldingReason, max_length=16),
        ),
        ops.AlterField(
            model_name='Physician',
            name='registry_status',
            field=fields.CharEnumField(default=RegistryStatus.ACTIVE, description='ACTIVE: active\nHOLDING: holding\nPENDING: pending', enum_type=RegistryStatus, max_length=16),
        ),
        ops.AlterField(
            model_name='PhysicianTransfer',
            name='holding_reason',
            field=fields.CharEnumField(null=True, description='DECEASED: deceased\nRETIRED: retired\nLEFT: left\nINSTITUTION_CANCELLED: closed\nREGISTRATION_REJECTED: reg_rejected', enum_type=HoldingReason, max_length=16),
        ),
    ]
