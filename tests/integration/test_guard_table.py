"""The guard table: every admin endpoint, tried without a login, with every role it
does not allow, and (province-only ones) with a city administration. None may answer
with data. The jurisdiction half of the table is in test_jurisdiction_table.py."""

from __future__ import annotations

import re
import uuid

import pytest

from server.services.access import Role
from server.services.accounts import sessions
from tests.factories import auth, make_physician, make_world, token_for

PUBLIC = {("POST", "/api/v1/admin/auth/login")}
_PARAM = re.compile(r"<([^>:]+)(?::([^>]+))?>")


def _fill(path: str) -> str:
    def repl(m: re.Match) -> str:
        kind = (m.group(2) or "str").lower()
        if kind in ("int", "number"):
            return "999999"
        if kind == "uuid":
            return str(uuid.uuid4())
        return "x"

    return _PARAM.sub(repl, path)


def admin_routes(app) -> list[tuple[str, str, object]]:
    out = []
    for route in app.router.routes:
        path = "/" + route.path.lstrip("/")
        if not path.startswith("/api/v1/admin/"):
            continue
        for method in sorted(route.methods):
            if method in ("HEAD", "OPTIONS") or (method, path) in PUBLIC:
                continue
            out.append((method, path, route.handler))
    return sorted(out, key=lambda r: (r[1], r[0]))


async def physician_token(org) -> str:
    p = await make_physician(org)
    return await sessions.create_session(
        sessions.physician_subject(p.id),
        {"kind": "physician", "role": "physician", "physician_id": p.id, "region_path": p.region_path,
         "must_change_password": False, "needs_phone": False},
    )


async def _send(client, method: str, path: str, token: str | None):
    headers = auth(token) if token else {}
    return await client.request(method, _fill(path), headers=headers, json={} if method != "GET" else None)


async def test_every_admin_route_is_guarded(app):
    routes = admin_routes(app)
    assert len(routes) >= 5
    unguarded = [(m, p) for m, p, h in routes if not hasattr(h, "__guard__")]
    assert unguarded == [], f"admin routes without @require: {unguarded}"


async def test_every_admin_route_refuses_anonymous(app, client):
    for method, path, _ in admin_routes(app):
        r = await _send(client, method, path, None)
        assert r.status_code == 401, (method, path, r.status_code, r.text[:200])
        assert r.json()["code"] == "unauthorized"


async def test_every_admin_route_refuses_roles_it_does_not_allow(app, client):
    w = await make_world()
    tokens = {
        Role.ADMINISTRATION: await token_for(w.gx_admin),
        Role.HEALTH_INSTITUTION: await token_for(w.hospital2),
        Role.ASSESSMENT_INSTITUTION: await token_for(w.hospital, Role.ASSESSMENT_INSTITUTION),
        Role.INDUSTRY_ORG: await token_for(w.industry),
        Role.PHYSICIAN: await physician_token(w.hospital2),
    }
    checked = 0
    for method, path, handler in admin_routes(app):
        allowed = handler.__guard__["roles"]
        for role, token in tokens.items():
            if role in allowed:
                continue
            r = await _send(client, method, path, token)
            assert r.status_code == 403, (role.value, method, path, r.status_code, r.text[:200])
            assert r.json()["code"] == "wrong_role", (role.value, method, path, r.json())
            checked += 1
    assert checked > 0


async def test_province_only_routes_refuse_city_and_county(app, client):
    w = await make_world()
    guarded = [(m, p) for m, p, h in admin_routes(app) if h.__guard__["province_only"]]
    if not guarded:
        pytest.skip("no province-only routes yet")
    for org in (w.nn_admin, w.qx_admin, w.national):
        token = await token_for(org)
        for method, path in guarded:
            r = await _send(client, method, path, token)
            assert r.status_code == 403, (org.name, method, path, r.status_code)
            assert r.json()["code"] == "province_only"


async def test_setup_unfinished_blocks_everything_but_setup(app, client):
    w = await make_world()
    token = await token_for(w.gx_admin, must_change=True)
    for method, path, handler in admin_routes(app):
        if handler.__guard__["setup"]:
            continue
        r = await _send(client, method, path, token)
        assert r.status_code == 403 and r.json()["code"] == "setup_required", (method, path, r.status_code)
