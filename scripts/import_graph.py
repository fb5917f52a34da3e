#!/usr/bin/env python3
"""The import graph of the da4ml package (da4ml/ and verif/, installed as da4ml.verif), read with ast.

Every import that can run counts: module level, inside functions, inside ``if`` / ``try`` blocks; only the body of
``if TYPE_CHECKING:`` (annotations for type checkers, never executed) does not.  An edge ``a -> b`` means module
``a`` imports module ``b`` (``from p import name`` is an edge to ``p.name`` when that is a module, else to
``p``); importing ``p.q.r`` also runs the package ``p.q``'s ``__init__``, so that is an edge too unless it is
the importer's own package.

    python scripts/import_graph.py [--package da4ml.trace] [--cycles]

prints one line per module (``module -> imported, ...``, inside the package only) and the import cycles (strongly
connected components) if any; tests/test_import_graph.py fails on any cycle.
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# source folder -> dotted package name it is installed as
SOURCES = {ROOT / "da4ml": "da4ml", ROOT / "verif": "da4ml.verif"}


def modules(sources: dict[Path, str] | None = None) -> dict[str, Path]:
    """Every module of the package (``sources``: source folder -> dotted name): dotted name -> file."""
    out: dict[str, Path] = {}
    for src, pkg in (SOURCES if sources is None else sources).items():
        for path in sorted(src.rglob("*.py")):
            rel = path.relative_to(src).with_suffix("").parts
            if rel[-1] == "__init__":
                rel = rel[:-1]
            out[".".join((pkg, *rel))] = path
    return out


def _is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def _resolve(mod: str, is_pkg: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = mod.split(".")
    if not is_pkg:
        base = base[:-1]
    if node.level > 1:
        base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_nodes(tree: ast.AST):
    """Every node of the tree except those only type checkers see (``if TYPE_CHECKING:`` bodies)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def imports(mod: str, path: Path, known: set[str]) -> set[str]:
    """The package modules `mod` imports (anywhere in its source that can run)."""
    tree = ast.parse(path.read_text(), str(path))
    targets: set[str] = set()
    for node in _runtime_nodes(tree):
        if isinstance(node, ast.Import):
            targets.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(mod, _is_package(path), node)
            for a in node.names:
                sub = f"{base}.{a.name}"
                targets.add(sub if sub in known else base)
    out: set[str] = set()
    own = {".".join(mod.split(".")[:n]) for n in range(1, mod.count(".") + 2)}
    for t in targets:
        while t and t not in known:  # `import da4ml._core.x`: the nearest module of ours
            t = t.rpartition(".")[0]
        if not t:
            continue
        out.add(t)
        parts = t.split(".")
        for n in range(1, len(parts)):  # parent packages run first (unless the importer lives in them)
            parent = ".".join(parts[:n])
            if parent in known and parent not in own:
                out.add(parent)
    out.discard(mod)
    return out


def graph(sources: dict[Path, str] | None = None) -> dict[str, set[str]]:
    """module -> the package modules it imports."""
    mods = modules(sources)
    known = set(mods)
    return {m: imports(m, p, known) for m, p in mods.items()}


def cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    for start in sorted(g):
        if start in index:
            continue
        work = [(start, iter(sorted(g[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(g.get(w, ())))))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return sorted(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--package", default="da4ml", help="show only modules under this dotted name")
    ap.add_argument("--cycles", action="store_true", help="print only the cycles")
    args = ap.parse_args(argv)
    g = graph()
    pre = args.package

    def inside(m: str) -> bool:
        return m == pre or m.startswith(pre + ".")

    if not args.cycles:
        for m in sorted(g):
            if inside(m):
                deps = sorted(d for d in g[m] if inside(d))
                print(f"{m} -> {', '.join(deps) if deps else '(none)'}")
    cyc = [c for c in cycles(g) if any(inside(m) for m in c)]
    for c in cyc:
        print("cycle:", " <-> ".join(c))
    if not cyc:
        print("no import cycles")
    return 1 if cyc else 0


if __name__ == "__main__":
    sys.exit(main())
