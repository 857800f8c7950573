"""Excel exports in the background: apply, then download (SPEC §8 "every list that the seeds
export ... long exports run in the background with visible progress"; seeds: administration
2.2.10 (2) 考试进展导出 "按系统提示需要先申请，再导出", health institution 2.2.5 医师信息列表【导出】).

申请导出 (`start_export`): the filters are checked first (422 invalid_query, 403 for an
institution outside the caller's scope), then a Job is queued; no row is read yet.
The job (`_run`) counts the rows, streams them from the database in chunks of CHUNK_SIZE by
keyset pagination on id (never OFFSET), fetching the next chunk while the current one is
written, writes them with openpyxl write-only into a temporary file (in a thread, so the
API's event loop stays free), and reports total / processed after each chunk (percent on
GET /api/v1/admin/jobs/<id>). The workbook is kept with files.store_generated as the job's
result, and the owner organisation's WeChat-bound accounts get an 导出完成 message.

下载: only GET /api/v1/admin/jobs/<id>/result (services.jobs.get_job_for): the owner
organisation's account, or an administration whose jurisdiction contains the owner
organisation and every exported row — the job keeps `scope_path`, the region prefix covering
the rows (an assessment institution's assigned institutions may lie outside the county of the
institution itself). ID and phone numbers are masked in every export, as in the lists.

- progress (考核进度): assessments of the current cycle(s) in scope; filters status (several,
  comma-separated), procedure, institution_id, name, id_number, cycle_id.
- exam_progress (考试进展导出): assessments at or past 待参加测评 (EXAM_STAGE) with each
  paper's progress from `paper_progress` — 未参加 for everyone until the exams issue fills it.
- physicians (医师信息列表): physicians in scope with their status in the current cycle;
  filters as GET /physicians.

The filter logic duplicates services.progress (assessments) and services.physicians — to merge.
"""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TypedDict

from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from server.errors import Forbidden, NotFound, ValidationFailed
from server.models import (
    Assessment,
    AssessmentStatus,
    Cycle,
    DelayStatus,
    ExamAttempt,
    ExemptionStatus,
    ItemResult,
    Job,
    Organisation,
    PaperPurpose,
    PaperType,
    Physician,
    PhysicianLevel,
    PracticeCategory,
    Procedure,
    RegistryStatus,
)
from server.security import mask_id_number, mask_phone, normalise_id_number
from server.services import audit
from server.services.access import Actor, Role, get_org_in_scope, physician_scope_q
from server.services.assessment import transitions
from server.services.notify import notices
from server.services.platform import excel, jobs
from server.services.platform.jobs import job_actor

log = logging.getLogger("server.exports")
S = AssessmentStatus
STAFF = (Role.ADMINISTRATION, Role.ASSESSMENT_INSTITUTION, Role.HEALTH_INSTITUTION)
CHUNK_SIZE = 2000
MAX_SHEET_ROWS = 1_000_000  # Excel's limit is 1,048,576 rows a sheet: a bigger export continues on a new sheet
CST = timezone(timedelta(hours=8))
NOT_TAKEN = "未参加"
# 考试进展导出: the first round's 待参加测评 and 待成绩评定 (re-exam progress: 再次考核管理's lists).
EXAM_STAGE: frozenset[AssessmentStatus] = frozenset({S.AWAITING_EXAM, S.EXAMS_DONE})

ENUM_FILTERS: dict[str, tuple[Any, str]] = {
    "status": (AssessmentStatus, "考核状态"), "procedure": (Procedure, "考核程序"),
    "category": (PracticeCategory, "执业类别"), "level": (PhysicianLevel, "执业级别"),
    "registry_status": (RegistryStatus, "登记状态"),
}
INT_FILTERS = ("institution_id", "department_id", "cycle_id")


class ExportFilters(TypedDict, total=False):
    """The checked filters of an export, as stored in the job's params (only those given)."""

    status: list[str]
    procedure: list[str]
    category: list[str]
    level: list[str]
    registry_status: list[str]
    institution_id: int
    department_id: int
    cycle_id: int
    name: str
    id_number: str


# --- filters and queries -------------------------------------------------------------------------


