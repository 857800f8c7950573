"""考核进度 → 查看, the whole record (SPEC §4 "keep the whole history", §8; issue #12): the record
of services/assessment/records.py (registration data, the five enrolment steps, evaluations,
side flows, history, the buttons) plus what the later stages add — each paper's attempts and
scores (first round and re-exam), the outcome with its 不合格原因, and the 考核结果通知书's number
and verification link (and any number voided on 复核). Composed here because exams and results
sit above assessment."""

from __future__ import annotations

from server.models import Assessment, Certificate, ExamAttempt, VoidedCertificate
from server.schemas.assessments import (
    AssessmentRecord,
    RecordAttempt,
    RecordCertificate,
    RecordOutcome,
    VoidedCertificateView,
)
from server.schemas.common import Labelled
from server.services.access import Actor
from server.services.assessment import records
from server.services.notify.notices import FAIL_REASON_LABELS
from server.services.results.certificates import verify_url


async def _attempts(assessment_id: int) -> list[RecordAttempt]:
    rows = await ExamAttempt.filter(assessment_id=assessment_id).order_by("purpose", "paper_type", "attempt_no")
    return [RecordAttempt(
        id=t.id, paper_type=Labelled.of(t.paper_type), purpose=Labelled.of(t.purpose), attempt_no=t.attempt_no,
        status=Labelled.of(t.status), started_at=t.started_at, submitted_at=t.submitted_at,
        auto_submitted=t.auto_submitted, score=t.score, pass_line=t.pass_line, passed=t.passed,
    ) for t in rows]


def _outcome(a: Assessment) -> RecordOutcome:
    return RecordOutcome(
        status=Labelled.of(a.status), fail_reason=a.fail_reason or "",
        fail_reason_label=FAIL_REASON_LABELS.get(a.fail_reason, "") if a.fail_reason else "",
        violation=a.violation, no_promotion=a.no_promotion,
        deregistration_recommended=a.deregistration_recommended,
        suspension_months=a.suspension_months, suspended_from=a.suspended_from, concluded_at=a.concluded_at,
    )


async def full_record(*, actor: Actor, assessment_id: int) -> AssessmentRecord:
    """The whole record of one assessment in the caller's scope."""
    core = await records.assessment_record(actor=actor, assessment_id=assessment_id)
    a = await Assessment.get(id=core.id)
    cert = await Certificate.get_or_none(assessment_id=a.id)
    voided = await VoidedCertificate.filter(assessment_id=a.id).order_by("id")
    return AssessmentRecord(
        **dict(core),
        attempts=await _attempts(a.id),
        outcome=_outcome(a),
        certificate=RecordCertificate(number=cert.number, verify_url=verify_url(cert.token), issued_at=cert.issued_at,
                                      issuer=cert.issuer_name, print_count=cert.print_count) if cert else None,
        voided_certificates=[VoidedCertificateView(number=v.number, voided_at=v.voided_at, reason=v.reason)
                             for v in voided],
    )
