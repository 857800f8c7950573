"""监考管理 and 违纪处理记录 in the web console (SPEC §6; seed manuals: administration 2.2.8
考核过程监管, health institution 2.2.9, assessment institution 2.2.7).

Lists and photos for the three reviewer roles, each in its scope; 标记疑似作弊 by any of them;
撤销 and 处理 by administrations (处理 is the state machine's ``admin_mark_violation``). Images
are served only here, to reviewers in scope, never from a public URL.
"""

from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request

from server.routes.api import endpoint
from server.routes.guards import actor_of
from server.schemas.common import IMAGE_FILE, Page
from server.schemas.proctoring import (
    ExamineeDetail,
    ExamineeRow,
    MarkBody,
    MarkResult,
    ProcessBody,
    ProctoringQuery,
    UnmarkBody,
    ViolationProcessed,
    ViolationRow,
)
from server.services.access import Role
from server.services.proctoring import cases, review_lists

bp = Blueprint("admin_proctoring", url_prefix="/")

HI, AI, ADMIN = Role.HEALTH_INSTITUTION, Role.ASSESSMENT_INSTITUTION, Role.ADMINISTRATION


def _filters(query: ProctoringQuery) -> review_lists.ProctoringFilters:
    return review_lists.ProctoringFilters(**query.model_dump(exclude={"page", "size"}))


@bp.get("/proctoring")
@endpoint(HI, AI, ADMIN, query=ProctoringQuery, response=Page[ExamineeRow])
async def list_examinees(request: Request, query: ProctoringQuery):
    """监考管理: examinees with exam attempts in scope. Filters: max_similarity (最低相似度 ≤ x),
    decision (camera_covered, multiple_faces, low_similarity, review, no_face, invalid_image,
    no_reference, passed; comma-separated), suspected, violation, institution_id, name, id_number, cycle_id;
    sort=similarity (default) / -similarity / id."""
    rows, count = await review_lists.list_examinees(actor=actor_of(request), filters=_filters(query),
                                                    page_no=query.page, size=query.size)
    return Page.of(rows, count, query)


@bp.get("/proctoring/violations")
@endpoint(HI, AI, ADMIN, query=ProctoringQuery, response=Page[ViolationRow])
async def list_violations(request: Request, query: ProctoringQuery):
    """违纪处理记录: examinees processed as 违纪不合格 in scope, with who, when and why."""
    rows, count = await review_lists.list_violations(actor=actor_of(request), filters=_filters(query),
                                                     page_no=query.page, size=query.size)
    return Page.of(rows, count, query)


@bp.get("/proctoring/<assessment_id:int>")
@endpoint(HI, AI, ADMIN, response=ExamineeDetail)
async def examinee(request: Request, assessment_id: int):
    """照片: the examinee's checks with image links, the mark and the proctoring history."""
    return await review_lists.examinee_detail(actor=actor_of(request), assessment_id=assessment_id)


@bp.get("/proctoring/<assessment_id:int>/photo")
@endpoint(HI, AI, ADMIN, response=IMAGE_FILE)
async def reference_photo(request: Request, assessment_id: int):
    """The examinee's standard photo, to compare with the checks."""
    return await review_lists.reference_photo(actor=actor_of(request), assessment_id=assessment_id)


@bp.get("/proctoring/checks/<check_id:int>/image")
@endpoint(HI, AI, ADMIN, response=IMAGE_FILE)
async def check_image(request: Request, check_id: int):
    """One face check's image (reviewers in scope only)."""
    return await review_lists.check_image(actor=actor_of(request), check_id=check_id)


@bp.post("/proctoring/<assessment_id:int>/mark")
@endpoint(HI, AI, ADMIN, body=MarkBody, response=MarkResult)
async def mark(request: Request, assessment_id: int, body: MarkBody):
    """标记疑似作弊 (idempotent)."""
    return await cases.mark(actor=actor_of(request), assessment_id=assessment_id, note=body.note)


@bp.post("/proctoring/<assessment_id:int>/unmark")
@endpoint(ADMIN, body=UnmarkBody, response=MarkResult)
async def unmark(request: Request, assessment_id: int, body: UnmarkBody):
    """撤销疑似作弊标记 (administrations, within their jurisdiction)."""
    return await cases.unmark(actor=actor_of(request), assessment_id=assessment_id, reason=body.reason)


@bp.post("/proctoring/<assessment_id:int>/process")
@endpoint(HI, AI, ADMIN, body=ProcessBody, response=ViolationProcessed)
async def process(request: Request, assessment_id: int, body: ProcessBody):
    """处理: 违纪不合格 (the state machine refuses other roles with ``wrong_role``)."""
    return await cases.process(actor=actor_of(request), assessment_id=assessment_id, reason=body.reason,
                               version=body.version)
