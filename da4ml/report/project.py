"""One report row per project directory: ours (manifest.json, read by da4ml.project.Manifest) or the
published da4ml's (metadata.json with model/comb.json or model/pipeline.json), plus what lies next to it:
sign-off JUnit results, the Yosys result of `da4ml synth`, vendor reports.

Every file that cannot be read becomes a warning naming it, and the row keeps what could be read.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path

from ..ir import CombLogic, Op, QInterval
from ..project import Manifest, ManifestError, bus_width, kif_rows, lanes_of
from ..trace._cost import estimate_ops
from .errors import ReportError
from .signoff import read_signoff
from .vendor import collect_vendor
from .yosys import RESULT_FILE, YosysResultError, load_result

__all__ = ["COLUMNS", "Column", "ProjectRow", "read_project", "read_projects"]

Warn = Callable[[str], None]


@dataclass
class ProjectRow:
    """One project. None: not known for this project (no such file, or not applicable)."""

    name: str
    path: str
    source: str  # "da4ml <version>" (manifest.json) or "published da4ml (metadata.json)"
    flavor: str | None = None
    part: str | None = None
    n_inputs: int | None = None
    input_bits: int | None = None
    input_widths: str | None = None  # lane widths, run-length: "8x8" = 8 lanes of 8 bits
    n_outputs: int | None = None
    output_bits: int | None = None
    output_widths: str | None = None
    dais_ops: int | None = None
    cost: float | None = None  # the cost model's LUT estimate
    latency_cycles: int | None = None
    adder_levels: float | None = None  # combinational depth of the program (sum over the stages)
    stages: int | None = None
    register_bits: int | None = None
    clock_period_ns: float | None = None
    signoff: str = "not run"  # PASS / FAIL / not run (JUnit results of the testbench)
    simulators: str | None = None  # "icarus+verilator"; a failing simulator is marked "!"
    samples: int | None = None
    seed: str | None = None
    yosys_lut: int | None = None  # LUT1-LUT6 and INV cells (an INV is a LUT1)
    yosys_inv: int | None = None  # of which INV
    yosys_ff: int | None = None
    yosys_carry: int | None = None
    yosys_lut_levels: int | None = None
    vivado_stage: str | None = None
    vivado_lut: int | None = None
    vivado_ff: int | None = None
    vivado_dsp: int | None = None
    vivado_bram: float | None = None
    vivado_wns_ns: float | None = None
    vivado_fmax_mhz: float | None = None
    quartus_alm: int | None = None
    quartus_registers: int | None = None
    quartus_dsp: int | None = None
    quartus_fmax_mhz: float | None = None
    hls_latency_cycles: int | None = None
    hls_ii: int | None = None
    hls_lut: int | None = None
    hls_ff: int | None = None
    hls_dsp: int | None = None
    hls_clock_ns: float | None = None

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    numeric: bool


_HEADERS = {
    "name": "project",
    "n_inputs": "in",
    "input_bits": "in bits",
    "input_widths": "in widths",
    "n_outputs": "out",
    "output_bits": "out bits",
    "output_widths": "out widths",
    "dais_ops": "ops",
    "cost": "cost (LUT est.)",
    "latency_cycles": "cycles",
    "adder_levels": "adder levels",
    "register_bits": "reg bits",
    "clock_period_ns": "clock ns",
    "yosys_lut": "Yosys LUT",
    "yosys_inv": "Yosys INV",
    "yosys_ff": "Yosys FF",
    "yosys_carry": "Yosys CARRY",
    "yosys_lut_levels": "Yosys LUT levels",
}
_NUMERIC = (int, float)
COLUMNS: tuple[Column, ...] = tuple(
    Column(
        f.name,
        _HEADERS.get(f.name, f.name.replace("_", " ")),
        any(t in str(f.type) for t in ("int", "float")),
    )
    for f in fields(ProjectRow)
)


def _widths(lanes) -> str:
    """Lane widths in short: "8x8" (8 lanes of 8 bits), "16x18..22" (16 lanes of 18 to 22 bits)."""
    ws = [ln.width for ln in lanes]
    if not ws:
        return "0"
    lo, hi = min(ws), max(ws)
    return f"{len(ws)}x{lo}" if lo == hi else f"{len(ws)}x{lo}..{hi}"


def _program_columns(row: ProjectRow, stages: Sequence[CombLogic]) -> None:
    """Inputs/outputs, ops, cost estimate and adder levels from the stage programs."""
    in_lanes = lanes_of(kif_rows(stages[0].inp_kifs))
    out_lanes = lanes_of(kif_rows(stages[-1].out_kifs))
    row.n_inputs, row.input_bits, row.input_widths = len(in_lanes), bus_width(in_lanes), _widths(in_lanes)
    row.n_outputs, row.output_bits, row.output_widths = len(out_lanes), bus_width(out_lanes), _widths(out_lanes)
    row.dais_ops = sum(len(s.ops) for s in stages)
    row.stages = len(stages)


def _estimated(stages: Sequence[CombLogic]) -> list[CombLogic]:
    """Binaries hold no cost or latency: the cost model gives them again (as the tracer did)."""
    return [estimate_ops(s) for s in stages]


def _register_bits(stages: Sequence[CombLogic], latency_cycles: int) -> int:
    """Bits of every register layer of our pipelined top (codegen/verilog/top.py): ``register_layers``
    layers on the inputs and on the outputs, one between consecutive stages."""
    if latency_cycles <= 0:
        return 0
    layers = (latency_cycles - (len(stages) - 1)) // 2
    widths = [bus_width(lanes_of(kif_rows(s.inp_kifs))) for s in stages]
    out_w = bus_width(lanes_of(kif_rows(stages[-1].out_kifs)))
    return layers * (widths[0] + out_w) + sum(widths[1:])


def _read_ours(prj: Path, row: ProjectRow, warn: Warn) -> None:
    try:
        m = Manifest.load(prj)
    except ManifestError as e:
        raise ReportError(str(e)) from None
    except (ValueError, TypeError, KeyError, AttributeError) as e:  # a manifest the loader did not foresee
        raise ReportError(f"{prj / 'manifest.json'}: not a readable manifest ({type(e).__name__}: {e})") from None
    row.name = m.top
    row.source = m.generator or "da4ml"
    row.flavor = m.language
    row.latency_cycles = m.latency_cycles
    row.clock_period_ns = m.clock_period_ns if m.pipelined else None
    row.n_inputs, row.input_bits = m.n_in, m.input_port.width
    row.n_outputs, row.output_bits = m.n_out, m.output_port.width
    part = _part_of(prj / "src" / "build_vivado.tcl")
    row.part = part
    try:
        stages = _estimated([CombLogic.load_binary(p) for p in m.dais_paths])
        _program_columns(row, stages)
        row.register_bits = _register_bits(stages, m.latency_cycles)
    except (OSError, ValueError, ArithmeticError, IndexError) as e:
        names = ", ".join(m.dais)
        warn(f"{prj}: cannot read the DAIS program ({names}: {e}); program columns left empty")
        return
    row.cost = sum(s.cost for s in stages)
    row.adder_levels = sum(max(s.latency) for s in stages)


def _part_of(tcl: Path) -> str | None:
    try:
        for line in tcl.read_text(encoding="utf-8").splitlines():
            if line.startswith("set part "):
                return line.split(None, 2)[2].strip()
    except OSError:
        pass
    return None


def _published_comb(obj, where: str) -> CombLogic:
    """The published da4ml's JSON program: its CombLogic fields as a list (shape, inp_shifts, out_idxs,
    out_shifts, out_negs, ops, carry_size, adder_size, lookup_tables), each op
    [id0, id1, opcode, data, [min, max, step], latency, cost]."""
    try:
        shape, inp_shifts, out_idxs, out_shifts, out_negs, ops, carry, adder = obj[:8]
        tables = obj[8] if len(obj) > 8 and isinstance(obj[8], list) else ()
        ops = [
            Op(int(a), int(b), int(c), int(d), QInterval(*map(float, q)), float(lt), float(ct))
            for a, b, c, d, q, lt, ct in ops
        ]
        return CombLogic(
            (int(shape[0]), int(shape[1])),
            inp_shifts,
            out_idxs,
            out_shifts,
            out_negs,
            ops,
            int(carry),
            int(adder),
            tables,
        )
    except (TypeError, ValueError, IndexError) as e:
        raise ReportError(f"{where}: not a da4ml program in the published JSON layout ({e})") from None


def _read_published(prj: Path, row: ProjectRow, warn: Warn) -> None:
    meta_path = prj / "metadata.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ReportError(f"{meta_path}: not a readable published-da4ml metadata file ({e})") from None
    if not isinstance(meta, dict):
        raise ReportError(f"{meta_path}: not a readable published-da4ml metadata file (the top level is not an object)")
    row.source = "published da4ml (metadata.json)"
    row.flavor = meta.get("flavor")
    row.part = meta.get("part_name")
    row.cost = float(meta["cost"]) if isinstance(meta.get("cost"), (int, float)) else None
    lat = meta.get("latency")
    row.latency_cycles = (
        int(lat) if isinstance(lat, (int, float)) else (0 if row.flavor in ("verilog", "vhdl") else None)
    )
    row.register_bits = (
        meta.get("reg_bits") if isinstance(meta.get("reg_bits"), int) else (0 if row.latency_cycles == 0 else None)
    )
    if "latency" in meta:
        row.clock_period_ns = meta.get("clock_period")
    pipe, comb_path = prj / "model" / "pipeline.json", prj / "model" / "comb.json"
    stages: list[CombLogic] = []
    comb = None
    for path in (comb_path, pipe):
        if not path.is_file():
            continue
        try:
            obj = json.loads(path.read_text(encoding="utf-8"))
            if path is pipe:
                stages = [_published_comb(s, str(pipe)) for s in obj[0]]
            else:
                comb = _published_comb(obj, str(comb_path))
        except (OSError, ValueError, IndexError, TypeError) as e:
            warn(f"{path}: cannot read the program ({e}); its columns left empty")
    stages = stages or ([comb] if comb is not None else [])
    if not stages:
        return
    try:
        _program_columns(row, stages)
    except (ValueError, ArithmeticError) as e:  # types that are not fixed-point intervals
        warn(f"{prj / 'model'}: the program's types cannot be read ({e}); program columns left empty")
        return
    # the published stages keep the whole program's latencies: the last stage ends at the total depth
    row.adder_levels = max((comb or stages[-1]).latency)
    if row.cost is None:
        row.cost = sum(s.cost for s in stages)


def _yosys_columns(prj: Path, row: ProjectRow, warn: Warn) -> None:
    path = prj / RESULT_FILE
    if not path.is_file():
        return
    try:
        res = load_result(path)
    except YosysResultError as e:
        warn(f"{e}; Yosys columns left empty")
        return
    row.yosys_lut, row.yosys_inv, row.yosys_ff, row.yosys_carry = res.lut, res.inv, res.ff, res.carry
    row.yosys_lut_levels = res.path_lut_levels


def _vendor_columns(prj: Path, row: ProjectRow, warn: Warn) -> None:
    v = collect_vendor(prj, warn)
    if v.vivado_util or v.vivado_timing:
        row.vivado_stage = v.vivado_stage
    if v.vivado_util:
        u = v.vivado_util
        row.vivado_lut, row.vivado_ff, row.vivado_dsp, row.vivado_bram = u.lut, u.ff, u.dsp, u.bram
    if v.vivado_timing:
        row.vivado_wns_ns, row.vivado_fmax_mhz = v.vivado_timing.wns_ns, v.vivado_timing.fmax_mhz
    if v.quartus_fit:
        f = v.quartus_fit
        row.quartus_alm = f.alm if f.alm is not None else f.logic_elements
        row.quartus_registers, row.quartus_dsp = f.registers, f.dsp
    if v.quartus_timing:
        row.quartus_fmax_mhz = v.quartus_timing.fmax_mhz
    if v.hls:
        h = v.hls
        row.hls_latency_cycles, row.hls_ii = h.latency_worst, h.ii_max
        row.hls_lut, row.hls_ff, row.hls_dsp, row.hls_clock_ns = h.lut, h.ff, h.dsp, h.estimated_clock_ns


def read_project(path: str | Path, warn: Warn) -> ProjectRow | None:
    """The row of one project directory, or None (with a warning) when it is not a project."""
    prj = Path(path)
    if not prj.is_dir():
        warn(f"{prj}: not a directory; skipped")
        return None
    row = ProjectRow(name=prj.resolve().name, path=str(prj), source="")
    try:
        if (prj / "manifest.json").is_file():
            _read_ours(prj, row, warn)
        elif (prj / "metadata.json").is_file():
            _read_published(prj, row, warn)
        else:
            warn(f"{prj}: neither manifest.json (da4ml) nor metadata.json (published da4ml); skipped")
            return None
    except ReportError as e:
        warn(f"{e}; skipped")
        return None
    sign = read_signoff(prj, warn)
    row.signoff, row.simulators = sign.status, sign.simulators or None
    row.samples, row.seed = sign.samples, sign.seeds or None
    _yosys_columns(prj, row, warn)
    _vendor_columns(prj, row, warn)
    return row


def read_projects(paths: Sequence[str | Path], warn: Warn) -> list[ProjectRow]:
    rows = (read_project(p, warn) for p in paths)
    return [r for r in rows if r is not None]
