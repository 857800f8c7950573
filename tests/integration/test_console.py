"""The web console without a browser: serving (§6), menu.json ⇄ route guards (§8), bundle budget (§13)."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest

from server.routes.console import DEFAULT_DIST
from server.services.access import Role
from server.services.assessment.flow import BY_ACTION
from server.services.assessment.progress import QUEUES
from tests.integration.test_guard_table import admin_routes

CONSOLE = Path(__file__).resolve().parents[2] / "console"
MENU = json.loads((CONSOLE / "src" / "menu.json").read_text(encoding="utf-8"))


def _nodes(nodes=MENU):
    for n in nodes:
        yield n
        yield from _nodes(n.get("children", []))


async def test_root_redirects_to_console(client):
    r = await client.get("/")
    assert r.status_code in (301, 302, 307, 308)
    assert r.headers["location"] == "/console/"


async def test_console_index_or_not_built_page(client):
    r = await client.get("/console/physicians?page=2")
    assert r.status_code == 200
    assert r.headers["cache-control"] == "no-cache"
    if (DEFAULT_DIST / "index.html").is_file():
        assert '<div id="app">' in r.text
    else:
        assert "管理端尚未构建" in r.text


async def test_not_built_page(tmp_path):
    from sanic import Sanic

    from server.routes.console import mount_console

    app = Sanic(f"console_absent_{tmp_path.name[-6:]}".replace("-", "_"))
    mount_console(app, tmp_path / "nothing")
    handler = next(r.handler for r in app.router.routes if r.name.endswith("console_page"))
    r = await handler(None, "home")
    assert r.status == 200 and "管理端尚未构建" in r.body.decode()


async def test_menu_matches_route_guards(app):
    """Each menu node's roles pass the guard of the list call it makes; queues admit those roles."""
    guards = {(m, p.removeprefix("/api/v1/admin")): h.__guard__ for m, p, h in admin_routes(app)}
    for n in _nodes():
        roles = {Role(r) for r in n["roles"]}
        assert roles, n
        if "api" in n:
            method, path = n["api"].split(" ", 1)
            guard = guards.get((method, path))
            assert guard is not None, f"{n['title']}: {n['api']} is not an admin route"
            assert roles <= set(guard["roles"]), f"{n['title']}: {roles - set(guard['roles'])} refused by {path}"
            if guard["province_only"]:
                assert n.get("province"), f"{n['title']}: {path} is province-only"
        if "queue" in n:
            assert n["queue"] in QUEUES, n
            assert roles <= set(QUEUES[n["queue"]].roles), n
        for child in n.get("children", []):
            assert set(child["roles"]) <= set(n["roles"]), f"{child['title']} shown where its group is hidden"


def test_menu_paths_are_routes():
    """Every menu leaf names its page file (the router builds its routes from menu.json), paths are unique."""
    paths = [n["path"] for n in _nodes() if "path" in n]
    assert len(paths) == len(set(paths)), sorted(p for p in paths if paths.count(p) > 1)
    for n in _nodes():
        if "path" in n:
            assert (CONSOLE / "src" / "pages" / f"{n['page']}.vue").is_file(), n


KIB = 1024
BUDGET = {"entry": 80 * KIB, "login": 150 * KIB, "page": 300 * KIB, "dist": 1536 * KIB,
          "charts": 200 * KIB}  # ECharts with bar + pie (184 KiB gz measured), loaded after a statistics page


def _manifest() -> dict:
    path = DEFAULT_DIST / ".vite" / "manifest.json"
    if not path.is_file():
        pytest.skip("console not built (scripts/console-build)")
    return json.loads(path.read_text(encoding="utf-8"))


def _gz(file: str) -> int:
    return len(gzip.compress((DEFAULT_DIST / file).read_bytes(), 9))


def _closure(manifest: dict, keys: list[str]) -> set[str]:
    """files a first visit loads: the chunks' static imports with their CSS"""
    seen: set[str] = set()
    files: set[str] = set()
    todo = list(keys)
    while todo:
        k = todo.pop()
        if k in seen:
            continue
        seen.add(k)
        c = manifest[k]
        files.add(c["file"])
        files.update(c.get("css", []))
        todo.extend(c.get("imports", []))
    return files


