"""Shapes of 题库练习, 模拟考试 and 错题收藏 in the mini-program (SPEC §5). Request bodies are in
`schemas/exams.py` (PracticeSubmit, MockCreate, MockSubmit, WrongAdd)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from server.models import PaperType, PracticeCategory, QuestionType
from server.schemas.common import In, Labelled, Out, PageQuery
from server.schemas.exams_mp import OptionView, PaperQuestion, ReviewedQuestion


class KnowledgePointCount(Out):
    knowledge_point: str
    count: int


class PracticeCatalogue(Out):
    """练习目录: the knowledge points of 人文医学 and of 业务水平 (the physician's category)."""

    category: Labelled[PracticeCategory] | None
    humanities: list[KnowledgePointCount]
    professional: list[KnowledgePointCount]


class PracticeQuery(In):
    """章节练习: ?paper_type=&knowledge_point=&count=10&qtype=."""

    paper_type: PaperType = Field(title="试卷类型", description="humanities 人文医学 | professional 业务水平")
    knowledge_point: str | None = Field(default=None, max_length=64, title="知识点")
    count: int = Field(default=10, title="题数", description="每次练习1至50题")
    qtype: QuestionType | None = Field(default=None, title="题型", description="single | multiple | judge")


class PracticeQuestion(Out):
    """A practice question without its answer."""

    question_id: int
    paper_type: Labelled[PaperType]
    knowledge_point: str
    qtype: Labelled[QuestionType]
    stem: str
    options: list[OptionView]


class AnsweredQuestion(PracticeQuestion):
    answer: list[str] = Field(description="正确答案（选项键）")
    explanation: str


class CheckedAnswer(AnsweredQuestion):
    """提交练习答案: the right answer, the explanation, what was chosen."""

    chosen: list[str]
    correct: bool


class MockRow(Out):
    id: int
    paper_type: Labelled[PaperType]
    category: Labelled[PracticeCategory] | None
    question_count: int
    submitted: bool
    score: float | None
    correct_count: int | None
    created_at: datetime
    submitted_at: datetime | None


class MockStarted(MockRow):
    """开始模拟考试: the paper (not timed; the suggested minutes of the real one)."""

    suggested_minutes: int
    points_each: float
    questions: list[PaperQuestion]


class MockDetail(MockRow):
    """A mock test: its questions, reviewed once submitted."""

    questions: list[ReviewedQuestion | PaperQuestion]


class MockReviewed(MockRow):
    """交卷 (模拟): the score and the review."""

    questions: list[ReviewedQuestion]


class WrongQuery(PageQuery):
    """错题收藏: ?page=&size=&paper_type=&knowledge_point=."""

    paper_type: PaperType | None = Field(default=None, title="试卷类型")
    knowledge_point: str | None = Field(default=None, max_length=64, title="知识点")


class WrongRow(AnsweredQuestion):
    wrong_count: int
    added_by: str = Field(description="auto 答错自动收藏 | manual 手动收藏")
    added_at: datetime


class WrongCollected(Out):
    question_id: int
    collected: bool


class WrongRemoved(WrongCollected):
    removed: bool
