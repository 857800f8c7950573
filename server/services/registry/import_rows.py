"""Row-level rules of the registry import (services.registry_import): the columns, the
checks of one row, the streamed reading of rows in batches (run in a worker thread),
and the resolution of a row's institution and department inside the importer's
jurisdiction. Pure parsing is separate from the database look-ups
(`PhysicianResolver`), which work one batch at a time with a cache."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterator
from itertools import islice
from typing import Any

from openpyxl import load_workbook

from server.models import Department, Organisation, OrgKind, PhysicianLevel, PracticeCategory, StaffAccount
from server.security import (
    birth_date_from_id,
    gender_from_id,
    id_number_problem,
    normalise_id_number,
    phone_problem,
)
from server.services.access import Actor, Role

PHYSICIAN_HEADERS = ["姓名", "证件号码", "执业级别", "执业类别", "执业机构统一社会信用代码", "执业机构名称", "科室",
                     "手机号码", "医师资格证书编号", "执业证书编号", "执业范围"]
PHYSICIAN_REQUIRED = ["姓名", "证件号码", "执业级别", "执业类别"]
INSTITUTION_HEADERS = ["机构名称", "机构类型", "行政区划代码", "统一社会信用代码", "详细地址"]
INSTITUTION_REQUIRED = ["机构名称", "机构类型", "行政区划代码", "统一社会信用代码"]

LEVELS = {m.label: m for m in PhysicianLevel}
CATEGORIES = {m.label: m for m in PracticeCategory}
ORG_KINDS = {"卫生机构": OrgKind.HEALTH_INSTITUTION, "执业机构": OrgKind.HEALTH_INSTITUTION,
             "行业组织": OrgKind.INDUSTRY_ORG}
_NAME_BAD = re.compile(r"[\d\x00-\x1f<>\"=+@]")
# text that a spreadsheet would run as a formula when exported again
FORMULA_START = ("=", "+", "-", "@")

# --- 统一社会信用代码 (GB 32100-2015) -------------------------------------------------
_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_RE = re.compile(rf"^[{_CREDIT_CHARS}]{{18}}$")


def credit_code_problem(raw: str) -> str | None:
    """Why a unified social credit code is invalid (length, characters, check character), or None."""
    value = (raw or "").strip().upper()
    if not _CREDIT_RE.match(value):
        return "统一社会信用代码应为18位数字或大写字母"
    total = sum(_CREDIT_CHARS.index(c) * w for c, w in zip(value[:17], _CREDIT_WEIGHTS, strict=True))
    if _CREDIT_CHARS[(31 - total % 31) % 31] != value[17]:
        return "统一社会信用代码校验位错误"
    return None


def text(value: Any) -> str:
    """A cell as trimmed text; whole floats (Excel numbers) without the trailing .0."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _cell(cells: tuple[Any, ...], cols: dict[str, int], header: str) -> str:
    i = cols.get(header)
    return text(cells[i]) if i is not None and i < len(cells) else ""


def _label(raw: str, choices: dict[str, Any]) -> Any:
    value = raw.replace(" ", "")
    for suffix in ("类别", "类"):
        if value not in choices and value.endswith(suffix):
            value = value[: -len(suffix)]
    return choices.get(value)


