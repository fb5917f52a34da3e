"""Stimulus on each lane's exact fixed-point grid (bulk numpy work, done block by block before the loop needs it).

Sample ``s`` of a run with seed ``seed`` depends on ``(seed, s)`` only: samples come in blocks of `BLOCK`,
block ``j`` drawn from its own generator ``default_rng([seed, j])``, the corner vectors first. So any range
of samples (a shard of a run split across simulator processes) is made without the others, and a run
checks the same samples however it is split.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..project import Lane

N_CORNER_VECTORS = 5
BLOCK = 4096


def corner_vectors(lanes: Sequence[Lane]) -> np.ndarray:
    """All minimum, all maximum, zero, and the two alternating-extremes vectors, as lane integers."""
    lo = np.array([la.min_int for la in lanes], dtype=np.int64)
    hi = np.array([la.max_int for la in lanes], dtype=np.int64)
    even = np.arange(len(lanes)) % 2 == 0
    return np.stack([lo, hi, np.zeros_like(lo), np.where(even, lo, hi), np.where(even, hi, lo)])


def _random(lanes: Sequence[Lane], n: int, rng: np.random.Generator) -> np.ndarray:
    out = np.empty((n, len(lanes)), dtype=np.int64)
    for j, la in enumerate(lanes):  # scalar bounds per lane: much faster than array bounds
        out[:, j] = rng.integers(la.min_int, la.max_int, size=n, endpoint=True, dtype=np.int64)
    return out


def make_stimulus(lanes: Sequence[Lane], n_samples: int, rng: np.random.Generator) -> np.ndarray:
    """``(n_samples, n_lanes)`` int64: corner vectors first, then uniform random integers per lane range."""
    if n_samples < 1:
        raise ValueError(f"n_samples={n_samples} must be >= 1")
    corners = corner_vectors(lanes)[:n_samples]
    return np.concatenate([corners, _random(lanes, n_samples - len(corners), rng)]).astype(np.int64)


def stimulus_block(lanes: Sequence[Lane], seed: int, j: int) -> np.ndarray:
    """Samples ``j * BLOCK .. (j + 1) * BLOCK - 1`` of every run with ``seed`` (block 0 starts with the corners)."""
    if j < 0:
        raise ValueError(f"block {j} must be >= 0")
    block = _random(lanes, BLOCK, np.random.default_rng([seed, j]))
    if j == 0:
        block[:N_CORNER_VECTORS] = corner_vectors(lanes)
    return block


def stimulus_range(lanes: Sequence[Lane], seed: int, start: int, stop: int) -> np.ndarray:
    """Samples ``start .. stop - 1`` of every run with ``seed``, as ``(stop - start, n_lanes)`` int64."""
    if not 0 <= start <= stop:
        raise ValueError(f"sample range {start}..{stop} must have 0 <= start <= stop")
    first, last = start // BLOCK, (stop - 1) // BLOCK if stop > start else start // BLOCK - 1
    blocks = [stimulus_block(lanes, seed, j) for j in range(first, last + 1)]
    if not blocks:
        return np.zeros((0, len(lanes)), dtype=np.int64)
    whole = np.concatenate(blocks)
    return whole[start - first * BLOCK : stop - first * BLOCK]
