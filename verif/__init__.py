"""da4ml.verif: cocotb sign-off of generated RTL against the DAIS interpreter.

- write_testbench(project_dir, manifest): tb/ + Makefile of a project directory (called by RTLModel.write()).
- run(project_dir, sim, ...): build + simulate on Icarus or Verilator, returns a RunResult.
- load_manifest(project_dir): the project's Manifest (da4ml.project), checked.
- CLI: python -m da4ml.verif run <project dir> [--sim icarus|verilator] [--seed N] [--n-samples N] [--waves]
  [--max-mismatches N]; python -m da4ml.verif lint <project dir>.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ..project import Manifest, ManifestError
from ..toolchain import ToolError, available_simulators

if TYPE_CHECKING:
    from .runner import RunResult, run
    from .writer import write_testbench

load_manifest = Manifest.load

# Imported on first use: the testbench runs inside the simulator, where every import is start-up time that
# the runner (cocotb_tools) and the writer (jinja2) would only add to.
_LAZY = {"RunResult": ".runner", "run": ".runner", "write_testbench": ".writer"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Manifest",
    "ManifestError",
    "RunResult",
    "ToolError",
    "available_simulators",
    "load_manifest",
    "run",
    "write_testbench",
]
