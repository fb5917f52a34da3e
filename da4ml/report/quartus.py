"""Quartus reports: the Fitter summary (``<rev>.fit.summary``, or the ``Fitter Summary`` panel of
``<rev>.fit.rpt``) and the Timing Analyzer (``<rev>.sta.rpt``: the ``... Model Fmax Summary`` panels;
``<rev>.sta.summary``: ``Type : ... Setup ...`` / ``Slack : ...`` pairs).

The summary files hold ``Key : Value`` lines; report panels are ``; Key ; Value ;`` rows under a
``; Panel title ;`` line. Counts print with thousands separators and a ``/ available ( n % )`` tail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import VendorReportError

__all__ = ["QuartusFit", "QuartusTiming", "parse_fit", "parse_sta_report", "parse_sta_summary"]


@dataclass(frozen=True)
class QuartusFit:
    status: str
    family: str
    device: str
    alm: int | None  # Logic utilization (in ALMs); None on LE families
    logic_elements: int | None  # Total logic elements (Cyclone IV, MAX 10, ...)
    registers: int
    dsp: int
    memory_bits: int


@dataclass(frozen=True)
class QuartusTiming:
    fmax_mhz: float | None  # lowest restricted Fmax over the clocks and corners
    setup_slack_ns: float | None  # worst setup slack over the corners


def _pairs(text: str) -> dict[str, str]:
    """``Key : Value`` lines (summary files) and ``; Key ; Value ;`` rows (report panels)."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        s = line.strip()
        if s.startswith(";"):
            cells = [c.strip() for c in s.strip(";").split(";")]
            if len(cells) == 2 and cells[0]:
                out.setdefault(cells[0], cells[1])
        else:
            mt = re.match(r"^([A-Za-z][^:]*?)\s+:\s+(.*)$", s)
            if mt:
                out.setdefault(mt.group(1), mt.group(2).strip())
    return out


def _count(value: str, key: str) -> int:
    mt = re.match(r"^([\d,]+)", value)
    if not mt:
        raise VendorReportError(f"{key!r} is {value!r}, not a count")
    return int(mt.group(1).replace(",", ""))


def parse_fit(text: str) -> QuartusFit:
    """A Fitter summary (file or panel); VendorReportError when it has no logic and register counts."""
    kv = _pairs(text)
    alm = kv.get("Logic utilization (in ALMs)")
    les = kv.get("Total logic elements")
    if (alm is None and les is None) or "Total registers" not in kv:
        raise VendorReportError(
            "no 'Logic utilization (in ALMs)' / 'Total logic elements' and 'Total registers' entries: "
            "not a Quartus Fitter summary"
        )
    return QuartusFit(
        status=kv.get("Fitter Status", ""),
        family=kv.get("Family", ""),
        device=kv.get("Device", ""),
        alm=_count(alm, "Logic utilization (in ALMs)") if alm is not None else None,
        logic_elements=_count(les, "Total logic elements") if les is not None else None,
        registers=_count(kv["Total registers"], "Total registers"),
        dsp=_count(kv.get("Total DSP Blocks", "0"), "Total DSP Blocks"),
        memory_bits=_count(kv.get("Total block memory bits", "0"), "Total block memory bits"),
    )


def parse_sta_report(text: str) -> QuartusTiming:
    """``<rev>.sta.rpt``: the lowest Restricted Fmax of every ``Model Fmax Summary`` panel, and the worst
    slack of the ``Model Setup Summary`` panels. VendorReportError when the file has neither."""
    fmax: list[float] = []
    slack: list[float] = []
    panel = ""
    for line in text.splitlines():
        s = line.strip()
        if not s.startswith(";"):
            continue
        cells = [c.strip() for c in s.strip(";").split(";")]
        if len(cells) == 1:
            panel = cells[0]
            continue
        if panel.endswith("Fmax Summary"):
            mt = [re.match(r"^([\d.]+)\s*MHz$", c) for c in cells[:2]]
            if mt[0]:
                fmax.append(float(mt[1].group(1)) if len(mt) > 1 and mt[1] else float(mt[0].group(1)))
        elif panel.endswith("Setup Summary") and len(cells) >= 2:
            try:
                slack.append(float(cells[1]))
            except ValueError:
                pass  # the header row (Clock ; Slack ; End Point TNS)
    if not panel:
        raise VendorReportError("no '; Panel ;' sections: not a Quartus Timing Analyzer report")
    if not fmax and not slack:
        raise VendorReportError("no 'Fmax Summary' or 'Setup Summary' panel with values")
    return QuartusTiming(min(fmax) if fmax else None, min(slack) if slack else None)


def parse_sta_summary(text: str) -> QuartusTiming:
    """``<rev>.sta.summary``: the worst Setup slack (the summary has no Fmax)."""
    slack: list[float] = []
    kind = ""
    for line in text.splitlines():
        mt = re.match(r"^\s*(Type|Slack)\s*:\s*(.*?)\s*$", line)
        if not mt:
            continue
        if mt.group(1) == "Type":
            kind = mt.group(2)
        elif "Setup" in kind:
            try:
                slack.append(float(mt.group(2)))
            except ValueError:
                raise VendorReportError(f"setup slack {mt.group(2)!r} is not a number") from None
    if not kind:
        raise VendorReportError("no 'Type : ...' entries: not a Quartus Timing Analyzer summary")
    return QuartusTiming(None, min(slack) if slack else None)
