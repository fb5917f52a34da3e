"""Exact numeric quantize / relu on numbers, bit-identical to what the tracer builds in hardware.

Rounding first (TRN toward minus infinity, RND half up, RND_CONV half to even), then overflow (WRAP,
SAT, SAT_SYM) into the type (k, i, f)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from ._types import frac, type_range

OVERFLOW_MODES = ('WRAP', 'SAT', 'SAT_SYM')
ROUND_MODES = ('TRN', 'RND', 'RND_CONV')


def check_modes(overflow_mode: str, round_mode: str) -> tuple[str, str]:
    o, r = str(overflow_mode).upper(), str(round_mode).upper()
    if o not in OVERFLOW_MODES:
        raise ValueError(f'overflow_mode {overflow_mode!r} is not supported: use one of {OVERFLOW_MODES}')
    if r not in ROUND_MODES:
        raise ValueError(f'round_mode {round_mode!r} is not supported: use one of {ROUND_MODES}')
    return o, r


def round_int(v: Fraction, f: int, round_mode: str) -> int:
    """v rounded to a multiple of 2**-f, as an integer count of steps."""
    q = v * (Fraction(2) ** f)
    n, d = q.numerator, q.denominator
    fl = n // d
    if round_mode == 'TRN' or d == 1:
        return fl
    rem = Fraction(n - fl * d, d)
    if round_mode == 'RND':
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
    if overflow_mode == 'WRAP':
        return ((n - lo) % (1 << w)) + lo
    if overflow_mode == 'SAT_SYM' and k:
        lo = -hi
    return min(max(n, lo), hi)


def quantize_frac(v: Fraction, k: int, i: int, f: int, overflow_mode: str = 'WRAP', round_mode: str = 'TRN') -> Fraction:
    return frac(overflow_int(round_int(v, f, round_mode), k, i, f, overflow_mode), f)


def relu_frac(v: Fraction, i: int | None, f: int | None, round_mode: str = 'TRN') -> Fraction:
    if f is not None:
        n = round_int(v, f, round_mode)
        if n <= 0:
            return Fraction(0)
        if i is not None:
            n = overflow_int(n, 0, i, f, 'WRAP')
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
        raise TypeError('numeric quantize/relu take numbers; symbolic values go through the FixedVariable methods')
    return a.astype(np.float64)


def quantize_numeric(x, k, i, f, overflow_mode: str = 'WRAP', round_mode: str = 'TRN') -> np.ndarray:
    """Element-wise exact quantization of a numeric array; k, i, f broadcast against it."""
    o, r = check_modes(overflow_mode, round_mode)
    a = _as_float_array(x)
    k, i, f = (np.broadcast_to(np.asarray(v, dtype=np.int64), a.shape) for v in (k, i, f))
    out = np.empty(a.shape, dtype=np.float64)
    for idx in np.ndindex(a.shape):
        v = Fraction(float(a[idx]))
        out[idx] = float(quantize_frac(v, int(k[idx]), int(i[idx]), int(f[idx]), o, r))
    return out


def relu_numeric(x, i=None, f=None, round_mode: str = 'TRN') -> np.ndarray:
    _, r = check_modes('WRAP', round_mode)
    a = _as_float_array(x)
    ib = None if i is None else np.broadcast_to(np.asarray(i, dtype=np.int64), a.shape)
    fb = None if f is None else np.broadcast_to(np.asarray(f, dtype=np.int64), a.shape)
    out = np.empty(a.shape, dtype=np.float64)
    for idx in np.ndindex(a.shape):
        v = Fraction(float(a[idx]))
        out[idx] = float(relu_frac(v, None if ib is None else int(ib[idx]), None if fb is None else int(fb[idx]), r))
    return out
