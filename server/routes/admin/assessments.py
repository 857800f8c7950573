"""The reviewers' assessment console (SPEC §4, §8): 考核进度 and the review queues, one
assessment's record, 参加考核 / 取消参加考核, and every reviewer's move on an assessment.

The moves share two endpoints; the body is validated with the model of the action named
in the path (``server/schemas/reviews.py``) and the state machine decides who may move what.
"""

from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request

from server.routes.api import endpoint
from server.routes.guards import actor_of
from server.schemas.assessments import (
    ActionIn,
    AssessmentRecord,
    AssessmentSummary,
    CyclePhysicianPage,
    IncludeBatchResult,
    MoveResult,
    ProgressQuery,
    ProgressRow,
    ReviewQueue,
)
from server.schemas.common import BatchResult, Items, Page
from server.schemas.reviews import BatchBody, PhysicianIds, parse_action_body
from server.services.access import Role
from server.services.assessment import progress, reviews
from server.services.results import full_record

bp = Blueprint("admin_assessments", url_prefix="/")

HI, AI, ADMIN = Role.HEALTH_INSTITUTION, Role.ASSESSMENT_INSTITUTION, Role.ADMINISTRATION


def filters_of(query: ProgressQuery) -> progress.ProgressFilters:
    """The 考核进度 filters of a query (paging aside)."""
    return progress.ProgressFilters(**query.model_dump(exclude={"page", "size"}))


# --- lists ----------------------------------------------------------------------------------------


@bp.get("/assessments")
@endpoint(HI, AI, ADMIN, query=ProgressQuery, response=Page[ProgressRow])
async def list_assessments(request: Request, query: ProgressQuery):
    """考核进度 / review queue (?queue=): filters status, modification, exemption, delay, procedure,
    institution_id, department_id, category, level, name, id_number, practice_cert_no,
    qualification_cert_no, phone, cycle_id (default: current cycles). Numbers masked."""
    rows, count = await progress.list_assessments(actor=actor_of(request), filters=filters_of(query),
                                                  page_no=query.page, size=query.size)
    return Page.of(rows, count, query)


@bp.get("/assessments/queues")
@endpoint(HI, AI, ADMIN, response=Items[ReviewQueue])
async def list_queues(request: Request):
    """The review queues (menus) of the caller's role: [{queue, label}]."""
    return Items(data=progress.queues_for(actor_of(request)))


@bp.get("/assessments/physicians")
@endpoint(HI, query=ProgressQuery, response=CyclePhysicianPage)
async def list_cycle_physicians(request: Request, query: ProgressQuery):
    """医师信息列表: the institution's physicians with their status in the current cycle."""
    return await progress.list_cycle_physicians(actor=actor_of(request), filters=filters_of(query),
                                                page_no=query.page, size=query.size)


# --- 参加考核 / 取消参加考核 ------------------------------------------------------------------------


@bp.post("/assessments/physicians/<physician_id:int>/include")
@endpoint(HI, response=AssessmentSummary)
async def include(request: Request, physician_id: int):
    """参加考核: include one physician of the institution in the current cycle."""
    return await reviews.include_physician(actor=actor_of(request), physician_id=physician_id)


@bp.post("/assessments/physicians/<physician_id:int>/cancel-include")
@endpoint(HI, response=AssessmentSummary)
async def cancel_include(request: Request, physician_id: int):
    """取消参加考核 (before enrolment is confirmed)."""
    return await reviews.include_physician(actor=actor_of(request), physician_id=physician_id, cancel=True)


@bp.post("/assessments/physicians/include")
@endpoint(HI, body=PhysicianIds, response=IncludeBatchResult)
async def include_batch(request: Request, body: PhysicianIds):
    """批量参加考核: {done, assessments, failed: [{id, code, message}]}."""
    return await reviews.include_physicians(actor=actor_of(request), physician_ids=body.physician_ids)


@bp.post("/assessments/physicians/cancel-include")
@endpoint(HI, body=PhysicianIds, response=IncludeBatchResult)
async def cancel_include_batch(request: Request, body: PhysicianIds):
    """批量取消参加考核."""
    return await reviews.include_physicians(actor=actor_of(request), physician_ids=body.physician_ids,
                                            cancel=True)


# --- one assessment ---------------------------------------------------------------------------------


@bp.get("/assessments/<assessment_id:int>")
@endpoint(HI, AI, ADMIN, response=AssessmentRecord)
async def get_record(request: Request, assessment_id: int):
    """查看: the whole record with history and the caller's actions."""
    return await full_record.full_record(actor=actor_of(request), assessment_id=assessment_id)


@bp.post("/assessments/<assessment_id:int>/actions/<action:str>")
@endpoint(HI, AI, ADMIN, body=ActionIn, response=MoveResult)
async def act(request: Request, assessment_id: int, action: str, body: ActionIn):
    """One move (通过 / 驳回 / 提交 / 允许修改 / 确认修改 / 同意 / ...): body per action."""
    move = parse_action_body(action, body.model_extra)
    return await reviews.perform(actor=actor_of(request), assessment_id=assessment_id, action=action, body=move)


@bp.post("/assessments/batch/<action:str>")
@endpoint(HI, AI, ADMIN, body=BatchBody, response=BatchResult)
async def act_batch(request: Request, action: str, body: BatchBody):
    """批量通过 / 批量提交: {done: [ids], failed: [{id, code, message}]}."""
    return await reviews.perform_batch(actor=actor_of(request), ids=body.ids, action=action, reason=body.reason)
