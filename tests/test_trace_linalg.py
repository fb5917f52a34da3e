"""Constant-matrix products (CMVM route), symbolic x symbolic products, an MLP and a conv-like einsum."""

from fractions import Fraction

import numpy as np
import pytest
from trace_util import assert_exact, check, flat_fracs, frac_array, grid, run_program

from da4ml.trace import FixedVariableArray, comb_trace, ops


def _weights(rng, shape, bits=8, f=4):
    return (rng.integers(-(2 ** (bits - 1)), 2 ** (bits - 1), shape) / 2.0**f).astype(np.float64)


def test_matmul_const_both_sides():
    rng = np.random.default_rng(0)
    W = _weights(rng, (4, 3))
    V = _weights(rng, (5, 4))
    Wf, Vf = frac_array(W), frac_array(V)
    k, i, f = [1, 0, 1, 1], [3, 4, 2, 0], [2, 1, 3, 4]
    check(lambda x: x @ W, lambda X: X @ Wf, k, i, f, (4,))
    check(lambda x: V @ x, lambda X: Vf @ X, k, i, f, (4,), seed=1)
    check(lambda x: np.matmul(x, W) + np.dot(x, W), lambda X: 2 * (X @ Wf), k, i, f, (4,), seed=2)
    check(lambda x: x.reshape(2, 2) @ W[:2], lambda X: X.reshape(2, 2) @ Wf[:2], k, i, f, (4,), seed=3)


def test_matmul_with_constant_inputs_and_zero_columns():
    W = np.array([[1.0, 0, 2], [0.5, 0, -3], [0, 0, 0]])
    Wf = frac_array(W)
    # element 2 is a constant (zero-width type): it drops out of the CMVM problem
    check(
        lambda x: np.concatenate([x[:2], np.array([0.75])]) @ W,
        lambda X: np.concatenate([X[:2], [Fraction(3, 4)]]) @ Wf,
        1,
        3,
        2,
        (2,),
    )


def test_einsum_forms():
    rng = np.random.default_rng(1)
    W = _weights(rng, (3, 4, 2))
    Wf = frac_array(W)
    shape = (2, 3)
    k = np.ones(shape, int)
    check(lambda x: np.einsum("bi,ijk->bjk", x, W), lambda X: np.einsum("bi,ijk->bjk", X, Wf), k, 3, 2, shape)
    check(lambda x: ops.einsum("ijk,bi->kbj", W, x), lambda X: np.einsum("ijk,bi->kbj", Wf, X), k, 3, 2, shape, seed=1)
    check(
        lambda x: np.einsum("...i,...i->...", x, x[::-1]), lambda X: (X * X[::-1]).sum(axis=-1), k, 3, 2, shape, seed=2
    )
    check(lambda x: np.einsum("ij->ji", x), lambda X: X.T, k, 3, 2, shape, seed=3)
    check(lambda x: x @ x.T, lambda X: X @ X.T, k, 3, 2, shape, seed=4)  # symbolic x symbolic: multipliers


def test_conv_like_einsum():
    rng = np.random.default_rng(2)
    L, C, K, O = 6, 2, 3, 3
    W = _weights(rng, (K, C, O), bits=6, f=3)
    Wf = frac_array(W)

    def conv(x, w):
        cols = np.stack([x[j : j + K] for j in range(L - K + 1)])  # (L-K+1, K, C)
        return np.einsum("lkc,kco->lo", cols, w)

    comb = check(lambda x: conv(x, W), lambda X: conv(X, Wf), np.ones((L, C), int), 3, 3, (L, C))
    assert comb.shape == (L * C, (L - K + 1) * O)


