"""Tortoise models, split by aggregate and re-exported here."""

from server.models.account import AccountStatus, LoginSession, StaffAccount
from server.models.assessment import (
    AppealStatus,
    Assessment,
    AssessmentEvent,
    AssessmentStatus,
    DelayStatus,
    ExemptionStatus,
    ItemResult,
    ModificationStatus,
    Procedure,
)
from server.models.attempt import AttemptStatus, ExamAnswer, ExamAttempt, FaceCheck, FaceConsent, FaceMoment
from server.models.base import LabelledEnum
from server.models.certificate import Certificate, VoidedCertificate
from server.models.cycle import (
    DEFAULT_EVALUATION_ITEMS,
    DEFAULT_EXAM_SETTINGS,
    DEFAULT_SIMPLE_CONDITIONS,
    Cycle,
    CycleConfirmation,
    ExamWindowNotice,
    ExemptionReason,
    PaperType,
    PasswordRule,
)
from server.models.exam import (
    NATIONAL_BANK,
    Blueprint,
    Difficulty,
    MockTest,
    Paper,
    PaperPurpose,
    PracticeRecord,
    Question,
    QuestionType,
    WrongAnswer,
)
from server.models.face import FaceReference
from server.models.geo import Region, RegionLevel
from server.models.message import InboxMessage
from server.models.ops import AuditLog, Job, JobStatus, OutboxChannel, OutboxMessage, OutboxStatus, StoredFile
from server.models.org import (
    ApplicationStatus,
    AssessmentApplication,
    AssessmentAssignment,
    Department,
    Organisation,
    OrgKind,
)
from server.models.physician import (
    HoldingReason,
    Physician,
    PhysicianLevel,
    PhysicianTransfer,
    PracticeCategory,
    RegistryStatus,
    TransferKind,
    TransferStatus,
)
from server.models.proctoring import ProctoringAction, ProctoringEvent, ProctoringMark
from server.models.stats import StatsKind, StatsSnapshot

__all__ = [
    "AccountStatus", "LoginSession", "AppealStatus", "Assessment", "AssessmentEvent", "AssessmentStatus", "DelayStatus",
    "ExemptionStatus", "ItemResult", "ModificationStatus", "Procedure", "ApplicationStatus", "AssessmentApplication", "AssessmentAssignment", "AuditLog",
    "Cycle", "CycleConfirmation", "ExamWindowNotice", "DEFAULT_EVALUATION_ITEMS", "DEFAULT_EXAM_SETTINGS",
    "DEFAULT_SIMPLE_CONDITIONS", "Department", "ExemptionReason", "HoldingReason", "InboxMessage", "Job", "JobStatus",
    "LabelledEnum", "OrgKind", "Organisation", "OutboxChannel", "OutboxMessage", "OutboxStatus", "PaperType",
    "PasswordRule", "Physician", "PhysicianLevel", "PhysicianTransfer", "PracticeCategory", "Region",
    "RegionLevel", "RegistryStatus", "StaffAccount", "StatsKind", "StatsSnapshot", "StoredFile", "TransferKind",
    "TransferStatus",
    "NATIONAL_BANK", "Blueprint", "Difficulty", "MockTest", "Paper", "PaperPurpose", "PracticeRecord", "Question",
    "QuestionType", "WrongAnswer",
    "Certificate", "VoidedCertificate",
    "AttemptStatus", "ExamAnswer", "ExamAttempt", "FaceCheck", "FaceConsent", "FaceMoment", "FaceReference",
    "ProctoringAction", "ProctoringEvent", "ProctoringMark",
]
