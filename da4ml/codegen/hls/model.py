"""HLSModel: write a Vitis/Vivado HLS project for a DAIS program, compile its C-simulation bridge, run it."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ...ir import CombLogic, Pipeline
from ...project import Manifest
from .._model import ProjectModel, stages_of
from ..render import Design
from .bridge import Bridge, build_bridge
from .cpp import check_cpp_identifier
from .render import HLSOptions, bridge_symbol, check_flavor, render_hls_project

__all__ = ["HLSModel"]


class HLSModel(ProjectModel):
    """An HLS C++ project for ``solution`` (a CombLogic or a Pipeline) with top function ``prj_name`` in ``path``.

    - ``write()`` writes, atomically: ``src/<prj_name>.hh`` (one ``#pragma HLS INLINE`` function template per
      stage, ap_fixed arithmetic, one statement per DAIS op), ``src/<prj_name>.cc`` (the synthesis top:
      ``void <prj_name>(<prj_name>_inp_t model_inp[N], <prj_name>_out_t model_out[M])``, arrays reshaped,
      ``PIPELINE II=1``), ``src/<prj_name>_bridge.cc`` (the C-simulation bridge), ``src/build_vitis_hls.tcl``
      (``vitis_hls -f src/build_vitis_hls.tcl``; ``vivado_hls`` for flavor 'vivado'), the DAIS binary of each
      stage and ``manifest.json`` (language "hls").
    - ``latency_cutoff > 0`` splits a CombLogic into stages (``da4ml.ir.staging.split_stages``), emitted as
      chained functions; a Pipeline is emitted stage by stage. The HLS tool places the registers.
    - ``compile()`` builds the top and the bridge with the C++ compiler (``$CXX`` or g++) against the ap_types
      headers (``$DA4ML_AP_TYPES``, ``$XILINX_HLS``/``$XILINX_VITIS``, or an installed hls4ml);
      ``predict(x, n_threads=0)`` returns what ``CombLogic.predict`` returns (float64, (batch, n_out)),
      bit-exact.
    """

    def __init__(
        self,
        solution: CombLogic | Pipeline,
        prj_name: str,
        path: str | Path,
        flavor: str = "vitis",
        latency_cutoff: float = -1,
        print_latency: bool = True,
        part_name: str = "xcvu13p-flga2577-2-e",
        clock_period: float = 5,
        clock_uncertainty: float = 0.1,
    ):
        check_flavor(flavor)
        check_cpp_identifier(prj_name, "prj_name")
        if not (isinstance(clock_period, (int, float)) and math.isfinite(clock_period) and clock_period > 0):
            raise ValueError(f"clock_period must be a positive number of ns, got {clock_period!r}")
        if not (isinstance(clock_uncertainty, (int, float)) and 0 <= clock_uncertainty < clock_period):
            raise ValueError(
                f"clock_uncertainty must be a number of ns in [0, clock_period), got {clock_uncertainty!r}"
            )
        cutoff = float(latency_cutoff) if latency_cutoff is not None else -1.0
        stages = stages_of(solution, cutoff)
        self.solution = solution
        self.prj_name = prj_name
        self.path = Path(path)
        self.flavor = flavor
        self.latency_cutoff = cutoff
        self.print_latency = print_latency
        self.options = HLSOptions(
            prj_name=prj_name,
            flavor=flavor,
            latency_cutoff=cutoff,
            part_name=str(part_name),
            clock_period=float(clock_period),
            clock_uncertainty=float(clock_uncertainty),
        )
        self.design = Design(tuple(stages), False, 0)
        self._files: dict[str, bytes] | None = None
        self._manifest: Manifest | None = None
        self._bridge: Bridge | None = None
        if print_latency:
            lo, hi = solution.latency
            print(f"{prj_name}: HLS C++, {len(stages)} stage(s), latency {lo:g}..{hi:g} adder levels")

    # -- files -----------------------------------------------------------------------------------------
    def _render(self) -> tuple[dict[str, bytes], Manifest]:
        return render_hls_project(self.design, self.options)

    def write(self) -> Path:
        """Write the project to ``path``, all or nothing: only the files da4ml generates are replaced; everything
        else in the folder is kept (what was replaced is in ``last_write``)."""
        report = self._write()
        self._bridge = None
        return report.path

    @property
    def written(self) -> bool:
        """Does ``path`` hold exactly the files this model renders?"""
        for rel, content in self.render()[0].items():
            f = self.path / rel
            if not f.is_file() or f.read_bytes() != content:
                return False
        return True

    # -- C-simulation ----------------------------------------------------------------------------------
    def compile(self) -> Path:
        """Compile the top and the bridge into a shared library (writes the project first when needed)."""
        _, manifest = self.render()
        if not self.written:
            self.write()
        prj = self.path.resolve()
        bridge = prj / "src" / f"{self.prj_name}_bridge.cc"
        lib = build_bridge(prj, Manifest.load(prj), bridge)
        self._bridge = Bridge(lib, bridge_symbol(self.prj_name), manifest)
        return lib

    @property
    def compiled(self) -> bool:
        return self._bridge is not None

    def _run(self, x: np.ndarray, n_threads: int) -> np.ndarray:
        assert self._bridge is not None
        return self._bridge.predict(x, n_threads)

    def __repr__(self) -> str:
        n_in, n_out = self.design.stages[0].shape[0], self.design.stages[-1].shape[1]
        state = f"compiled ({self._bridge.lib_path.name})" if self._bridge is not None else "not compiled"
        return (
            f"HLSModel({self.prj_name!r}, path={str(self.path)!r}, flavor={self.flavor!r}, shape=({n_in}, {n_out}), "
            f"stages={len(self.stages)}, cost={self.solution.cost:g}, {state})"
        )
