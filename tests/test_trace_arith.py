"""Element-wise arithmetic, comparisons, selection, bitwise ops; scalars and 0-d values."""

from fractions import Fraction

import numpy as np
import pytest
from trace_util import check, fr, run_program

from da4ml.trace import FixedVariable, FixedVariableArray, TraceError, comb_trace

K, I, F = [1, 0, 1, 1], [3, 4, 2, 0], [2, 1, 3, 4]


def test_add_sub_arrays_scalars_consts():
    c = np.array([0.5, -1.25, 3, 0])
    check(lambda x: x + x[::-1] - 1.5, lambda X: X + X[::-1] - Fraction(3, 2), K, I, F, (4,))
    check(lambda x: c - x + x[0], lambda X: c.astype(object) * 1 - X + X[0], K, I, F, (4,), seed=1)
    check(lambda x: x.reshape(2, 2) + x[:2], lambda X: X.reshape(2, 2) + X[:2], K, I, F, (4,), seed=2)
    check(lambda x: -x - x, lambda X: -2 * X, K, I, F, (4,), seed=3)


@pytest.mark.parametrize("c", [0, 1, -1, 3, -7, 0.375, -2.75, 8, 0.0625, 93, -1.5])
def test_mul_const(c):
    cf = Fraction(c)
    check(lambda x: x * c, lambda X: X * cf, K, I, F, (4,), seed=int(abs(c) * 16))
    check(lambda x: c * x, lambda X: X * cf, K, I, F, (4,), seed=1)


def test_mul_symbolic_square_power():
    check(lambda x: x * x[::-1], lambda X: X * X[::-1], K, I, F, (4,))
    check(lambda x: x * x, lambda X: X * X, K, I, F, (4,), seed=1)
    check(lambda x: x**3 + x**0, lambda X: X * X * X + 1, K, I, F, (4,), seed=2)
    check(lambda x: np.square(x) - np.power(x, 2), lambda X: X * 0, K, I, F, (4,), seed=3)


def f32(c) -> Fraction:
    """The float32 nearest c, by numpy (independent of the tracer's rounding)."""
    return Fraction(float(np.float32(c)))


@pytest.mark.parametrize("c", [0.3, -0.1, 0.7, 1 / 3, 12345.678, 1e-3, 2.0**-40 * 0.3, Fraction(1, 3), 2.0**24 + 1])
def test_decimal_constants_are_float32(c):
    """A constant factor that is not a dyadic of <= 32 significant bits means its float32 value (as Keras
    computes), exactly from there: checked against exact rational arithmetic on every input value."""
    want = Fraction(c) if Fraction(c).denominator == 1 else f32(float(c))  # integers are exact at any size
    check(lambda x: x * c, lambda X: X * want, K, I, F, (4,), n=60)
    check(lambda x: c * x, lambda X: X * want, K, I, F, (4,), seed=1)
    if isinstance(c, float) and 2.0**-20 < abs(c) < 2.0**20:  # a kernel of a moderate dynamic range (CMVM)
        kern = np.array([[c, 1], [2, 3], [1, 1], [0, c]])
        want_k = np.array([[want, 1], [2, 3], [1, 1], [0, want]], dtype=object)
        check(lambda x: x @ kern, lambda X: X @ want_k, K, I, F, (4,), seed=2)


def test_exact_constants_stay_exact():
    w = 1 + 2.0**-30  # 31 significant bits: a fixed-point weight, not noise
    check(lambda x: x * w, lambda X: X * Fraction(w), K, I, F, (4,))
    check(lambda x: x * 2.0**-40, lambda X: X * Fraction(1, 2**40), K, I, F, (4,))
    check(lambda x: x * (2**40 + 1), lambda X: X * (2**40 + 1), K, I, F, (4,))


@pytest.mark.parametrize("d", [3, 5, 7, -6, 0.3, 10, 1 / 3])
def test_division_by_constants(d):
    """x / d: exact for powers of two, else x times the float32 reciprocal of d's float32 value."""
    want = f32(1 / float(f32(d)))
    check(lambda x: x / d, lambda X: X * want, K, I, F, (4,), n=60)


def test_division():
    check(lambda x: x / 4 + x / -0.5, lambda X: X / 4 - X * 2, K, I, F, (4,))
    x = FixedVariableArray.from_kif(1, 3, 2, latency=0.0)
    with pytest.raises(TraceError, match="symbolic value"):
        _ = x / x
    check(lambda x: np.mean(x[:3]), lambda X: np.sum(X[:3]) * f32(1 / 3), K, I, F, (4,))


CMP = [np.less, np.less_equal, np.greater, np.greater_equal, np.equal, np.not_equal]


