from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ExamWindowNotice',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('cycle', fields.ForeignKeyField('models.Cycle', source_field='cycle_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('window', fields.CharField(description='exam 首轮考核 | reexam 再次考核', max_length=16)),
                ('moment', fields.CharField(description='open 开始 | closing 即将结束', max_length=16)),
                ('physician_id', fields.IntField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'exam_window_notice', 'app': 'models', 'unique_together': (('cycle', 'window', 'moment', 'physician_id'),), 'pk_attr': 'id', 'table_description': '考核通知 sent: one row per physician, cycle, exam window and moment, so that each notice goes'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Cycle',
            name='notice_days_before_close',
            field=fields.SmallIntField(default=3),
        ),
    ]
