"""The typed API contract (issue #10): every operation of the admin and mini-program APIs declares
its request body, query arguments and 2xx response as pydantic models, visible in
/docs/openapi.json as component schemas. (Every JSON answer the suite receives is also checked
against its declared model: `CHECK_RESPONSES` in tests/conftest.py.)"""

from __future__ import annotations

import inspect
import re

import pytest

from server.routes.api import api_spec
from server.routes.openapi import build_openapi

API_PREFIXES = ("api/v1/admin/", "api/v1/mp/")
# Operations not yet declared with `endpoint(...)`. Shrinks to empty; never grows.
NOT_YET: set[str] = set()  # every operation is declared; keep it that way


def _api_routes(app):
    for route in app.router.routes:
        if route.path.startswith(API_PREFIXES) and set(route.methods) - {"HEAD", "OPTIONS"}:
            yield route


def _unwrapped(handler):
    while hasattr(handler, "__wrapped__"):
        handler = handler.__wrapped__
    return handler


def _name(route) -> str:
    return f"{'|'.join(sorted(route.methods))} /{route.path}"


async def test_every_operation_declared_with_endpoint(app):
    missing = sorted(_name(r) for r in _api_routes(app) if api_spec(r.handler) is None and _name(r) not in NOT_YET)
    assert not missing, "declare these with @endpoint(...):\n" + "\n".join(missing)


async def test_not_yet_list_only_shrinks(app):
    declared = {_name(r) for r in _api_routes(app) if api_spec(r.handler) is not None}
    stale = NOT_YET & declared
    assert not stale, f"remove from NOT_YET (now declared): {sorted(stale)}"


async def test_declared_handlers_read_no_undeclared_input(app):
    """A handler that reads request.args / request.json / request.form itself bypasses its schema."""
    offenders = []
    for route in _api_routes(app):
        spec = api_spec(route.handler)
        if spec is None:
            continue
        source = inspect.getsource(_unwrapped(route.handler))
        if re.search(r"request\.(args|json|form)\b", source):
            offenders.append(_name(route))
    assert not offenders, "read inputs through query=/body=/form= models:\n" + "\n".join(offenders)


@pytest.fixture(scope="module")
def openapi_doc(app):
    return build_openapi(app)


def _resolve_all_refs(node, components, path="$"):
    if isinstance(node, dict):
        ref = node.get("$ref")
        if ref:
            kind, name = ref.split("/")[-2:]
            assert name in components[kind], f"{path}: dangling {ref}"
        for k, v in node.items():
            _resolve_all_refs(v, components, f"{path}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            _resolve_all_refs(v, components, f"{path}[{i}]")


def test_openapi_has_component_schemas_and_every_ref_resolves(openapi_doc):
    assert openapi_doc["openapi"].startswith("3.1")
    components = openapi_doc["components"]
    assert len(components["schemas"]) > 20
    assert components["securitySchemes"]["bearer"]["scheme"] == "bearer"
    _resolve_all_refs(openapi_doc, components)


def test_every_operation_has_a_2xx_schema_and_its_inputs(app, openapi_doc):
    problems = []
    for path, ops in openapi_doc["paths"].items():
        for method, op in ops.items():
            where = f"{method.upper()} {path}"
            ok = [c for c in op["responses"] if c.startswith("2")]
            if not ok:
                problems.append(f"{where}: no 2xx response")
                continue
            content = op["responses"][ok[0]].get("content", {})
            if not any("schema" in v for v in content.values()):
                problems.append(f"{where}: 2xx without a schema")
            if "security" in op and "401" not in op["responses"]:
                problems.append(f"{where}: guarded but no 401")
            for code, resp in op["responses"].items():
                if code[0] in "45" and "$ref" not in resp:
                    problems.append(f"{where}: {code} not the error envelope")
    assert not problems, "\n".join(problems)


def test_guarded_operations_carry_the_bearer_scheme(app, openapi_doc):
    for route in _api_routes(app):
        spec = api_spec(route.handler)
        if spec is None or spec.guard is None:
            continue
        path = "/" + re.sub(r"<([^>:]+)(?::[^>]+)?>", r"{\1}", route.path)
        for method in route.methods:
            op = openapi_doc["paths"][path][method.lower()]
            assert op["security"] == [{"bearer": []}], (method, path)


def test_labelled_enums_carry_their_labels(openapi_doc):
    schemas = openapi_doc["components"]["schemas"]
    labelled = [s for s in schemas.values() if "x-enum-labels" in s]
    assert labelled, "no enum with labels in the contract"
    for s in labelled:
        assert set(s["x-enum-labels"]) == set(s["enum"])
