"""科室信息维护 (seed: 卫生机构 2.2.3): a health institution keeps its own departments.

- two levels: 一级科室 (no parent) and 二级科室 (under a 一级科室 of the same institution);
- names are unique among siblings (same institution, same parent);
- 批量创建 is all-or-nothing: every row is checked first; if any row is wrong nothing is
  created and the answer lists each bad row (`details.rows`: row number, name, code, problem);
- a department used by any physician, or with 二级科室 under it, cannot be deleted
  (新建科室一旦被医师使用，无法直接删除，需将医师信息调整到新科室，才能进行删除).

Department writes of one institution are serialised by locking its Organisation row.
Administrations and assessment institutions may read the departments of institutions they see.
"""

from __future__ import annotations

from typing import Any

from tortoise.functions import Count
from tortoise.transactions import in_transaction

from server.errors import Conflict, NotFound, OutOfJurisdiction, ValidationFailed
from server.models import Department, Organisation, OrgKind, Physician
from server.schemas.common import Ref
from server.schemas.orgs import DepartmentNode, DepartmentTree, DepartmentView
from server.services import audit
from server.services.access import Actor, get_org_in_scope

LEVEL_LABELS = {1: "一级科室", 2: "二级科室"}
_FIELDS = ["id", "org_id", "parent_id", "name", "description", "level"]


async def department_tree(*, actor: Actor, org_id: int | None = None) -> DepartmentTree:
    """科室信息: the departments of one institution as a tree (一级 → 二级).

    A health institution reads its own (org_id may be omitted); others name the institution.
    """
    target = org_id if org_id is not None else actor.org_id
    if target is None:
        raise ValidationFailed("请指定卫生机构", code="org_required")
    org = await get_org_in_scope(actor, target)
    departments = await Department.filter(org_id=org.id).order_by("level", "id")
    counts = dict(
        await Physician.filter(department_id__in=[d.id for d in departments])
        .annotate(n=Count("id")).group_by("department_id").values_list("department_id", "n")
    )
    nodes: dict[int, DepartmentNode] = {}
    roots: list[DepartmentNode] = []
    for dept in departments:  # parents (level 1) come first, so a child finds its parent's node
        node = DepartmentNode(
            id=dept.id,
            name=dept.name,
            description=dept.description,
            level=dept.level,
            level_label=LEVEL_LABELS.get(dept.level, ""),
            parent_id=dept.parent_id,
            physician_count=counts.get(dept.id, 0),
            children=[],
        )
        nodes[dept.id] = node
        if dept.parent_id is None:
            roots.append(node)
        elif dept.parent_id in nodes:
            nodes[dept.parent_id].children.append(node)
    return DepartmentTree(org=Ref(id=org.id, name=org.name), data=roots, count=len(departments))


async def _lock_own_institution(actor: Actor, conn: Any) -> Organisation:
    org = await Organisation.select_for_update().using_db(conn).get_or_none(id=actor.org_id)
    if org is None or org.kind != OrgKind.HEALTH_INSTITUTION:
        raise OutOfJurisdiction("只有卫生机构可以维护本机构科室")
    return org


async def _parent_of(actor: Actor, parent_id: int | None, conn: Any) -> Department | None:
    if parent_id is None:
        return None
    parent = await Department.get_or_none(id=parent_id).using_db(conn)
    if parent is None:
        raise ValidationFailed("上级科室不存在", code="invalid_parent")
    if parent.org_id != actor.org_id:
        raise OutOfJurisdiction("上级科室不属于本机构")
    if parent.level != 1:
        raise ValidationFailed("二级科室只能创建在一级科室下", code="invalid_parent")
    return parent


async def _sibling_names(org_id: int, parent_id: int | None, conn: Any, *, exclude: int | None = None) -> set[str]:
    query = Department.filter(org_id=org_id, parent_id=parent_id).using_db(conn)
    if exclude is not None:
        query = query.exclude(id=exclude)
    return set(await query.values_list("name", flat=True))


def _exists_message(name: str, parent: Department | None) -> str:
    where = f"一级科室“{parent.name}”下" if parent else "一级科室中"
    return f"{where}已存在名为“{name}”的科室"


async def create_department(*, actor: Actor, name: str, description: str = "",
                            parent_id: int | None = None) -> DepartmentView:
    """创建一级科室 / 二级科室 → 单一创建."""
    name = name.strip()
    if not name:
        raise ValidationFailed("科室名称不能为空", code="empty_name")
    async with in_transaction() as conn:
        org = await _lock_own_institution(actor, conn)
        parent = await _parent_of(actor, parent_id, conn)
        if name in await _sibling_names(org.id, parent_id, conn):
            raise Conflict(_exists_message(name, parent), code="department_exists")
        dept = await Department.create(
            org_id=org.id, parent_id=parent_id, name=name, description=description.strip(),
            level=2 if parent else 1, using_db=conn,
        )
        after = audit.snapshot(dept, _FIELDS)
        await audit.record(actor, "department.create", "department", dept.id, after=after, using_db=conn)
    return DepartmentView(**after)


