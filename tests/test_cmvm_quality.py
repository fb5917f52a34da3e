"""Regression guards on optimization quality (paper protocol, small and seeded): the published da4ml
0.6.0 needs about 100 adders at N=8 and 339 at N=16 (hard_dc=-1), 446 at N=16 with hard_dc=0."""

from __future__ import annotations

import numpy as np
import pytest

from da4ml.cmvm import solve_raw


def _paper_kernels(n: int, count: int):
    rng = np.random.default_rng(1234 + n)
    return [rng.integers(129, 256, size=(n, n)).astype(np.float64) for _ in range(count)]


@pytest.mark.parametrize("n, limit", [(8, 100.0), (16, 346.0)])
def test_paper_protocol_adders(n, limit):
    adders = [solve_raw(w)["n_adders"] for w in _paper_kernels(n, 6)]
    assert np.mean(adders) <= limit


def test_min_depth_meets_lower_bound_exactly():
    adders = []
    for w in _paper_kernels(16, 4):
        r = solve_raw(w, hard_dc=0)
        assert r["latency"] == r["depth_lower_bound"]
        adders.append(r["n_adders"])
    assert np.mean(adders) < 445
