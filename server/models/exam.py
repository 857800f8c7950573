"""Exams, first half (SPEC §5): the question banks, the blueprint of each paper, the paper
drawn for each physician, and practice (练习, 模拟考试, 错题收藏) which never touches real papers.

Banks: a question belongs to the national bank (``bank = "national"``, 全国定考办) or to one
province's bank (``bank = "<province region id>"``); a province draws from both.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from server.models.base import LabelledEnum, TimestampedModel
from server.models.cycle import PaperType
from server.models.physician import PracticeCategory

NATIONAL_BANK = "national"


class QuestionType(LabelledEnum):
    SINGLE = ("single", "单选题")
    MULTIPLE = ("multiple", "多选题")
    JUDGE = ("judge", "判断题")


class Difficulty(LabelledEnum):
    EASY = ("easy", "易")
    MEDIUM = ("medium", "中")
    HARD = ("hard", "难")


class PaperPurpose(LabelledEnum):
    FIRST = ("first", "首轮考核")
    REEXAM = ("reexam", "再次考核")


class Question(TimestampedModel):
    """One question. ``options`` is ``[{key, text}]`` (keys A, B, C…, a judge question has
    A 正确 / B 错误), ``answer`` the list of correct keys. Once drawn into a real paper
    (``in_use``) its type, options and answer are frozen: scoring stays true to the paper."""

    id = fields.IntField(primary_key=True)
    bank = fields.CharField(max_length=16, description="national 或省份行政区划ID")
    province = fields.ForeignKeyField("models.Region", null=True, related_name=False, on_delete=fields.RESTRICT)
    code = fields.CharField(max_length=64, description="题目编码（导入时按编码更新）")
    paper_type = fields.CharEnumField(PaperType, max_length=16)
    category = fields.CharEnumField(PracticeCategory, max_length=16, null=True, description="执业类别（业务水平）")
    specialty = fields.CharField(max_length=64, default="", description="专业；空 = 本类别通用")
    knowledge_point = fields.CharField(max_length=64, description="知识点")
    qtype = fields.CharEnumField(QuestionType, max_length=16)
    stem = fields.TextField()
    options = fields.JSONField(default=list)
    answer = fields.JSONField(default=list)
    explanation = fields.TextField(default="")
    difficulty = fields.CharEnumField(Difficulty, max_length=8, default=Difficulty.MEDIUM)
    active = fields.BooleanField(default=True)
    in_use = fields.BooleanField(default=False)
    # 练习题: only for 章节练习 and 模拟考试, never drawn into a real paper; exam questions never reach
    # practice (so practice cannot reveal the answer of a question a real paper may contain)
    practice = fields.BooleanField(default=False, db_index=True)
    created_by = fields.ForeignKeyField("models.StaffAccount", null=True, related_name=False, on_delete=fields.SET_NULL)
    updated_by = fields.ForeignKeyField("models.StaffAccount", null=True, related_name=False, on_delete=fields.SET_NULL)

    class Meta:
        table = "question"
        unique_together = (("bank", "code"),)
        # the drawing pool: one paper type (and category) of the national bank and a province's
        indexes = (("paper_type", "category", "active", "bank"),)


class Blueprint(TimestampedModel):
    """组卷方案 of one cycle and paper (业务水平: per practice category): ``items`` is
    ``[{knowledge_point, qtype (null = any type), count}]`` summing to the paper's question count."""

    id = fields.IntField(primary_key=True)
    cycle = fields.ForeignKeyField("models.Cycle", related_name="blueprints", on_delete=fields.CASCADE)
    paper_type = fields.CharEnumField(PaperType, max_length=16)
    category = fields.CharField(max_length=16, default="", description="执业类别；人文医学为空")
    items = fields.JSONField(default=list)
    updated_by = fields.ForeignKeyField("models.StaffAccount", null=True, related_name=False, on_delete=fields.SET_NULL)

    class Meta:
        table = "exam_blueprint"
        unique_together = (("cycle", "paper_type", "category"),)


class Paper(Model):
    """A physician's own paper: the drawn questions in their order and, per position, the
    original option keys in display order (display letter A = ``option_orders[i][0]``)."""

    id = fields.BigIntField(primary_key=True)
    assessment = fields.ForeignKeyField("models.Assessment", related_name="papers", on_delete=fields.CASCADE)
    physician = fields.ForeignKeyField("models.Physician", related_name=False, on_delete=fields.CASCADE)
    cycle = fields.ForeignKeyField("models.Cycle", related_name=False, on_delete=fields.CASCADE)
    paper_type = fields.CharEnumField(PaperType, max_length=16)
    category = fields.CharField(max_length=16, default="")
    purpose = fields.CharEnumField(PaperPurpose, max_length=8, default=PaperPurpose.FIRST)
    attempt_no = fields.SmallIntField(default=1)
    question_ids = fields.JSONField(default=list)
    option_orders = fields.JSONField(default=list)
    drawn_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "exam_paper"
        unique_together = (("assessment", "paper_type", "purpose", "attempt_no"),)
        indexes = (("cycle_id", "paper_type"),)


class MockTest(Model):
    """模拟考试: drawn like a real paper, kept apart from real papers and attempts."""

    id = fields.BigIntField(primary_key=True)
    physician = fields.ForeignKeyField("models.Physician", related_name=False, on_delete=fields.CASCADE)
    paper_type = fields.CharEnumField(PaperType, max_length=16)
    category = fields.CharField(max_length=16, default="")
    question_ids = fields.JSONField(default=list)
    option_orders = fields.JSONField(default=list)
    answers = fields.JSONField(default=dict)
    score = fields.FloatField(null=True)
    correct_count = fields.IntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    submitted_at = fields.DatetimeField(null=True)

    class Meta:
        table = "mock_test"
        indexes = (("physician_id", "created_at"),)


class PracticeRecord(Model):
    """One answer given in practice or in a mock test."""

    id = fields.BigIntField(primary_key=True)
    physician = fields.ForeignKeyField("models.Physician", related_name=False, on_delete=fields.CASCADE)
    question = fields.ForeignKeyField("models.Question", related_name=False, on_delete=fields.CASCADE)
    source = fields.CharField(max_length=8, description="practice | mock")
    answer = fields.JSONField(default=list)
    correct = fields.BooleanField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "practice_record"
        indexes = (("physician_id", "created_at"),)


class WrongAnswer(TimestampedModel):
    """错题收藏: added automatically on a wrong practice answer, or by hand."""

    id = fields.BigIntField(primary_key=True)
    physician = fields.ForeignKeyField("models.Physician", related_name=False, on_delete=fields.CASCADE)
    question = fields.ForeignKeyField("models.Question", related_name=False, on_delete=fields.CASCADE)
    added_by = fields.CharField(max_length=8, default="auto", description="auto | manual")
    wrong_count = fields.IntField(default=0)

    class Meta:
        table = "wrong_answer"
        unique_together = (("physician", "question"),)
