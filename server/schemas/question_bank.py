"""Queries and answers of 题库管理, 组卷方案 and 抽取试卷 (SPEC §5). The request bodies are in
schemas/exams.py."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field, field_validator

from server.models import Difficulty, PaperType, PracticeCategory, QuestionType
from server.schemas.common import In, Labelled, Out, PageQuery


class QuestionFilters(In):
    """The list's (and the export's) filters."""

    bank: str | None = Field(default=None, max_length=16, description="national | province | <省份ID>")
    paper_type: PaperType | None = Field(default=None, description="试卷类型")
    category: PracticeCategory | None = Field(default=None, description="执业类别")
    qtype: QuestionType | None = Field(default=None, description="题型")
    knowledge_point: str | None = Field(default=None, max_length=64, description="知识点")
    active: bool | None = Field(default=None, description="启用状态")
    keyword: str | None = Field(default=None, max_length=200, description="题干关键词")
    code: str | None = Field(default=None, max_length=64, description="试题编号")

    @field_validator("active", mode="before")
    @classmethod
    def _true_or_false(cls, value: object) -> object:
        if isinstance(value, str) and value not in ("true", "false"):
            raise ValueError("参数active应为true或false")
        return value

    def filters(self) -> dict:
        return self.model_dump(exclude={"bank", "page", "size"})


class QuestionQuery(QuestionFilters, PageQuery):
    """试题列表."""


class KnowledgePointQuery(In):
    bank: str | None = Field(default=None, max_length=16, description="national | province | <省份ID>")
    paper_type: PaperType | None = Field(default=None, description="试卷类型")
    category: PracticeCategory | None = Field(default=None, description="执业类别")


class BlueprintQuery(In):
    category: PracticeCategory | None = Field(default=None, description="执业类别（业务水平）")


class BankLabel(Out):
    value: str = Field(description="national 或省份 ID")
    label: str


class QuestionOption(Out):
    key: str
    text: str


class QuestionView(Out):
    """One question, answer and explanation included."""

    id: int
    code: str
    bank: BankLabel
    paper_type: Labelled[PaperType]
    category: Labelled[PracticeCategory] | None
    specialty: str
    knowledge_point: str
    qtype: Labelled[QuestionType]
    stem: str
    options: list[QuestionOption]
    answer: list[str]
    explanation: str
    difficulty: Labelled[Difficulty]
    active: bool
    in_use: bool = Field(description="已抽入正式试卷（题型、选项、答案不可再改）")
    created_at: datetime
    updated_at: datetime


class KnowledgePointCount(Out):
    paper_type: str
    category: str | None
    knowledge_point: str
    total: int
    by_type: dict[str, int] = Field(description="按题型的启用试题数")


class KnowledgePoints(Out):
    data: list[KnowledgePointCount]


class BlueprintItemView(Out):
    knowledge_point: str
    qtype: str | None
    count: int
    available: int


class BlueprintShortage(Out):
    knowledge_point: str
    qtype: str | None
    needed: int
    available: int


class PoolKnowledgePoint(Out):
    knowledge_point: str
    by_type: dict[str, int]
    total: int


class BlueprintView(Out):
    """组卷方案 of one paper, with what the bank holds for it."""

    cycle_id: int
    paper_type: Labelled[PaperType]
    category: Labelled[PracticeCategory] | None
    question_count: int
    is_default: bool = Field(description="尚未保存，按题库默认生成")
    items: list[BlueprintItemView]
    shortages: list[BlueprintShortage]
    knowledge_points: list[PoolKnowledgePoint]
    drawn_papers: int


class Blueprints(Out):
    data: list[BlueprintView]