async def _check_filters(actor: Actor, names: tuple[str, ...], raw: dict[str, str | None]) -> ExportFilters:
    """The filters as stored in the job: enums as value lists, ints, trimmed text."""
    out: ExportFilters = {}
    for name in names:
        value = raw.get(name)
        value = value.strip() if isinstance(value, str) else value
        if value in (None, ""):
            continue
        if name in ENUM_FILTERS:
            enum, what = ENUM_FILTERS[name]
            try:
                out[name] = [enum(v.strip()).value for v in str(value).split(",") if v.strip()]
            except ValueError:
                raise ValidationFailed(f"{what}无效", code="invalid_query") from None
        elif name in INT_FILTERS:
            try:
                out[name] = int(value)
            except (TypeError, ValueError):
                raise ValidationFailed(f"参数{name}必须是数字", code="invalid_query") from None
        elif name == "id_number":
            out[name] = normalise_id_number(str(value))
        else:
            out[name] = str(value)[:64]
    if "institution_id" in out:
        await get_org_in_scope(actor, out["institution_id"])
    if "cycle_id" in out and not await Cycle.exists(id=out["cycle_id"]):
        raise NotFound("考核周期不存在", code="cycle_not_found")
    return out


async def _cycle_ids(f: ExportFilters) -> list[int]:
    if f.get("cycle_id") is not None:
        return [f["cycle_id"]]
    return list(await Cycle.filter(is_current=True).values_list("id", flat=True))


async def assessment_query(actor: Actor, f: ExportFilters) -> QuerySet[Assessment]:
    """考核进度 in the actor's scope with the export's filters."""
    qs = Assessment.filter(await physician_scope_q(actor), cycle_id__in=await _cycle_ids(f))
    if f.get("status"):
        qs = qs.filter(status__in=f["status"])
    if f.get("procedure"):
        qs = qs.filter(procedure__in=f["procedure"])
    if f.get("institution_id") is not None:
        qs = qs.filter(institution_id=f["institution_id"])
    if f.get("name"):
        qs = qs.filter(physician__name__contains=f["name"])
    if f.get("id_number"):
        qs = qs.filter(physician__id_number=f["id_number"])
    return qs


async def exam_query(actor: Actor, f: ExportFilters) -> QuerySet[Assessment]:
    qs = await assessment_query(actor, ExportFilters(**{k: v for k, v in f.items() if k != "status"}))
    return qs.filter(status__in=sorted(s.value for s in EXAM_STAGE))


async def physician_query(actor: Actor, f: ExportFilters) -> QuerySet[Physician]:
    """医师信息列表 in the actor's scope with the export's filters."""
    qs = Physician.filter(await physician_scope_q(actor))
    if f.get("name"):
        qs = qs.filter(name__contains=f["name"])
    if f.get("id_number"):
        qs = qs.filter(id_number=f["id_number"])
    for name in ("institution_id", "department_id"):
        if f.get(name) is not None:
            qs = qs.filter(**{name: f[name]})
    for name in ("category", "level", "registry_status"):
        if f.get(name):
            qs = qs.filter(**{f"{name}__in": f[name]})
    return qs


# --- rows ------------------------------------------------------------------------------------------


def label(enum: Any, value: Any) -> str:
    return enum(value).label if value not in (None, "") else ""


def local_time(value: datetime | None) -> str:
    if value is None:
        return ""
    value = value if value.tzinfo else value.replace(tzinfo=UTC)
    return value.astimezone(CST).strftime("%Y-%m-%d %H:%M:%S")


ASSESSMENT_FIELDS = ("id", "status", "procedure", "work_result", "ethics_result", "exemption", "delay",
                     "updated_at", "evaluation_items", "institution__name", "physician__name", "physician__id_number",
                     "physician__category", "physician__level", "physician__department__name")
PERSON_HEADERS = ("姓名", "证件号码", "机构", "科室", "执业类别", "医师级别", "考核程序", "考核状态")
PROGRESS_HEADERS = (*PERSON_HEADERS, "工作成绩", "职业道德", "免考", "延期", "更新时间", "不合格考核内容")
ITEM_GROUPS = {"work_performance": "工作成绩", "ethics": "职业道德"}
EXAM_HEADERS = (*PERSON_HEADERS, "人文医学", "业务水平")
PHYSICIAN_FIELDS = ("id", "name", "id_number", "gender", "phone", "level", "category", "qualification_cert_no",
                    "practice_cert_no", "practice_scope", "registry_status", "institution__name", "department__name")
