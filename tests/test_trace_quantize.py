"""Quantization and relu, every overflow / round mode, traced vs exact reference; numeric ops bit-identical."""

import itertools
from fractions import Fraction

import numpy as np
import pytest
from trace_util import assert_exact, fr, grid, ref_quantize, run_program

from da4ml.trace import FixedVariableArray, comb_trace, ops

MODES = list(itertools.product(["WRAP", "SAT", "SAT_SYM"], ["TRN", "RND", "RND_CONV"]))


@pytest.mark.parametrize("overflow,rnd", MODES)
@pytest.mark.parametrize("k_in", [0, 1])
def test_quantize_modes(overflow, rnd, k_in):
    rng = np.random.default_rng(hash((overflow, rnd, k_in)) % 2**32)
    n = 12
    x = FixedVariableArray.from_kif(np.full(n, k_in), 4, 4)
    # targets: narrower, wider, shifted grids, negative i / f
    tk = rng.integers(0, 2, n)
    ti = rng.integers(-2, 6, n)
    tf = rng.integers(-2, 6, n)
    y = x.quantize(tk, ti, tf, overflow, rnd)
    comb = comb_trace(x, y)
    X = grid(rng, k_in, 4, 4, (60, n))
    got = run_program(comb, X)
    want = [
        [ref_quantize(fr(v), int(a), int(b), int(c), overflow, rnd) for v, a, b, c in zip(row, tk, ti, tf)] for row in X
    ]
    assert_exact(got, want, X)
    # the numeric path gives the same bits
    num = ops.quantize(X, tk, ti, tf, overflow, rnd)
    assert [[fr(v) for v in row] for row in num] == want


@pytest.mark.parametrize("overflow", ["SAT", "SAT_SYM", "WRAP"])
def test_saturation_both_ends(overflow):
    x = (
        FixedVariableArray.from_kif(1, 6, 2, latency=0.0).reshape(1)
        if False
        else FixedVariableArray.from_kif([1, 1], [6, 6], [2, 2])
    )
    y = x.quantize(1, 2, 1, overflow, "RND")
    comb = comb_trace(x, y)
    X = np.array([[-64.0, 63.75], [-4.25, 3.75], [-4.0, 3.5], [3.74, -4.26], [-0.25, 0.25]])
    X[3] = [3.5, -4.25]
    got = run_program(comb, X)
    want = [[ref_quantize(fr(v), 1, 2, 1, overflow, "RND") for v in row] for row in X]
    assert_exact(got, want, X)
    if overflow == "SAT":
        assert got[0] == [-4, fr(3.5)]
    if overflow == "SAT_SYM":
        assert got[0] == [fr(-3.5), fr(3.5)]


def test_negation_at_most_negative_value():
    x = FixedVariableArray.from_kif(1, 7, 0)  # [-128, 127]
    y = -x
    comb = comb_trace(x, [y, (-x).quantize(1, 7, 0), abs(x), (-x).relu()])
    got = run_program(comb, [[-128.0]])
    assert got[0] == [128, -128, 128, 128]
    assert tuple(y.kif.ravel()) == (1, 8, 0)


@pytest.mark.parametrize("rnd", ["TRN", "RND", "RND_CONV"])
def test_relu_fractional_bits(rnd):
    rng = np.random.default_rng(7)
    n = 8
    x = (
        FixedVariableArray.from_kif(1, 3, 5, latency=0.0)
        if False
        else FixedVariableArray.from_kif(np.ones(n, int), 3, 5)
    )
    fs = np.array([0, 1, 2, 3, 5, 6, -1, 2])
    iz = np.array([2, 3, 1, 4, 3, 3, 3, 0])
    y1 = x.relu(f=fs, round_mode=rnd)
    y2 = x.relu(i=iz, f=fs, round_mode=rnd)
    comb = comb_trace(x, [y1, y2])
    X = grid(rng, 1, 3, 5, (80, n))
    got = run_program(comb, X)

    def ref(v, i, f):
        q = ref_quantize(fr(v), 1, 20, f, "WRAP", rnd)
        q = max(q, 0)
        if i is not None:
            q = ref_quantize(q, 0, i, f, "WRAP", "TRN")
        return q

    want = [[ref(v, None, f) for v, f in zip(row, fs)] + [ref(v, i, f) for v, i, f in zip(row, iz, fs)] for row in X]
    assert_exact(got, want, X)
    num = np.concatenate([ops.relu(X, f=fs, round_mode=rnd), ops.relu(X, i=iz, f=fs, round_mode=rnd)], axis=1)
    assert [[fr(v) for v in row] for row in num] == want


def test_relu_scalar_and_types():
    x = FixedVariableArray.from_kif(1, 3, 2)
    s = x[()] if x.ndim == 0 else x
    v = s.relu()
    comb = comb_trace(x, v)
    assert [float(a) for a in run_program(comb, [[-3.5]])[0]] == [0.0]
    assert [float(a) for a in run_program(comb, [[2.25]])[0]] == [2.25]
    assert v.kif == (0, 3, 2)


