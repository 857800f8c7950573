from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0005_practice_pool')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Cycle',
            name='publish_violations',
            field=fields.BooleanField(default=False),
        ),
    ]
