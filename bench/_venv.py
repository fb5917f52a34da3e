"""Separate venvs holding published da4ml releases, used only as black boxes from subprocesses."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

VENVS = Path(__file__).resolve().parent / ".venvs"


def published_python(version: str = "0.6.0", with_packages: Sequence[str] = ()) -> Path:
    """Python of a venv with da4ml==version installed, plus ``with_packages`` (pip requirements such as
    ``hgq2==0.2.0``: each set gets its own venv); created on first use, needs PyPI."""
    name = "-".join([f"da4ml-{version}", *(p.replace("==", "-") for p in with_packages)])
    venv = VENVS / name
    python = venv / "bin" / "python"
    # import da4ml itself; of the others only look them up (keras cannot be imported without a backend chosen)
    others = [p.split("==")[0].split("[")[0].replace("hgq2", "hgq").replace("-", "_") for p in with_packages]
    check = f"import da4ml, importlib.util, sys; sys.exit(any(importlib.util.find_spec(m) is None for m in {others!r}))"
    if not python.exists() or subprocess.run([python, "-I", "-c", check], capture_output=True, check=False).returncode:
        print(f"creating {venv} with da4ml=={version} {' '.join(with_packages)} ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([python, "-m", "pip", "install", "-q", f"da4ml=={version}", *with_packages], check=True)
    return python