PHYSICIAN_HEADERS = ("姓名", "证件号码", "性别", "手机号码", "执业机构", "科室", "执业级别", "执业类别",
                     "医师资格证书编号", "执业证书编号", "执业范围", "登记状态", "本周期考核状态")


def _person(r: dict[str, Any]) -> list[Any]:
    return [r["physician__name"], mask_id_number(r["physician__id_number"]), r["institution__name"] or "",
            r["physician__department__name"] or "", label(PracticeCategory, r["physician__category"]),
            label(PhysicianLevel, r["physician__level"]), label(Procedure, r["procedure"]), label(S, r["status"])]


def failed_items(items: dict[str, Any] | None) -> str:
    """逐项评定's 不合格 items with their reasons, e.g. 职业道德-医患沟通：患者投诉两次."""
    out = []
    for group, entries in (items or {}).items():
        for e in entries or []:
            if isinstance(e, dict) and e.get("result") == ItemResult.FAIL.value:
                out.append(f"{ITEM_GROUPS.get(group, group)}-{e.get('item', '')}：{e.get('reason', '')}")
    return "；".join(out)


async def progress_cells(rows: list[dict[str, Any]]) -> list[list[Any]]:
    return [[*_person(r), label(ItemResult, r["work_result"]), label(ItemResult, r["ethics_result"]),
             label(ExemptionStatus, r["exemption"]), label(DelayStatus, r["delay"]), local_time(r["updated_at"]),
             failed_items(r.get("evaluation_items"))]
            for r in rows]


async def paper_progress(assessment_ids: list[int]) -> dict[int, dict[PaperType, str]]:
    """Each assessment's progress on each paper of the first round, for 考试进展导出: 未参加,
    答题中, 已参加（合格）, 已参加（未合格） — one query over the started exam attempts."""
    out: dict[int, dict[PaperType, str]] = {aid: {paper: NOT_TAKEN for paper in PaperType} for aid in assessment_ids}
    seen: dict[tuple[int, PaperType], tuple[bool, bool]] = {}  # (passed, submitted)
    rows = await (ExamAttempt.filter(assessment_id__in=assessment_ids, purpose=PaperPurpose.FIRST,
                                     started_at__isnull=False)
                  .values_list("assessment_id", "paper_type", "status", "passed"))
    for aid, paper, status, passed in rows:
        was_passed, was_submitted = seen.get((aid, PaperType(paper)), (False, False))
        seen[(aid, PaperType(paper))] = (was_passed or bool(passed), was_submitted or str(status) == "submitted")
    for (aid, paper), (passed, submitted) in seen.items():
        out[aid][paper] = "已参加（合格）" if passed else ("已参加（未合格）" if submitted else "答题中")
    return out


def paper_cell(paper: PaperType, procedure: Procedure | None, exemption: ExemptionStatus,
               progress: dict[PaperType, str]) -> str:
    """简易程序 takes 人文医学 only (SPEC §4 stage 4); an approved exemption skips its paper."""
    if procedure == Procedure.SIMPLE and paper == PaperType.PROFESSIONAL:
        return "无需参加"
    if exemption == ExemptionStatus.APPROVED and transitions.exemption_paper(procedure) == paper:
        return "免考"
    return progress.get(paper, NOT_TAKEN)


async def exam_cells(rows: list[dict[str, Any]]) -> list[list[Any]]:
    papers = await paper_progress([r["id"] for r in rows])
    out = []
    for r in rows:
        procedure = Procedure(r["procedure"]) if r["procedure"] else None
        exemption = ExemptionStatus(r["exemption"])
        progress = papers.get(r["id"], {})
        out.append([*_person(r), *[paper_cell(p, procedure, exemption, progress)
                                   for p in (PaperType.HUMANITIES, PaperType.PROFESSIONAL)]])
    return out


