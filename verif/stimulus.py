"""Stimulus on each lane's exact fixed-point grid (bulk numpy work done once, before the simulation loop)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..project import Lane

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