def test_quantize_no_op_is_free_and_type_is_tight():
    x = FixedVariableArray.from_kif(1, 3, 2)[()]
    y = x.quantize(1, 5, 4)
    assert y is x or y.node is x.node
    z = x.quantize(1, 3, 0)  # drop 2 bits: a free bit drop
    comb = comb_trace(x, z)
    assert comb.cost == 0
    assert z.kif == (1, 3, 0)


def test_unquantized_input_errors_and_quantizes():
    from da4ml.trace import FixedVariableArrayInput, TraceError

    x = FixedVariableArrayInput((3,))
    with pytest.raises(TraceError, match="quantize it first"):
        _ = x + 1
    with pytest.raises(TraceError, match="quantize"):
        _ = np.sum(x)
    r = x.reshape(3, 1).T  # rearrangements are fine
    assert r.shape == (1, 3)
    xq = x.quantize(1, 2, 3)
    y = xq * 3
    comb = comb_trace(x, y)
    got = run_program(comb, [[1.125, -4.0, 3.875]])
    assert got[0] == [fr(3.375), -12, fr(11.625)]
    # RND: the lane is one fraction bit wider and the rounding is hardware, exact on any raw number
    x2 = FixedVariableArrayInput((3,))
    comb2 = comb_trace(x2, x2.quantize(1, 2, 3, "WRAP", "RND"))
    assert [q.step for q in comb2.inp_qint] == [fr(2**-4)] * 3
    X = np.random.default_rng(5).normal(0, 6, (400, 3))
    want = [[ref_quantize(fr(v), 1, 2, 3, "WRAP", "RND") for v in row] for row in X]
    assert run_program(comb2, X) == want
    for o, r in (("SAT", "TRN"), ("WRAP", "RND_CONV"), ("SAT_SYM", "RND")):
        with pytest.raises(TraceError, match=f"WRAP and TRN or RND.*{o}/{r}.*from_kif"):
            FixedVariableArrayInput((3,)).quantize(1, 2, 3, o, r)


@pytest.mark.parametrize("overflow,rnd", MODES)
def test_numeric_quantize_arbitrary_floats(overflow, rnd):
    rng = np.random.default_rng(11)
    X = np.concatenate([rng.normal(0, 6, 300), np.arange(-20, 20) / 8 + 1 / 32, [1e-300, -1e-300, 2.0**60, -(2.0**60)]])
    k, i, f = rng.integers(0, 2, X.shape), rng.integers(-1, 5, X.shape), rng.integers(-1, 6, X.shape)
    got = ops.quantize(X, k, i, f, overflow, rnd)
    want = [ref_quantize(fr(v), int(a), int(b), int(c), overflow, rnd) for v, a, b, c in zip(X, k, i, f)]
    assert [fr(v) for v in got] == want
    # wide types take the exact (Fraction) path
    got_w = ops.quantize(X[:50], 1, 40, 20, overflow, rnd)
    assert [fr(v) for v in got_w] == [ref_quantize(fr(v), 1, 40, 20, overflow, rnd) for v in X[:50]]
    r = ops.relu(X, i=3, f=2, round_mode=rnd)
    assert [fr(v) for v in r] == [ref_quantize(max(ref_quantize(fr(v), 1, 90, 2, "WRAP", rnd), 0), 0, 3, 2) for v in X]


@pytest.mark.parametrize("expr", ["sub", "sub_shift", "add_const", "add_const_frac", "add"])
def test_ops_on_negated_sums(expr):
    """relu / quantize of a negated sum: the negation is folded into a swapped SUB or a SUB from a CONST."""
    from trace_util import check

    exprs = {
        "sub": (lambda x: x[0] - x[1], lambda X: X[0] - X[1]),
        "sub_shift": (lambda x: x[0] * 4 - x[1] / 2, lambda X: X[0] * 4 - X[1] / 2),
        "add_const": (lambda x: x[0] + 3, lambda X: X[0] + 3),
        "add_const_frac": (lambda x: x[1] - 0.375, lambda X: X[1] - Fraction(3, 8)),
        "add": (lambda x: x[0] + x[1], lambda X: X[0] + X[1]),
    }
    e_sym, e_ref = exprs[expr]

    def sym(x):
        e = -e_sym(x)
        return np.stack(
            [
                e.relu(),
                e.relu(f=0, round_mode="RND"),
                e.quantize(1, 2, 1, "SAT", "RND_CONV"),
                e.quantize(1, 1, 0),
                np.floor(e),
            ]
        )

    def ref(X):
        e = -e_ref(X)
        return np.array(
            [
                max(e, 0),
                max(ref_quantize(e, 1, 20, 0, "WRAP", "RND"), 0),
                ref_quantize(e, 1, 2, 1, "SAT", "RND_CONV"),
                ref_quantize(e, 1, 1, 0),
                ref_quantize(e, 1, 20, 0),
            ],
            dtype=object,
        )

    check(sym, ref, [1, 0], [3, 2], [2, 3], (2,), n=80)
