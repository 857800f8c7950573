"""考核详情 → 确认考核信息 (seed manuals: 「点击【考核详情】》确认考核信息》点击【试卷列表】》点击试卷【进入】」;
「首先，进行考核信息确认，保证信息准确无误，否则会影响考核成绩判定」).

Before the 试卷列表 of the exam stage and before 进入 a paper, the physician reads the
assessment's information (name, masked ID number, institution, 执业类别, 医师级别, 考核程序,
the exam window) and confirms it. Confirming is recorded on the assessment
(``exam_info_confirmed_at``), idempotent and audited; it is refused outside the exam stage.
"""

from __future__ import annotations

from tortoise.transactions import in_transaction

from server.errors import Conflict, NotFound
from server.models import Assessment, Organisation, PaperPurpose
from server.schemas.common import Labelled
from server.schemas.exams_mp import ExamInfo
from server.security import mask_id_number
from server.services import audit
from server.services.access import Actor
from server.services.assessment import transitions
from server.services.assessment.physician_view import require_mine
from server.services.exams import exam_rules

UNCONFIRMED_MESSAGE = "请先在考核详情中确认考核信息，再进入试卷列表"


def require_confirmed(assessment: Assessment) -> None:
    """The 试卷列表 of the exam stage and 进入 wait for 确认考核信息 (409 ``exam_info_unconfirmed``)."""
    if assessment.exam_info_confirmed_at is None:
        raise Conflict(UNCONFIRMED_MESSAGE, code="exam_info_unconfirmed")


async def detail(*, actor: Actor) -> ExamInfo:
    """考核详情: what the physician confirms before the 试卷列表."""
    physician, cycle, a = await require_mine(actor)
    purpose = exam_rules.purpose_of(a) or (
        PaperPurpose.REEXAM if a.status.value.startswith("reexam") else PaperPurpose.FIRST)
    window = exam_rules.window_for(cycle, a, purpose)
    institution = await Organisation.get_or_none(id=a.institution_id)
    now = transitions.utcnow()
    return ExamInfo(
        assessment_id=a.id,
        cycle_name=cycle.name,
        name=physician.name,
        id_number=mask_id_number(physician.id_number),
        institution=institution.name if institution else "",
        category=Labelled.of(physician.category),
        level=Labelled.of(physician.level),
        procedure=Labelled.of(a.procedure),
        status=Labelled.of(a.status),
        window=window.as_view(now),
        exam_stage=exam_rules.purpose_of(a) is not None,
        confirmed=a.exam_info_confirmed_at is not None,
        confirmed_at=a.exam_info_confirmed_at,
    )


async def confirm(*, actor: Actor, assessment_id: int) -> ExamInfo:
    """确认考核信息: only the physician's own assessment, only in the exam stage; a second confirm
    changes nothing (and records nothing)."""
    _, _, a = await require_mine(actor)
    if assessment_id != a.id:
        raise NotFound("考核不存在", code="assessment_not_found")
    if exam_rules.purpose_of(a) is None:
        raise Conflict(f"当前考核状态（{a.status.label}）不能确认考核信息", code="not_exam_stage")
    async with in_transaction() as conn:
        locked = await Assessment.filter(id=a.id).select_for_update().using_db(conn).get()
        if locked.exam_info_confirmed_at is None:
            locked.exam_info_confirmed_at = transitions.utcnow()
            await locked.save(update_fields=["exam_info_confirmed_at", "updated_at"], using_db=conn)
            await audit.record(actor, "assessment.confirm_exam_info", "assessment", a.id,
                               after={"status": locked.status.value}, using_db=conn)
    return await detail(actor=actor)
