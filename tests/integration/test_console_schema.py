"""Types generated from the server's /docs/openapi.json by openapi-typescript, committed and checked here:

- console/src/api/schema.d.ts: the whole contract, for the staff console (CONSOLE.md §9);
- miniprogram/types/api.d.ts: the mini-program's operations (/api/v1/mp and the captcha) with the
  schemas they reach, for the JSDoc types of miniprogram/services/*.js (`// @ts-check`), which
  tsc checks against it below, so a renamed path or field breaks this test, not a phone.

Regenerate both with scripts/console-openapi (DKT_WRITE_SCHEMA=1 runs the first two tests in write mode)."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONSOLE = ROOT / "console"
MINIPROGRAM = ROOT / "miniprogram"
SCHEMA = CONSOLE / "src" / "api" / "schema.d.ts"
MP_TYPES = MINIPROGRAM / "types" / "api.d.ts"
BIN = CONSOLE / "node_modules" / ".bin"
TOOL = BIN / "openapi-typescript"


def _need_tools() -> None:
    if not TOOL.exists():
        pytest.skip("console/node_modules missing (scripts/console-build installs it)")


async def _spec(app, client) -> dict:
    r = await client.get("/docs/openapi.json")
    assert r.status_code == 200
    # the test app's random name would leak into operation ids
    return json.loads(r.text.replace(app.name, "dingkaotong"))


def mp_only(spec: dict) -> dict:
    """the mini-program's paths and the component schemas they reach (transitively)"""
    paths = {p: ops for p, ops in spec["paths"].items() if p.startswith("/api/v1/mp/") or p == "/api/v1/captcha"}
    schemas = spec.get("components", {}).get("schemas", {})
    components = {k: v for k, v in spec.get("components", {}).items() if k != "schemas"}
    keep: set[str] = set()
    todo: list = [paths, components]
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
                name = ref.rsplit("/", 1)[1]
                if name not in keep:
                    keep.add(name)
                    todo.append(schemas[name])
            todo.extend(node.values())
        elif isinstance(node, list):
            todo.extend(node)
    components["schemas"] = {k: schemas[k] for k in sorted(keep)}
    return {**spec, "paths": paths, "components": components}


def _write_spec(spec: dict, source: Path) -> None:
    source.write_text(json.dumps(spec, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")


def _compare(out: Path, target: Path) -> None:
    generated = out.read_text(encoding="utf-8")
    if os.environ.get("DKT_WRITE_SCHEMA") == "1":
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(generated, encoding="utf-8")
    assert target.read_text(encoding="utf-8") == generated, (
        f"{target.relative_to(ROOT)} is stale: run scripts/console-openapi and commit it")


async def _generate(spec: dict, tmp_path: Path, target: Path) -> None:
    source = tmp_path / f"{target.stem}.openapi.json"
    _write_spec(spec, source)
    out = tmp_path / f"{target.stem}.generated.d.ts"
    proc = await asyncio.create_subprocess_exec(str(TOOL), str(source), "-o", str(out), cwd=CONSOLE,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    _compare(out, target)


async def test_schema_is_current(app, client, tmp_path):
    _need_tools()
    await _generate(await _spec(app, client), tmp_path, SCHEMA)


async def test_miniprogram_types_are_current(app, client, tmp_path):
    _need_tools()
    spec = mp_only(await _spec(app, client))
    assert len(spec["paths"]) > 50 and "PhysicianSession" in spec["components"]["schemas"]
    await _generate(spec, tmp_path, MP_TYPES)


async def test_miniprogram_services_type_check():
    """tsc checks miniprogram/services/*.js (`// @ts-check`, JSDoc typed from types/api.d.ts)."""
    if not (BIN / "tsc").exists():
        pytest.skip("console/node_modules missing (scripts/console-build installs it)")
    proc = await asyncio.create_subprocess_exec(str(BIN / "tsc"), "-p", str(MINIPROGRAM / "jsconfig.json"),
                                                cwd=MINIPROGRAM, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.STDOUT)
    out, _ = await proc.communicate()
    assert proc.returncode == 0, out.decode()
