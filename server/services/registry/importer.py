"""Registry import from Excel (SPEC §2 accounts, §4 physician registry): physicians and
institutions, since the national registration sync (全国医师注册管理系统) is not reachable.

Upload (`start_import`): the file is checked before any job exists — size
(MAX_IMPORT_BYTES), a real .xlsx (422 not_excel), the header row (422 bad_headers naming
the missing columns) — then stored and a background job is queued.

The job (`run_physician_import` / `run_institution_import`) streams the rows (openpyxl
read-only, parsed in a thread so the API stays responsive), validates each row, and
writes in batches of BATCH_SIZE rows, one transaction per batch, with bulk inserts and
updates keyed by the ID number (physicians) or the account code (institutions). A bad
row never stops the good ones; it goes to the error report (行号, the original cells,
错误原因), kept as the job's error file. Re-importing the same file changes nothing.

Who may import physicians: administrations (into health institutions in their
jurisdiction) and health institutions (into themselves only; a blank institution cell
means "this institution"). Institutions: administrations only, into regions of their
jurisdiction; accounts are created 未激活 with the initial password.

Physicians already registered at another institution, or in the holding area, are not
moved by an import: that is 变更卫生机构 / 人员调出 / 调出暂存区 (services.transfers).
A phone number the physician verified by SMS is never overwritten.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from server.errors import Forbidden, ValidationFailed
from server.models import (
    AccountStatus,
    Job,
    Organisation,
    Physician,
    Region,
    RegionLevel,
    RegistryStatus,
    StaffAccount,
    StoredFile,
)
from server.services import audit
from server.services.access import Actor, Role
from server.services.platform import files, jobs
from server.services.platform.excel import check_headers, open_rows, write_rows
from server.services.platform.jobs import job_actor
from server.services.platform.uploads import start_upload_job
from server.services.registry.import_rows import (
    INSTITUTION_HEADERS,
    INSTITUTION_REQUIRED,
    PHYSICIAN_HEADERS,
    PHYSICIAN_REQUIRED,
    Parsed,
    PhysicianResolver,
    RowParser,
    estimate_rows,
    parse_institution_row,
    parse_physician_row,
    safe_cell,
    take_rows,
)

BATCH_SIZE = 1000
KINDS = {"physicians": "physician_import", "institutions": "institution_import"}
EXISTING_FIELDS = ("id", "id_number", "institution_id", "registry_status", "phone_verified", "name", "level",
                   "category", "department_id", "phone", "qualification_cert_no", "practice_cert_no", "practice_scope")
UPDATABLE = ["name", "level", "category", "department_id", "phone", "qualification_cert_no", "practice_cert_no",
             "practice_scope"]


def template(what: str) -> bytes:
    """下载模板: the header row the import expects."""
    return write_rows(PHYSICIAN_HEADERS if what == "physicians" else INSTITUTION_HEADERS, [], title="导入模板")


def _columns(what: str, headers: list[str]) -> dict[str, int]:
    if what == "institutions":
        return check_headers(headers, INSTITUTION_REQUIRED)
    index = check_headers(headers, PHYSICIAN_REQUIRED)
    if "执业机构统一社会信用代码" not in index and "执业机构名称" not in index:
        missing = ["执业机构统一社会信用代码", "执业机构名称"]
        raise ValidationFailed("表头缺少：执业机构统一社会信用代码或执业机构名称", code="bad_headers",
                               details={"missing": missing})
    return index


def _check_importer(actor: Actor, what: str) -> None:
    allowed = (Role.ADMINISTRATION,) if what == "institutions" else (Role.ADMINISTRATION, Role.HEALTH_INSTITUTION)
    if actor.role not in allowed:
        raise Forbidden("当前身份无权导入", code="wrong_role")


async def start_import(*, actor: Actor, what: str, data: bytes, filename: str) -> Job:
    """导入: check the upload, keep it, queue the job. Nothing is created for a bad file."""
    _check_importer(actor, what)
    return await start_upload_job(actor=actor, kind=KINDS[what], data=data, filename=filename,
                                  params={"role": actor.role.value, "ip": actor.ip},
                                  check_headers=lambda headers: _columns(what, headers))


class _Run:
    """Shared streaming loop: batches, progress, error report."""

    def __init__(self, job: Job, what: str) -> None:
        self.job, self.what = job, what
        self.errors: list[tuple[int, tuple[Any, ...], str]] = []
        self.processed = self.succeeded = 0
        self.counts = {"created": 0, "updated": 0, "unchanged": 0}

    async def run(self, process_batch: Callable[[list[Parsed]], Awaitable[None]], parse: RowParser) -> None:
        stored = await StoredFile.get(id=self.job.params["file_id"])
        data = await files.read(stored)
        total = await asyncio.to_thread(estimate_rows, data)
        headers, rows = await asyncio.to_thread(open_rows, data)
        self.headers = headers
        self.cols = _columns(self.what, headers)
        del data
        await jobs.report_progress(self.job, total=total, message="正在导入")
        numbered = enumerate(rows, start=2)

        def next_batch() -> asyncio.Future:
            return asyncio.ensure_future(asyncio.to_thread(take_rows, numbered, BATCH_SIZE, parse, self.cols))

        # the next batch is read and checked in a thread while this one is written
        pending = next_batch()
        try:
            while True:
                read, batch = await pending
                if not read:
                    break
                pending = next_batch()
                if batch:
                    await process_batch(batch)
                    self.processed += len(batch)
                await jobs.report_progress(self.job, total=max(total, self.processed), processed=self.processed,
                                           succeeded=self.succeeded, failed=len(self.errors))
        finally:
            if not pending.done():
                await asyncio.wait([pending])
        await self.finish()

    def fail(self, no: int, cells: tuple[Any, ...], reason: str) -> None:
        self.errors.append((no, cells, reason))

    async def finish(self) -> None:
        width = len(self.headers)
        if self.errors:
            self.errors.sort(key=lambda e: e[0])
            rows = ([no, *[safe_cell(c) for c in (list(cells) + [None] * width)[:width]], reason]
                    for no, cells, reason in self.errors)
            report = await asyncio.to_thread(write_rows, ["行号", *self.headers, "错误原因"], rows, title="错误报告")
            await jobs.attach_file(self.job, report, filename="导入错误报告.xlsx", errors=True)
        c = self.counts
        message = (f"导入完成：共{self.processed}行，新增{c['created']}条，更新{c['updated']}条，"
                   f"未变化{c['unchanged']}条，失败{len(self.errors)}行")
        await jobs.report_progress(self.job, total=self.processed, processed=self.processed,
                                   succeeded=self.succeeded, failed=len(self.errors), message=message)
        await jobs.set_outcome(self.job, {**c, "failed": len(self.errors)})


# --- physicians ----------------------------------------------------------------------
@jobs.job_handler("physician_import")
async def run_physician_import(job: Job) -> None:
    actor = await job_actor(job, missing="导入机构不存在")
    run = _Run(job, "physicians")
    resolver = PhysicianResolver(actor)
    seen: dict[str, int] = {}

    async def process(batch: list[Parsed]) -> None:
        parsed: list[tuple[int, tuple[Any, ...], dict[str, Any]]] = []
        for no, cells, values, problem in batch:
            if problem is None:
                first = seen.get(values["id_number"])
                if first is not None:
                    problem = f"证件号码与第{first}行重复"
                else:
                    seen[values["id_number"]] = no
            if problem:
                run.fail(no, cells, problem)
            else:
                parsed.append((no, cells, values))
        await resolver.resolve(parsed)
        for attempt in range(2):
            try:
                await _write_physicians(job, actor, run, resolver, parsed)
                return
            except IntegrityError:  # someone else inserted one of these ID numbers meanwhile: retry once
                if attempt:
                    raise

    await run.run(process, parse_physician_row)


async def _write_physicians(job: Job, actor: Actor, run: _Run, resolver: PhysicianResolver,
                            parsed: list[tuple[int, tuple[Any, ...], dict[str, Any]]]) -> None:
    # plain rows, not model instances: most rows of a re-import are unchanged
    existing = {r["id_number"]: r for r in await Physician.filter(
        id_number__in=[v["id_number"] for _, _, v in parsed]).values(*EXISTING_FIELDS)}
    creates: list[Physician] = []
    updates: list[Physician] = []
    changed_fields: set[str] = set()
    failed: list[tuple[int, tuple[Any, ...], str]] = []
    unchanged = 0
    for no, cells, v in parsed:
        target, problem = resolver.target(v)
        if problem:
            failed.append((no, cells, problem))
            continue
        org_id, region_path, dept_id = target
        current = existing.get(v["id_number"])
        if current is None:
            creates.append(Physician(
                id_number=v["id_number"], name=v["name"], gender=v["gender"], birth_date=v["birth_date"],
                phone=v["phone"], level=v["level"], category=v["category"], institution_id=org_id,
                department_id=dept_id, region_path=region_path, qualification_cert_no=v["qualification_cert_no"],
                practice_cert_no=v["practice_cert_no"], practice_scope=v["practice_scope"],
                password_hash=None, must_change_password=True,
            ))
            continue
        if current["registry_status"] != RegistryStatus.ACTIVE:
            failed.append((no, cells, "该医师在暂存区，请通过调出暂存区办理"))
            continue
        if current["institution_id"] != org_id:
            failed.append((no, cells, "该医师已在其他机构登记，变更执业机构请通过变更卫生机构或人员调出办理"))
            continue
        wanted = {"name": v["name"], "level": v["level"], "category": v["category"]}
        for name in ("qualification_cert_no", "practice_cert_no", "practice_scope"):
            if v[name]:
                wanted[name] = v[name]
        if dept_id is not None:
            wanted["department_id"] = dept_id
        if v["phone"] and not current["phone_verified"]:
            wanted["phone"] = v["phone"]
        diff = [k for k, val in wanted.items() if current[k] != val]
        if not diff:
            unchanged += 1
            continue
        changed_fields.update(diff)
        updates.append(Physician(id=current["id"], id_number=current["id_number"], **{**{k: current[k] for k in UPDATABLE}, **wanted}))
    async with in_transaction() as conn:
        if creates:
            await Physician.bulk_create(creates, batch_size=500, using_db=conn)
        if updates:
            now = jobs.now()
            for p in updates:
                p.updated_at = now
            await Physician.bulk_update(updates, fields=[*sorted(changed_fields), "updated_at"], batch_size=200,
                                        using_db=conn)
        if creates or updates:
            await audit.record(actor, "physician.import", "job", job.id, using_db=conn, after={
                "rows": [parsed[0][0], parsed[-1][0]], "created": [p.id_number for p in creates],
                "updated": {p.id_number: sorted(changed_fields) for p in updates}})
    for no, cells, problem in failed:
        run.fail(no, cells, problem)
    run.counts["created"] += len(creates)
    run.counts["updated"] += len(updates)
    run.counts["unchanged"] += unchanged
    run.succeeded += len(creates) + len(updates) + unchanged


# --- institutions --------------------------------------------------------------------
@jobs.job_handler("institution_import")
async def run_institution_import(job: Job) -> None:
    actor = await job_actor(job, missing="导入机构不存在")
    run = _Run(job, "institutions")
    seen: dict[str, int] = {}
    regions: dict[str, Region | None] = {}

    async def process(batch: list[Parsed]) -> None:
        parsed = []
        for no, cells, values, problem in batch:
            if problem is None and values["code"] in seen:
                problem = f"统一社会信用代码与第{seen[values['code']]}行重复"
            if problem:
                run.fail(no, cells, problem)
                continue
            seen[values["code"]] = no
            parsed.append((no, cells, values))
        wanted_regions = {v["region_code"] for _, _, v in parsed} - regions.keys()
        for code in wanted_regions:
            regions[code] = None
        for region in await Region.filter(code__in=list(wanted_regions)):
            regions[region.code] = region
        codes = [v["code"] for _, _, v in parsed]
        existing = {o.credit_code: o for o in await Organisation.filter(credit_code__in=codes)}
        existing.update({a.code: a.org for a in await StaffAccount.filter(code__in=codes).prefetch_related("org")})
        async with in_transaction() as conn:
            for no, cells, v in parsed:
                problem = await _write_institution(actor, v, regions.get(v["region_code"]), existing.get(v["code"]),
                                                   run, conn)
                if problem:
                    run.fail(no, cells, problem)
                else:
                    run.succeeded += 1
            await audit.record(actor, "institution.import", "job", job.id, using_db=conn,
                               after={"rows": [batch[0][0], batch[-1][0]], **run.counts})

    await run.run(process, parse_institution_row)


async def _write_institution(actor: Actor, v: dict[str, Any], region: Region | None, org: Organisation | None,
                             run: _Run, conn: Any) -> str | None:
    """Create one institution and its 未激活 account, or update the name/address of the
    institution already holding this code (as account code or credit code). Returns the
    row's problem, if any."""
    if region is None:
        return "行政区划代码不存在"
    if not region.path.startswith(actor.region_path):
        return "行政区划不在本机构管辖范围内"
    if region.level == RegionLevel.NATIONAL:
        return "机构不能设在国家级行政区划"
    if org is not None:
        if not org.region_path.startswith(actor.region_path):
            return "该统一社会信用代码已被其他机构使用"
        if org.kind != v["kind"] or org.region_id != region.id:
            return "该机构已存在，所在地区或机构类型不能通过导入修改"
        changes = {k: v[k] for k in ("name", "address") if v[k] and getattr(org, k) != v[k]}
        if not changes:
            run.counts["unchanged"] += 1
            return None
        before = audit.snapshot(org, list(changes))
        await Organisation.filter(id=org.id).using_db(conn).update(**changes)
        await audit.record(actor, "org.import_update", "organisation", org.id, before=before, after=changes,
                           using_db=conn)
        run.counts["updated"] += 1
        return None
    # institutions are few (thousands per province): created one by one, still one transaction per batch
    org = await Organisation.create(name=v["name"], kind=v["kind"], region_id=region.id, region_path=region.path,
                                    credit_code=v["code"], address=v["address"] or None, using_db=conn)
    await StaffAccount.create(code=v["code"], org_id=org.id, status=AccountStatus.INACTIVE, password_hash=None,
                              must_change_password=True, created_by_id=actor.account_id, using_db=conn)
    run.counts["created"] += 1
    return None

