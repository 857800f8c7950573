#!/usr/bin/env python3
"""Figures of the server's layout (issue #10): files and lines per package, the largest modules,
import cycles counting imports made inside functions, function-level imports (and whether a
comment says why), `dict[str, Any]` left in services. Run: .venv/bin/python scripts/layout_figures.py"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVER = ROOT / "server"


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def resolve(mod: str, node: ast.ImportFrom, is_pkg: bool) -> str:
    if not node.level:
        return node.module or ""
    base = mod.split(".") if is_pkg else mod.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def scan():
    modules: dict[str, Path] = {module_name(p): p for p in SERVER.rglob("*.py")}
    edges: dict[str, set[str]] = defaultdict(set)
    inner: list[tuple[str, int, bool]] = []  # (module, line, commented)
    for mod, path in modules.items():
        src = path.read_text(encoding="utf-8")
        lines = src.splitlines()
        tree = ast.parse(src)
        is_pkg = path.name == "__init__.py"

        def visit(node: ast.AST, in_func: bool, in_type_check: bool, mod: str = mod, is_pkg: bool = is_pkg,
                  lines: list[str] = lines) -> None:
            for child in ast.iter_child_nodes(node):
                f = in_func or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
                tc = in_type_check or (isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test))
                if isinstance(child, ast.Import | ast.ImportFrom) and not in_type_check:
                    targets = ([a.name for a in child.names] if isinstance(child, ast.Import) else
                               [resolve(mod, child, is_pkg)] +
                               [f"{resolve(mod, child, is_pkg)}.{a.name}" for a in child.names])
                    for t in targets:
                        if t in modules and t != mod:
                            edges[mod].add(t)
                    if in_func and any(t.startswith("server") for t in targets):
                        here = lines[child.lineno - 1]
                        above = [x.strip() for x in lines[max(0, child.lineno - 7):child.lineno - 1]]
                        inner.append((mod, child.lineno, "#" in here or any(x.startswith("#") for x in above)))
                visit(child, f, tc)

        visit(tree, False, False)
    return modules, edges, inner


def cycles(modules, edges) -> list[list[str]]:
    """strongly connected components with more than one module (Tarjan)"""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]
    sys.setrecursionlimit(10000)

    def strong(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in modules:
        if v not in index:
            strong(v)
    return out


def main() -> None:
    modules, edges, inner = scan()
    # a package importing its own __init__ is not a cycle of modules
    for m in list(edges):
        edges[m] = {t for t in edges[m] if not m.startswith(t + ".")}
    lines = {m: len(p.read_text(encoding="utf-8").splitlines()) for m, p in modules.items()}
    total = sum(lines.values())
    print(f"server: {len(modules)} modules, {total} lines")
    per: dict[str, list[str]] = defaultdict(list)
    for m, p in modules.items():
        rel = p.relative_to(SERVER).parts
        if rel[0] == "services" and len(rel) > 2:
            key = f"server.services.{rel[1]}"
        elif rel[0] == "services":
            key = "server.services (access, audit)"
        else:
            key = "server." + rel[0].removesuffix(".py")
        per[key].append(m)
    print("\nfiles and lines per package:")
    for k in sorted(per, key=lambda k: -sum(lines[m] for m in per[k])):
        n = sum(lines[m] for m in per[k])
        print(f"  {k:32} {len(per[k]):3} files {n:6} lines ({100 * n / total:4.1f} %)")
    print("\nlargest modules:")
    for m in sorted(lines, key=lambda m: -lines[m])[:10]:
        print(f"  {lines[m]:5}  {m}")
    cyc = cycles(modules, edges)
    print(f"\nimport cycles (imports inside functions counted): {len(cyc)}")
    for c in cyc:
        print("  ", " ↔ ".join(c))
    print(f"\nfunction-level imports of server modules: {len(inner)}, with a comment saying why: "
          f"{sum(1 for *_, c in inner if c)}")
    for m, ln, c in inner:
        if not c:
            print(f"  no comment: {m}:{ln}")
    anys = sum(p.read_text(encoding='utf-8').count("dict[str, Any]") for m, p in modules.items()
               if m.startswith("server.services"))
    print(f"\n`dict[str, Any]` in server/services: {anys}")


if __name__ == "__main__":
    main()
