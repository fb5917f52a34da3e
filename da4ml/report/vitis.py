"""Vitis / Vivado HLS C-synthesis results: ``<solution>/syn/report/csynth.xml`` (or ``<top>_csynth.xml``).

The documented ``<profile>`` document: ``UserAssignments`` (Part, TopModelName, TargetClockPeriod),
``PerformanceEstimates`` (SummaryOfTimingAnalysis/EstimatedClockPeriod, SummaryOfOverallLatency with
Best-/Worst-caseLatency and Interval-min/-max) and ``AreaEstimates/Resources`` (BRAM_18K, DSP or DSP48E, FF,
LUT, URAM).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

from .errors import VendorReportError

__all__ = ["HlsSynth", "parse_csynth_xml"]


@dataclass(frozen=True)
class HlsSynth:
    top: str
    part: str
    target_clock_ns: float | None
    estimated_clock_ns: float | None
    latency_best: int | None  # cycles
    latency_worst: int | None
    ii_min: int | None
    ii_max: int | None
    lut: int
    ff: int
    dsp: int
    bram_18k: int
    uram: int


def _text(root: ET.Element, path: str) -> str | None:
    node = root.find(path)
    return node.text.strip() if node is not None and node.text else None


def _num(root: ET.Element, path: str, kind=float):
    v = _text(root, path)
    if v is None or v.lower() in ("undef", "-", "?"):
        return None
    try:
        return kind(v)
    except ValueError:
        raise VendorReportError(f"<{path}> is {v!r}, not a number") from None


def parse_csynth_xml(text: str) -> HlsSynth:
    """A csynth.xml document; VendorReportError when it is not XML or has no AreaEstimates/Resources."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as e:
        raise VendorReportError(f"not well-formed XML ({e})") from None
    if root.tag != "profile" or root.find("AreaEstimates/Resources") is None:
        raise VendorReportError("no <profile><AreaEstimates><Resources>: not a Vitis HLS csynth.xml report")
    res = "AreaEstimates/Resources/"

    def count(*names: str) -> int:
        for n in names:
            v = _num(root, res + n, int)
            if v is not None:
                return v
        return 0

    perf = "PerformanceEstimates/"
    lat = perf + "SummaryOfOverallLatency/"
    return HlsSynth(
        top=_text(root, "UserAssignments/TopModelName") or "",
        part=_text(root, "UserAssignments/Part") or "",
        target_clock_ns=_num(root, "UserAssignments/TargetClockPeriod"),
        estimated_clock_ns=_num(root, perf + "SummaryOfTimingAnalysis/EstimatedClockPeriod"),
        latency_best=_num(root, lat + "Best-caseLatency", int),
        latency_worst=_num(root, lat + "Worst-caseLatency", int),
        ii_min=_num(root, lat + "Interval-min", int),
        ii_max=_num(root, lat + "Interval-max", int),
        lut=count("LUT"),
        ff=count("FF"),
        dsp=count("DSP", "DSP48E"),
        bram_18k=count("BRAM_18K"),
        uram=count("URAM"),
    )
