"""Yosys synthesis of a project (its src/synth_yosys.ys) and the machine-readable result it leaves behind.

``run_synth(project)`` runs the project's script from the project directory; the script writes Yosys's own
``stat -json`` of the whole design (synth/yosys_stat.json) and of the cells on the longest combinational path
(synth/yosys_path.json). Those are read into a ``YosysResult`` and written to synth/yosys_result.json
(sorted keys, no timestamp: identical runs give identical files), which ``da4ml report`` reads.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..toolchain import ToolError, Yosys, find_yosys, run_tool
from .errors import ReportError

__all__ = [
    "RESULT_FILE",
    "SCRIPT_FILE",
    "YosysResult",
    "cells_of_stat",
    "load_result",
    "result_from_stat",
    "run_synth",
]

SCRIPT_FILE = "src/synth_yosys.ys"
SYNTH_DIR = "synth"
STAT_FILE = f"{SYNTH_DIR}/yosys_stat.json"
PATH_FILE = f"{SYNTH_DIR}/yosys_path.json"
LOG_FILE = f"{SYNTH_DIR}/yosys.log"
RESULT_FILE = f"{SYNTH_DIR}/yosys_result.json"
RESULT_FORMAT = 1

_LUT = re.compile(r"LUT([1-6])")
_FF = re.compile(r"FD[A-Z]*(_1)?")
_CARRY = re.compile(r"CARRY\d+")
_MUXF = re.compile(r"MUXF\d+")
_DSP = re.compile(r"DSP\w*")
_BRAM = re.compile(r"RAMB\w*")


class YosysResultError(ReportError):
    """A Yosys output or result file is missing, malformed or from another format."""


@dataclass(frozen=True)
class YosysResult:
    """Cells Yosys mapped the design to (synth_xilinx), and the longest combinational path in cells."""

    top: str
    yosys: str  # Yosys's version line (its "creator" string)
    family: str
    lut: int  # LUT1..LUT6 and INV cells: an INV is a LUT1 on the fabric (Vivado counts it as one)
    lut_by_size: dict[str, int]  # {"LUT1": n, ..., "LUT6": n, "INV": n}
    inv: int  # of which INV cells
    carry: int  # CARRY4 / CARRY8 cells
    ff: int  # FD* flip-flops
    muxf: int  # MUXF7 / MUXF8 / MUXF9
    dsp: int
    bram: int
    path_cells: int  # cells on the longest combinational path (ports and registers end a path)
    path_lut_levels: int  # LUT and INV cells on that path: its depth in LUT levels
    path_carry: int  # carry cells on that path
    cells: dict[str, int] = field(default_factory=dict)  # every cell type Yosys reported, by count

    def to_json(self) -> dict:
        return {"format": RESULT_FORMAT, **asdict(self)}


def cells_of_stat(stat: Mapping) -> dict[str, int]:
    """Cell counts by type of a ``stat -json`` document: the design total when Yosys gives one, else the sum
    over the modules (what Yosys writes for a flattened design or a selection within one module)."""
    if not isinstance(stat, Mapping):
        raise YosysResultError("not a Yosys `stat -json` object")
    design = stat.get("design")
    if isinstance(design, Mapping) and isinstance(design.get("num_cells_by_type"), Mapping):
        blocks = [design]
    else:
        modules = stat.get("modules")
        if not isinstance(modules, Mapping):
            raise YosysResultError("a Yosys `stat -json` object has 'design' or 'modules'; this one has neither")
        blocks = list(modules.values())
    out: dict[str, int] = {}
    for block in blocks:
        by_type = block.get("num_cells_by_type", {}) if isinstance(block, Mapping) else None
        if not isinstance(by_type, Mapping):
            raise YosysResultError("num_cells_by_type is not an object")
        for cell, n in by_type.items():
            if not isinstance(n, int) or isinstance(n, bool) or n < 0:
                raise YosysResultError(f"cell count {cell}={n!r} is not a count")
            if cell.startswith("$scopeinfo"):  # hierarchy bookkeeping left by -flatten, not hardware
                continue
            out[cell] = out.get(cell, 0) + n
    return dict(sorted(out.items()))


def _count(cells: Mapping[str, int], pattern: re.Pattern) -> int:
    return sum(n for c, n in cells.items() if pattern.fullmatch(c))


def result_from_stat(stat: Mapping, path_stat: Mapping, top: str, family: str) -> YosysResult:
    """A YosysResult from the two `stat -json` documents the project's script writes."""
    cells = cells_of_stat(stat)
    path = cells_of_stat(path_stat)
    lut_by_size = {f"LUT{k}": cells.get(f"LUT{k}", 0) for k in range(1, 7)} | {"INV": cells.get("INV", 0)}
    return YosysResult(
        top=top,
        yosys=str(stat.get("creator", "")),
        family=family,
        lut=sum(lut_by_size.values()),
        lut_by_size=lut_by_size,
        inv=cells.get("INV", 0),
        carry=_count(cells, _CARRY),
        ff=_count(cells, _FF),
        muxf=_count(cells, _MUXF),
        dsp=_count(cells, _DSP),
        bram=_count(cells, _BRAM),
        path_cells=sum(path.values()),
        path_lut_levels=_count(path, _LUT) + path.get("INV", 0),
        path_carry=_count(path, _CARRY),
        cells=cells,
    )


