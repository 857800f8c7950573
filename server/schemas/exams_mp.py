"""Request shapes of 参加测评 in the mini-program (SPEC §5): answers and consent. The client
never sends elapsed time: the server owns the clock."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from server.models import AssessmentStatus, PhysicianLevel, PracticeCategory, Procedure, QuestionType
from server.schemas.common import Labelled, Out

MAX_SEQ = 2**53  # a client counter (JavaScript's safe integers)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AnswerSave(Strict):
    """保存一题答案: the display letters chosen and the client's sequence number (increasing with
    every change the client makes; a lower or equal one than stored is ignored)."""

    answer: list[str] = Field(min_length=1, max_length=8, description='所选选项，如 ["A"] 或 ["A", "C"]')
    seq: int = Field(ge=0, le=MAX_SEQ, description="客户端递增序号")


class AnswerItem(AnswerSave):
    position: int = Field(ge=1, le=1000, description="题号（1起）")


class AnswerBatch(Strict):
    """保存多题答案 (offline replay)."""

    answers: list[AnswerItem] = Field(min_length=1, max_length=300)


class FaceConsentBody(Strict):
    """人脸信息采集授权."""

    agree: bool = Field(description="同意采集人脸信息用于考核监考")


# --- 考核详情 → 确认考核信息 ---------------------------------------------------------------
class ExamInfoConfirm(Strict):
    """确认考核信息: the assessment shown in 考核详情 (a stale screen of another one is refused)."""

    assessment_id: int = Field(ge=1, title="考核编号", description="考核详情中显示的考核")


class ExamWindow(Out):
    name: str
    label: str
    start: datetime | None
    end: datetime | None
    open: bool


class ExamInfo(Out):
    """考核详情: what the physician confirms before the 试卷列表."""

    assessment_id: int
    cycle_name: str
    name: str
    id_number: str = Field(description="证件号码（部分隐藏）")
    institution: str = Field(description="执业机构")
    category: Labelled[PracticeCategory]
    level: Labelled[PhysicianLevel]
    procedure: Labelled[Procedure] | None
    status: Labelled[AssessmentStatus]
    window: ExamWindow = Field(description="考核时间")
    exam_stage: bool = Field(description="是否处于测评阶段（可确认考核信息）")
    confirmed: bool
    confirmed_at: datetime | None


# --- a paper as the physician sees it (real or 模拟) ----------------------------------------------
class OptionView(Out):
    label: str = Field(description="显示字母 A、B、C…")
    text: str


class PaperQuestion(Out):
    """One question of a paper as shown: never its answer."""

    no: int = Field(description="题号（1起）")
    qtype: Labelled[QuestionType]
    stem: str
    options: list[OptionView]


class ReviewedQuestion(PaperQuestion):
    """After submission (模拟考试): what was chosen, the right letters and the explanation."""

    chosen: list[str]
    answer: list[str]
    correct: bool
    explanation: str
    question_id: int
