"""Jurisdiction helpers refuse an administration without a region path (it would match all)."""

from __future__ import annotations

import pytest

from server.errors import OutOfJurisdiction
from server.services.access import Actor, Role, ensure_path_in_jurisdiction, org_scope_q


async def test_admin_without_region_path_sees_nothing():
    actor = Actor(kind="staff", role=Role.ADMINISTRATION, token="t", region_path="")
    with pytest.raises(OutOfJurisdiction):
        ensure_path_in_jurisdiction(actor, "/1/2/")
    with pytest.raises(OutOfJurisdiction):
        await org_scope_q(actor)


def test_admin_path_prefix_rule():
    actor = Actor(kind="staff", role=Role.ADMINISTRATION, token="t", region_path="/1/2/")
    ensure_path_in_jurisdiction(actor, "/1/2/5/")
    with pytest.raises(OutOfJurisdiction):
        ensure_path_in_jurisdiction(actor, "/1/3/")
