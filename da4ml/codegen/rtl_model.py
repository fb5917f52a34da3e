"""RTLModel: write an RTL project for a DAIS program, build a Verilator model of it, run it."""

from __future__ import annotations

import math
import shutil
import tempfile
from pathlib import Path

import numpy as np

from ..ir import CombLogic, Pipeline
from ..ir.batch import as_batch
from ..ir.staging import split_stages
from ..project import MANIFEST_NAME, Manifest
from ..verif import write_testbench
from .render import CodegenOptions, Design, check_identifier, design_of, header_of, render_project
from .verilator import build_model, run_model

__all__ = ["RTLModel", "VHDLModel", "VerilogModel"]

_FLAVORS = ("verilog", "vhdl")


class RTLModel:
    """An RTL project for ``solution`` (a CombLogic or a Pipeline) with top module ``prj_name`` in ``path``.

    - ``latency_cutoff > 0`` splits a CombLogic into register stages (``da4ml.ir.staging.split_stages``):
      each stage holds at most that much combinational latency (ops' ``latency``, adder levels). A Pipeline
      is emitted stage by stage as given.
    - A pipelined design (more than one stage, or ``latency_cutoff > 0``) gets one register layer between
      stages plus ``register_layers`` layers on the inputs and ``register_layers`` on the outputs: latency
      ``n_stages - 1 + 2 * register_layers`` cycles, II = 1, no reset, no clock enable. A single
      combinational stage with ``latency_cutoff <= 0`` is emitted combinational (no clock).
    - ``write()`` writes the project atomically; ``compile()`` builds a Verilator model; ``predict(x)``
      runs it and returns what ``CombLogic.predict`` returns (float64, (batch, n_out)), bit-exact.
    """

    def __init__(
        self,
        solution: CombLogic | Pipeline,
        prj_name: str,
        path: str | Path,
        flavor: str = "verilog",
        latency_cutoff: float = -1,
        print_latency: bool = True,
        part_name: str = "xcvu13p-flga2577-2-e",
        clock_period: float = 5,
        clock_uncertainty: float = 0.1,
        io_delay_minmax: tuple[float, float] = (0.2, 0.4),
        register_layers: int = 1,
    ):
        if flavor not in _FLAVORS:
            raise ValueError(f"flavor {flavor!r} is not one of {_FLAVORS}")
        if flavor == "vhdl":
            raise NotImplementedError(
                "the VHDL back end is not implemented yet; use flavor='verilog' (VerilogModel), whose output "
                "Vivado and Quartus read in mixed-language projects"
            )
        check_identifier(prj_name)
        if not (isinstance(register_layers, (int, np.integer)) and register_layers >= 0):
            raise ValueError(f"register_layers must be an integer >= 0, got {register_layers!r}")
        if not (isinstance(clock_period, (int, float)) and math.isfinite(clock_period) and clock_period > 0):
            raise ValueError(f"clock_period must be a positive number of ns, got {clock_period!r}")
        lo_io, hi_io = (float(v) for v in io_delay_minmax)
        if not 0 <= lo_io <= hi_io:
            raise ValueError(f"io_delay_minmax must be (min, max) with 0 <= min <= max, got {io_delay_minmax!r}")
        cutoff = float(latency_cutoff) if latency_cutoff is not None else -1.0
        if isinstance(solution, Pipeline):
            stages = list(solution.solutions)
        elif isinstance(solution, CombLogic):
            stages = list(split_stages(solution, cutoff).solutions) if cutoff > 0 else [solution]
        else:
            raise TypeError(f"solution must be a da4ml CombLogic or Pipeline, got {type(solution).__name__}")

        self.solution = solution
        self.prj_name = prj_name
        self.path = Path(path)
        self.flavor = flavor
        self.latency_cutoff = cutoff
        self.print_latency = print_latency
        self.part_name = part_name
        self.clock_period = clock_period
        self.clock_uncertainty = clock_uncertainty
        self.io_delay_minmax = (lo_io, hi_io)
        self.register_layers = int(register_layers)
        self.options = CodegenOptions(
            prj_name=prj_name,
            flavor=flavor,
            latency_cutoff=cutoff,
            register_layers=int(register_layers),
            part_name=str(part_name),
            clock_period=float(clock_period),
            clock_uncertainty=float(clock_uncertainty),
            io_delay_minmax=(lo_io, hi_io),
        )
        self.design: Design = design_of(stages, self.register_layers, force_pipeline=cutoff > 0)
        self._files: dict[str, bytes] | None = None
        self._manifest: Manifest | None = None
        self._exe: Path | None = None
        if print_latency:
            d = self.design
            kind = f"{d.latency_cycles} cycle(s), II=1" if d.pipelined else "combinational"
            print(f"{prj_name}: {kind}; {len(d.stages)} stage(s)")

    # -- files -----------------------------------------------------------------------------------------
    @property
    def stages(self) -> tuple[CombLogic, ...]:
        return self.design.stages

    @property
    def latency_cycles(self) -> int:
        return self.design.latency_cycles

    def render(self) -> tuple[dict[str, bytes], Manifest]:
        """``({relative path: bytes}, manifest)`` of the project without touching the disk."""
        if self._files is None:
            self._files, self._manifest = render_project(self.design, self.options)
        assert self._manifest is not None
        return self._files, self._manifest

    @property
    def manifest(self) -> Manifest:
        """The project's manifest (what manifest.json holds)."""
        return self.render()[1]

    def write(self) -> Path:
        """Write the project to ``path`` atomically (a sibling temp dir renamed into place)."""
        files, manifest = self.render()
        target = self.path.resolve()
        parent = target.parent
        parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            if not target.is_dir():
                raise FileExistsError(f"{target} exists and is not a directory; choose another path")
            if any(target.iterdir()) and not (target / MANIFEST_NAME).is_file():
                raise FileExistsError(
                    f"{target} is a non-empty directory that is not a da4ml project (no manifest.json); "
                    "refusing to replace it: choose an empty or new path"
                )
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=parent))
        try:
            for rel, content in files.items():
                f = tmp / rel
                f.parent.mkdir(parents=True, exist_ok=True)
                f.write_bytes(content)
            self._write_testbench(tmp, manifest)
            if target.exists():
                old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=parent))
                old.rmdir()
                target.rename(old)
                tmp.rename(target)
                shutil.rmtree(old, ignore_errors=True)
            else:
                tmp.rename(target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        self._exe = None
        return target

    @staticmethod
    def _write_testbench(path: Path, manifest: Manifest) -> None:
        """The cocotb testbench and Makefile of the project (da4ml.verif): part of every project."""
        write_testbench(path, manifest)

    # -- simulation ------------------------------------------------------------------------------------
    def compile(self, jobs: int | None = None) -> Path:
        """Build the Verilator model with ``jobs`` parallel jobs (default: every core); writes the project
        first when it is not written. Skipped when the same program and options were built already."""
        files, manifest = self.render()
        on_disk = self.path / MANIFEST_NAME
        if not on_disk.is_file() or on_disk.read_bytes() != files[MANIFEST_NAME]:
            self.write()
        header = header_of(self.options, self.design).with_about(f"Verilator batch harness of {self.prj_name}")
        self._exe = build_model(self.path.resolve(), manifest, header, jobs=jobs)
        return self._exe

    def predict(self, data) -> np.ndarray:
        """Outputs of the compiled RTL: float64 (batch, n_out), for ``data`` read as ``CombLogic.predict``
        reads it (``(batch, ...)`` with n_in values per sample; one sample (n_in,) gives (n_out,))."""
        if self._exe is None:
            raise RuntimeError(f"{self.prj_name}: call .compile() before .predict()")
        manifest = self.manifest
        x, one_sample = as_batch(data, manifest.n_in)
        if x.shape[0] == 0:
            return np.zeros((0, manifest.n_out), dtype=np.float64)
        y = run_model(self._exe, x, manifest.input_port, manifest.output_port)
        return y[0] if one_sample else y


class VerilogModel(RTLModel):
    """RTLModel with ``flavor='verilog'``."""

    def __init__(
        self,
        solution,
        prj_name,
        path,
        latency_cutoff=-1,
        print_latency=True,
        part_name="xcvu13p-flga2577-2-e",
        clock_period=5,
        clock_uncertainty=0.1,
        io_delay_minmax=(0.2, 0.4),
        register_layers=1,
    ):
        super().__init__(
            solution,
            prj_name,
            path,
            "verilog",
            latency_cutoff,
            print_latency,
            part_name,
            clock_period,
            clock_uncertainty,
            io_delay_minmax,
            register_layers,
        )


class VHDLModel(RTLModel):
    """RTLModel with ``flavor='vhdl'`` (not implemented yet: raises NotImplementedError)."""

    def __init__(
        self,
        solution,
        prj_name,
        path,
        latency_cutoff=-1,
        print_latency=True,
        part_name="xcvu13p-flga2577-2-e",
        clock_period=5,
        clock_uncertainty=0.1,
        io_delay_minmax=(0.2, 0.4),
        register_layers=1,
    ):
        super().__init__(
            solution,
            prj_name,
            path,
            "vhdl",
            latency_cutoff,
            print_latency,
            part_name,
            clock_period,
            clock_uncertainty,
            io_delay_minmax,
            register_layers,
        )