async def physician_cells(rows: list[dict[str, Any]]) -> list[list[Any]]:
    cycle_ids = list(await Cycle.filter(is_current=True).values_list("id", flat=True))
    statuses = dict(await Assessment.filter(physician_id__in=[r["id"] for r in rows], cycle_id__in=cycle_ids)
                    .values_list("physician_id", "status"))
    return [[r["name"], mask_id_number(r["id_number"]), r["gender"] or "", mask_phone(r["phone"]),
             r["institution__name"] or "", r["department__name"] or "", label(PhysicianLevel, r["level"]),
             label(PracticeCategory, r["category"]), r["qualification_cert_no"] or "", r["practice_cert_no"] or "",
             r["practice_scope"] or "", label(RegistryStatus, r["registry_status"]),
             label(S, statuses.get(r["id"], S.NOT_INCLUDED))] for r in rows]


@dataclass(frozen=True)
class ExportSpec:
    what: str
    job_kind: str
    title: str
    headers: tuple[str, ...]
    filters: tuple[str, ...]
    fields: tuple[str, ...]
    query: Callable[[Actor, ExportFilters], Awaitable[QuerySet[Any]]]
    cells: Callable[[list[dict[str, Any]]], Awaitable[list[list[Any]]]]


EXPORTS: dict[str, ExportSpec] = {
    "progress": ExportSpec("progress", "export_progress", "考核进度", PROGRESS_HEADERS,
                           ("status", "procedure", "institution_id", "name", "id_number", "cycle_id"),
                           ASSESSMENT_FIELDS, assessment_query, progress_cells),
    "exam_progress": ExportSpec("exam_progress", "export_exam_progress", "考试进展", EXAM_HEADERS,
                                ("procedure", "institution_id", "name", "id_number", "cycle_id"),
                                ASSESSMENT_FIELDS, exam_query, exam_cells),
    "physicians": ExportSpec("physicians", "export_physicians", "医师信息列表", PHYSICIAN_HEADERS,
                             ("name", "id_number", "institution_id", "department_id", "category", "level",
                              "registry_status"), PHYSICIAN_FIELDS, physician_query, physician_cells),
}


# --- apply ------------------------------------------------------------------------------------------


def common_path(paths: list[str]) -> str:
    """The longest region path that is a prefix of all of `paths` ("/1/2/5/", "/1/2/7/" → "/1/2/")."""
    split = [p.strip("/").split("/") for p in paths]
    common: list[str] = []
    for segments in zip(*split, strict=False):
        if any(s != segments[0] for s in segments):
            break
        common.append(segments[0])
    return "/" + "".join(f"{s}/" for s in common)


async def scope_path_of(actor: Actor) -> str:
    """The region prefix covering every row the actor may export."""
    if actor.role == Role.ASSESSMENT_INSTITUTION:
        ids = await actor.assigned_institution_ids()
        paths = list(await Organisation.filter(id__in=ids).values_list("region_path", flat=True)) if ids else []
        return common_path(paths) if paths else actor.region_path
    return actor.region_path


def spec_of(what: str) -> ExportSpec:
    spec = EXPORTS.get(what)
    if spec is None:
        raise NotFound("导出类型不存在", code="export_kind_not_found")
    return spec


async def start_export(*, actor: Actor, what: str, filters: dict[str, str | None]) -> Job:
    """申请导出: check the filters, queue the job (download it when it has finished)."""
    spec = spec_of(what)
    if actor.role not in STAFF or actor.org_id is None:
        raise Forbidden("当前身份无权导出", code="wrong_role")
    clean = await _check_filters(actor, spec.filters, filters)
    params = {"role": actor.role.value, "ip": actor.ip, "filters": clean, "scope_path": await scope_path_of(actor)}
    async with in_transaction() as conn:
        job = await jobs.create_job(actor=actor, kind=spec.job_kind, params=params, using_db=conn)
        await audit.record(actor, f"export.{spec.what}", "job", job.id, after={"filters": clean}, using_db=conn)
    await jobs.enqueue(job)
    return job


async def list_exports(*, actor: Actor, page_no: int, size: int) -> tuple[list[Job], int]:
    """导出记录: the organisation's export jobs, newest first."""
    qs = Job.filter(org_id=actor.org_id, kind__in=[s.job_kind for s in EXPORTS.values()])
    return await qs.order_by("-created_at").offset((page_no - 1) * size).limit(size), await qs.count()


# --- the job ----------------------------------------------------------------------------------------


