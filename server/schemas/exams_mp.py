"""Request shapes of 参加测评 in the mini-program (SPEC §5): answers and consent. The client
never sends elapsed time: the server owns the clock."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from server.models import (
    AssessmentStatus,
    AttemptStatus,
    FaceMoment,
    PaperPurpose,
    PaperType,
    PhysicianLevel,
    PracticeCategory,
    Procedure,
    QuestionType,
)
from server.schemas.common import Choice, In, Labelled, Out

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


# --- 试卷列表 ---------------------------------------------------------------------------------------
class ExamPaperRow(Out):
    """One paper of the 试卷列表."""

    paper_type: Labelled[PaperType]
    required: bool
    exempt: bool
    status: Choice = Field(description="exempt | not_required | passed | in_progress | awaiting_start | failed | ...")
    duration_minutes: int
    question_count: int
    pass_line: float | None
    max_attempts: int
    attempts_used: int
    attempts_left: int
    best_score: float | None = Field(description="最高分（省份不公布分数时为空）")
    score_visible: bool
    passed: bool | None
    open_attempt_id: int | None
    can_enter: bool
    reason_code: str = Field(description="不能进入的原因代码（可进入时为空）")
    reason: str


class ExamList(Out):
    """试卷列表 (after 确认考核信息)."""

    assessment_id: int
    assessment_status: Labelled[AssessmentStatus]
    procedure: Labelled[Procedure] | None
    purpose: Labelled[PaperPurpose]
    window: ExamWindow
    face_consent: bool
    server_time: datetime
    papers: list[ExamPaperRow]


class FaceConsentGiven(Out):
    consented: bool
    consented_at: datetime


# --- an attempt -------------------------------------------------------------------------------------
class FaceGate(Out):
    """The face gate: the check the client must make now (none while open)."""

    state: str = Field(description="awaiting_start_check | awaiting_mid_check | open | closed")
    required: str | None = Field(description="start | mid | None")
    start_check_passed: bool
    mid_checks_passed: int
    submit_check_passed: bool
    snapshot_due: bool


class SavedAnswer(Out):
    chosen: list[str]
    seq: int
    at: datetime


class ClientPaper(Out):
    """The paper on the physician's screen: never an answer, explanation or original key."""

    paper_id: int
    paper_type: Labelled[PaperType]
    category: Labelled[PracticeCategory] | None
    purpose: Labelled[PaperPurpose]
    attempt_no: int
    question_count: int
    total_score: int
    points_each: float
    questions: list[PaperQuestion]


class AttemptResult(Out):
    score: float | None = Field(description="得分（省份不公布分数时为空）")
    score_visible: bool
    passed: bool | None
    pass_line: float | None
    auto_submitted: bool


class AttemptView(Out):
    """One attempt: the server's clock, the gate, saved answers; the paper while it runs; the result
    once submitted."""

    id: int
    paper_type: Labelled[PaperType]
    purpose: Labelled[PaperPurpose]
    attempt_no: int
    status: Labelled[AttemptStatus]
    clock_running: bool
    duration_minutes: int
    question_count: int
    started_at: datetime | None
    deadline: datetime | None
    submitted_at: datetime | None
    remaining_seconds: int
    server_time: datetime
    gate: FaceGate
    saved_answers: dict[str, SavedAnswer] = Field(description="题号 → 已保存的答案")
    answered_count: int
    paper: ClientPaper | None
    result: AttemptResult | None


class AnswerSaved(Out):
    """保存一题答案: applied or ignored (an older seq), what is stored, the time left."""

    saved: bool
    applied: bool
    position: int
    seq: int | None
    chosen: list[str] | None
    remaining_seconds: int


class BatchSavedItem(Out):
    position: int
    applied: bool
    seq: int | None
    chosen: list[str] | None


class AnswersSaved(Out):
    saved: bool
    remaining_seconds: int
    results: list[BatchSavedItem]


class FaceCheckForm(In):
    """人脸核验: ``moment`` (a form field, or a query argument)."""

    moment: str | None = Field(default=None, max_length=16, title="核验时机",
                               description="start | mid | submit | snapshot")


class FaceCheckOut(Out):
    id: int
    moment: Labelled[FaceMoment]
    passed: bool
    decision: str
    reason: str
    faces: int | None
    similarity: float | None
    needs_review: bool


class FaceCheckRow(FaceCheckOut):
    at: datetime


class FaceCheckDone(Out):
    """人脸核验: the check, the gate and the attempt after it."""

    check: FaceCheckOut
    gate: FaceGate
    attempt: AttemptView


class FaceGateView(Out):
    attempt_id: int
    gate: FaceGate
    checks: list[FaceCheckRow]