def parse_physician_row(cells: tuple[Any, ...], cols: dict[str, int]) -> tuple[dict[str, Any], str | None]:
    """The values of one physician row, or the Chinese reason it is refused."""
    get = lambda h: _cell(cells, cols, h)  # noqa: E731
    id_number = normalise_id_number(get("证件号码"))
    if not id_number:
        return {}, "证件号码不能为空"
    problem = id_number_problem(id_number)
    if problem:
        return {}, problem
    name = get("姓名")
    if not name:
        return {}, "姓名不能为空"
    if len(name) > 32 or _NAME_BAD.search(name):
        return {}, "姓名格式不正确"
    level = _label(get("执业级别"), LEVELS)
    if level is None:
        return {}, "执业级别应为：执业医师、执业助理医师"
    category = _label(get("执业类别"), CATEGORIES)
    if category is None:
        return {}, "执业类别应为：临床、中医、口腔、公共卫生"
    phone = get("手机号码")
    if phone and phone_problem(phone):
        return {}, "手机号码格式不正确"
    values: dict[str, Any] = {
        "id_number": id_number, "name": name, "level": level, "category": category, "phone": phone or None,
        "gender": gender_from_id(id_number), "birth_date": birth_date_from_id(id_number),
        "org_code": get("执业机构统一社会信用代码"), "org_name": get("执业机构名称"),
        "department": get("科室"),
    }
    for header, key, limit in (("医师资格证书编号", "qualification_cert_no", 32), ("执业证书编号", "practice_cert_no", 32),
                               ("执业范围", "practice_scope", 64)):
        value = get(header)
        if len(value) > limit:
            return {}, f"{header}过长（最多{limit}个字符）"
        if value.startswith(FORMULA_START):
            return {}, f"{header}格式不正确"
        values[key] = value or None
    if len(values["department"]) > 64:
        return {}, "科室名称过长"
    return values, None


def parse_institution_row(cells: tuple[Any, ...], cols: dict[str, int]) -> tuple[dict[str, Any], str | None]:
    get = lambda h: _cell(cells, cols, h)  # noqa: E731
    name = get("机构名称")
    if not name or len(name) > 128:
        return {}, "机构名称不能为空且不超过128个字符"
    if name.startswith(FORMULA_START):
        return {}, "机构名称格式不正确"
    kind = ORG_KINDS.get(get("机构类型").replace(" ", ""))
    if kind is None:
        return {}, "机构类型应为：卫生机构、行业组织"
    region_code = get("行政区划代码")
    if not region_code.isdigit() or len(region_code) > 12:
        return {}, "行政区划代码格式不正确"
    code = get("统一社会信用代码").upper()
    problem = credit_code_problem(code)
    if problem:
        return {}, problem
    address = get("详细地址")
    if len(address) > 255 or address.startswith(FORMULA_START):
        return {}, "详细地址过长或格式不正确"
    return {"name": name, "kind": kind, "region_code": region_code, "code": code, "address": address}, None


Parsed = tuple[int, tuple[Any, ...], dict[str, Any], str | None]  # row number, cells, values, problem
RowParser = Callable[[tuple[Any, ...], dict[str, int]], tuple[dict[str, Any], str | None]]


