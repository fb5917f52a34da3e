"""Exact fixed-point type arithmetic on integers: an interval is (vmin, vmax, f), values vmin..vmax in steps
of 2**-f.  No floats anywhere in type propagation."""

from __future__ import annotations

import math
from fractions import Fraction

from da4ml.ir.opcodes import MAX_VALUE_BITS

MAX_WIDTH = MAX_VALUE_BITS  # dais.md: an interpreter holds values in int64 and refuses anything wider


def kif_int(vmin: int, vmax: int, f: int) -> tuple[int, int, int]:
    """Minimal (k, i, f) holding the integers vmin..vmax counted in steps of 2**-f."""
    if vmin == 0 and vmax == 0:
        return (0, -f, f)
    k = int(vmin < 0)
    bits = max(vmax.bit_length() if vmax > 0 else 0, (-vmin - 1).bit_length() if vmin < 0 else 0)
    return (k, bits - f, f)


def width_int(vmin: int, vmax: int) -> int:
    if vmin == 0 and vmax == 0:
        return 0
    k = int(vmin < 0)
    return k + max(vmax.bit_length() if vmax > 0 else 0, (-vmin - 1).bit_length() if vmin < 0 else 0)


def type_range(k: int, i: int, f: int) -> tuple[int, int]:
    """Integer range (steps of 2**-f) of the type (k, i, f); an empty type (width <= 0) holds only 0."""
    w = k + i + f
    if w <= 0:
        return (0, 0)
    if k:
        return (-(1 << (w - 1)), (1 << (w - 1)) - 1)
    return (0, (1 << w) - 1)


def frac(n: int, f: int) -> Fraction:
    return Fraction(n) * Fraction(2) ** -f if f >= 0 else Fraction(n * (1 << -f))


def frac_f(c: Fraction) -> int:
    """Fractional bits of a dyadic constant (the f with c * 2**f an odd integer, or 0 for c == 0)."""
    if c == 0:
        return 0
    d = c.denominator
    if d & (d - 1):
        raise ValueError(f"constant {c} is not a fixed-point number (its denominator is not a power of two)")
    f = d.bit_length() - 1
    if f == 0:
        n = c.numerator
        f = -((n & -n).bit_length() - 1)
    return f


def to_frac(v) -> Fraction:
    """Exact Fraction of a number (floats are exact dyadics; non-finite values are refused)."""
    if isinstance(v, Fraction):
        return v
    if isinstance(v, (int,)) or (hasattr(v, "dtype") and getattr(v.dtype, "kind", "") in "iub"):
        return Fraction(int(v))
    fv = float(v)
    if not math.isfinite(fv):
        raise ValueError(f"constant {v} is not finite")
    return Fraction(fv)