@pytest.mark.parametrize("op", CMP)
def test_comparisons(op):
    def ref(X):
        return np.array(
            [int(bool(op(a, b))) for a, b in zip(X, X[::-1])]
            + [int(bool(op(a, Fraction(1, 2)))) for a in X]
            + [int(bool(op(Fraction(-1), a))) for a in X]
        )

    check(lambda x: np.concatenate([op(x, x[::-1]), op(x, 0.5), op(-1, x)]), ref, K, I, F, (4,), n=60)
    # comparisons of negated / shifted views
    check(lambda x: op(-x, x * 4), lambda X: np.array([int(bool(op(-a, 4 * a))) for a in X]), K, I, F, (4,), seed=5)
    # against zero and against constants with trailing zeros, on plain, negated and summed values
    check(
        lambda x: np.concatenate([op(x, 0), op(0, x), op(-x, 0), op(x - x[::-1], 0), op(-(x + 1), 2), op(x * 3, -4)]),
        lambda X: np.array(
            [int(bool(op(a, 0))) for a in X]
            + [int(bool(op(0, a))) for a in X]
            + [int(bool(op(-a, 0))) for a in X]
            + [int(bool(op(a - b, 0))) for a, b in zip(X, X[::-1])]
            + [int(bool(op(-(a + 1), 2))) for a in X]
            + [int(bool(op(3 * a, -4))) for a in X]
        ),
        K, I, F, (4,), n=80, seed=6,
    )  # fmt: skip


def test_where_max_min_abs_clip():
    check(
        lambda x: np.where(x > 0.25, x * 2, -x[::-1]),
        lambda X: np.array([a * 2 if a > Fraction(1, 4) else -b for a, b in zip(X, X[::-1])]),
        K, I, F, (4,),
    )  # fmt: skip
    check(
        lambda x: np.maximum(x, x[::-1]) - np.minimum(x, 0.75),
        lambda X: np.array([max(a, b) - min(a, Fraction(3, 4)) for a, b in zip(X, X[::-1])]),
        K,
        I,
        F,
        (4,),
        seed=1,
    )
    check(lambda x: np.abs(x) + abs(-x * 2), lambda X: np.array([abs(a) * 3 for a in X]), K, I, F, (4,), seed=2)
    check(lambda x: np.clip(x, -1, x[0]), lambda X: np.array([min(max(a, -1), X[0]) for a in X]), K, I, F, (4,), seed=3)
    # mux with shifted/negated operands on both sides
    check(
        lambda x: np.where(x[0] < x[1], x * 8, -x / 4),
        lambda X: X * 8 if X[0] < X[1] else -X / 4,
        K,
        I,
        F,
        (4,),
        seed=4,
    )


def test_reductions():
    shape = (3, 4)
    k, i, f = np.ones(shape, int), 3, 2
    check(lambda x: np.sum(x, axis=1), lambda X: X.sum(axis=1), k, i, f, shape)
    check(lambda x: np.max(x, axis=0), lambda X: np.array([max(c) for c in X.T]), k, i, f, shape, seed=1)
    check(lambda x: np.amin(x), lambda X: min(X.ravel()), k, i, f, shape, seed=2)
    check(lambda x: x.sum(), lambda X: X.sum(), k, i, f, shape, seed=3)
    check(
        lambda x: np.mean(x, axis=1, keepdims=True), lambda X: (X.sum(axis=1) / 4).reshape(3, 1), k, i, f, shape, seed=4
    )
    check(lambda x: np.prod(x[:, :2], axis=1), lambda X: X[:, 0] * X[:, 1], k, i, f, shape, seed=5)
    check(
        lambda x: np.any(x > 1, axis=1),
        lambda X: np.array([int(any(v > 1 for v in r)) for r in X]),
        k,
        i,
        f,
        shape,
        seed=6,
    )
    check(
        lambda x: np.all(x, axis=0),
        lambda X: np.array([int(all(v != 0 for v in c)) for c in X.T]),
        k,
        0,
        1,
        shape,
        seed=7,
    )


def _pattern(v: Fraction, f: int) -> int:
    n = v * 2**f
    assert n.denominator == 1
    return int(n)


def test_bitwise():
    # inputs: signed 3.2 and unsigned 2.3; ops on aligned two's-complement patterns
    def ref(X, kind):
        a, b = X[0], X[1]
        p, q = _pattern(a, 3), _pattern(b, 3)
        r = p & q if kind == "and" else p | q if kind == "or" else p ^ q
        return Fraction(r, 8)

    k, i, f = [1, 0], [3, 2], [2, 3]
    check(
        lambda x: np.stack([x[0] & x[1], x[0] | x[1], x[0] ^ x[1]]),
        lambda X: np.array([ref(X, "and"), ref(X, "or"), ref(X, "xor")]),
        k,
        i,
        f,
        (2,),
        n=80,
    )
    # an unsigned operand wider than the signed one
    check(
        lambda x: np.stack([x[0] & x[1], x[0] | x[1], x[0] ^ x[1]]),
        lambda X: np.array([ref(X, "and"), ref(X, "or"), ref(X, "xor")]),
        [1, 0],
        [1, 5],
        [3, 3],
        (2,),
        n=120,
        seed=9,
    )
    # ~x: signed -> -x - step; unsigned (2.3) -> (2**5 - 1) / 8 - x
    check(lambda x: ~x, lambda X: np.array([-X[0] - Fraction(1, 4), Fraction(31, 8) - X[1]]), k, i, f, (2,), seed=1)
    check(lambda x: x.to_bool("any"), lambda X: np.array([int(v != 0) for v in X]), k, i, f, (2,), seed=2)
    check(
        lambda x: x.to_bool("all"),
        lambda X: np.array([int(X[0] == Fraction(-1, 4)), int(X[1] == Fraction(31, 8))]),
        k,
        i,
        f,
        (2,),
        n=200,
        seed=3,
    )


