"""Input checks of the CMVM optimizer: clear errors that name the value, the constraint and the fix."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

# Methods of the published da4ml; the delay-aware variants map onto ours, whose selection always respects
# the delay constraint and breaks ties by depth.
_METHODS = {"mc": "mc", "wmc": "wmc", "mc-dc": "mc", "wmc-dc": "wmc", "mc-pdc": "mc", "wmc-pdc": "wmc"}
MAX_KERNEL_BITS = 62


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


def _is_pow2(step: float) -> bool:
    if not (step > 0 and math.isfinite(step)):
        return False
    m, _ = math.frexp(step)
    return m == 0.5


def check_qintervals(qintervals: Sequence[Any] | np.ndarray | None, n_in: int) -> np.ndarray:
    """``(n_in, 3)`` float64 rows ``(min, max, step)``; default: signed 8-bit integers."""
    if qintervals is None:
        return np.tile(np.array([-128.0, 127.0, 1.0]), (n_in, 1))
    try:
        q = np.array([tuple(float(v) for v in row) for row in qintervals], dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError("qintervals must be a sequence of (min, max, step) triples, one per kernel row") from None
    if q.ndim != 2 or q.shape[1] != 3:
        raise ValueError(f"qintervals must have shape ({n_in}, 3): one (min, max, step) per kernel row")
    if q.shape[0] != n_in:
        raise ValueError(f"got {q.shape[0]} qintervals for a kernel with {n_in} rows; give one per input")
    for i, (lo, hi, step) in enumerate(q):
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise ValueError(f"qintervals[{i}] = {tuple(q[i])}: bounds must be finite")
        if not _is_pow2(step):
            raise ValueError(f"qintervals[{i}] = {tuple(q[i])}: step must be a positive power of two")
        if lo > hi:
            raise ValueError(f"qintervals[{i}] = {tuple(q[i])}: min > max")
        if lo / step != math.floor(lo / step) or hi / step != math.floor(hi / step):
            raise ValueError(f"qintervals[{i}] = {tuple(q[i])}: min and max must be multiples of the step")
        if max(abs(lo), abs(hi)) / step >= 2.0**MAX_KERNEL_BITS:
            raise ValueError(f"qintervals[{i}] = {tuple(q[i])}: wider than {MAX_KERNEL_BITS} bits; not supported")
    return q


def check_latencies(latencies: Sequence[float] | np.ndarray | None, n_in: int) -> np.ndarray:
    if latencies is None:
        return np.zeros(n_in)
    lat = np.asarray(latencies, dtype=np.float64)
    if lat.ndim != 1 or lat.shape[0] != n_in:
        raise ValueError(f"latencies must have shape ({n_in},): one arrival time per kernel row, got {lat.shape}")
    if not np.isfinite(lat).all() or (lat < 0).any():
        raise ValueError("latencies must be finite and non-negative")
    return np.ascontiguousarray(lat)
