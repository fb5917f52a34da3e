"""Finding a project's vendor reports and reading them (each file that cannot be read becomes a warning).

Where they are looked for (our build_vivado.tcl writes ``reports/``; the published da4ml's scripts write
``output_<name>/reports/`` and Vitis HLS solutions under ``output_<name>/<solution>/syn/report/``):
the project directory, ``reports/``, ``output_*/`` and ``output_*/reports/``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .quartus import QuartusFit, QuartusTiming, parse_fit, parse_sta_report, parse_sta_summary
from .vitis import HlsSynth, parse_csynth_xml
from .vivado import VivadoTiming, VivadoUtil, parse_timing, parse_util

__all__ = ["VendorResults", "collect_vendor"]

# Vivado report stages, latest first: the report shows the latest one the project has
VIVADO_STAGES = ("post_route", "post_place", "post_synth")
_VIVADO = re.compile(r"(?:^|_)(post_route|post_place|post_synth)_(util|timing)\.rpt$")


@dataclass(frozen=True)
class VendorResults:
    vivado_stage: str | None = None  # e.g. "post_route"
    vivado_util: VivadoUtil | None = None
    vivado_timing: VivadoTiming | None = None
    quartus_fit: QuartusFit | None = None
    quartus_timing: QuartusTiming | None = None
    hls: HlsSynth | None = None


def _report_dirs(prj: Path) -> list[Path]:
    dirs = [prj, prj / "reports"]
    for out in sorted(prj.glob("output_*")):
        if out.is_dir():
            dirs += [out, out / "reports"]
    return [d for d in dirs if d.is_dir()]


def _read(path: Path, parse: Callable, warn: Callable[[str], None]):
    try:
        return parse(path.read_text(encoding="utf-8", errors="replace"))
    except ValueError as e:  # VendorReportError, or a number the layout promised that is not one
        warn(f"{path}: cannot parse ({e}); skipped")
    except OSError as e:
        warn(f"{path}: cannot read ({e.strerror}); skipped")
    return None


def collect_vendor(prj: Path, warn: Callable[[str], None]) -> VendorResults:
    dirs = _report_dirs(prj)
    files = sorted({p for d in dirs for p in d.iterdir() if p.is_file()})
    # Vivado: the latest stage with a readable utilization report; its timing report when there is one
    vivado: dict[tuple[str, str], Path] = {}
    for p in files:
        mt = _VIVADO.search(p.name)
        if mt:
            vivado.setdefault((mt.group(1), mt.group(2)), p)
    stage = util = timing = None
    for st in VIVADO_STAGES:
        if (st, "util") in vivado:
            util = _read(vivado[(st, "util")], parse_util, warn)
            if util is not None:
                stage = st
                break
    for st in VIVADO_STAGES if stage is None else (stage,):
        if (st, "timing") in vivado:
            timing = _read(vivado[(st, "timing")], parse_timing, warn)
            if timing is not None:
                stage = stage or st
                break
    # Quartus: <rev>.fit.summary (or the Fitter Summary of <rev>.fit.rpt), <rev>.sta.rpt (or .sta.summary)
    fit = sta = None
    for suffix in (".fit.summary", ".fit.rpt"):
        for p in (p for p in files if p.name.endswith(suffix)):
            fit = fit or _read(p, parse_fit, warn)
    for suffix, parse in ((".sta.rpt", parse_sta_report), (".sta.summary", parse_sta_summary)):
        for p in (p for p in files if p.name.endswith(suffix)):
            sta = sta or _read(p, parse, warn)
    # Vitis HLS: [<project>/]<solution>/syn/report/csynth.xml under the project or its output_* directories
    hls = None
    for d in [prj, *sorted(prj.glob("output_*"))]:
        for pattern in ("*/syn/report/csynth.xml", "*/*/syn/report/csynth.xml"):
            for p in sorted(d.glob(pattern)):
                hls = hls or _read(p, parse_csynth_xml, warn)
    return VendorResults(stage, util, timing, fit, sta, hls)
