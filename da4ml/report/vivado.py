"""Vivado text reports: ``report_utilization`` (*_util.rpt) and ``report_timing_summary`` (*_timing.rpt).

Read from the documented layout of the reports: a ``| Key : Value`` header, then ``+---+`` bordered tables
whose first column names the site type and whose second column (``Used``) counts it; the timing summary's
``Design Timing Summary`` block (WNS, TNS, WHS, ...) and ``Clock Summary`` block (clock, waveform, period).
7-series names (Slice LUTs, CARRY4) and UltraScale names (CLB LUTs, CARRY8) are both read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import VendorReportError

__all__ = ["VivadoTiming", "VivadoUtil", "parse_timing", "parse_util"]


@dataclass(frozen=True)
class VivadoUtil:
    design: str
    device: str
    state: str  # "Synthesized", "Routed", ...
    lut: int
    ff: int
    carry: int
    dsp: int
    bram: float  # Block RAM tiles (a RAMB18 counts one half)
    uram: int


@dataclass(frozen=True)
class VivadoTiming:
    wns_ns: float | None  # None: no constrained path
    tns_ns: float | None
    whs_ns: float | None
    clock: str | None
    period_ns: float | None

    @property
    def fmax_mhz(self) -> float | None:
        """Achieved Fmax: 1 / (period - WNS) of the clock."""
        if self.wns_ns is None or self.period_ns is None or self.period_ns - self.wns_ns <= 0:
            return None
        return 1000.0 / (self.period_ns - self.wns_ns)


def _header(text: str) -> dict[str, str]:
    out = {}
    for mt in re.finditer(r"^\|\s*([A-Za-z][\w ]*?)\s*:\s*(.*?)\s*$", text, re.MULTILINE):
        out.setdefault(mt.group(1), mt.group(2))
    return out


def _table_rows(text: str) -> dict[str, str]:
    """First 'Used' cell of every bordered table row, by site type (first occurrence wins)."""
    rows: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 2:
            continue
        name = cells[0].rstrip("*").strip()
        rows.setdefault(name, cells[1])
    return rows


def _num(rows: dict[str, str], names: tuple[str, ...], what: str, required: bool = True) -> float:
    for n in names:
        if n in rows:
            try:
                return float(rows[n].replace(",", ""))
            except ValueError:
                raise VendorReportError(f"{what} ({n}) is {rows[n]!r}, not a number") from None
    if required:
        raise VendorReportError(f"no {what} row ({' / '.join(names)}): not a report_utilization report")
    return 0.0


def parse_util(text: str) -> VivadoUtil:
    """A ``report_utilization`` report; VendorReportError when it lacks the LUT and register rows."""
    head = _header(text)
    rows = _table_rows(text)
    return VivadoUtil(
        design=head.get("Design", ""),
        device=head.get("Device", ""),
        state=head.get("Design State", ""),
        lut=int(_num(rows, ("CLB LUTs", "Slice LUTs"), "LUT")),
        ff=int(_num(rows, ("CLB Registers", "Slice Registers"), "register")),
        carry=int(_num(rows, ("CARRY8", "CARRY4"), "carry", required=False)),
        dsp=int(_num(rows, ("DSPs",), "DSP", required=False)),
        bram=_num(rows, ("Block RAM Tile",), "block RAM", required=False),
        uram=int(_num(rows, ("URAM",), "URAM", required=False)),
    )


def _float(cell: str) -> float | None:
    try:
        return float(cell)
    except ValueError:
        return None  # "inf", "NA": no path of that kind


_DASHES = re.compile(r"\s*-+(\s+-+)*\s*")


def _block_after(text: str, title: str) -> list[list[str]]:
    """Whitespace-split value lines of the column block whose header line holds ``title``: the lines after
    the header's row of dashes, up to the next blank line."""
    lines = text.splitlines()
    k = next((k for k, line in enumerate(lines) if title in line), None)
    if k is None:
        return []
    j = k + 1
    while j < len(lines) and not _DASHES.fullmatch(lines[j]):
        j += 1
    rows = []
    for line in lines[j + 1 :]:
        if not line.strip():
            break
        rows.append(line.split())
    return rows


def parse_timing(text: str) -> VivadoTiming:
    """A ``report_timing_summary`` report; VendorReportError without a Design Timing Summary."""
    if "Design Timing Summary" not in text:
        raise VendorReportError("no 'Design Timing Summary' section: not a report_timing_summary report")
    summary = _block_after(text, "WNS(ns)")
    if not summary or len(summary[0]) < 5:
        raise VendorReportError("the Design Timing Summary has no value line under WNS(ns) TNS(ns) ...")
    vals = summary[0]
    clocks = _block_after(text, "Period(ns)")
    clock = period = None
    best: tuple[float, str] | None = None
    for row in clocks:
        # Clock  {rise fall}  Period(ns)  Frequency(MHz): the period is the 2nd-last column
        if len(row) >= 4 and _float(row[-2]) is not None:
            p = float(row[-2])
            if best is None or p < best[0]:
                best = (p, row[0])
    if best is not None:
        period, clock = best
    return VivadoTiming(
        wns_ns=_float(vals[0]), tns_ns=_float(vals[1]), whs_ns=_float(vals[4]), clock=clock, period_ns=period
    )
