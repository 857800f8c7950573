"""Pickers and labels the console uses (issue #12): the region tree of the caller's jurisdiction
and the catalogue of every enum as {value, label}."""

from __future__ import annotations

from server.models import AssessmentStatus, LabelledEnum, Region
from server.services.access import Role
from tests.factories import auth, make_world, token_for

API = "/api/v1/admin"


def _flatten(nodes):
    for n in nodes:
        yield n
        yield from _flatten(n["children"])


async def test_region_tree_is_the_province_subtree_for_a_province(client):
    w = await make_world()
    r = await client.get(f"{API}/regions/tree", headers=auth(await token_for(w.gx_admin)))
    assert r.status_code == 200, r.text
    roots = r.json()["data"]
    assert [n["id"] for n in roots] == [w.gx.id] and roots[0]["level"] == {"value": "province", "label": "省"}
    ids = {n["id"] for n in _flatten(roots)}
    expected = set(await Region.filter(path__startswith=w.gx.path).values_list("id", flat=True))
    assert ids == expected
    assert w.gz.id not in ids  # another province is never listed


async def test_region_tree_of_a_city_stops_at_its_jurisdiction_and_depth(client):
    w = await make_world()
    city_admin = w.nn_admin
    token = await token_for(city_admin)
    r = await client.get(f"{API}/regions/tree", headers=auth(token))
    assert r.status_code == 200, r.text
    city = await Region.get(id=city_admin.region_id)
    ids = {n["id"] for n in _flatten(r.json()["data"])}
    assert ids == set(await Region.filter(path__startswith=city.path).values_list("id", flat=True))
    r = await client.get(f"{API}/regions/tree?depth=0", headers=auth(token))
    assert [n["id"] for n in r.json()["data"]] == [city.id] and r.json()["data"][0]["children"] == []
    r = await client.get(f"{API}/regions/tree?depth=9", headers=auth(token))
    assert r.status_code == 422 and r.json()["code"] == "invalid_query"


async def test_region_tree_for_an_institution_is_its_own_region(client):
    w = await make_world()
    for role in (Role.HEALTH_INSTITUTION, Role.ASSESSMENT_INSTITUTION):
        r = await client.get(f"{API}/regions/tree", headers=auth(await token_for(w.hospital, role)))
        assert r.status_code == 200, r.text
        assert [n["id"] for n in r.json()["data"]] == [w.hospital.region_id]


async def test_region_tree_needs_a_login(client):
    r = await client.get(f"{API}/regions/tree")
    assert r.status_code == 401


async def test_enum_catalogue_lists_every_labelled_enum(client):
    r = await client.get("/api/v1/meta/enums")
    assert r.status_code == 200
    enums = r.json()["enums"]
    assert {"value": "qualified", "label": "合格"} in enums["AssessmentStatus"]
    assert [o["value"] for o in enums["AssessmentStatus"]] == [s.value for s in AssessmentStatus]
    import server.models as models

    declared = {n for n in dir(models) if isinstance(getattr(models, n), type)
                and issubclass(getattr(models, n), LabelledEnum) and getattr(models, n) is not LabelledEnum}
    assert set(enums) == declared
