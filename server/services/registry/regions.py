"""Regions in the caller's jurisdiction, as a tree for pickers (SPEC §1: jurisdiction = a region
subtree). Used by the console to create accounts, filter lists and choose where a physician moves."""

from __future__ import annotations

from server.errors import Forbidden
from server.models import Region
from server.schemas.common import Labelled
from server.schemas.regions import RegionNode
from server.services.access import Actor


async def region_tree(*, actor: Actor, max_depth: int | None = None) -> list[RegionNode]:
    """The region subtree rooted at the caller's own region: an administration's jurisdiction, an
    institution's own region (itself a leaf, usually a county). `max_depth` counts levels below the root."""
    root_path = actor.region_path
    if not root_path.startswith("/") or len(root_path) < 3:
        raise Forbidden("本机构未设置所在地区", code="no_region")
    base_depth = root_path.strip("/").count("/")
    rows = await Region.filter(path__startswith=root_path).order_by("path").values("id", "code", "name", "level",
                                                                                "path", "parent_id")
    nodes: dict[int, RegionNode] = {}
    roots: list[RegionNode] = []
    for r in rows:
        depth = r["path"].strip("/").count("/") - base_depth
        if max_depth is not None and depth > max_depth:
            continue
        node = RegionNode(id=r["id"], code=r["code"], name=r["name"], level=Labelled.of(r["level"]), children=[])
        nodes[r["id"]] = node
        parent = nodes.get(r["parent_id"]) if depth > 0 else None
        (parent.children if parent is not None else roots).append(node)
    for node in nodes.values():
        node.children.sort(key=lambda n: n.code)
    return roots
