"""manifest.json of a project directory (docs/project_layout.md): load, validate, typed view."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..codegen.layout import Lane
from ..ir import MAX_VALUE_BITS

__all__ = ["MANIFEST_NAME", "Lane", "Manifest", "ManifestError", "Port", "load_manifest"]

MANIFEST_NAME = "manifest.json"
SUPPORTED_FORMAT = 1


class ManifestError(ValueError):
    """manifest.json is missing, malformed or inconsistent."""


@dataclass(frozen=True)
class Port:
    name: str
    width: int
    lanes: tuple[Lane, ...]


@dataclass(frozen=True)
class Manifest:
    """Typed, validated view of manifest.json."""

    project_dir: Path
    top: str
    pipelined: bool
    latency_cycles: int
    clock: str | None
    reset: str | None
    clock_period_ns: float
    input_port: Port
    output_port: Port
    dais: tuple[Path, ...]
    hdl_files: tuple[Path, ...]
    program_sha256: str
    generator: str
    raw: dict[str, Any]

    @property
    def n_in(self) -> int:
        return len(self.input_port.lanes)

    @property
    def n_out(self) -> int:
        return len(self.output_port.lanes)


def _require(cond: bool, path: Path, msg: str) -> None:
    if not cond:
        raise ManifestError(f"{path}: {msg}")


def _int_field(d: dict[str, Any], key: str, path: Path, where: str) -> int:
    _require(key in d, path, f"{where}: missing key {key!r}; regenerate the project with RTLModel.write()")
    v = d[key]
    _require(isinstance(v, int) and not isinstance(v, bool), path, f"{where}: {key}={v!r} must be an integer")
    return v


def _port(raw: dict[str, Any], port_key: str, lanes_key: str, path: Path) -> Port:
    _require(isinstance(raw.get(port_key), dict), path, f"missing object {port_key!r}")
    p = raw[port_key]
    _require(isinstance(p.get("name"), str) and p["name"], path, f"{port_key}.name must be a non-empty string")
    width = _int_field(p, "width", path, port_key)
    _require(width >= 0, path, f"{port_key}.width={width} must be >= 0")
    _require(isinstance(raw.get(lanes_key), list), path, f"missing list {lanes_key!r}")
    lanes = []
    for j, d in enumerate(raw[lanes_key]):
        where = f"{lanes_key}[{j}]"
        _require(isinstance(d, dict), path, f"{where} must be an object")
        lane = Lane(*(_int_field(d, key, path, where) for key in ("lane", "offset", "width", "k", "i", "f")))
        _require(lane.lane == j, path, f"{where}: lane={lane.lane}, expected {j} (lanes listed in order)")
        _require(lane.k in (0, 1), path, f"{where}: k={lane.k} must be 0 or 1")
        exp_w = max(lane.k + lane.i + lane.f, 0)
        _require(lane.width == exp_w, path, f"{where}: width={lane.width} but k+i+f={exp_w}")
        _require(
            lane.width <= MAX_VALUE_BITS,
            path,
            f"{where}: width={lane.width} exceeds the {MAX_VALUE_BITS}-bit interpreter limit",
        )
        _require(
            lane.width == 0 or 0 <= lane.offset <= width - lane.width,
            path,
            f"{where}: bits [{lane.offset + lane.width - 1}:{lane.offset}] do not fit in {p['name']}[{width - 1}:0]",
        )
        lanes.append(lane)
    used = sorted((la.offset, la.offset + la.width) for la in lanes if la.width > 0)
    for (_, a1), (b0, _) in itertools.pairwise(used):
        _require(a1 <= b0, path, f"{lanes_key}: lanes overlap at bit {b0} (lane bit ranges must be disjoint)")
    return Port(p["name"], width, tuple(lanes))


def load_manifest(project_dir: str | Path) -> Manifest:
    """Read and validate ``<project_dir>/manifest.json``; raise ManifestError naming the problem."""
    project_dir = Path(project_dir).resolve()
    path = project_dir / MANIFEST_NAME
    if not path.is_file():
        raise ManifestError(
            f"{path}: not found; a project directory is written by RTLModel(...).write() and holds manifest.json"
        )
    try:
        raw = json.loads(path.read_text())
    except json.JSONDecodeError as e:
        raise ManifestError(f"{path}: not valid JSON ({e})") from None
    _require(isinstance(raw, dict), path, "top level must be an object")
    _require(
        raw.get("format") == SUPPORTED_FORMAT,
        path,
        f"format={raw.get('format')!r}, this da4ml.verif reads format {SUPPORTED_FORMAT}",
    )
    _require(isinstance(raw.get("top"), str) and raw["top"], path, "top must be the top module name")
    latency = _int_field(raw, "latency_cycles", path, "manifest")
    _require(latency >= 0, path, f"latency_cycles={latency} must be >= 0")
    _require(raw.get("ii", 1) == 1, path, f"ii={raw.get('ii')!r}: only II=1 designs are supported")
    pipelined = bool(raw.get("pipelined", latency > 0))
    clock = raw.get("clock")
    _require(clock is None or isinstance(clock, str), path, f"clock={clock!r} must be a port name or null")
    _require(
        (latency > 0) == (clock is not None),
        path,
        f"latency_cycles={latency} but clock={clock!r}: a pipelined design needs a clock, a combinational one has none",
    )
    reset = raw.get("reset")
    _require(reset is None or isinstance(reset, str), path, f"reset={reset!r} must be a port name or null")
    period = raw.get("clock_period_ns", 10.0)
    _require(
        isinstance(period, (int, float)) and period > 0, path, f"clock_period_ns={period!r} must be a positive number"
    )
    inp = _port(raw, "input_port", "inputs", path)
    out = _port(raw, "output_port", "outputs", path)
    dais = raw.get("dais")
    _require(
        isinstance(dais, list) and dais and all(isinstance(s, str) for s in dais),
        path,
        "dais must be a non-empty list of DAIS binary file names",
    )
    hdl = raw.get("hdl_files")
    _require(
        isinstance(hdl, list) and hdl and all(isinstance(s, str) for s in hdl),
        path,
        "hdl_files must be a non-empty list of Verilog files",
    )
    dais_paths = tuple(project_dir / s for s in dais)
    hdl_paths = tuple(project_dir / s for s in hdl)
    for p in dais_paths + hdl_paths:
        _require(p.is_file(), path, f"lists {p.relative_to(project_dir)}, which does not exist")
    return Manifest(
        project_dir=project_dir,
        top=raw["top"],
        pipelined=pipelined,
        latency_cycles=latency,
        clock=clock,
        reset=reset,
        clock_period_ns=float(period),
        input_port=inp,
        output_port=out,
        dais=dais_paths,
        hdl_files=hdl_paths,
        program_sha256=str(raw.get("program_sha256", "")),
        generator=str(raw.get("generator", "")),
        raw=raw,
    )
