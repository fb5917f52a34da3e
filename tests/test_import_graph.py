"""The package is a DAG: no import cycle anywhere in da4ml/ (and verif/, installed as da4ml.verif), read with
ast so that imports inside functions count as much as module-level ones (scripts/import_graph.py prints it)."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("import_graph", ROOT / "scripts" / "import_graph.py")
import_graph = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(import_graph)


def test_no_import_cycle_in_the_package():
    g = import_graph.graph()
    assert len(g) > 60 and "da4ml.trace.fixed_variable" in g and "da4ml.verif.runner" in g
    assert import_graph.cycles(g) == []


def test_the_checker_finds_cycles_through_function_level_imports(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("from . import a\n")
    (pkg / "a.py").write_text("from . import b\n")
    (pkg / "b.py").write_text("def f():\n    from .c import g\n    return g\n")
    (pkg / "c.py").write_text("import pkg.a\n\ndef g():\n    return 1\n")
    (pkg / "d.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .e import T\n")
    (pkg / "e.py").write_text("from .d import TYPE_CHECKING\nT = int\n")
    g = import_graph.graph({pkg: "pkg"})
    assert g["pkg.b"] == {"pkg.c"} and "pkg.a" in g["pkg.c"]
    assert g["pkg.d"] == set()  # annotations only: never executed
    assert import_graph.cycles(g) == [["pkg.a", "pkg.b", "pkg.c"]]


def test_trace_has_no_imports_inside_functions():
    """Each trace module imports what it needs at the top: nothing is imported late to dodge a cycle."""
    late = {}
    for path in sorted((ROOT / "da4ml" / "trace").rglob("*.py")):
        tree = ast.parse(path.read_text())
        for fn in ast.walk(tree):
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for node in ast.walk(fn):
                    if isinstance(node, (ast.Import, ast.ImportFrom)):
                        late.setdefault(path.relative_to(ROOT).as_posix(), []).append(node.lineno)
    assert not late, f"imports inside functions: {late}"
