"""Real values <-> lane integers ``x * 2**f`` (the model I/O of a project: RTLModel.predict, the testbench)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .lanes import MAX_LANE_WIDTH, Lane

__all__ = ["lanes_to_real", "quantize_lanes", "real_to_lanes"]


def lanes_to_real(values: np.ndarray, lanes: Sequence[Lane]) -> np.ndarray:
    """Lane integers ``(batch, n_lanes)`` -> real values ``v * 2**-f`` (float64; exact for widths <= 53)."""
    f = np.array([la.f for la in lanes], dtype=np.int64)
    return np.ldexp(np.asarray(values).astype(np.float64), -f)


def real_to_lanes(values: np.ndarray, lanes: Sequence[Lane], what: str) -> np.ndarray:
    """Real values -> lane integers ``x * 2**f``; refuse values off the lane's grid or out of its range."""
    scale = np.array([2.0**la.f for la in lanes], dtype=np.float64)
    scaled = np.asarray(values, dtype=np.float64) * scale
    with np.errstate(invalid="ignore"):
        ints = scaled.astype(np.int64)  # truncation: exact for on-grid values; NaN/inf/off-grid caught here
    off_grid = ints != scaled
    if off_grid.any():
        s, j = np.argwhere(off_grid)[0]
        la = lanes[j]
        raise ValueError(
            f"{what}: sample {s} lane {j} = {float(values[s, j])!r} is not a multiple of 2**-{la.f}; "
            "the manifest's lane types disagree with the DAIS program (regenerate the project)"
        )
    lo = np.array([la.min_int for la in lanes], dtype=np.int64)
    hi = np.array([la.max_int for la in lanes], dtype=np.int64)
    if len(ints) and ((ints.min(axis=0) < lo).any() or (ints.max(axis=0) > hi).any()):
        s, j = np.argwhere((ints < lo) | (ints > hi))[0]
        la = lanes[j]
        raise ValueError(
            f"{what}: sample {s} lane {j} = {float(values[s, j])!r} (integer {ints[s, j]}) lies outside "
            f"[{la.min_int}, {la.max_int}] of type k={la.k} i={la.i} f={la.f}; the manifest's lane types "
            "disagree with the DAIS program (regenerate the project)"
        )
    return ints


def _floor_wrap(x: np.ndarray, f: int, width: int) -> np.ndarray:
    """``floor(x * 2**f)`` modulo ``2**width`` (0 <= result < 2**width, int64), exact for every finite double."""
    m, e = np.frexp(x)  # x = m * 2**e, 0.5 <= |m| < 1
    mant = np.ldexp(m, 53).astype(np.int64)  # x = mant * 2**(e - 53), exactly
    s = e.astype(np.int64) - 53 + f  # x * 2**f = mant * 2**s
    left_s = np.clip(s, 0, width)  # s >= width: every kept bit is 0
    keep = np.left_shift(np.int64(1), width - left_s) - 1
    left = np.left_shift(mant & keep, left_s)
    right = np.right_shift(mant, np.clip(-s, 0, 63))  # arithmetic: floor
    return np.where(s >= 0, left, right) & np.int64((1 << width) - 1)


def quantize_lanes(x: np.ndarray, lanes: Sequence[Lane]) -> np.ndarray:
    """Lane integers ``wrap(floor(x * 2**f))`` as int64 (batch, n_lanes): exact for every finite input."""
    x = np.asarray(x, dtype=np.float64)
    out = np.zeros(x.shape, dtype=np.int64)
    for ln in lanes:
        if ln.width <= 0:
            continue
        if ln.width > MAX_LANE_WIDTH:
            raise ValueError(
                f"input lane {ln.lane} is {ln.width} bits wide; at most {MAX_LANE_WIDTH} bits are supported"
            )
        col = x[:, ln.lane]
        if not np.all(np.isfinite(col)):
            bad = int(np.argmin(np.isfinite(col)))
            raise ValueError(f"input {ln.lane} of sample {bad} is {col[bad]}: inputs must be finite numbers")
        iv = _floor_wrap(col, ln.f, ln.width)
        if ln.signed:
            iv = np.where(iv >= 1 << (ln.width - 1), iv - (1 << ln.width), iv)
        out[:, ln.lane] = iv
    return out
