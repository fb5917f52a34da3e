"""Separate venvs holding published da4ml releases, used only as black boxes from subprocesses."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

VENVS = Path(__file__).resolve().parent / ".venvs"


def published_python(version: str = "0.6.0") -> Path:
    """Python of a venv with da4ml==version installed (created on first use; needs PyPI)."""
    venv = VENVS / f"da4ml-{version}"
    python = venv / "bin" / "python"
    if (
        not python.exists()
        or subprocess.run([python, "-I", "-c", "import da4ml"], capture_output=True, check=False).returncode
    ):
        print(f"creating {venv} with da4ml=={version} ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([python, "-m", "pip", "install", "-q", f"da4ml=={version}"], check=True)
    return python