def test_scalars_and_0d():
    x = FixedVariableArray.from_kif(1, 3, 2)  # 0-d
    s = x[()]
    assert isinstance(s, FixedVariable)
    c = FixedVariableArray.from_kif(1, 2, 0)[()]
    outs = [
        s.relu(),
        np.maximum(s, 0),
        np.where(c, s, -s),  # scalar symbolic condition: both branches
        np.where(c > 0, s + 1, s * 3),
        abs(s),
        s * 3 - 1,
        (s > 1),
        np.sum(x),
        -x,
        x.relu(),
    ]
    comb = comb_trace([x, c], outs)
    for sv, cv in [(-3.5, 0), (2.25, 1), (-8, -2), (7.75, 0), (0.5, 1)]:
        got = run_program(comb, [[sv, cv]])[0]
        S, C = fr(sv), Fraction(cv)
        want = [
            max(S, 0),
            max(S, 0),
            S if C != 0 else -S,
            S + 1 if C > 0 else 3 * S,
            abs(S),
            3 * S - 1,
            int(S > 1),
            S,
            -S,
            max(S, 0),
        ]
        assert got == want, (sv, cv)


def test_broadcast_error_message():
    x = FixedVariableArray.from_kif(np.ones((3, 4), int), 3, 2)
    with pytest.raises(ValueError, match=r"\(3, 4\) and \(5,\) do not broadcast"):
        _ = x + np.ones(5)


def test_unsupported_numpy_function_named():
    x = FixedVariableArray.from_kif(np.ones(4, int), 3, 2)
    with pytest.raises(TypeError, match="cumsum"):
        np.cumsum(x)


def test_shapes_api():
    x = FixedVariableArray.from_kif(np.ones((2, 3), int), 3, 2)
    assert x.shape == (2, 3) and x.ndim == 2 and x.size == 6 and x.T.shape == (3, 2)
    assert x.flatten().shape == (6,) and x.ravel().shape == (6,) and x.reshape(3, 2).shape == (3, 2)
    assert np.concatenate([x, x], axis=0).shape == (4, 3)
    assert np.stack([x, x]).shape == (2, 2, 3)
    assert np.repeat(x, 2, axis=1).shape == (2, 6)
    assert np.transpose(x).shape == (3, 2) and np.reshape(x, (6,)).shape == (6,)
    assert x[1].shape == (3,) and isinstance(x[1, 2], FixedVariable)
    assert x.kif.shape == (3, 2, 3) and x.latency.shape == (2, 3)
    y = np.concatenate([x, np.array([[0.5, 1, 2]])], axis=0)  # with a constant block
    comb = comb_trace(x, y)
    got = run_program(comb, [np.arange(6) / 4])[0]
    assert got[-3:] == [Fraction(1, 2), 1, 2]


def test_ops_reduce_balanced_and_numeric():
    import operator

    from da4ml.trace import ops

    shape = (3, 5)
    k = np.ones(shape, int)
    check(lambda x: ops.reduce(np.maximum, x, axis=1), lambda X: np.array([max(r) for r in X]), k, 3, 2, shape)
    check(
        lambda x: ops.reduce(operator.add, x, axis=0, keepdims=True),
        lambda X: X.sum(axis=0).reshape(1, 5),
        k,
        3,
        2,
        shape,
        seed=1,
    )
    check(
        lambda x: ops.reduce(lambda a, b: a - b, x[0]),
        lambda X: X[0, 0] - X[0, 1] - (X[0, 2] - X[0, 3]) - X[0, 4],
        k,
        3,
        2,
        shape,
        seed=2,
    )
    x = FixedVariableArray.from_kif(np.ones(8, int), 3, 2, latency=0.0)
    assert ops.reduce(operator.add, x).latency == 3.0  # a balanced tree of 8 leaves is 3 adders deep
    # the numeric path uses the same tree
    X = np.arange(5.0)
    assert ops.reduce(lambda a, b: a - b, X) == (0 - 1) - (2 - 3) - 4
    np.testing.assert_array_equal(ops.reduce(np.maximum, X.reshape(1, 5), axis=1), [4.0])
    s, a = ops.sort(np.array([3.0, 1.0, 2.0]), aux_value=np.array([30.0, 10.0, 20.0]))
    np.testing.assert_array_equal(s, [1, 2, 3])
    np.testing.assert_array_equal(a, [10, 20, 30])
    np.testing.assert_array_equal(ops.einsum("ij,j->i", np.eye(2), np.array([1.0, 2.0])), [1, 2])
