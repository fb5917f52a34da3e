"""da4ml.cmvm public API: argument checks, determinism, CSD and decomposition factors, the cost model
shared with da4ml.ir, and the IR-level self-check (kernel)."""

from __future__ import annotations

import numpy as np
import pytest
from cmvm_exact import ADD, INPUT, SUB, lo32, random_kernel, width_of_qint

from da4ml._core import cmvm as native
from da4ml.cmvm import csd_decompose, kernel_decompose, solve, solve_raw, solver_options_t
from da4ml.ir import Opcode, Pipeline, adder_cost, adder_latency


def test_opcodes_match_ir():
    assert (INPUT, ADD, SUB) == (Opcode.INPUT, Opcode.ADD, Opcode.SUB)


@pytest.mark.parametrize(
    "kernel, match",
    [
        (np.ones(3), "2-d"),
        (np.ones((2, 2, 2)), "2-d"),
        (np.ones((0, 3)), "at least one row"),
        (np.array([[1.0, np.nan]]), r"kernel\[0, 1\].*not finite"),
        (np.array([[1.0], [np.inf]]), r"kernel\[1, 0\].*not finite"),
        (np.array([["a"]]), "numeric"),
        (np.array([[2.0**70, 1.0], [1.0, 1.0]]), "62 or more bits"),
    ],
)
def test_bad_kernels(kernel, match):
    with pytest.raises(ValueError, match=match):
        solve(kernel)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"qintervals": [(-128, 127, 1)]}, "got 1 qintervals for a kernel with 2 rows"),
        ({"qintervals": [(-128, 127, 1), (-1, 1, 3)]}, r"qintervals\[1\].*power of two"),
        ({"qintervals": [(-128, 127, 1), (1, -1, 1)]}, r"qintervals\[1\].*min > max"),
        ({"qintervals": [(-128, 127, 1), (0.5, 1, 1)]}, r"qintervals\[1\].*multiples of the step"),
        ({"latencies": [0.0]}, "latencies must have shape"),
        ({"latencies": [0.0, np.nan]}, "finite"),
        ({"method0": "fast"}, "method0='fast'"),
        ({"method1": "x"}, "method1='x'"),
        ({"hard_dc": -3}, "hard_dc"),
        ({"decompose_dc": 1.5}, "decompose_dc"),
    ],
)
def test_bad_options(kwargs, match):
    with pytest.raises(ValueError, match=match):
        solve(np.array([[1.0, 3.0], [5.0, 7.0]]), **kwargs)


def test_too_wide_intermediates_are_refused():
    with pytest.raises(ValueError, match="62 bits"):
        solve(np.array([[2.0**40 + 1, 3.0]]), qintervals=[(-(2.0**30), 2.0**30 - 1, 1.0)])


def test_deterministic():
    rng = np.random.default_rng(11)
    w = rng.integers(-128, 129, size=(12, 12)).astype(float)
    a, b = solve(w), solve(w, n_threads=1)
    assert isinstance(a, Pipeline) and a == b
    assert solve_raw(w)["trial"] == solve_raw(w, n_threads=1)["trial"]


def test_published_method_names_and_options_dict():
    w = np.array([[3.0, 5.0], [7.0, 9.0]])
    opts: solver_options_t = {"method0": "wmc-dc", "hard_dc": 0, "decompose_dc": -1, "search_all_decompose_dc": False}
    assert isinstance(solve(w, **opts), Pipeline)


@pytest.mark.parametrize("seed", range(20))
def test_csd_digits(seed):
    rng = np.random.default_rng(seed)
    w = random_kernel(rng, 5, 6, int(rng.integers(1, 17)), ["dense", "fractional", "sparse", "pow2"][seed % 4])
    csd, s0, s1 = csd_decompose(w)
    assert set(np.unique(csd)) <= {-1, 0, 1}
    assert not np.any((csd[..., 1:] != 0) & (csd[..., :-1] != 0)), "adjacent non-zero digits"
    b = np.arange(csd.shape[2])
    rebuilt = (csd * 2.0 ** (s0[:, None, None] + s1[None, :, None] + b)).sum(axis=2)
    assert np.array_equal(rebuilt, w)
    # Minimal: no row/column scaling left (an odd entry in every non-zero row and column).
    for i in range(w.shape[0]):
        if csd[i].any():
            assert csd[i, :, 0].any()
    for j in range(w.shape[1]):
        if csd[:, j].any():
            assert csd[:, j, 0].any()


