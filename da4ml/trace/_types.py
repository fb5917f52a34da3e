"""Exact fixed-point type arithmetic on integers: an interval is (vmin, vmax, f), values vmin..vmax in steps
of 2**-f.  No floats anywhere in type propagation."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

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


KIF_LIMIT = 2**31 - 1  # i and f are signed 32-bit words of the binary format (dais.md)


def kif_arrays(shape, k, i, f, what: str = "quantize") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``k, i, f`` broadcast to ``shape`` as int64 arrays, refused with a ValueError naming the first bad value:
    ``k`` is 0 or 1 (unsigned / signed), ``i`` and ``f`` whole numbers within the binary format's 32-bit
    words (integral floats such as HGQ's ``3.0`` are fine; NaN, inf, 3.5 and strings are not)."""
    out = []
    for name, v in (("k", k), ("i", i), ("f", f)):
        a = np.asarray(v)
        if a.dtype.kind not in "biuf":
            raise ValueError(f"{what}: {name}={v!r} must be a number (or an array of numbers), got {a.dtype}")
        try:
            a = np.broadcast_to(a, shape)
        except ValueError:
            raise ValueError(f"{what}: {name} of shape {a.shape} does not broadcast to the shape {shape}") from None
        if a.dtype.kind == "f":
            bad = ~np.isfinite(a) | (a != np.round(a))
            if bad.any():
                j = np.unravel_index(int(np.flatnonzero(bad)[0]), a.shape) if a.ndim else ()
                raise ValueError(f"{what}: {name}={a[j].item()!r} must be a whole number of bits (e.g. {name}=3)")
        if np.any(np.abs(a.astype(np.float64)) > KIF_LIMIT):
            raise ValueError(f"{what}: {name}={v!r} is outside [-{KIF_LIMIT}, {KIF_LIMIT}] bits")
        out.append(a.astype(np.int64))
    kb = out[0]
    if np.any((kb != 0) & (kb != 1)):
        bad = kb[(kb != 0) & (kb != 1)].ravel()[0]
        raise ValueError(f"{what}: k={int(bad)} must be 0 (unsigned) or 1 (signed)")
    return kb, out[1], out[2]


def kif_scalar(k, i, f, what: str = "quantize") -> tuple[int, int, int]:
    """One ``(k, i, f)`` checked as ``kif_arrays`` does, as Python ints."""
    if type(k) is int and type(i) is int and type(f) is int and k in (0, 1) and max(abs(i), abs(f)) <= KIF_LIMIT:
        return k, i, f  # the common case, without numpy
    kb, ib, fb = kif_arrays((), k, i, f, what)
    return int(kb), int(ib), int(fb)


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
