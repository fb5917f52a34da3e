"""CMVM programs are exact: evaluated with exact rationals they equal x @ W on inputs drawn on the input
grids, every value stays inside its op's interval, that interval is the exact (narrowest) range, and
every hard_dc >= 0 result meets its depth bound."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from cmvm_exact import (
    digits_lower_bound,
    exact_kernel,
    exact_ranges,
    grid_inputs,
    random_kernel,
    reference,
    run_pipeline,
)

from da4ml.cmvm import solve

QINT_CHOICES = [
    (-128.0, 127.0, 1.0),  # signed 8-bit
    (0.0, 255.0, 1.0),  # unsigned 8-bit
    (-8.0, 7.75, 0.25),  # signed fractional
    (0.0, 0.9375, 0.0625),  # unsigned fractional
    (-32768.0, 32767.0, 1.0),  # 16-bit
    (0.0, 1.0, 1.0),  # one bit
    (-4.0, 12.0, 4.0),  # step 4
    (3.0, 9.0, 1.0),  # offset range (widened to contain 0)
]
KINDS = ["dense", "sparse", "pow2", "fractional", "copies", "zero", "zero_cols"]


def _case(seed: int):
    rng = np.random.default_rng(seed)
    n_in, n_out = int(rng.integers(1, 13)), int(rng.integers(1, 13))
    bits = int(rng.integers(1, 17))
    kind = KINDS[seed % len(KINDS)]
    w = random_kernel(rng, n_in, n_out, bits, kind)
    qints = [QINT_CHOICES[int(k)] for k in rng.integers(0, len(QINT_CHOICES), n_in)]
    lat = rng.integers(0, 3, n_in).astype(float) if seed % 3 == 0 else None
    return rng, w, qints, lat


def check_exact(pipe, w, qints, rng, n_samples=6):
    xs = grid_inputs(qints, rng, n_samples)
    refs = [reference(w, x) for x in xs]
    for x, ref in zip(xs, refs):
        assert run_pipeline(pipe, x) == ref, f"wrong result for x={x}"
    # The C++ interpreter (bit-exact) agrees; these values are exact in float64.
    got = pipe.predict(np.array([[float(v) for v in x] for x in xs]))
    assert np.array_equal(got, np.array([[float(v) for v in r] for r in refs]))


@pytest.mark.parametrize("seed", range(60))
@pytest.mark.parametrize("hard_dc", [-1, 0, 2])
def test_random_kernels_exact(seed, hard_dc):
    rng, w, qints, lat = _case(seed)
    pipe = solve(w, hard_dc=hard_dc, qintervals=qints, latencies=lat, method0="wmc" if seed % 2 else "mc")
    check_exact(pipe, w, qints, rng)
    assert np.array_equal(exact_kernel(pipe, w.shape[0]), w)
    assert np.array_equal(pipe.kernel, w)
    if hard_dc >= 0:
        depth = max([pipe[-1].ops[o].latency for o in pipe[-1].out_idxs if o >= 0], default=0.0)
        assert depth <= digits_lower_bound(w, lat) + hard_dc


@pytest.mark.parametrize("n", [1, 2, 7, 16, 32])
def test_square_kernels_exact(n):
    rng = np.random.default_rng(100 + n)
    w = rng.integers(-128, 129, size=(n, n)).astype(float)
    qints = [QINT_CHOICES[0]] * n
    pipe = solve(w, search_all_decompose_dc=n <= 16)
    check_exact(pipe, w, qints, rng, n_samples=4)
    assert np.array_equal(exact_kernel(pipe, n), w)


@pytest.mark.parametrize("fractional", [False, True])
@pytest.mark.parametrize("hard_dc", [0, 1, 3])
def test_depth_bound_with_input_latencies(hard_dc, fractional):
    rng = np.random.default_rng(7)
    w = rng.integers(-255, 256, size=(10, 12)).astype(float)
    lat = rng.uniform(0, 4, 10) if fractional else rng.integers(0, 5, 10).astype(float)
    pipe = solve(w, hard_dc=hard_dc, latencies=lat)
    check_exact(pipe, w, [QINT_CHOICES[0]] * 10, rng)
    depth = max(pipe[-1].ops[o].latency for o in pipe[-1].out_idxs if o >= 0)
    assert depth <= digits_lower_bound(w, lat) + hard_dc
    for i, op in enumerate(op for op in pipe[0].ops if op.opcode == -1):
        assert op.latency == lat[op.id0]


@pytest.mark.parametrize("seed", range(12))
def test_intervals_are_exact_ranges(seed):
    """Every op's interval is exactly the value range over independent inputs (narrowest type)."""
    _, w, qints, lat = _case(seed)
    pipe = solve(w, qintervals=qints, latencies=lat)
    for stage in pipe:
        for op, (lo, hi) in zip(stage.ops, exact_ranges(stage)):
            assert (Fraction(op.qint.min), Fraction(op.qint.max)) == (lo, hi)


def test_all_zero_and_single_entry():
    pipe = solve(np.zeros((3, 4)))
    assert all(o == -1 for o in pipe[-1].out_idxs)
    assert sum(op.opcode in (0, 1) for s in pipe for op in s.ops) == 0
    pipe = solve(np.array([[0.375]]))  # 0.375 = 2**-1 - 2**-3: one subtraction
    assert sum(op.opcode in (0, 1) for s in pipe for op in s.ops) == 1
    check_exact(pipe, np.array([[0.375]]), [QINT_CHOICES[0]], np.random.default_rng(0))


def test_shifted_and_negated_copies_cost_nothing():
    rng = np.random.default_rng(3)
    base = rng.integers(-100, 101, size=(6, 1)).astype(float)
    w = np.hstack([base, -base, 8 * base, -0.5 * base])
    n_add_one = sum(op.opcode in (0, 1) for s in solve(base) for op in s.ops)
    pipe = solve(w)
    assert sum(op.opcode in (0, 1) for s in pipe for op in s.ops) == n_add_one
    check_exact(pipe, w, [QINT_CHOICES[0]] * 6, rng)


def test_dead_input_interval():
    w = np.array([[3.0, 5.0], [7.0, 1.0]])
    pipe = solve(w, qintervals=[(0.0, 0.0, 1.0), (-8.0, 7.0, 1.0)])
    for x in grid_inputs([(0.0, 0.0, 1.0), (-8.0, 7.0, 1.0)], np.random.default_rng(0), 4):
        assert run_pipeline(pipe, x) == reference(w, x)
