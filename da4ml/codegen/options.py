"""Every option that reaches a generated file (Verilog, Tcl, XDC, Yosys script, Makefile, manifest), checked
once, before anything is rendered: a value a vendor tool would misread, or that would splice text into a
script (``part_name='x"; exec rm -rf /tmp/foo; #'``), is refused with the rule and an example."""

from __future__ import annotations

import math
import numbers
import re

from ..ir.hwconfig import check_latency_cutoff
from .names import check_identifier
from .render import CodegenOptions

__all__ = ["FLAVORS", "check_part_name", "codegen_options"]

FLAVORS = ("verilog", "vhdl")

# Vendor part names are letters, digits, '-', '_' and '.' (xcvu13p-flga2577-2-e, xcvc1902-vsva2197-2MP-e-S,
# 10AX115S2F45I1SG, LFE5U-85F-6BG381C): nothing a Tcl, XDC or Yosys script would read as syntax.
_PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def check_part_name(part: object) -> str:
    if not isinstance(part, str) or not _PART.fullmatch(part):
        raise ValueError(
            f"part_name {part!r} is not an FPGA part name: use letters, digits, '-', '_' and '.' only (at most 64 "
            "characters), as the vendor spells it, e.g. 'xcvu13p-flga2577-2-e'"
        )
    return part


def _ns(name: str, value: object, *, positive: bool) -> float:
    """A finite time in ns (> 0 when ``positive``, else >= 0)."""
    ok = not isinstance(value, bool) and isinstance(value, numbers.Real) and math.isfinite(float(value))
    if not ok or (float(value) <= 0 if positive else float(value) < 0):
        bound = "> 0" if positive else ">= 0"
        raise ValueError(f"{name}={value!r} must be a finite number of ns {bound}")
    return float(value)


def codegen_options(
    prj_name: object,
    flavor: object,
    latency_cutoff: object,
    register_layers: object,
    part_name: object,
    clock_period: object,
    clock_uncertainty: object,
    io_delay_minmax: object,
) -> CodegenOptions:
    """The checked, normalized options of a project (ValueError naming the first bad one)."""
    if flavor not in FLAVORS:
        raise ValueError(f"flavor {flavor!r} is not one of {FLAVORS}")
    check_identifier(prj_name)
    if isinstance(register_layers, bool) or not isinstance(register_layers, numbers.Integral) or register_layers < 0:
        raise ValueError(f"register_layers must be an integer >= 0, got {register_layers!r}")
    period = _ns("clock_period", clock_period, positive=True)
    uncertainty = _ns("clock_uncertainty", clock_uncertainty, positive=False)
    if uncertainty >= period:
        raise ValueError(f"clock_uncertainty={clock_uncertainty!r} must be below clock_period={clock_period!r} ns")
    try:
        lo_io, hi_io = io_delay_minmax  # type: ignore[misc]
    except (TypeError, ValueError):
        raise ValueError(f"io_delay_minmax must be a pair (min, max) of ns, got {io_delay_minmax!r}") from None
    lo_io, hi_io = _ns("io_delay_minmax min", lo_io, positive=False), _ns("io_delay_minmax max", hi_io, positive=False)
    if lo_io > hi_io:
        raise ValueError(f"io_delay_minmax must be (min, max) with 0 <= min <= max, got {io_delay_minmax!r}")
    return CodegenOptions(
        prj_name=str(prj_name),
        flavor=str(flavor),
        latency_cutoff=check_latency_cutoff(latency_cutoff),
        register_layers=int(register_layers),
        part_name=check_part_name(part_name),
        clock_period=period,
        clock_uncertainty=uncertainty,
        io_delay_minmax=(lo_io, hi_io),
    )
