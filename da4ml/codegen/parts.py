"""FPGA part names: the Yosys ``synth_xilinx -family`` that stands for a part (a decision kept out of templates)."""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = ["YosysFamily", "yosys_family"]


class YosysFamily(NamedTuple):
    family: str  # synth_xilinx -family value
    note: str  # one line for the script's header: what the family is, and whether it is an approximation


# (pattern on the lower-case part name, family, name); the first match wins
_FAMILIES = (
    (r"xc(vu|ku|au)\d+p|xczu|xcvu\d\dp", "xcup", "UltraScale+"),
    (r"xc(vu|ku)\d+", "xcu", "UltraScale"),
    (r"xc7", "xc7", "7-series"),
    (r"xc6s", "xc6s", "Spartan-6"),
    (r"xc6v", "xc6v", "Virtex-6"),
)


def yosys_family(part: str) -> YosysFamily:
    """The synth_xilinx family of a Xilinx part; other parts (Versal, Intel, ...) are mapped as UltraScale+
    (LUT6 + CARRY8 fabric), and the note says so."""
    low = part.lower()
    for pattern, family, name in _FAMILIES:
        if re.match(pattern, low):
            return YosysFamily(family, f"part {part}: Xilinx {name} (synth_xilinx -family {family})")
    return YosysFamily(
        "xcup",
        f"part {part}: not a family Yosys's synth_xilinx knows; counted as UltraScale+ (-family xcup), an approximation",
    )
