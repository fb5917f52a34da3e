"""write_testbench(): tb/ and the per-design Makefile of a project directory (byte-deterministic)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..project import Header, Manifest
from ..project.templates import render
from .config import DEFAULT_N_SAMPLES

__all__ = ["tb_module_name", "write_testbench"]


def tb_module_name(top: str) -> str:
    return "test_" + re.sub(r"\W", "_", top)


def write_testbench(project_dir: str | Path, manifest: Manifest | Mapping[str, Any]) -> None:
    """Write ``tb/test_<top>.py`` (imports the generic testbench) and ``Makefile`` into `project_dir`.

    `manifest` is the project's Manifest (or the manifest.json content, checked the same way). Identical
    inputs give byte-identical files: no timestamps, no absolute paths.
    """
    m = manifest if isinstance(manifest, Manifest) else Manifest.from_dict(manifest)
    project_dir = Path(project_dir)
    header = Header("da4ml.verif", m.program_sha256, m.options_sha256, (f"cocotb testbench of {m.top}",))
    ctx = {"header": header, "top": m.top, "test_name": re.sub(r"\W", "_", m.top), "n_samples": DEFAULT_N_SAMPLES}
    (project_dir / "tb").mkdir(parents=True, exist_ok=True)
    _write(project_dir / "tb" / f"{tb_module_name(m.top)}.py", render("verif:tb_test.py.j2", **ctx))
    _write(project_dir / "Makefile", render("verif:Makefile.j2", **ctx))


def _write(path: Path, text: str) -> None:
    data = text.encode()
    if not path.is_file() or path.read_bytes() != data:
        path.write_bytes(data)
