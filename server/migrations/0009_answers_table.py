from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from datetime import datetime, timezone
import json

MOVE_PG = """
INSERT INTO exam_answer (attempt_id, position, answer, seq, saved_at)
SELECT a.id, e.key::smallint,
       array_to_string(ARRAY(SELECT jsonb_array_elements_text(e.value -> 'answer')), ''),
       COALESCE((e.value ->> 'seq')::bigint, 0),
       COALESCE((e.value ->> 'at')::timestamptz, a.started_at, now())
  FROM exam_attempt a, jsonb_each(a.answers) e
 WHERE a.answers IS NOT NULL AND jsonb_typeof(a.answers) = 'object'
"""


async def move_answers(apps, schema_editor):
    """Each attempt's answers document becomes one row per position (in SQL on PostgreSQL)."""
    client = schema_editor.client
    if client.capabilities.dialect == "postgres":
        await client.execute_script(MOVE_PG)
        return
    rows = await client.execute_query_dict("SELECT id, answers, started_at FROM exam_attempt")
    values = []
    for row in rows:
        answers = row["answers"]
        answers = json.loads(answers) if isinstance(answers, (str, bytes)) else (answers or {})
        for position, entry in (answers or {}).items():
            at = entry.get("at") or row["started_at"] or datetime.now(timezone.utc).isoformat()
            values.append([row["id"], int(position), "".join(entry.get("answer") or []), int(entry.get("seq") or 0), at])
    if values:
        await client.execute_many(
            "INSERT INTO exam_answer (attempt_id, position, answer, seq, saved_at) VALUES (?, ?, ?, ?, ?)", values)


class Migration(migrations.Migration):
    dependencies = [('models', '0008_evaluation_items')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ExamAnswer',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('attempt', fields.ForeignKeyField('models.ExamAttempt', source_field='attempt_id', db_constraint=True, to_field='id', related_name='answer_rows', on_delete=OnDelete.CASCADE)),
                ('position', fields.SmallIntField()),
                ('answer', fields.CharField(max_length=16)),
                ('seq', fields.BigIntField()),
                ('saved_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'exam_answer', 'app': 'models', 'unique_together': (('attempt', 'position'),), 'pk_attr': 'id', 'table_description': 'The answer given at one position of an attempt (SPEC §5): the chosen display letters'},
            bases=['Model'],
        ),
        ops.RunPython(move_answers),
        ops.RemoveField(model_name='ExamAttempt', name='answers'),
        ops.RemoveField(model_name='ExamAttempt', name='last_saved_at'),
    ]
