"""Request shapes of the question banks, blueprints and practice (SPEC §5)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from server.models import Difficulty, PaperType, PracticeCategory, QuestionType


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class QuestionIn(Strict):
    """新增 / 修改试题. Options are the texts in order (keys A, B, C… by position); a judge
    question's options may be left out (正确 / 错误). ``answer``: the correct keys."""

    paper_type: PaperType = Field(title="试卷类型", description="humanities 人文医学 | professional 业务水平")
    category: PracticeCategory | None = Field(default=None, description="执业类别（业务水平必填）")
    specialty: str = Field(default="", max_length=64, description="专业；空 = 本类别通用")
    knowledge_point: str = Field(min_length=1, max_length=64, description="知识点")
    qtype: QuestionType = Field(description="single 单选题 | multiple 多选题 | judge 判断题")
    stem: str = Field(min_length=1, max_length=2000, description="题干")
    options: list[str] = Field(default_factory=list, max_length=8, description="选项内容，按A、B、C…顺序")
    answer: list[str] = Field(min_length=1, max_length=8, description="正确答案，如 [\"A\", \"C\"]")
    explanation: str = Field(default="", max_length=2000, description="解析")
    difficulty: Difficulty = Field(default=Difficulty.MEDIUM, description="easy 易 | medium 中 | hard 难")


class QuestionCreate(QuestionIn):
    code: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$",
                             description="题目编码（留空自动生成）")


class BlueprintItem(Strict):
    knowledge_point: str = Field(min_length=1, max_length=64, description="知识点")
    qtype: QuestionType | None = Field(default=None, description="题型；空 = 不限题型")
    count: int = Field(ge=1, le=300, description="题量")


class BlueprintIn(Strict):
    """保存组卷方案: the counts per knowledge point (and type), summing to the paper's question count."""

    category: PracticeCategory | None = Field(default=None, description="执业类别（业务水平必填）")
    items: list[BlueprintItem] = Field(min_length=1, max_length=200)


class PracticeAnswer(Strict):
    question_id: int = Field(gt=0)
    answer: list[str] | str = Field(description="所选选项，如 [\"A\", \"C\"] 或 \"AC\"")


class PracticeSubmit(Strict):
    """提交练习答案 (one or many)."""

    answers: list[PracticeAnswer] = Field(min_length=1, max_length=50)


class MockCreate(Strict):
    paper_type: PaperType = Field(title="试卷类型", description="humanities 人文医学 | professional 业务水平")


class MockSubmit(Strict):
    """交卷: position ("1", "2", …) → the letters chosen."""

    answers: dict[str, list[str] | str] = Field(default_factory=dict, max_length=300)


class WrongAdd(Strict):
    question_id: int = Field(gt=0)
