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


def adder_span(a_kif, b_kif, shift: int, out_kif, sub: bool = False) -> int:
    """Carry span of ``a ± b * 2**shift`` into a result of type ``out_kif`` (each type a ``(k, i, f)``): the
    LUTs a synthesizer spends on it.  From the higher of the operands' LSBs (below, one operand's bits are the
    result as wires) to the wider operand's MSB plus the carry out, capped at the result's MSB (above, only
    sign bits the carry chain already has).  Less, in an ADD, the bits where the narrower operand is zero
    extended (the wider operand's bits enter the carry chain as they are); more, in a SUB, one inverter per
    bit of ``-b`` below a's LSB.  Calibrated on Yosys synth_xilinx (``python bench/synth.py``)."""
    (ka, ia, fa), (kb, ib, fb), (k, i, f) = a_kif, b_kif, out_kif
    width = k + i + f
    if ka + ia + fa <= 0 or kb + ib + fb <= 0:  # a zero operand: a copy, or a negation of b
        return width if sub and kb + ib + fb > 0 else 0
    lsb_a, msb_a = -fa, ia + ka - 1
    lsb_b, msb_b = shift - fb, ib + kb - 1 + shift
    msb_o = i + k - 1
    low, top = max(lsb_a, lsb_b), max(msb_a, msb_b)
    span = min(top + 1, msb_o) - low + 1
    narrow_signed = kb if msb_b < msb_a else ka
    if not sub and msb_a != msb_b and not narrow_signed:
        span -= max(min(top, msb_o) - max(min(msb_a, msb_b), low - 1), 0)
    if sub and lsb_b < lsb_a:
        span += max(lsb_a - max(lsb_b, -f), 0)
    return min(max(span, 0), width)


def adder_latency(width: int, carry_size: int = -1) -> float:
    """Delay of one adder: one level, or the number of ``carry_size``-bit carry-chain segments."""
    if carry_size <= 0:
        return 1.0
    return float(max(math.ceil(width / carry_size), 1))
