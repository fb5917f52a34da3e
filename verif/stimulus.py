"""Stimulus on each lane's exact fixed-point grid, and packing of lane integers into port words.

Everything here is bulk numpy work done once, before the simulation loop.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .manifest import Lane, Port

N_CORNER_VECTORS = 5


def corner_vectors(lanes: Sequence[Lane]) -> np.ndarray:
    """All minimum, all maximum, zero, and the two alternating-extremes vectors, as lane integers."""
    lo = np.array([la.min_int for la in lanes], dtype=np.int64)
    hi = np.array([la.max_int for la in lanes], dtype=np.int64)
    even = np.arange(len(lanes)) % 2 == 0
    return np.stack([lo, hi, np.zeros_like(lo), np.where(even, lo, hi), np.where(even, hi, lo)])


def make_stimulus(lanes: Sequence[Lane], n_samples: int, rng: np.random.Generator) -> np.ndarray:
    """``(n_samples, n_lanes)`` int64: corner vectors first, then uniform random integers per lane range."""
    if n_samples < 1:
        raise ValueError(f"n_samples={n_samples} must be >= 1")
    corners = corner_vectors(lanes)[:n_samples]
    n_rand = n_samples - len(corners)
    rand = np.empty((n_rand, len(lanes)), dtype=np.int64)
    for j, la in enumerate(lanes):  # scalar bounds per lane: much faster than array bounds
        rand[:, j] = rng.integers(la.min_int, la.max_int, size=n_rand, endpoint=True, dtype=np.int64)
    return np.concatenate([corners, rand]).astype(np.int64)


def lanes_to_real(values: np.ndarray, lanes: Sequence[Lane]) -> np.ndarray:
    """Lane integers -> real values ``v * 2**-f`` (exact in float64 for widths <= 53)."""
    scale = np.array([2.0**-la.f for la in lanes], dtype=np.float64)
    return values.astype(np.float64) * scale


def real_to_lanes(values: np.ndarray, lanes: Sequence[Lane], what: str) -> np.ndarray:
    """Real values -> lane integers ``x * 2**f``; refuse values off the lane's grid or out of its range."""
    scale = np.array([2.0**la.f for la in lanes], dtype=np.float64)
    scaled = np.asarray(values, dtype=np.float64) * scale
    with np.errstate(invalid="ignore"):
        ints = scaled.astype(np.int64)  # truncation: exact for on-grid values; NaN/inf/off-grid caught here
    off_grid = ints != scaled
    if off_grid.any():
        bad = np.argwhere(off_grid)
        s, j = bad[0]
        la = lanes[j]
        raise ValueError(
            f"{what}: sample {s} lane {j} = {float(values[s, j])!r} is not a multiple of 2**-{la.f}; "
            "the manifest's lane types disagree with the DAIS program (regenerate the project)"
        )
    lo = np.array([la.min_int for la in lanes], dtype=np.int64)
    hi = np.array([la.max_int for la in lanes], dtype=np.int64)
    if len(ints) and ((ints.min(axis=0) < lo).any() or (ints.max(axis=0) > hi).any()):
        bad = np.argwhere((ints < lo) | (ints > hi))
        s, j = bad[0]
        la = lanes[j]
        raise ValueError(
            f"{what}: sample {s} lane {j} = {float(values[s, j])!r} (integer {ints[s, j]}) lies outside "
            f"[{la.min_int}, {la.max_int}] of type k={la.k} i={la.i} f={la.f}; the manifest's lane types "
            "disagree with the DAIS program (regenerate the project)"
        )
    return ints


def pack_words(values: np.ndarray, port: Port) -> list[int]:
    """Pack lane integers ``(n, n_lanes)`` into one unsigned port word per sample (lane 0 at the LSBs)."""
    n = values.shape[0]
    n_words = max((port.width + 63) // 64, 1)
    words = np.zeros((n, n_words + 1), dtype=np.uint64)  # one spare word for lanes crossing the last boundary
    for j, la in enumerate(port.lanes):
        if la.width <= 0:
            continue
        v = (values[:, j].astype(np.int64) & np.int64((1 << la.width) - 1)).astype(np.uint64)
        idx, bit = divmod(la.offset, 64)
        words[:, idx] |= v << np.uint64(bit)
        if bit + la.width > 64:  # the lane crosses into the next 64-bit word
            words[:, idx + 1] |= v >> np.uint64(64 - bit)
    raw = words[:, :n_words].astype("<u8").tobytes()
    size = 8 * n_words
    return [int.from_bytes(raw[k : k + size], "little") for k in range(0, n * size, size)]


def unpack_word(word: int, port: Port) -> list[int]:
    """One port word -> lane integers (signed lanes sign-extended). For reports, not for the hot loop."""
    out = []
    for la in port.lanes:
        if la.width <= 0:
            out.append(0)
            continue
        v = (word >> la.offset) & ((1 << la.width) - 1)
        if la.k and v >> (la.width - 1):
            v -= 1 << la.width
        out.append(v)
    return out
