"""监考管理 and 违纪处理记录 in the web console (SPEC §6; seed manuals: administration 2.2.8
考核过程监管, health institution 2.2.9, assessment institution 2.2.7).

Lists and photos for the three reviewer roles, each in its scope; 标记疑似作弊 by any of them;
撤销 and 处理 by administrations (处理 is the state machine's ``admin_mark_violation``). Images
are served only here, to reviewers in scope, never from a public URL.
"""

from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request
from sanic_ext import validate

from server.errors import ValidationFailed
from server.routes.guards import actor_of, require
from server.routes.render import int_arg, ok, page, paging, send_file
from server.schemas.proctoring import MarkBody, ProcessBody, UnmarkBody
from server.services.access import Role
from server.services.platform import files
from server.services.proctoring import cases, review_lists

bp = Blueprint("admin_proctoring", url_prefix="/")

HI, AI, ADMIN = Role.HEALTH_INSTITUTION, Role.ASSESSMENT_INSTITUTION, Role.ADMINISTRATION


def _float_arg(request: Request, name: str) -> float | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    try:
        return float(raw)
    except ValueError:
        raise ValidationFailed(f"参数{name}必须是数字", code="invalid_query") from None


def _bool_arg(request: Request, name: str) -> bool | None:
    raw = (request.args.get(name) or "").strip().lower()
    if raw == "":
        return None
    if raw in ("1", "true", "yes"):
        return True
    if raw in ("0", "false", "no"):
        return False
    raise ValidationFailed(f"参数{name}应为 true 或 false", code="invalid_query")


def _filters(request: Request) -> review_lists.ProctoringFilters:
    return review_lists.ProctoringFilters(
        cycle_id=int_arg(request, "cycle_id"), max_similarity=_float_arg(request, "max_similarity"),
        decision=request.args.get("decision"), suspected=_bool_arg(request, "suspected"),
        violation=_bool_arg(request, "violation"), institution_id=int_arg(request, "institution_id"),
        name=request.args.get("name"), id_number=request.args.get("id_number"),
        sort=request.args.get("sort") or "similarity",
    )


async def _image(request: Request, download: files.Download) -> None:
    await send_file(request, download)


@bp.get("/proctoring")
@require(HI, AI, ADMIN)
async def list_examinees(request: Request):
    """监考管理: examinees with exam attempts in scope. Filters: max_similarity (最低相似度 ≤ x),
    decision (camera_covered, multiple_faces, low_similarity, review, no_face, invalid_image,
    no_reference, passed; comma-separated), suspected, violation, institution_id, name, id_number, cycle_id;
    sort=similarity (default) / -similarity / id."""
    page_no, size = paging(request)
    rows, count = await review_lists.list_examinees(actor=actor_of(request), filters=_filters(request),
                                                        page_no=page_no, size=size)
    return page(rows, count, page_no=page_no, size=size)


@bp.get("/proctoring/violations")
@require(HI, AI, ADMIN)
async def list_violations(request: Request):
    """违纪处理记录: examinees processed as 违纪不合格 in scope, with who, when and why."""
    page_no, size = paging(request)
    rows, count = await review_lists.list_violations(actor=actor_of(request), filters=_filters(request),
                                                         page_no=page_no, size=size)
    return page(rows, count, page_no=page_no, size=size)


@bp.get("/proctoring/<assessment_id:int>")
@require(HI, AI, ADMIN)
async def examinee(request: Request, assessment_id: int):
    """照片: the examinee's checks with image links, the mark and the proctoring history."""
    return ok(await review_lists.examinee_detail(actor=actor_of(request), assessment_id=assessment_id))


@bp.get("/proctoring/<assessment_id:int>/photo")
@require(HI, AI, ADMIN)
async def reference_photo(request: Request, assessment_id: int):
    """The examinee's standard photo, to compare with the checks."""
    await _image(request, await review_lists.reference_photo(actor=actor_of(request), assessment_id=assessment_id))


@bp.get("/proctoring/checks/<check_id:int>/image")
@require(HI, AI, ADMIN)
async def check_image(request: Request, check_id: int):
    """One face check's image (reviewers in scope only)."""
    await _image(request, await review_lists.check_image(actor=actor_of(request), check_id=check_id))


@bp.post("/proctoring/<assessment_id:int>/mark")
@require(HI, AI, ADMIN)
@validate(json=MarkBody)
async def mark(request: Request, assessment_id: int, body: MarkBody):
    """标记疑似作弊 (idempotent)."""
    return ok(await cases.mark(actor=actor_of(request), assessment_id=assessment_id, note=body.note))


@bp.post("/proctoring/<assessment_id:int>/unmark")
@require(ADMIN)
@validate(json=UnmarkBody)
async def unmark(request: Request, assessment_id: int, body: UnmarkBody):
    """撤销疑似作弊标记 (administrations, within their jurisdiction)."""
    return ok(await cases.unmark(actor=actor_of(request), assessment_id=assessment_id, reason=body.reason))


@bp.post("/proctoring/<assessment_id:int>/process")
@require(HI, AI, ADMIN)
@validate(json=ProcessBody)
async def process(request: Request, assessment_id: int, body: ProcessBody):
    """处理: 违纪不合格 (the state machine refuses other roles with ``wrong_role``)."""
    return ok(await cases.process(actor=actor_of(request), assessment_id=assessment_id, reason=body.reason,
                                       version=body.version))
