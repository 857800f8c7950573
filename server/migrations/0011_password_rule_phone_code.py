from tortoise import migrations
from tortoise.migrations import operations as ops
from server.models.cycle import PasswordRule
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0010_sessions')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='Cycle',
            name='physician_password_rule',
            field=fields.CharEnumField(default=PasswordRule.PHONE_CODE, description='PHONE_CODE: phone_code\nINITIAL_PASSWORD: initial_password\nFIXED: fixed\nID_LAST6: id_last6', enum_type=PasswordRule, max_length=16),
        ),
    ]
