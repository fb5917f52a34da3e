"""da4ml.verif: cocotb sign-off of generated RTL against the DAIS interpreter.

- write_testbench(project_dir, manifest): tb/ + Makefile of a project directory (called by RTLModel.write()).
- run(project_dir, sim, ...): build + simulate on Icarus or Verilator, returns a RunResult.
- load_manifest(project_dir): the project's Manifest (da4ml.project), checked.
- CLI: python -m da4ml.verif run <project dir> [--sim icarus|verilator] [--seed N] [--n-samples N] [--waves]
  [--max-mismatches N]; python -m da4ml.verif lint <project dir>.
"""

from ..project import Manifest, ManifestError
from ..toolchain import ToolError, available_simulators
from .runner import RunResult, run
from .writer import write_testbench

load_manifest = Manifest.load

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
