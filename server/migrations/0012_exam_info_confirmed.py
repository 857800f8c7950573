from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

# Physicians who already have an attempt have gone past the 试卷列表: count them as confirmed.
BACKFILL = """
UPDATE assessment SET exam_info_confirmed_at = updated_at
 WHERE exam_info_confirmed_at IS NULL
   AND id IN (SELECT assessment_id FROM exam_attempt)
"""


async def backfill(apps, schema_editor):
    await schema_editor.client.execute_script(BACKFILL)


class Migration(migrations.Migration):
    dependencies = [('models', '0011_password_rule_phone_code')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Assessment',
            name='exam_info_confirmed_at',
            field=fields.DatetimeField(null=True, description='确认考核信息的时间', auto_now=False, auto_now_add=False),
        ),
        ops.RunPython(backfill),
    ]