def route_pages() -> set[str]:
    """The modules the router shows: menu.json's pages, router.ts's DETAILS, 登录 and 初始化设置. Other
    .vue files under pages/ are parts of a page (its lazy glob makes them chunks too), e.g. the
    statistics charts, which load after the statistics table."""
    details = re.findall(r"page: '([^']+)'", (CONSOLE / "src" / "router.ts").read_text(encoding="utf-8"))
    names = {n["page"] for n in _nodes() if "page" in n} | set(details) | {"auth/Login", "auth/Setup"}
    return {f"src/pages/{n}.vue" for n in names}


def bundle_sizes() -> dict[str, int]:
    m = _manifest()
    entry = next(k for k, c in m.items() if c.get("isEntry"))
    size = lambda keys: sum(_gz(f) for f in _closure(m, keys))  # noqa: E731
    out = {"entry": size([entry])}
    routes = route_pages()
    pages = [k for k in m if k in routes]
    layout = "src/layouts/ConsoleLayout.vue"
    for p in pages:
        keys = [entry, p] if p.startswith("src/pages/auth/") else [entry, layout, p]
        out[p] = size(keys)
    out["dist"] = sum(_gz(str(f.relative_to(DEFAULT_DIST))) for f in (DEFAULT_DIST / "assets").iterdir())
    return out


def test_bundle_budget():
    sizes = bundle_sizes()
    report = ", ".join(f"{k}={v / KIB:.0f}KiB" for k, v in sizes.items())
    assert sizes["entry"] <= BUDGET["entry"], report
    assert sizes["src/pages/auth/Login.vue"] <= BUDGET["login"], report
    for k, v in sizes.items():
        if k.startswith("src/pages/"):
            assert v <= BUDGET["page"], f"{k}: {report}"
    assert sizes["dist"] <= BUDGET["dist"], report
    m = _manifest()
    for k, c in m.items():  # ECharts only in statistics chunks
        if "echarts" in k and not c.get("isDynamicEntry"):
            assert all("statistics" in i for i in c.get("importers", [])), k
    # ECharts (its DOM marker `_echarts_instance_`) sits in chunks that only statistics pages load,
    # and only lazily, after the table: a static import would put it in the page's first visit
    routes, entry = route_pages(), next(k for k, c in m.items() if c.get("isEntry"))
    for k, c in m.items():
        if "_echarts_instance_" not in (DEFAULT_DIST / c["file"]).read_text(encoding="utf-8", errors="ignore"):
            continue
        assert k.startswith("src/pages/statistics/") and k not in routes, k
        assert not any(k in o.get("imports", []) for o in m.values()), f"{k} is imported statically"
        lazy = [i for i, o in m.items() if k in o.get("dynamicImports", []) and i != entry]
        assert lazy and all(i.startswith(("src/pages/statistics/", "_Statistics")) for i in lazy), lazy
        assert _gz(c["file"]) <= BUDGET["charts"], f"{k}: {_gz(c['file']) / KIB:.0f}KiB"


def _ts_record(name: str) -> dict[str, list[str]]:
    """a `Record<string, ...>` literal of console/src/pages/review/columns.ts: queue → action names"""
    src = (CONSOLE / "src" / "pages" / "review" / "columns.ts").read_text(encoding="utf-8")
    body = re.search(rf"export const {name}[^=]*= \{{(.*?)\n\}}", src, re.S)
    assert body, name
    out: dict[str, list[str]] = {}
    for queue, items in re.findall(r"^\s*(\w+): \[(.*?)\],?$", body.group(1), re.M):
        out[queue] = re.findall(r"'(\w+)'", items) if name == "QUEUE_ACTIONS" else \
            re.findall(r"action: '(\w+)'", items)
    return out


def test_queue_page_moves_match_the_server_queues():
    """The queue page's copy of each queue's moves (columns.ts) is the server's QUEUES (progress.py);
    its batch buttons are the moves the state machine marks batch=True."""
    actions = _ts_record("QUEUE_ACTIONS")
    batches = _ts_record("QUEUE_BATCH")
    extra = {"appeal_review": {"ai_change_result"}}  # 变更 is offered beside 维持 (results/appeals.py)
    on_queue_page = {n["queue"] for n in _nodes() if n.get("page") == "review/QueuePage"}
    for name, queue in QUEUES.items():
        assert set(actions.get(name, [])) == set(queue.actions) | extra.get(name, set()), name
        if name in on_queue_page or name in batches:
            assert set(batches.get(name, [])) == {a for a in queue.actions if BY_ACTION[a].batch}, name
    assert on_queue_page <= set(actions)
