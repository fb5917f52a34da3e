"""Shared by the da4ml.report tests: a small traced program and an independent reading of the RTL."""

from __future__ import annotations

import re
from pathlib import Path


def rtl_register_bits(prj: Path) -> int:
    """Bits of every `reg [msb:0]` the generated Verilog declares (an independent reading of the RTL)."""
    return sum(
        int(msb) + 1
        for v in (prj / "src").glob("*.v")
        for msb in re.findall(r"^\s*reg \[(\d+):0\]", v.read_text(), re.MULTILINE)
    )
