"""The files of an RTL project (rtl_contract.md), as a pure function of the program and the options."""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from .. import __version__
from ..ir import CombLogic
from .layout import bus_width, kif_rows, lanes_of
from .templates import render
from .verilog.lower import lower_comb
from .verilog.top import lower_top

__all__ = [
    "MANIFEST_FORMAT",
    "CodegenOptions",
    "Design",
    "check_identifier",
    "design_of",
    "header_lines",
    "render_project",
]

MANIFEST_FORMAT = 1
GENERATOR = f"da4ml {__version__}"

_VERILOG_KEYWORDS = frozenset(
    [
        "always",
        "and",
        "assign",
        "automatic",
        "begin",
        "buf",
        "bufif0",
        "bufif1",
        "case",
        "casex",
        "casez",
        "cell",
        "cmos",
        "config",
        "deassign",
        "default",
        "defparam",
        "design",
        "disable",
        "edge",
        "else",
        "end",
        "endcase",
        "endconfig",
        "endfunction",
        "endgenerate",
        "endmodule",
        "endprimitive",
        "endspecify",
        "endtable",
        "endtask",
        "event",
        "for",
        "force",
        "forever",
        "fork",
        "function",
        "generate",
        "genvar",
        "highz0",
        "highz1",
        "if",
        "ifnone",
        "incdir",
        "include",
        "initial",
        "inout",
        "input",
        "instance",
        "integer",
        "join",
        "large",
        "liblist",
        "library",
        "localparam",
        "macromodule",
        "medium",
        "module",
        "nand",
        "negedge",
        "nmos",
        "nor",
        "noshowcancelled",
        "not",
        "notif0",
        "notif1",
        "or",
        "output",
        "parameter",
        "pmos",
        "posedge",
        "primitive",
        "pull0",
        "pull1",
        "pulldown",
        "pullup",
        "pulsestyle_onevent",
        "pulsestyle_ondetect",
        "rcmos",
        "real",
        "realtime",
        "reg",
        "release",
        "repeat",
        "rnmos",
        "rpmos",
        "rtran",
        "rtranif0",
        "rtranif1",
        "scalared",
        "showcancelled",
        "signed",
        "small",
        "specify",
        "specparam",
        "strong0",
        "strong1",
        "supply0",
        "supply1",
        "table",
        "task",
        "time",
        "tran",
        "tranif0",
        "tranif1",
        "tri",
        "tri0",
        "tri1",
        "triand",
        "trior",
        "trireg",
        "unsigned",
        "use",
        "uwire",
        "vectored",
        "wait",
        "wand",
        "weak0",
        "weak1",
        "while",
        "wire",
        "wor",
        "xnor",
        "xor",
        "logic",
        "bit",
        "byte",
        "int",
    ]
)


def check_identifier(name: str) -> str:
    """``name`` if it is a usable Verilog module name, else a ValueError saying why."""
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,63}", name):
        raise ValueError(
            f"prj_name {name!r} is not a valid module name: use a letter followed by letters, digits or '_' "
            "(at most 64 characters), e.g. 'my_model'"
        )
    if name in _VERILOG_KEYWORDS:
        raise ValueError(f"prj_name {name!r} is a Verilog/SystemVerilog keyword; choose another name")
    return name


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
        blob = json.dumps(asdict(self), sort_keys=True, separators=(",", ":")).encode()
        return hashlib.sha256(blob).hexdigest()


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

    @functools.cached_property
    def binaries(self) -> tuple[bytes, ...]:
        """The DAIS binary of every stage (little-endian int32 words), encoded once."""
        return tuple(np.asarray(s.to_binary(), dtype="<i4").tobytes() for s in self.stages)

    @functools.cached_property
    def program_sha256(self) -> str:
        h = hashlib.sha256()
        for blob in self.binaries:
            h.update(blob)
        return h.hexdigest()


def design_of(stages: Sequence[CombLogic], register_layers: int, force_pipeline: bool) -> Design:
    """Registered when there is more than one stage or pipelining was asked for, unless no register results."""
    stages = tuple(stages)
    if not stages:
        raise ValueError("a design needs at least one stage")
    pipelined = len(stages) > 1 or force_pipeline
    latency = (len(stages) - 1 + 2 * register_layers) if pipelined else 0
    return Design(stages, latency > 0, latency)


