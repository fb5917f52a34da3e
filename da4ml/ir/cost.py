"""The one cost/latency model of an adder (the C++ optimizer mirrors it; a test compares them)."""

from __future__ import annotations

import math


def adder_cost(width: int, adder_size: int = -1) -> float:
    """LUT proxy of an adder whose result is ``width`` bits wide (about one LUT per output bit)."""
    if width <= 0:
        return 0.0
    if adder_size <= 0:
        return float(width)
    return float(math.ceil(width / adder_size) * adder_size)


def adder_latency(width: int, carry_size: int = -1) -> float:
    """Delay of one adder: one level, or the number of ``carry_size``-bit carry-chain segments."""
    if carry_size <= 0:
        return 1.0
    return float(max(math.ceil(width / carry_size), 1))
