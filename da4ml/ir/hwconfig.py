"""Hardware model knobs shared by the tracer and the CMVM optimizer."""

from __future__ import annotations

from typing import NamedTuple


class HWConfig(NamedTuple):
    """``adder_size`` / ``carry_size``: the adder cost/latency model (-1 = default); ``latency_cutoff``:
    the combinational latency allowed per pipeline stage (-1 = no pipelining)."""

    adder_size: int = -1
    carry_size: int = -1
    latency_cutoff: float = -1