def _read_json(path: Path, what: str) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise YosysResultError(f"{path}: cannot read the {what} ({e.strerror})") from None
    except json.JSONDecodeError as e:
        raise YosysResultError(f"{path}: the {what} is not valid JSON ({e})") from None


def load_result(path: str | Path) -> YosysResult:
    """Read synth/yosys_result.json back; YosysResultError names the file and the problem."""
    path = Path(path)
    d = _read_json(path, "Yosys result")
    if not isinstance(d, dict) or d.get("format") != RESULT_FORMAT:
        raise YosysResultError(f"{path}: not a da4ml Yosys result of format {RESULT_FORMAT}; rerun `da4ml synth`")
    d = dict(d)
    d.pop("format")
    try:
        res = YosysResult(**d)
    except TypeError as e:
        raise YosysResultError(f"{path}: unexpected fields ({e}); rerun `da4ml synth`") from None
    for name in ("lut", "inv", "carry", "ff", "muxf", "dsp", "bram", "path_cells", "path_lut_levels", "path_carry"):
        v = getattr(res, name)
        if not isinstance(v, int) or isinstance(v, bool) or v < 0:
            raise YosysResultError(f"{path}: {name}={v!r} is not a count; rerun `da4ml synth`")
    return res


def _script_family(script: Path) -> str:
    mt = re.search(r"^synth_xilinx\b.*?-family\s+(\S+)", script.read_text(encoding="utf-8"), re.MULTILINE)
    return mt.group(1) if mt else "xc7"  # synth_xilinx's default


def run_synth(project_dir: str | Path, yosys: Yosys | None = None) -> YosysResult:
    """Run ``src/synth_yosys.ys`` of a project and write synth/yosys_result.json; return the result.

    Raises ToolError (no Yosys, or Yosys failed: the command, directory and log are named) and
    YosysResultError (an old script that writes no stat files)."""
    from ..project import Manifest

    m = Manifest.load(project_dir)
    prj = Path(project_dir).resolve()
    script = prj / SCRIPT_FILE
    if not script.is_file():
        raise ToolError(f"{script}: missing; regenerate the project with RTLModel(...).write()")
    yosys = yosys or find_yosys()
    (prj / SYNTH_DIR).mkdir(exist_ok=True)
    for rel in (STAT_FILE, PATH_FILE, RESULT_FILE):
        (prj / rel).unlink(missing_ok=True)
    run_tool([*yosys.command, "-s", SCRIPT_FILE], cwd=prj, log=prj / LOG_FILE)
    for rel in (STAT_FILE, PATH_FILE):
        if not (prj / rel).is_file():
            raise YosysResultError(
                f"{script} ran but wrote no {rel}: the script predates `da4ml synth`; regenerate the project"
            )
    res = result_from_stat(
        _read_json(prj / STAT_FILE, "Yosys statistics"),
        _read_json(prj / PATH_FILE, "Yosys path statistics"),
        m.top,
        _script_family(script),
    )
    (prj / RESULT_FILE).write_text(json.dumps(res.to_json(), sort_keys=True, indent=2) + "\n", encoding="utf-8")
    return res