class _Sheet:
    """A write-only workbook saved into a temporary file: rows are never all in memory."""

    def __init__(self, title: str, headers: list[str]) -> None:
        self.title, self.headers, self.sheets, self.rows = title, headers, 0, 0
        self.book = excel.SheetWriter()
        fd, self.path = tempfile.mkstemp(prefix="dkt-export-", suffix=".xlsx")
        os.close(fd)
        self._new_sheet()

    def _new_sheet(self) -> None:
        self.sheets += 1
        self.book.sheet(self.title if self.sheets == 1 else f"{self.title}({self.sheets})")
        self.book.append(self.headers)
        self.rows = 0

    def append(self, rows: list[list[Any]]) -> None:
        for row in rows:
            if self.rows >= MAX_SHEET_ROWS:
                self._new_sheet()
            self.book.append(row)
            self.rows += 1

    def finish(self) -> bytes:
        self.book.save(self.path)
        return Path(self.path).read_bytes()

    def discard(self) -> None:
        self.book.discard()  # a failed export: close the sheets' own temporary files
        Path(self.path).unlink(missing_ok=True)


async def fetch_chunk(qs: QuerySet[Any], fields: tuple[str, ...], after: int | None, size: int
                      ) -> list[dict[str, Any]]:
    """Keyset pagination: the next `size` rows with id greater than `after`."""
    page = qs if after is None else qs.filter(id__gt=after)
    return await page.order_by("id").limit(size).values(*fields)


async def _remember_scope(job: Job, actor: Actor) -> None:
    job.params = {**(job.params or {}), "scope_path": await scope_path_of(actor)}
    await Job.filter(id=job.id).update(params=job.params)


async def _run(job: Job, spec: ExportSpec) -> None:
    actor = await job_actor(job)
    await _remember_scope(job, actor)  # the scope as it is now, which is what the rows will be
    qs = await spec.query(actor, job.params.get("filters") or {})
    total = await qs.count()
    await jobs.report_progress(job, total=total, processed=0, message="正在导出")
    sheet = await asyncio.to_thread(_Sheet, spec.title, list(spec.headers))
    size, processed = CHUNK_SIZE, 0
    pending: asyncio.Future[list[dict[str, Any]]] | None = asyncio.ensure_future(
        fetch_chunk(qs, spec.fields, None, size))
    try:
        while pending is not None:
            rows = await pending
            pending = (asyncio.ensure_future(fetch_chunk(qs, spec.fields, rows[-1]["id"], size))
                       if len(rows) == size else None)  # the next chunk is read while this one is written
            if not rows:
                break
            await asyncio.to_thread(sheet.append, await spec.cells(rows))
            processed += len(rows)
            await jobs.report_progress(job, total=max(total, processed), processed=processed, succeeded=processed)
        data = await asyncio.to_thread(sheet.finish)
    finally:
        if pending is not None and not pending.done():
            pending.cancel()
            await asyncio.gather(pending, return_exceptions=True)
        await asyncio.to_thread(sheet.discard)
    stamp = datetime.now(CST).strftime("%Y%m%d%H%M%S")
    await jobs.attach_file(job, data, filename=f"{spec.title}_{stamp}.xlsx")
    await jobs.report_progress(job, total=processed, processed=processed, succeeded=processed,
                               message=f"导出完成：共{processed}条")
    await jobs.set_outcome(job, {"rows": processed})
    await _notify(job, spec, processed)


async def _notify(job: Job, spec: ExportSpec, rows: int) -> None:
    """导出完成 to the owner organisation's WeChat-bound accounts; never fails the export."""
    if job.org_id is None:
        return
    try:
        await notices.staff_message(org_id=job.org_id, template="export_finished", only_bound=True,
                                    data={"title": f"{spec.title}导出", "count": rows, "job_id": str(job.id)})
    except Exception:  # the file is ready; a message that cannot be queued must not hide it
        log.exception("export %s: the 导出完成 message could not be queued", job.id)


@jobs.job_handler("export_progress")
async def run_progress_export(job: Job) -> None:
    await _run(job, EXPORTS["progress"])


@jobs.job_handler("export_exam_progress")
async def run_exam_export(job: Job) -> None:
    await _run(job, EXPORTS["exam_progress"])


@jobs.job_handler("export_physicians")
async def run_physician_export(job: Job) -> None:
    await _run(job, EXPORTS["physicians"])
