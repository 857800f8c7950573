"""The reviewers' assessment console (SPEC §4, §8): 考核进度 and the review queues, one
assessment's record, 参加考核 / 取消参加考核, and every reviewer's move on an assessment.

The moves share two endpoints; the body is validated with the model of the action named
in the path (``server/schemas/reviews.py``) and the state machine decides who may move what.
"""

from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request
from sanic_ext import validate

from server.routes.guards import actor_of, require
from server.routes.render import int_arg, ok, page, paging
from server.schemas.reviews import BatchBody, PhysicianIds, parse_action_body
from server.services.access import Role
from server.services.assessment import progress, reviews
from server.services.results import full_record

bp = Blueprint("admin_assessments", url_prefix="/")

HI, AI, ADMIN = Role.HEALTH_INSTITUTION, Role.ASSESSMENT_INSTITUTION, Role.ADMINISTRATION
TEXT_ARGS = ("queue", "status", "modification", "exemption", "delay", "procedure", "category", "level", "name",
             "id_number", "practice_cert_no", "qualification_cert_no", "phone")


def _filters(request: Request) -> progress.ProgressFilters:
    return progress.ProgressFilters(
        **{name: request.args.get(name) for name in TEXT_ARGS},
        cycle_id=int_arg(request, "cycle_id"), institution_id=int_arg(request, "institution_id"),
        department_id=int_arg(request, "department_id"),
    )


# --- lists ----------------------------------------------------------------------------------------


@bp.get("/assessments")
@require(HI, AI, ADMIN)
async def list_assessments(request: Request):
    """考核进度 / review queue (?queue=): filters status, modification, exemption, delay, procedure,
    institution_id, department_id, category, level, name, id_number, practice_cert_no,
    qualification_cert_no, phone, cycle_id (default: current cycles). Numbers masked."""
    page_no, size = paging(request)
    rows, count = await progress.list_assessments(actor=actor_of(request), filters=_filters(request),
                                                  page_no=page_no, size=size)
    return page(rows, count, page_no=page_no, size=size)


@bp.get("/assessments/queues")
@require(HI, AI, ADMIN)
async def list_queues(request: Request):
    """The review queues (menus) of the caller's role: [{queue, label}]."""
    return ok({"data": progress.queues_for(actor_of(request))})


@bp.get("/assessments/physicians")
@require(HI)
async def list_cycle_physicians(request: Request):
    """医师信息列表: the institution's physicians with their status in the current cycle."""
    page_no, size = paging(request)
    extra, rows, count = await progress.list_cycle_physicians(actor=actor_of(request), filters=_filters(request),
                                                              page_no=page_no, size=size)
    return ok({**extra, "data": rows, "count": count, "page": page_no, "size": size})


# --- 参加考核 / 取消参加考核 ------------------------------------------------------------------------


@bp.post("/assessments/physicians/<physician_id:int>/include")
@require(HI)
async def include(request: Request, physician_id: int):
    """参加考核: include one physician of the institution in the current cycle."""
    return ok(await reviews.include_physician(actor=actor_of(request), physician_id=physician_id))


@bp.post("/assessments/physicians/<physician_id:int>/cancel-include")
@require(HI)
async def cancel_include(request: Request, physician_id: int):
    """取消参加考核 (before enrolment is confirmed)."""
    return ok(await reviews.include_physician(actor=actor_of(request), physician_id=physician_id, cancel=True))


@bp.post("/assessments/physicians/include")
@require(HI)
@validate(json=PhysicianIds)
async def include_batch(request: Request, body: PhysicianIds):
    """批量参加考核: {done, assessments, failed: [{id, code, message}]}."""
    return ok(await reviews.include_physicians(actor=actor_of(request), physician_ids=body.physician_ids))


@bp.post("/assessments/physicians/cancel-include")
@require(HI)
@validate(json=PhysicianIds)
async def cancel_include_batch(request: Request, body: PhysicianIds):
    """批量取消参加考核."""
    return ok(await reviews.include_physicians(actor=actor_of(request), physician_ids=body.physician_ids,
                                               cancel=True))


# --- one assessment ---------------------------------------------------------------------------------


@bp.get("/assessments/<assessment_id:int>")
@require(HI, AI, ADMIN)
async def get_record(request: Request, assessment_id: int):
    """查看: the whole record with history and the caller's actions."""
    return ok(await full_record.full_record(actor=actor_of(request), assessment_id=assessment_id))


@bp.post("/assessments/<assessment_id:int>/actions/<action:str>")
@require(HI, AI, ADMIN)
async def act(request: Request, assessment_id: int, action: str):
    """One move (通过 / 驳回 / 提交 / 允许修改 / 确认修改 / 同意 / ...): body per action."""
    body = parse_action_body(action, request.json)
    return ok(await reviews.perform(actor=actor_of(request), assessment_id=assessment_id, action=action,
                                    body=body))


@bp.post("/assessments/batch/<action:str>")
@require(HI, AI, ADMIN)
@validate(json=BatchBody)
async def act_batch(request: Request, action: str, body: BatchBody):
    """批量通过 / 批量提交: {done: [ids], failed: [{id, code, message}]}."""
    return ok(await reviews.perform_batch(actor=actor_of(request), ids=body.ids, action=action,
                                          reason=body.reason))
