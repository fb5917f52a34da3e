"""The type stubs of the compiled module (da4ml/_core/*.pyi) name exactly what the module exports."""

from __future__ import annotations

import ast
from pathlib import Path

import da4ml
from da4ml._core import dais

STUBS = Path(da4ml.__file__).parent / "_core"


def stub_names(path: Path) -> tuple[set[str], set[str]]:
    """Top-level public names, and the public members of class Interpreter."""
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    members: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        if isinstance(node, ast.ClassDef) and node.name == "Interpreter":
            members = {n.name for n in node.body if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")}
    return {n for n in names if not n.startswith("_")}, members


def test_dais_stub_matches_module() -> None:
    names, members = stub_names(STUBS / "dais.pyi")
    exported = {n for n in dir(dais) if not n.startswith("_")}
    assert names == exported
    assert members == {n for n in dir(dais.Interpreter) if not n.startswith("_")}