@pytest.mark.parametrize("dc", [-1, 0, 1, 2])
@pytest.mark.parametrize("seed", range(8))
def test_kernel_decompose_factors(dc, seed):
    rng = np.random.default_rng(seed)
    w = random_kernel(rng, 8, 10, 8, ["dense", "copies", "fractional", "sparse"][seed % 4])
    w1, w2 = kernel_decompose(w, dc)
    assert w1.shape == w.shape and w2.shape == (w.shape[1], w.shape[1])
    assert np.array_equal(w1 @ w2, w)
    nz = w2[w2 != 0]
    assert np.all(2.0 ** np.round(np.log2(np.abs(nz))) == np.abs(nz)), "W2 entries are +-powers of two"
    if dc >= 0:
        assert (w2 != 0).sum(axis=0).max() <= 2**dc


@pytest.mark.parametrize("size", [-1, 0, 1, 3, 4, 8])
def test_cost_model_matches_ir(size):
    for width in range(70):
        assert native.adder_cost(width, size) == adder_cost(width, size)
        if width > 0:
            assert native.adder_latency(width, size) == adder_latency(width, size)


@pytest.mark.parametrize("adder_size, carry_size", [(-1, -1), (4, -1), (-1, 8), (2, 4)])
def test_op_costs_and_latencies(adder_size, carry_size):
    rng = np.random.default_rng(5)
    w = rng.integers(-200, 201, size=(9, 7)).astype(float)
    pipe = solve(w, adder_size=adder_size, carry_size=carry_size)
    for stage in pipe:
        assert (stage.adder_size, stage.carry_size) == (adder_size, carry_size)
        for op in stage.ops:
            if op.opcode in (ADD, SUB):
                wd = width_of_qint(op.qint)
                assert op.cost == adder_cost(wd, adder_size)
                lat = max(stage.ops[op.id0].latency, stage.ops[op.id1].latency) + adder_latency(wd, carry_size)
                assert op.latency == lat
                assert abs(lo32(op.data)) < 64
            else:
                assert op.opcode == INPUT and op.cost == 0


def test_stages_chain_types():
    """Stage 2's input intervals are stage 1's output intervals."""
    rng = np.random.default_rng(9)
    w = rng.integers(-128, 129, size=(8, 8)).astype(float)
    w[:, 1] = w[:, 0] + 3
    pipe = solve(w, decompose_dc=-1, search_all_decompose_dc=False)
    assert len(pipe) == 2
    a, b = pipe
    for j, o in enumerate(a.out_idxs):
        if o >= 0:
            assert a.out_qint[j] == b.inp_qint[j]


@pytest.mark.parametrize("seed", range(10))
def test_ir_kernel_and_predict(seed):
    rng = np.random.default_rng(seed)
    w = random_kernel(rng, 6, 7, 10, ["dense", "fractional", "copies", "zero_cols", "sparse"][seed % 5])
    pipe = solve(w)
    assert np.array_equal(pipe.kernel, w)
    x = rng.integers(-128, 128, size=(50, 6)).astype(np.float64)
    assert np.array_equal(pipe.predict(x), x @ w)


def test_input_intervals_are_widened_to_contain_zero():
    """Intervals not containing 0 are widened so that impulses (the kernel self-check) stay in range."""
    w = np.array([[3.0, 5.0], [7.0, -1.0]])
    pipe = solve(w, qintervals=[(3.0, 9.0, 1.0), (-8.0, -2.0, 0.5)])
    assert [tuple(q) for q in pipe[0].inp_qint] == [(0.0, 9.0, 1.0), (-8.0, 0.0, 0.5)]
    assert np.array_equal(pipe.kernel, w)