def test_two_layer_mlp():
    rng = np.random.default_rng(3)
    W1, b1 = _weights(rng, (8, 6)), _weights(rng, (6,))
    W2, b2 = _weights(rng, (6, 3)), _weights(rng, (3,))

    def model(x):
        h = ops.relu(x @ W1 + b1, i=4, f=3)
        h = ops.quantize(h, 0, 4, 3, "SAT", "RND")
        return ops.quantize(h @ W2 + b2, 1, 6, 2, "SAT", "RND_CONV")

    x = FixedVariableArray.from_kif(np.ones(8, int), 3, 3)
    y = model(x)
    comb = comb_trace(x, y)
    X = grid(rng, 1, 3, 3, (50, 8))
    got = run_program(comb, X)
    # the same model on numbers (ops.* numeric path) and in exact fractions must agree
    num = model(X)
    assert [[Fraction(float(v)) for v in r] for r in num] == got

    def exact(row):
        from trace_util import ref_quantize

        h = row @ frac_array(W1) + frac_array(b1)
        h = np.array([ref_quantize(max(ref_quantize(v, 1, 30, 3), 0), 0, 4, 3) for v in h], dtype=object)
        h = np.array([ref_quantize(v, 0, 4, 3, "SAT", "RND") for v in h], dtype=object)
        o = h @ frac_array(W2) + frac_array(b2)
        return [ref_quantize(v, 1, 6, 2, "SAT", "RND_CONV") for v in o]

    assert_exact(got, [exact(frac_array(r)) for r in X], X)


def test_offload_fn_uses_multipliers():
    from da4ml.ir import Opcode

    W = np.array([[3.0, 5.0], [7.0, -9.0]])
    so = {"offload_fn": lambda w, x: np.abs(w) > 6}
    x = FixedVariableArray.from_kif([1, 1], 3, 0, solver_options=so)
    y = x @ W
    comb = comb_trace(x, y)
    assert sum(int(op.opcode) == Opcode.MUL for op in comb.ops) == 2
    got = run_program(comb, [[3, -5], [-8, 7]])
    assert got == [flat_fracs(frac_array([3, -5]) @ frac_array(W)), flat_fracs(frac_array([-8, 7]) @ frac_array(W))]


@pytest.mark.parametrize("bad", ["shape"])
def test_matmul_shape_error(bad):
    x = FixedVariableArray.from_kif(np.ones(4, int), 3, 2)
    with pytest.raises(ValueError, match="not aligned"):
        _ = x @ np.ones((3, 2))


def test_traced_program_binary_and_json_roundtrip(tmp_path):
    from da4ml.ir import CombLogic

    rng = np.random.default_rng(9)
    x = FixedVariableArray.from_kif(np.ones(4, int), 3, 2)
    y = [
        ops.quantize(x @ _weights(rng, (4, 3)), 1, 5, 1, "SAT", "RND"),
        np.sort(x),
        x.apply(lambda v: np.floor(v * 3)),
        x[0] & x[1],
    ]
    comb = comb_trace(x, y)
    comb.save(tmp_path / "p.json")
    assert CombLogic.load(tmp_path / "p.json") == comb
    back = CombLogic.from_binary(comb.to_binary())
    X = grid(rng, 1, 3, 2, (30, 4))
    assert run_program(back, X) == run_program(comb, X)


def test_solver_options_are_checked_and_forwarded():
    from da4ml.cmvm import solve
    from da4ml.trace import TraceError, cmvm_route

    seen = {}

    def spy(kernel, **kw):
        seen.update(kw)
        return solve(kernel, **kw)

    W = np.array([[3.0, 1.0], [5.0, -2.0]])
    old = cmvm_route.SOLVER
    cmvm_route.SOLVER = spy
    cmvm_route._CACHE.clear()
    try:
        x = FixedVariableArray.from_kif([1, 1], 3, 0, solver_options={"hard_dc": 0, "carry_size": 4})
        _ = x @ W
        assert seen["hard_dc"] == 0 and seen["carry_size"] == 4 and seen["adder_size"] == 1
        x = FixedVariableArray.from_kif([1, 1], 3, 0, solver_options={"hard_dcc": 0})
        with pytest.raises(TraceError, match="hard_dcc"):
            _ = x @ W
    finally:
        cmvm_route.SOLVER = old
        cmvm_route._CACHE.clear()