def header_lines(opts: CodegenOptions, design: Design) -> list[str]:
    mode = f"pipelined, {design.latency_cycles} cycle(s), II=1" if design.pipelined else "combinational"
    return [
        f"Generated by {GENERATOR} (da4ml.codegen, flavor {opts.flavor}). DO NOT EDIT: regenerate instead.",
        f"top {opts.prj_name}: {mode}, {len(design.stages)} DAIS stage(s)",
        f"program sha256 {design.program_sha256}",
        f"options sha256 {opts.sha256()}",
    ]


def _dump_json(obj) -> bytes:
    return (json.dumps(obj, sort_keys=True, indent=2) + "\n").encode()


def render_project(design: Design, opts: CodegenOptions) -> tuple[dict[str, bytes], dict]:
    """``({relative path: content}, manifest)`` of the project; byte-identical for identical inputs."""
    top = opts.prj_name
    header = header_lines(opts, design)
    files: dict[str, bytes] = {}
    hdl_files: list[str] = []
    if design.pipelined:
        modules = []
        for k, stage in enumerate(design.stages):
            mod = f"{top}_stage{k}"
            modules.append(mod)
            view = lower_comb(stage, mod, header, *design.kifs[k])
            hdl_files.append(f"src/{mod}.v")
            files[hdl_files[-1]] = render("comb_module.v.j2", m=view).encode()
        register_layers = (design.latency_cycles - (len(design.stages) - 1)) // 2
        top_view = lower_top(top, header, modules, design.kifs, register_layers)
        assert top_view.latency_cycles == design.latency_cycles
        hdl_files.insert(0, f"src/{top}.v")  # the top first, as rtl_contract.md lists it
        files[hdl_files[0]] = render("pipeline_top.v.j2", m=top_view).encode()
        dais = [f"model_stage{k}.dais" for k in range(len(design.stages))]
    else:
        view = lower_comb(design.stages[0], top, header, *design.kifs[0])
        hdl_files.append(f"src/{top}.v")
        files[hdl_files[-1]] = render("comb_module.v.j2", m=view).encode()
        dais = ["model.dais"]
    for name, blob in zip(dais, design.binaries):
        files[name] = blob

    in_lanes = lanes_of(design.kifs[0][0])
    out_lanes = lanes_of(design.kifs[-1][1])
    clock = "clk" if design.pipelined else None
    io_min, io_max = opts.io_delay_minmax
    common = {"header": header, "top": top, "part_name": opts.part_name, "hdl_files": hdl_files}
    files[f"src/{top}.xdc"] = render(
        "constraints.xdc.j2",
        clock=clock,
        clock_name=clock or "vclk",
        clock_period=opts.clock_period,
        clock_uncertainty=opts.clock_uncertainty,
        io_delay_min=io_min,
        io_delay_max=io_max,
        **common,
    ).encode()
    files["src/build_vivado.tcl"] = render("build_vivado.tcl.j2", xdc=f"{top}.xdc", **common).encode()
    files["src/synth_yosys.ys"] = render("synth_yosys.ys.j2", **common).encode()

    manifest = {
        "format": MANIFEST_FORMAT,
        "generator": GENERATOR,
        "top": top,
        "program_sha256": design.program_sha256,
        "options_sha256": opts.sha256(),
        "pipelined": design.pipelined,
        "latency_cycles": design.latency_cycles,
        "ii": 1,
        "clock": clock,
        "reset": None,
        "clock_period_ns": float(opts.clock_period),
        "input_port": {"name": "model_inp", "width": max(bus_width(in_lanes), 1)},
        "output_port": {"name": "model_out", "width": max(bus_width(out_lanes), 1)},
        "inputs": [ln.manifest() for ln in in_lanes],
        "outputs": [ln.manifest() for ln in out_lanes],
        "dais": dais,
        "hdl_files": hdl_files,
    }
    files["manifest.json"] = _dump_json(manifest)
    return files, manifest