async def create_departments(*, actor: Actor, rows: list[dict[str, str]],
                             parent_id: int | None = None) -> list[DepartmentView]:
    """创建一级科室 / 二级科室 → 批量创建 (all-or-nothing, see the module docstring)."""
    async with in_transaction() as conn:
        org = await _lock_own_institution(actor, conn)
        parent = await _parent_of(actor, parent_id, conn)
        existing = await _sibling_names(org.id, parent_id, conn)
        seen: dict[str, int] = {}
        problems: list[dict[str, str | int]] = []
        clean: list[tuple[str, str]] = []
        for number, row in enumerate(rows, start=1):
            name = (row.get("name") or "").strip()
            description = (row.get("description") or "").strip()
            if not name:
                problems.append({"row": number, "name": name, "code": "empty_name", "problem": "科室名称不能为空"})
            elif name in existing:
                problems.append({"row": number, "name": name, "code": "department_exists",
                                 "problem": _exists_message(name, parent)})
            elif name in seen:
                problems.append({"row": number, "name": name, "code": "duplicate_in_batch",
                                 "problem": f"与第{seen[name]}行重复"})
            else:
                seen[name] = number
                clean.append((name, description))
        if problems:
            raise ValidationFailed(
                f"批量创建失败：共{len(problems)}行有误，未创建任何科室，请修改后重新提交",
                code="department_batch_invalid", details={"rows": problems},
            )
        created = []
        for name, description in clean:
            dept = await Department.create(
                org_id=org.id, parent_id=parent_id, name=name, description=description,
                level=2 if parent else 1, using_db=conn,
            )
            created.append(audit.snapshot(dept, _FIELDS))
        await audit.record(actor, "department.batch_create", "organisation", org.id,
                           after={"departments": created}, using_db=conn)
    return [DepartmentView(**row) for row in created]


async def _own_department(actor: Actor, dept_id: int, conn: Any) -> Department:
    dept = await Department.get_or_none(id=dept_id).using_db(conn)
    if dept is None:
        raise NotFound("科室不存在", code="department_not_found")
    if dept.org_id != actor.org_id:
        raise OutOfJurisdiction("该科室不属于本机构")
    return dept


async def update_department(*, actor: Actor, dept_id: int, name: str,
                            description: str | None = None) -> DepartmentView:
    """修改科室: rename (and change 科室介绍); names stay unique among siblings."""
    name = name.strip()
    if not name:
        raise ValidationFailed("科室名称不能为空", code="empty_name")
    async with in_transaction() as conn:
        await _lock_own_institution(actor, conn)
        dept = await _own_department(actor, dept_id, conn)
        before = audit.snapshot(dept, _FIELDS)
        if name in await _sibling_names(dept.org_id, dept.parent_id, conn, exclude=dept.id):
            parent = await Department.get(id=dept.parent_id).using_db(conn) if dept.parent_id else None
            raise Conflict(_exists_message(name, parent), code="department_exists")
        dept.name = name
        if description is not None:
            dept.description = description.strip()
        await dept.save(update_fields=["name", "description", "updated_at"], using_db=conn)
        after = audit.snapshot(dept, _FIELDS)
        await audit.record(actor, "department.update", "department", dept.id, before=before, after=after,
                           using_db=conn)
    return DepartmentView(**after)


async def delete_department(*, actor: Actor, dept_id: int) -> None:
    """删除科室: refused while physicians use it or 二级科室 hang under it."""
    async with in_transaction() as conn:
        await _lock_own_institution(actor, conn)
        dept = await _own_department(actor, dept_id, conn)
        physicians = await Physician.filter(department_id=dept.id).using_db(conn).count()
        children = await Department.filter(parent_id=dept.id).using_db(conn).count()
        if physicians:
            raise Conflict(
                f"科室“{dept.name}”已被{physicians}名医师使用，无法直接删除，请先将医师调整到其他科室",
                code="department_in_use", details={"physicians": physicians, "children": children},
            )
        if children:
            raise Conflict(
                f"科室“{dept.name}”下还有{children}个二级科室，请先删除二级科室",
                code="department_in_use", details={"physicians": 0, "children": children},
            )
        before = audit.snapshot(dept, _FIELDS)
        await dept.delete(using_db=conn)
        await audit.record(actor, "department.delete", "department", dept_id, before=before, using_db=conn)
