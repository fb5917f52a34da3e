"""Exact numeric quantize / relu on numbers, bit-identical to what the tracer builds in hardware.

Rounding first (TRN toward minus infinity, RND half up, RND_CONV half to even), then overflow (WRAP,
SAT, SAT_SYM) into the type (k, i, f)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from ._types import frac, kif_arrays, type_range

OVERFLOW_MODES = ("WRAP", "SAT", "SAT_SYM")
ROUND_MODES = ("TRN", "RND", "RND_CONV")


def check_modes(overflow_mode: str, round_mode: str) -> tuple[str, str]:
    o, r = str(overflow_mode).upper(), str(round_mode).upper()
    if o not in OVERFLOW_MODES:
        raise ValueError(f"overflow_mode {overflow_mode!r} is not supported: use one of {OVERFLOW_MODES}")
    if r not in ROUND_MODES:
        raise ValueError(f"round_mode {round_mode!r} is not supported: use one of {ROUND_MODES}")
    return o, r


def round_int(v: Fraction, f: int, round_mode: str) -> int:
    """v rounded to a multiple of 2**-f, as an integer count of steps."""
    q = v * (Fraction(2) ** f)
    n, d = q.numerator, q.denominator
    fl = n // d
    if round_mode == "TRN" or d == 1:
        return fl
    rem = Fraction(n - fl * d, d)
    if round_mode == "RND":
        return fl + (rem >= Fraction(1, 2))
    if rem > Fraction(1, 2):
        return fl + 1
    if rem < Fraction(1, 2):
        return fl
    return fl + (fl & 1)


def overflow_int(n: int, k: int, i: int, f: int, overflow_mode: str) -> int:
    lo, hi = type_range(k, i, f)
    w = k + i + f
    if w <= 0:
        return 0
    if overflow_mode == "WRAP":
        return ((n - lo) % (1 << w)) + lo
    if overflow_mode == "SAT_SYM" and k:
        lo = -hi
    return min(max(n, lo), hi)


def quantize_frac(
    v: Fraction, k: int, i: int, f: int, overflow_mode: str = "WRAP", round_mode: str = "TRN"
) -> Fraction:
    return frac(overflow_int(round_int(v, f, round_mode), k, i, f, overflow_mode), f)


def relu_frac(v: Fraction, i: int | None, f: int | None, round_mode: str = "TRN") -> Fraction:
    if f is not None:
        n = round_int(v, f, round_mode)
        if n <= 0:
            return Fraction(0)
        if i is not None:
            n = overflow_int(n, 0, i, f, "WRAP")
        return frac(n, f)
    if v <= 0:
        return Fraction(0)
    if i is not None:
        # wrap into i integer bits at the value's own resolution
        m = Fraction(2) ** i
        return v - m * (v // m)
    return v


def _as_float_array(x) -> np.ndarray:
    a = np.asarray(x)
    if a.dtype == object:
        raise TypeError("numeric quantize/relu take numbers; symbolic values go through the FixedVariable methods")
    return a.astype(np.float64)


def _fast_ok(a: np.ndarray, f: np.ndarray, w: np.ndarray) -> bool:
    """float64 is exact for this job: scaled values and widths well inside the 53-bit mantissa."""
    if a.size == 0:
        return True
    if not np.all(np.isfinite(a)) or np.any(w > 50) or np.any(np.abs(f) > 500):
        return False
    return bool(np.all(np.abs(np.ldexp(a, f.astype(np.int64))) < 2.0**50))


def _round_fast(a: np.ndarray, f: np.ndarray, r: str) -> np.ndarray:
    n = np.ldexp(a, f.astype(np.int64))
    if r == "TRN":
        return np.floor(n)
    if r == "RND":
        return np.floor(n + 0.5)
    return np.rint(n)  # half to even


def quantize_numeric(x, k, i, f, overflow_mode: str = "WRAP", round_mode: str = "TRN") -> np.ndarray:
    """Element-wise exact quantization of a numeric array; k, i, f broadcast against it."""
    o, r = check_modes(overflow_mode, round_mode)
    a = _as_float_array(x)
    shape = np.broadcast_shapes(a.shape, np.shape(k), np.shape(i), np.shape(f))
    a = np.broadcast_to(a, shape)
    k, i, f = kif_arrays(shape, k, i, f)
    if not np.all(np.isfinite(a)):
        bad = a[~np.isfinite(a)].ravel()[0]
        raise ValueError(
            f"quantize: the input holds {bad} (a fixed-point type holds finite numbers only): replace NaN / inf "
            "before quantizing (e.g. np.nan_to_num)"
        )
    w = k + i + f
    if _fast_ok(a, f, w):
        n = _round_fast(a, f, r)
        wp = np.maximum(w, 1).astype(np.float64)
        lo = np.where(k == 1, -np.exp2(wp - 1), 0.0)
        hi = np.where(k == 1, np.exp2(wp - 1) - 1, np.exp2(wp) - 1)
        if o == "WRAP":
            n = np.mod(n - lo, np.exp2(wp)) + lo
        else:
            if o == "SAT_SYM":
                lo = np.where(k == 1, -hi, lo)
            n = np.clip(n, lo, hi)
        n = np.where(w <= 0, 0.0, n)
        return np.ldexp(n, -f) + 0.0
    out = np.empty(shape, dtype=np.float64)
    for idx in np.ndindex(shape):
        v = Fraction(float(a[idx]))
        out[idx] = float(quantize_frac(v, int(k[idx]), int(i[idx]), int(f[idx]), o, r))
    return out


def relu_numeric(x, i=None, f=None, round_mode: str = "TRN") -> np.ndarray:
    _, r = check_modes("WRAP", round_mode)
    a = _as_float_array(x)
    shape = np.broadcast_shapes(a.shape, np.shape(i) if i is not None else (), np.shape(f) if f is not None else ())
    a = np.broadcast_to(a, shape)
    ib = None if i is None else np.broadcast_to(np.asarray(i, dtype=np.int64), shape)
    fb = None if f is None else np.broadcast_to(np.asarray(f, dtype=np.int64), shape)
    if fb is not None and _fast_ok(a, fb, (ib if ib is not None else 0) + fb):
        n = np.maximum(_round_fast(a, fb, r), 0.0)
        if ib is not None:
            wp = np.maximum(ib + fb, 0).astype(np.float64)
            n = np.where(ib + fb <= 0, 0.0, np.mod(n, np.exp2(wp)))
        return np.ldexp(n, -fb) + 0.0
    out = np.empty(shape, dtype=np.float64)
    for idx in np.ndindex(shape):
        v = Fraction(float(a[idx]))
        out[idx] = float(relu_frac(v, None if ib is None else int(ib[idx]), None if fb is None else int(fb[idx]), r))
    return out
