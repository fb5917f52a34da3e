"""One profile per simulator: all that the generic flow (runner.run) needs to know about it.

As cocotb_tools.runner gives each simulator a small subclass, each profile here says how to find the
simulator, which HDLs it simulates, the extra build and test arguments, where the waveform goes and the
environment of its processes. The generic flow never tests a simulator's name: a new simulator (GHDL for
the VHDL back end) is one more class in ``PROFILES``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import ClassVar

from ..project import Manifest
from ..toolchain import SimEnv, ToolError, check_verilator_fst, find_icarus, verilator_build

__all__ = ["PROFILES", "Icarus", "Simulator", "Verilator", "get_simulator"]


class Simulator:
    """The generic profile; subclasses override what differs."""

    name: ClassVar[str]  # --sim / $SIM, and the cocotb_tools.runner simulator name
    languages: ClassVar[tuple[str, ...]]  # HDLs of the top module it simulates (the manifest's "language")
    waves_suffix: ClassVar[str] = ".fst"

    def __init__(self, tool: SimEnv) -> None:
        self.tool = tool

    @classmethod
    def find(cls) -> Simulator:
        """The profile of the installed simulator; ToolError (saying how to install it) when it is missing."""
        raise NotImplementedError

    @property
    def description(self) -> str:
        return self.tool.description

    @property
    def executable(self) -> str:
        return self.tool.executable

    def check(self, manifest: Manifest, waves: bool) -> None:
        """Refuse, before building, a project this simulator cannot run."""
        if manifest.language not in self.languages:
            raise ToolError(
                f"{manifest.project_dir}: {self.name} simulates {', '.join(self.languages)}, this project is "
                f"{manifest.language}; pick another simulator with --sim / SIM"
            )

    def build_args(self, waves: bool) -> list[str]:
        return []

    def test_args(self, waves_file: Path | None) -> list[str]:
        return []

    def plusargs(self, waves_file: Path | None) -> list[str]:
        return []

    def waves_file(self, build_dir: Path, top: str) -> Path:
        return build_dir / f"{top}{self.waves_suffix}"

    def environment(self, base: Mapping[str, str]) -> dict[str, str]:
        """The environment of the simulator's processes, from ``base`` (never this process's os.environ)."""
        return self.tool.apply(dict(base))

    def extra_sources(self, build_dir: Path, top: str, ports: Sequence[str]) -> list[Path]:
        """Files the build needs besides the HDL (written into ``build_dir``), for toplevel ``top`` whose
        ports ``ports`` the testbench reads and writes."""
        return []

    def build_commands(self, cmds: list[list[str]]) -> list[list[str]]:
        """cocotb_tools.runner's build commands, adapted (the default: as they are)."""
        return cmds


class Icarus(Simulator):
    name = "icarus"
    languages = ("verilog",)

    @classmethod
    def find(cls) -> Icarus:
        return cls(find_icarus())

    def plusargs(self, waves_file: Path | None) -> list[str]:
        # cocotb's Icarus dump module writes FST to the path given by this plusarg
        return [f"+dumpfile_path={waves_file}"] if waves_file else []


class Verilator(Simulator):
    name = "verilator"
    languages = ("verilog",)

    def __init__(self, tool: SimEnv, flags: Sequence[str] = ()) -> None:
        super().__init__(tool)
        self.flags = list(flags)  # verilator_build's: shared with RTLModel.compile

    @classmethod
    def find(cls) -> Verilator:
        return cls(*verilator_build())  # the same set-up as RTLModel.compile (ccache, warnings, jobs)

    def check(self, manifest: Manifest, waves: bool) -> None:
        super().check(manifest, waves)
        if waves:
            check_verilator_fst()

    def build_args(self, waves: bool) -> list[str]:
        return [*self.flags, *(["--trace-fst"] if waves else [])]

    def test_args(self, waves_file: Path | None) -> list[str]:
        return ["--trace-file", str(waves_file)] if waves_file else []

    def extra_sources(self, build_dir: Path, top: str, ports: Sequence[str]) -> list[Path]:
        # VPI sees exactly the toplevel's ports (cocotb's --public-flat-rw would make every signal public,
        # which keeps Verilator from optimizing any of them away: a bigger, slower model to compile and run)
        lines = ["`verilator_config", *(f'public_flat_rw -module "{top}" -var "{p}"' for p in ports)]
        path = build_dir / "da4ml_public.vlt"
        path.write_text("\n".join(lines) + "\n")
        return [path]

    def build_commands(self, cmds: list[list[str]]) -> list[list[str]]:
        return [[a for a in cmd if a != "--public-flat-rw"] for cmd in cmds]


PROFILES: dict[str, type[Simulator]] = {cls.name: cls for cls in (Icarus, Verilator)}


def get_simulator(name: str) -> Simulator:
    """The profile of simulator ``name`` (found and checked)."""
    try:
        cls = PROFILES[name]
    except KeyError:
        raise ToolError(f"simulator {name!r} is not supported; use one of {', '.join(PROFILES)}") from None
    return cls.find()
