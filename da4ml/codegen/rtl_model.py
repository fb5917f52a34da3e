"""RTLModel: write an RTL project for a DAIS program, build a Verilator model of it, run it."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from ..ir import CombLogic, Pipeline
from ..project import MANIFEST_NAME, Manifest
from ..verif import write_testbench
from ._model import ProjectModel, stages_of
from .options import FLAVORS, codegen_options
from .render import Design, design_of, header_of, render_project
from .verilator import build_model, run_model

__all__ = ["RTLModel", "VHDLModel", "VerilogModel"]


class RTLModel(ProjectModel):
    """An RTL project for ``solution`` (a CombLogic or a Pipeline) with top module ``prj_name`` in ``path``.

    - ``latency_cutoff > 0`` splits a CombLogic into register stages (``da4ml.ir.staging.split_stages``):
      each stage holds at most that much combinational latency (ops' ``latency``, adder levels). A Pipeline
      is emitted stage by stage as given.
    - A pipelined design (more than one stage, or ``latency_cutoff > 0``) gets one register layer between
      stages plus ``register_layers`` layers on the inputs and ``register_layers`` on the outputs: latency
      ``n_stages - 1 + 2 * register_layers`` cycles, II = 1, no reset, no clock enable. A single
      combinational stage with ``latency_cutoff=-1`` is emitted combinational (no clock).
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
        if flavor not in FLAVORS:
            raise ValueError(f"flavor {flavor!r} is not one of {FLAVORS}")
        if flavor == "vhdl":
            raise NotImplementedError(
                "the VHDL back end is not implemented yet; use flavor='verilog' (VerilogModel), whose output "
                "Vivado and Quartus read in mixed-language projects"
            )
        opts = codegen_options(
            prj_name,
            flavor,
            latency_cutoff,
            register_layers,
            part_name,
            clock_period,
            clock_uncertainty,
            io_delay_minmax,
        )
        cutoff = opts.latency_cutoff
        stages = stages_of(solution, cutoff)

        self.solution = solution
        self.prj_name = prj_name
        self.path = Path(path)
        self.flavor = flavor
        self.latency_cutoff = cutoff
        self.print_latency = print_latency
        self.part_name = opts.part_name
        self.clock_period = opts.clock_period
        self.clock_uncertainty = opts.clock_uncertainty
        self.io_delay_minmax = opts.io_delay_minmax
        self.register_layers = opts.register_layers
        self.options = opts
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
    def latency_cycles(self) -> int:
        return self.design.latency_cycles

    def _render(self) -> tuple[dict[str, bytes], Manifest]:
        return render_project(self.design, self.options)

    def write(self) -> Path:
        """Write the project to ``path``, all or nothing (da4ml.project.directory.write_project): only the
        files da4ml generates are replaced; everything else in the folder (reports/, vivado/, sim_build/,
        synth/, your own files) is kept. What was replaced is in ``last_write`` (printed with print_latency)."""
        self._write(self._write_testbench)
        self._exe = None
        return self.last_write.path

    @staticmethod
    def _write_testbench(path: Path, manifest: Manifest) -> None:
        """The cocotb testbench and Makefile of the project (da4ml.verif): part of every project; the
        Makefile runs da4ml with this interpreter when it still has da4ml."""
        write_testbench(path, manifest, python=sys.executable)

    # -- simulation ------------------------------------------------------------------------------------
    def compile(self, nproc: int | None = None) -> Path:
        """Build the Verilator model with ``nproc`` parallel compile jobs (None: one per core); writes the
        project first when it is not written. Skipped when the same program and options were built already."""
        if nproc is not None and (isinstance(nproc, bool) or not isinstance(nproc, (int, np.integer)) or nproc < 1):
            raise ValueError(f"nproc={nproc!r} must be an integer >= 1 (or None for one job per core)")
        files, manifest = self.render()
        on_disk = self.path / MANIFEST_NAME
        if not on_disk.is_file() or on_disk.read_bytes() != files[MANIFEST_NAME]:
            self.write()
        header = header_of(self.options, self.design).with_about(f"Verilator batch harness of {self.prj_name}")
        self._exe = build_model(self.path.resolve(), manifest, header, jobs=None if nproc is None else int(nproc))
        return self._exe

    @property
    def compiled(self) -> bool:
        return self._exe is not None

    def _run(self, x: np.ndarray, n_threads: int) -> np.ndarray:
        manifest = self.manifest
        return run_model(self._exe, x, manifest.input_port, manifest.output_port, n_threads)

    def __repr__(self) -> str:
        d = self.design
        kind = f"{d.latency_cycles} cycle(s), II=1" if d.pipelined else "combinational"
        n_in, n_out = d.stages[0].shape[0], d.stages[-1].shape[1]
        state = f"compiled ({self._exe})" if self._exe is not None else "not compiled"
        return (
            f"RTLModel({self.prj_name!r}, path={str(self.path)!r}, flavor={self.flavor!r}, shape=({n_in}, {n_out}), "
            f"{len(d.stages)} stage(s), {kind}, cost={self.solution.cost:g}, {state})"
        )


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
