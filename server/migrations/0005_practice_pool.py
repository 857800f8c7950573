from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0004_appeals')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Question',
            name='practice',
            field=fields.BooleanField(default=False, db_index=True),
        ),
    ]
