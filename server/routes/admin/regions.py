"""Admin API: the region tree of the caller's jurisdiction (pickers for accounts, filters, moves)."""

from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request

from server.routes.api import endpoint
from server.routes.guards import actor_of
from server.schemas.regions import RegionTree, RegionTreeQuery
from server.services.registry.regions import region_tree

bp = Blueprint("admin_regions", url_prefix="/")


@bp.get("/regions/tree")
@endpoint(query=RegionTreeQuery, response=RegionTree)
async def regions_tree(request: Request, query: RegionTreeQuery):
    """地区树: the caller's region and everything under it (an administration's jurisdiction)."""
    return RegionTree(data=await region_tree(actor=actor_of(request), max_depth=query.depth))
