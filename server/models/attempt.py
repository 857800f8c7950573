"""Timed exam attempts (SPEC §4 stage 4, §5) and the face-check hook rows (SPEC §6).

An ``ExamAttempt`` is one sitting of one paper. The server owns its clock: ``started_at`` is
set when the start face check passes (not when the row is created: the time a physician spends
getting the camera right is not exam time), and ``deadline = min(started_at + duration, end of
the window)``. Answers live in their own table, one row per (attempt, position) (``ExamAnswer``),
so a save writes ~one small row instead of rewriting a document. ``open_slot`` is ``"<assessment>:<purpose>"`` while the attempt
is open and NULL once submitted: a unique column, so the database itself never holds two open
attempts of one physician (two devices starting at once get the same attempt).
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from server.models.base import LabelledEnum
from server.models.cycle import PaperType
from server.models.exam import PaperPurpose


class AttemptStatus(LabelledEnum):
    IN_PROGRESS = ("in_progress", "答题中")
    SUBMITTED = ("submitted", "已交卷")


class FaceMoment(LabelledEnum):
    START = ("start", "开考核验")
    MID = ("mid", "考中核验")
    SUBMIT = ("submit", "交卷核验")
    SNAPSHOT = ("snapshot", "随机抓拍")


class ExamAttempt(Model):
    id = fields.BigIntField(primary_key=True)
    assessment = fields.ForeignKeyField("models.Assessment", related_name="attempts", on_delete=fields.CASCADE)
    physician = fields.ForeignKeyField("models.Physician", related_name=False, on_delete=fields.CASCADE)
    cycle = fields.ForeignKeyField("models.Cycle", related_name=False, on_delete=fields.CASCADE)
    paper = fields.ForeignKeyField("models.Paper", related_name="attempts", on_delete=fields.CASCADE)
    paper_type = fields.CharEnumField(PaperType, max_length=16)
    purpose = fields.CharEnumField(PaperPurpose, max_length=8, default=PaperPurpose.FIRST)
    attempt_no = fields.SmallIntField(default=1)
    status = fields.CharEnumField(AttemptStatus, max_length=16, default=AttemptStatus.IN_PROGRESS)
    # "<assessment id>:<purpose>" while open, NULL once submitted (unique: one open attempt)
    open_slot = fields.CharField(max_length=32, null=True, unique=True)
    # The settings at creation: minutes, the window's end, and the paper's shape per position
    # ("S5" single choice of 5 options, "M5" multiple, "J2" judge) to validate answers without joins
    duration_minutes = fields.SmallIntField()
    window_end = fields.DatetimeField()
    shape = fields.JSONField(default=list)
    created_at = fields.DatetimeField(auto_now_add=True)
    # The clock: set when the start face check passes
    started_at = fields.DatetimeField(null=True)
    deadline = fields.DatetimeField(null=True)
    submitted_at = fields.DatetimeField(null=True)
    auto_submitted = fields.BooleanField(default=False, description="到时自动交卷（或超时后交卷）")
    score = fields.FloatField(null=True)
    pass_line = fields.SmallIntField(null=True, description="适用的合格分数线")
    passed = fields.BooleanField(null=True)
    # The face gate (services/face_gate.py): the mid-exam moments are chosen by the server at
    # clock start and never sent; answers are refused from mid_check_due_at until a mid check passes.
    start_check_at = fields.DatetimeField(null=True)
    mid_moments = fields.JSONField(default=list)
    mid_passed = fields.SmallIntField(default=0)
    mid_check_due_at = fields.DatetimeField(null=True)
    submit_check_at = fields.DatetimeField(null=True)
    snapshots_taken = fields.SmallIntField(default=0)  # silent snapshots (抓拍) stored so far
    version = fields.IntField(default=0)

    class Meta:
        table = "exam_attempt"
        unique_together = (("assessment", "paper_type", "purpose", "attempt_no"),)
        indexes = (("status", "deadline"), ("assessment_id", "purpose"))


class ExamAnswer(Model):
    """The answer given at one position of an attempt (SPEC §5): the chosen display letters
    ("AC"), the client's sequence number (a save is applied only with a higher ``seq``: last
    write wins, replays and late packets are ignored) and when it was stored. Written by
    ``services/exams/answer_saves.py``; read by resume, submission and scoring."""

    id = fields.BigIntField(primary_key=True)
    attempt = fields.ForeignKeyField("models.ExamAttempt", related_name="answer_rows", on_delete=fields.CASCADE,
                                     index=False)  # the unique (attempt, position) index serves it
    position = fields.SmallIntField()
    answer = fields.CharField(max_length=16)
    seq = fields.BigIntField()
    saved_at = fields.DatetimeField()

    class Meta:
        table = "exam_answer"
        unique_together = (("attempt", "position"),)


class FaceCheck(Model):
    """One face check of an attempt (SPEC §6). The default verifier only judges the picture
    (a real image, not a black or covered frame); the next issue fills faces and similarity."""

    id = fields.BigIntField(primary_key=True)
    attempt = fields.ForeignKeyField("models.ExamAttempt", related_name="face_checks", on_delete=fields.CASCADE)
    physician = fields.ForeignKeyField("models.Physician", related_name=False, on_delete=fields.CASCADE)
    moment = fields.CharEnumField(FaceMoment, max_length=16)
    passed = fields.BooleanField()
    decision = fields.CharField(max_length=32, description="passed | no_face | several_faces | covered | ...")
    reason = fields.CharField(max_length=255, default="")
    faces = fields.SmallIntField(null=True)
    similarity = fields.FloatField(null=True)
    image_file_id = fields.UUIDField(null=True)
    # the real pipeline (services/exams/face_verify.py): the upload's sha256 (a replayed picture is refused),
    # the largest face's embedding and pose (successive snapshots compared: a still photo), and
    # needs_review (a review decision, or a mid check that failed FACE_MID_MAX_RETRIES times)
    image_sha256 = fields.CharField(max_length=64, null=True)
    embedding = fields.BinaryField(null=True)
    pose = fields.JSONField(null=True)
    needs_review = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "face_check"
        indexes = (("attempt_id", "moment"), ("attempt_id", "image_sha256"))


class FaceConsent(Model):
    """人脸信息采集授权: given once per cycle before the first exam (seed manual 2.2.5)."""

    id = fields.IntField(primary_key=True)
    physician = fields.ForeignKeyField("models.Physician", related_name=False, on_delete=fields.CASCADE)
    cycle = fields.ForeignKeyField("models.Cycle", related_name=False, on_delete=fields.CASCADE)
    consented_at = fields.DatetimeField(auto_now_add=True)
    ip = fields.CharField(max_length=64, null=True)

    class Meta:
        table = "face_consent"
        unique_together = (("physician", "cycle"),)
