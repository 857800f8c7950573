"""console/src/api/schema.d.ts is openapi-typescript's output for the server's /docs/openapi.json (§9).
Regenerate with scripts/console-openapi (DKT_WRITE_SCHEMA=1 runs this test in write mode)."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest

CONSOLE = Path(__file__).resolve().parents[2] / "console"
SCHEMA = CONSOLE / "src" / "api" / "schema.d.ts"
TOOL = CONSOLE / "node_modules" / ".bin" / "openapi-typescript"


async def test_schema_is_current(app, client, tmp_path):
    if not TOOL.exists():
        pytest.skip("console/node_modules missing (scripts/console-build installs it)")
    r = await client.get("/docs/openapi.json")
    assert r.status_code == 200
    # the test app's random name would leak into operation ids
    spec = json.loads(r.text.replace(app.name, "dingkaotong"))
    source = tmp_path / "openapi.json"
    source.write_text(json.dumps(spec, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    out = tmp_path / "schema.d.ts"
    proc = await asyncio.create_subprocess_exec(str(TOOL), str(source), "-o", str(out), cwd=CONSOLE,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    generated = out.read_text(encoding="utf-8")
    if os.environ.get("DKT_WRITE_SCHEMA") == "1":
        SCHEMA.write_text(generated, encoding="utf-8")
    assert SCHEMA.read_text(encoding="utf-8") == generated, (
        "console/src/api/schema.d.ts is stale: run scripts/console-openapi and commit it")