def estimate_rows(data: bytes) -> int:
    """How many data rows the first sheet holds, for the progress bar only: the <row>
    elements of the sheet XML are counted (openpyxl's write-only files carry no dimension).
    The final total is the number of rows actually read."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            path = "xl/worksheets/sheet1.xml"
            if path not in names:
                wb = load_workbook(io.BytesIO(data), read_only=True)
                path = (getattr(wb.worksheets[0], "_worksheet_path", "") or "").lstrip("/")
                wb.close()
            if path not in names:
                return 0
            count, tail = 0, b""
            with zf.open(path) as fh:
                while chunk := fh.read(1 << 20):
                    buf = tail + chunk
                    count += buf.count(b"<row ") + buf.count(b"<row>")
                    tail = buf[-4:]
        return max(0, count - 1)
    except Exception:  # an estimate only: never fail the import over it
        return 0


def take_rows(numbered: Iterator[tuple[int, tuple[Any, ...]]], n: int, parse: RowParser,
              cols: dict[str, int]) -> tuple[int, list[Parsed]]:
    """Read and check the next n rows (in a worker thread): (rows read, non-blank rows parsed)."""
    out: list[Parsed] = []
    read = 0
    for no, cells in islice(numbered, n):
        read += 1
        if not blank(cells):
            out.append((no, cells, *parse(cells, cols)))
    return read, out


def safe_cell(cell: Any) -> Any:
    """An original cell for the error report, never written back as a formula."""
    if cell is None:
        return ""
    if isinstance(cell, str) and cell.startswith(FORMULA_START):
        return "'" + cell
    return cell


def blank(cells: tuple[Any, ...]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


Candidate = tuple[int, str]  # (organisation id, region path)


class PhysicianResolver:
    """Finds each row's institution (by 统一社会信用代码 — the organisation's code or its
    account code — or else by name) and department, within the importer's scope."""

    def __init__(self, actor: Actor) -> None:
        self.actor = actor
        self.by_code: dict[str, Candidate | str] = {}
        self.by_name: dict[str, Candidate | str] = {}
        self.departments: dict[tuple[int, str], int | None] = {}

    def _in_scope(self, org_id: int, region_path: str) -> bool:
        if self.actor.role == Role.ADMINISTRATION:
            return region_path.startswith(self.actor.region_path)
        return org_id == self.actor.org_id

    def _decide(self, candidates: list[Candidate], by_name: bool) -> Candidate | str:
        if not candidates:
            return "执业机构不存在"
        mine = [c for c in candidates if self._in_scope(*c)]
        if len(mine) == 1:
            return mine[0]
        if mine:
            return "执业机构名称不唯一，请填写统一社会信用代码" if by_name else "统一社会信用代码对应多个机构"
        if self.actor.role == Role.HEALTH_INSTITUTION:
            return "卫生机构只能导入本机构的医师"
        return "执业机构不在本机构管辖范围内"

    async def resolve(self, parsed: list[tuple[int, tuple[Any, ...], dict[str, Any]]]) -> None:
        """Look up, once per batch, the institutions and departments not seen before."""
        codes = {v["org_code"] for _, _, v in parsed if v["org_code"]} - self.by_code.keys()
        names = {v["org_name"] for _, _, v in parsed if not v["org_code"] and v["org_name"]} - self.by_name.keys()
        hi = OrgKind.HEALTH_INSTITUTION
        if codes:
            found: dict[str, set[Candidate]] = {c: set() for c in codes}
            for row in await Organisation.filter(credit_code__in=list(codes), kind=hi).values(
                    "id", "region_path", "credit_code"):
                found[row["credit_code"]].add((row["id"], row["region_path"]))
            for row in await StaffAccount.filter(code__in=list(codes), org__kind=hi).values(
                    "code", "org_id", "org__region_path"):
                found[row["code"]].add((row["org_id"], row["org__region_path"]))
            for code, cands in found.items():
                self.by_code[code] = self._decide(sorted(cands), by_name=False)
        if names:
            found = {n: set() for n in names}
            for row in await Organisation.filter(name__in=list(names), kind=hi).values("id", "region_path", "name"):
                found[row["name"]].add((row["id"], row["region_path"]))
            for name, cands in found.items():
                self.by_name[name] = self._decide(sorted(cands), by_name=True)
        wanted: set[tuple[int, str]] = set()
        for _, _, v in parsed:
            org = self._org(v)
            if isinstance(org, tuple) and v["department"] and (org[0], v["department"]) not in self.departments:
                wanted.add((org[0], v["department"]))
        if wanted:
            for key in wanted:
                self.departments[key] = None
            rows = await Department.filter(org_id__in=list({o for o, _ in wanted}),
                                           name__in=list({n for _, n in wanted})).order_by("level", "id").values(
                "id", "org_id", "name")
            for row in rows:
                key = (row["org_id"], row["name"])
                if key in wanted and self.departments[key] is None:
                    self.departments[key] = row["id"]

    def _org(self, v: dict[str, Any]) -> Candidate | str:
        if v["org_code"]:
            return self.by_code.get(v["org_code"], "执业机构不存在")
        if v["org_name"]:
            return self.by_name.get(v["org_name"], "执业机构不存在")
        if self.actor.role == Role.HEALTH_INSTITUTION and self.actor.org_id is not None:
            return (self.actor.org_id, self.actor.region_path)
        return "请填写执业机构统一社会信用代码或执业机构名称"

    def target(self, v: dict[str, Any]) -> tuple[tuple[int, str, int | None], None] | tuple[None, str]:
        """(institution id, its region path, department id) for a row, or the reason it fails."""
        org = self._org(v)
        if isinstance(org, str):
            return None, org
        dept_id = None
        if v["department"]:
            dept_id = self.departments.get((org[0], v["department"]))
            if dept_id is None:
                return None, "科室不存在，请先在本机构科室管理中添加"
        return (org[0], org[1], dept_id), None
