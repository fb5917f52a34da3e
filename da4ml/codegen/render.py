"""The files of an RTL project (docs/project_layout.md), as a pure function of the program and the options."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from ..ir import CombLogic
from ..project import MANIFEST_NAME, Header, Manifest, Port, kif_rows, options_sha256, program_sha256
from ..project.templates import render
from .parts import yosys_family
from .verilog.lower import INP_PORT, OUT_PORT, lower_comb
from .verilog.top import lower_top

__all__ = ["CodegenOptions", "Design", "design_of", "header_of", "render_project"]


@dataclass(frozen=True)
class CodegenOptions:
    """Everything besides the program that changes the generated files (hashed into every header)."""

    prj_name: str
    flavor: str
    latency_cutoff: float
    register_layers: int
    part_name: str
    clock_period: float
    clock_uncertainty: float
    io_delay_minmax: tuple[float, float]

    def sha256(self) -> str:
        return options_sha256(asdict(self))


@dataclass(frozen=True)
class Design:
    """The stages to emit and whether they are registered (latency_cycles > 0)."""

    stages: tuple[CombLogic, ...]
    pipelined: bool
    latency_cycles: int

    @functools.cached_property
    def kifs(self) -> tuple[tuple[list, list], ...]:
        """``(inp_kifs, out_kifs)`` of every stage, computed once."""
        return tuple((kif_rows(s.inp_kifs), kif_rows(s.out_kifs)) for s in self.stages)

    @property
    def input_port(self) -> Port:
        return Port.packed(INP_PORT, self.kifs[0][0])

    @property
    def output_port(self) -> Port:
        return Port.packed(OUT_PORT, self.kifs[-1][1])

    @functools.cached_property
    def binaries(self) -> tuple[bytes, ...]:
        """The DAIS binary of every stage (little-endian int32 words), encoded once."""
        return tuple(np.asarray(s.to_binary(), dtype="<i4").tobytes() for s in self.stages)

    @functools.cached_property
    def program_sha256(self) -> str:
        return program_sha256(self.binaries)


def design_of(stages: Sequence[CombLogic], register_layers: int, force_pipeline: bool) -> Design:
    """Registered when there is more than one stage or pipelining was asked for, unless no register results."""
    stages = tuple(stages)
    if not stages:
        raise ValueError("a design needs at least one stage")
    pipelined = len(stages) > 1 or force_pipeline
    latency = (len(stages) - 1 + 2 * register_layers) if pipelined else 0
    return Design(stages, latency > 0, latency)


def header_of(opts: CodegenOptions, design: Design) -> Header:
    """The header of every file of the project."""
    mode = f"pipelined, {design.latency_cycles} cycle(s), II=1" if design.pipelined else "combinational"
    about = f"top {opts.prj_name}: {mode}, {len(design.stages)} DAIS stage(s), flavor {opts.flavor}"
    return Header("da4ml.codegen", design.program_sha256, opts.sha256(), (about,))


def render_project(design: Design, opts: CodegenOptions) -> tuple[dict[str, bytes], Manifest]:
    """``({relative path: content}, manifest)`` of the project; byte-identical for identical inputs."""
    top = opts.prj_name
    header = header_of(opts, design)
    files: dict[str, bytes] = {}
    hdl_files: list[str] = []
    if design.pipelined:
        modules = []
        for k, stage in enumerate(design.stages):
            mod = f"{top}_stage{k}"
            modules.append(mod)
            view = lower_comb(stage, mod, header, *design.kifs[k])
            hdl_files.append(f"src/{mod}.v")
            files[hdl_files[-1]] = render("rtl:comb_module.v.j2", m=view).encode()
        register_layers = (design.latency_cycles - (len(design.stages) - 1)) // 2
        top_view = lower_top(top, header, modules, design.kifs, register_layers)
        assert top_view.latency_cycles == design.latency_cycles
        hdl_files.insert(0, f"src/{top}.v")  # the top first, as docs/project_layout.md lists it
        files[hdl_files[0]] = render("rtl:pipeline_top.v.j2", m=top_view).encode()
        dais = [f"model_stage{k}.dais" for k in range(len(design.stages))]
    else:
        view = lower_comb(design.stages[0], top, header, *design.kifs[0])
        hdl_files.append(f"src/{top}.v")
        files[hdl_files[-1]] = render("rtl:comb_module.v.j2", m=view).encode()
        dais = ["model.dais"]
    for name, blob in zip(dais, design.binaries):
        files[name] = blob

    clock = "clk" if design.pipelined else None
    io_min, io_max = opts.io_delay_minmax
    common = {"header": header, "top": top, "part_name": opts.part_name, "hdl_files": hdl_files}
    files[f"src/{top}.xdc"] = render(
        "rtl:constraints.xdc.j2",
        clock=clock,
        clock_name=clock or "vclk",
        clock_period=opts.clock_period,
        clock_uncertainty=opts.clock_uncertainty,
        io_delay_min=io_min,
        io_delay_max=io_max,
        **common,
    ).encode()
    files["src/build_vivado.tcl"] = render("rtl:build_vivado.tcl.j2", xdc=f"{top}.xdc", **common).encode()
    files["src/synth_yosys.ys"] = render("rtl:synth_yosys.ys.j2", yosys=yosys_family(opts.part_name), **common).encode()

    manifest = Manifest(
        top=top,
        language=opts.flavor,
        latency_cycles=design.latency_cycles,
        clock=clock,
        clock_period_ns=float(opts.clock_period),
        input_port=design.input_port,
        output_port=design.output_port,
        dais=tuple(dais),
        sources=tuple(hdl_files),
        program_sha256=design.program_sha256,
        options_sha256=opts.sha256(),
    )
    files[MANIFEST_NAME] = manifest.to_json()
    return files, manifest
