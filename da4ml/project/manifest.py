"""manifest.json: the typed, versioned description of a project directory (docs/project_layout.md).

The code generators build a ``Manifest`` and ``write`` it; the testbench and the runner ``load`` it. Every
field is checked on construction and on load; a bad or old manifest is refused with a ManifestError that
names the file, the field and the fix.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from .._files import atomic_write
from .lanes import MAX_LANE_WIDTH, Lane, Port
from .provenance import GENERATOR

__all__ = ["FORMAT", "LANGUAGES", "MANIFEST_NAME", "Manifest", "ManifestError"]

MANIFEST_NAME = "manifest.json"
FORMAT = 2  # 2: "language" and "sources" (format 1 had "hdl_files" and Verilog only)
LANGUAGES = ("verilog", "vhdl", "hls")  # the language of ``sources``: an HDL, or HLS C++ (ap_fixed, Vitis/Vivado HLS)
_REGENERATE = "regenerate the project with RTLModel(...).write()"
_LANE_KEYS = ("lane", "offset", "width", "k", "i", "f")
_PORT_KEYS = ("name", "width")
_KEYS = (
    "format",
    "generator",
    "language",
    "top",
    "program_sha256",
    "options_sha256",
    "pipelined",
    "latency_cycles",
    "ii",
    "clock",
    "reset",
    "clock_period_ns",
    "input_port",
    "output_port",
    "inputs",
    "outputs",
    "dais",
    "sources",
)


class ManifestError(ValueError):
    """manifest.json is missing, malformed, of another format or inconsistent."""


def _require(cond: bool, msg: str) -> None:
    if not cond:
        raise ManifestError(msg)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _check_port(port: Port, lanes_key: str) -> None:
    where = lanes_key.replace("inputs", "input_port").replace("outputs", "output_port")
    _require(isinstance(port.name, str) and bool(port.name), f"{where}.name must be a non-empty string")
    _require(_is_int(port.width) and port.width >= 1, f"{where}.width={port.width!r} must be an integer >= 1")
    for j, lane in enumerate(port.lanes):
        at = f"{lanes_key}[{j}]"
        for key in _LANE_KEYS:
            v = getattr(lane, key)
            _require(_is_int(v), f"{at}: {key}={v!r} must be an integer")
        _require(lane.lane == j, f"{at}: lane={lane.lane}, expected {j} (lanes listed in order)")
        _require(lane.k in (0, 1), f"{at}: k={lane.k} must be 0 or 1")
        exp_w = max(lane.k + lane.i + lane.f, 0)
        _require(lane.width == exp_w, f"{at}: width={lane.width} but k+i+f={exp_w}")
        _require(
            lane.width <= MAX_LANE_WIDTH,
            f"{at}: width={lane.width} exceeds the {MAX_LANE_WIDTH}-bit interpreter limit",
        )
        _require(
            lane.width == 0 or 0 <= lane.offset <= port.width - lane.width,
            f"{at}: bits [{lane.offset + lane.width - 1}:{lane.offset}] do not fit in {port.name}[{port.width - 1}:0]",
        )
    used = sorted((la.offset, la.offset + la.width) for la in port.lanes if la.width > 0)
    for (_, a1), (b0, _) in itertools.pairwise(used):
        _require(a1 <= b0, f"{lanes_key}: lanes overlap at bit {b0} (lane bit ranges must be disjoint)")


def _check_files(files: tuple[str, ...], key: str, what: str) -> None:
    _require(
        isinstance(files, tuple) and bool(files) and all(isinstance(s, str) and s for s in files),
        f"{key} must be a non-empty list of {what}",
    )
    for s in files:
        p = PurePosixPath(s)
        _require(
            not p.is_absolute() and ".." not in p.parts,
            f"{key}: {s!r} must be a path relative to the project directory, inside it",
        )


@dataclass(frozen=True)
class Manifest:
    """What a project directory holds: the top module and its ports, lanes, latency and clock, the DAIS
    stages that are its golden model, its sources and their language, and the hashes it was generated
    from. ``project_dir`` is set by ``load`` (not part of the file): paths resolve against it."""

    top: str
    language: str
    latency_cycles: int
    clock: str | None
    clock_period_ns: float
    input_port: Port
    output_port: Port
    dais: tuple[str, ...]
    sources: tuple[str, ...]
    program_sha256: str
    options_sha256: str
    generator: str = GENERATOR
    reset: str | None = None
    ii: int = 1
    project_dir: Path | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        top = self.top
        _require(
            isinstance(top, str) and re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", top) is not None,
            f"top={top!r} is not a Verilog module name (nor a VHDL entity name): use a letter followed by "
            "letters, digits or '_'",
        )
        _require(self.language in LANGUAGES, f"language={self.language!r} must be one of {', '.join(LANGUAGES)}")
        lat = self.latency_cycles
        _require(_is_int(lat) and lat >= 0, f"latency_cycles={lat!r} must be an integer >= 0")
        _require(self.ii == 1, f"ii={self.ii!r}: only II=1 designs are supported")
        _require(
            self.clock is None or (isinstance(self.clock, str) and bool(self.clock)),
            f"clock={self.clock!r} must be a port name or null",
        )
        _require(
            (lat > 0) == (self.clock is not None),
            f"latency_cycles={lat} but clock={self.clock!r}: a pipelined design needs a clock, a combinational "
            "one has none",
        )
        _require(
            self.reset is None or (isinstance(self.reset, str) and bool(self.reset)),
            f"reset={self.reset!r} must be a port name or null",
        )
        period = self.clock_period_ns
        _require(
            isinstance(period, (int, float)) and not isinstance(period, bool) and period > 0,
            f"clock_period_ns={period!r} must be a positive number",
        )
        _check_port(self.input_port, "inputs")
        _check_port(self.output_port, "outputs")
        _check_files(self.dais, "dais", "DAIS binary file names")
        _check_files(self.sources, "sources", f"{self.language} source files")
        for key in ("program_sha256", "options_sha256", "generator"):
            _require(isinstance(getattr(self, key), str), f"{key}={getattr(self, key)!r} must be a string")

    # -- derived ---------------------------------------------------------------------------------------
    @property
    def pipelined(self) -> bool:
        return self.latency_cycles > 0

    @property
    def n_in(self) -> int:
        return len(self.input_port.lanes)

    @property
    def n_out(self) -> int:
        return len(self.output_port.lanes)

    def _resolve(self, names: tuple[str, ...]) -> tuple[Path, ...]:
        if self.project_dir is None:
            raise ValueError(f"the manifest of {self.top} is not bound to a directory: use Manifest.load(dir)")
        return tuple(self.project_dir / s for s in names)

    @property
    def dais_paths(self) -> tuple[Path, ...]:
        """The DAIS binaries (stage order) in the project directory."""
        return self._resolve(self.dais)

    @property
    def source_paths(self) -> tuple[Path, ...]:
        """The sources (compile order, top first) in the project directory."""
        return self._resolve(self.sources)

    # -- the file --------------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        def lanes(port: Port) -> list[dict[str, int]]:
            return [{key: getattr(la, key) for key in _LANE_KEYS} for la in port.lanes]

        return {
            "format": FORMAT,
            "generator": self.generator,
            "language": self.language,
            "top": self.top,
            "program_sha256": self.program_sha256,
            "options_sha256": self.options_sha256,
            "pipelined": self.pipelined,
            "latency_cycles": self.latency_cycles,
            "ii": self.ii,
            "clock": self.clock,
            "reset": self.reset,
            "clock_period_ns": float(self.clock_period_ns),
            "input_port": {"name": self.input_port.name, "width": self.input_port.width},
            "output_port": {"name": self.output_port.name, "width": self.output_port.width},
            "inputs": lanes(self.input_port),
            "outputs": lanes(self.output_port),
            "dais": list(self.dais),
            "sources": list(self.sources),
        }

    def to_json(self) -> bytes:
        """manifest.json: sorted keys, indent 2, a final newline (byte-identical for identical manifests)."""
        return (json.dumps(self.to_dict(), sort_keys=True, indent=2) + "\n").encode()

    def write(self, project_dir: str | Path) -> Path:
        """Write ``<project_dir>/manifest.json`` (atomically)."""
        return atomic_write(Path(project_dir) / MANIFEST_NAME, self.to_json())

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], where: str = MANIFEST_NAME) -> Manifest:
        """The manifest of a parsed manifest.json; ManifestError (prefixed by ``where``) names what is wrong."""
        try:
            return cls._from_dict(raw)
        except ManifestError as e:
            raise ManifestError(f"{where}: {e}") from None

    @classmethod
    def _from_dict(cls, raw: Mapping[str, Any]) -> Manifest:
        _require(isinstance(raw, Mapping), "top level must be an object")
        fmt = raw.get("format")
        if fmt != FORMAT:
            older = _is_int(fmt) and fmt < FORMAT
            raise ManifestError(
                f"format={fmt!r}, this da4ml reads format {FORMAT}"
                + (" (the project was written by an older da4ml)" if older else "")
                + f"; {_REGENERATE}"
            )
        for key in _KEYS:
            _require(key in raw, f"missing key {key!r}; {_REGENERATE}")
        unknown = sorted(set(raw) - set(_KEYS))
        _require(not unknown, f"unknown key(s) {unknown} (format {FORMAT} has {', '.join(_KEYS)})")
        for key in ("latency_cycles", "ii"):
            _require(_is_int(raw[key]), f"{key}={raw[key]!r} must be an integer")
        ports = [cls._port(raw, "input_port", "inputs"), cls._port(raw, "output_port", "outputs")]
        files = {}
        for key in ("dais", "sources"):
            _require(isinstance(raw[key], list), f"{key}={raw[key]!r} must be a list of file names")
            files[key] = tuple(raw[key])
        m = cls(
            top=raw["top"],
            language=raw["language"],
            latency_cycles=raw["latency_cycles"],
            clock=raw["clock"],
            clock_period_ns=raw["clock_period_ns"],
            input_port=ports[0],
            output_port=ports[1],
            program_sha256=raw["program_sha256"],
            options_sha256=raw["options_sha256"],
            generator=raw["generator"],
            reset=raw["reset"],
            ii=raw["ii"],
            **files,
        )
        _require(
            raw["pipelined"] is m.pipelined,
            f"pipelined={raw['pipelined']!r} but latency_cycles={m.latency_cycles} (pipelined means latency > 0)",
        )
        return m

    @staticmethod
    def _port(raw: Mapping[str, Any], port_key: str, lanes_key: str) -> Port:
        p = raw[port_key]
        _require(isinstance(p, dict), f"{port_key} must be an object with keys {', '.join(_PORT_KEYS)}")
        for key in _PORT_KEYS:
            _require(key in p, f"{port_key}: missing key {key!r}; {_REGENERATE}")
        _require(isinstance(raw[lanes_key], list), f"{lanes_key} must be a list of lanes")
        lanes = []
        for j, d in enumerate(raw[lanes_key]):
            at = f"{lanes_key}[{j}]"
            _require(isinstance(d, dict), f"{at} must be an object with keys {', '.join(_LANE_KEYS)}")
            for key in _LANE_KEYS:
                _require(key in d, f"{at}: missing key {key!r}; {_REGENERATE}")
                _require(_is_int(d[key]), f"{at}: {key}={d[key]!r} must be an integer")
            lanes.append(Lane(*(d[key] for key in _LANE_KEYS)))
        return Port(p["name"], p["width"], tuple(lanes))

    @classmethod
    def load(cls, project_dir: str | Path) -> Manifest:
        """Read and check ``<project_dir>/manifest.json`` and that the files it lists exist."""
        project_dir = Path(project_dir).resolve()
        path = project_dir / MANIFEST_NAME
        if not path.is_file():
            raise ManifestError(
                f"{path}: not found; a project directory is written by RTLModel(...).write() and holds {MANIFEST_NAME}"
            )
        try:
            raw = json.loads(path.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise ManifestError(f"{path}: not valid JSON ({e})") from None
        m = dataclasses.replace(cls.from_dict(raw, str(path)), project_dir=project_dir)
        for rel, p in zip(m.dais + m.sources, m.dais_paths + m.source_paths):
            if not p.is_file():
                raise ManifestError(f"{path}: lists {rel}, which does not exist")
        return m
