"""Input checks of the CMVM optimizer: clear errors that name the value, the constraint and the fix."""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from ..ir import MAX_VALUE_BITS, QInterval

# Methods of the published da4ml; the delay-aware variants map onto ours, whose selection always respects
# the delay constraint and breaks ties by depth.
_METHODS = {"mc": "mc", "wmc": "wmc", "mc-dc": "mc", "wmc-dc": "wmc", "mc-pdc": "mc", "wmc-pdc": "wmc"}
MAX_KERNEL_BITS = MAX_VALUE_BITS


def check_kernel(kernel: Any) -> np.ndarray:
    """The kernel as a C-contiguous float64 2-d array whose entries are exactly the given numbers."""
    arr = np.asarray(kernel)
    if arr.dtype == object or arr.dtype.kind not in "biuf":
        raise ValueError(f"kernel must be a numeric array, got dtype {arr.dtype}")
    if arr.ndim != 2:
        raise ValueError(f"kernel must be a 2-d array (n_in, n_out), got shape {arr.shape}")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"kernel must have at least one row and one column, got shape {arr.shape}")
    w = np.ascontiguousarray(arr, dtype=np.float64)
    bad = ~np.isfinite(w)
    if bad.any():
        i, j = (int(v) for v in np.argwhere(bad)[0])
        raise ValueError(f"kernel[{i}, {j}] = {w[i, j]} is not finite; the kernel must hold exact fixed-point numbers")
    if arr.dtype.kind in "iu":
        big = np.abs(arr.astype(object)) > 2**53
        if big.any():
            i, j = (int(v) for v in np.argwhere(big)[0])
            raise ValueError(f"kernel[{i}, {j}] = {arr[i, j]} has more than 53 significant bits; not supported")
    return w


def check_method(name: str, value: Any, allow_auto: bool) -> str:
    if allow_auto and value == "auto":
        return "auto"
    if value not in _METHODS:
        choices = sorted(_METHODS) + (["auto"] if allow_auto else [])
        raise ValueError(f"{name}={value!r} is not a known method; use one of {choices}")
    return _METHODS[value]


def check_int(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or int(value) < minimum:
        raise ValueError(f"{name}={value!r} must be an integer >= {minimum}")
    return int(value)


def check_budget(value: Any) -> float:
    """A search budget: a finite number of budget seconds >= 0."""
    number = not isinstance(value, bool) and isinstance(value, (int, float, np.integer, np.floating))
    if not number or not (math.isfinite(float(value)) and float(value) >= 0):
        raise ValueError(f"search_budget={value!r} must be a finite number of budget seconds >= 0 (0: the default)")
    return float(value)


def check_qintervals(qintervals: Sequence[Any] | np.ndarray | None, n_in: int) -> np.ndarray:
    """``(n_in, 3)`` int64 rows ``(lo, hi, f)``: input ``j`` takes the values ``lo..hi`` in steps of ``2**-f``,
    converted exactly from the given ``(min, max, step)`` triples (ints, floats, Fractions or ``QInterval``s);
    default: signed 8-bit integers."""
    if qintervals is None:
        return np.tile(np.array([-128, 127, 0], dtype=np.int64), (n_in, 1))
    try:
        rows = [tuple(row) for row in qintervals]
    except TypeError:
        raise ValueError("qintervals must be a sequence of (min, max, step) triples, one per kernel row") from None
    if any(len(row) != 3 for row in rows):
        raise ValueError(f"qintervals must have shape ({n_in}, 3): one (min, max, step) per kernel row")
    if len(rows) != n_in:
        raise ValueError(f"got {len(rows)} qintervals for a kernel with {n_in} rows; give one per input")
    out = np.empty((n_in, 3), dtype=np.int64)
    for i, row in enumerate(rows):
        shown = tuple(float(v) if isinstance(v, Fraction) else v for v in row)
        try:
            q = QInterval(*row)
        except TypeError:
            raise ValueError("qintervals must be a sequence of (min, max, step) triples, one per kernel row") from None
        except ValueError:
            raise ValueError(f"qintervals[{i}] = {shown}: bounds must be finite") from None
        try:
            f = q.f
        except ValueError:
            raise ValueError(f"qintervals[{i}] = {shown}: step must be a positive power of two") from None
        if q.min > q.max:
            raise ValueError(f"qintervals[{i}] = {shown}: min > max")
        try:
            lo, hi = q.integer_bounds()
        except ValueError:
            raise ValueError(f"qintervals[{i}] = {shown}: min and max must be multiples of the step") from None
        if max(abs(lo), abs(hi)) >= 1 << MAX_KERNEL_BITS:
            raise ValueError(f"qintervals[{i}] = {shown}: wider than {MAX_KERNEL_BITS} bits; not supported")
        out[i] = (lo, hi, f)
    return out


def check_latencies(latencies: Sequence[float] | np.ndarray | None, n_in: int) -> np.ndarray:
    if latencies is None:
        return np.zeros(n_in)
    lat = np.asarray(latencies, dtype=np.float64)
    if lat.ndim != 1 or lat.shape[0] != n_in:
        raise ValueError(f"latencies must have shape ({n_in},): one arrival time per kernel row, got {lat.shape}")
    if not np.isfinite(lat).all() or (lat < 0).any():
        raise ValueError("latencies must be finite and non-negative")
    return np.ascontiguousarray(lat)
