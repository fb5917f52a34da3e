"""Shared by the da4ml.report tests: a small traced program and an independent reading of the RTL."""

from __future__ import annotations

import re
from pathlib import Path


def rtl_register_bits(prj: Path) -> int:
    """Bits of every `reg [msb:0]` the generated Verilog assigns with `<=` (a flip-flop: the combinational
    logic of a stage is also declared `reg`, inside an `always @(...)` block, but assigned with `=`): an
    independent reading of the RTL."""
    total = 0
    for v in (prj / "src").glob("*.v"):
        text = v.read_text()
        widths = {name: int(msb) + 1 for msb, name in re.findall(r"^\s*reg \[(\d+):0\] (\w+);", text, re.MULTILINE)}
        clocked = set(re.findall(r"^\s*(\w+) <=", text, re.MULTILINE))
        total += sum(w for name, w in widths.items() if name in clocked)
    return total
