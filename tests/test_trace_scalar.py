"""Every operation on FixedVariable scalars and on 0-d arrays computes the same as on arrays."""

import math
from fractions import Fraction

import numpy as np
import pytest
from trace_util import fr, grid, ref_quantize, run_program

from da4ml.trace import FixedVariable, FixedVariableArray, comb_trace, ops

CASES = {
    "add": (lambda s, t: s + t, lambda S, T: S + T),
    "radd_const": (lambda s, t: 1.25 + s, lambda S, T: Fraction(5, 4) + S),
    "sub": (lambda s, t: s - t, lambda S, T: S - T),
    "rsub_const": (lambda s, t: 3 - s, lambda S, T: 3 - S),
    "mul": (lambda s, t: s * t, lambda S, T: S * T),
    "mul_const": (lambda s, t: s * -5, lambda S, T: -5 * S),
    "div": (lambda s, t: s / 8, lambda S, T: S / 8),
    "pow": (lambda s, t: s**2, lambda S, T: S * S),
    "neg": (lambda s, t: -s, lambda S, T: -S),
    "abs": (lambda s, t: abs(s), lambda S, T: abs(S)),
    "lt": (lambda s, t: s < t, lambda S, T: int(S < T)),
    "le": (lambda s, t: s <= t, lambda S, T: int(S <= T)),
    "gt": (lambda s, t: s > 0.5, lambda S, T: int(S > Fraction(1, 2))),
    "ge": (lambda s, t: s >= t, lambda S, T: int(S >= T)),
    "eq": (lambda s, t: s == t, lambda S, T: int(S == T)),
    "ne": (lambda s, t: s != 1, lambda S, T: int(S != 1)),
    "and": (lambda s, t: s & t, lambda S, T: Fraction(int(S * 4) & int(T * 4), 4)),
    "or": (lambda s, t: s | t, lambda S, T: Fraction(int(S * 4) | int(T * 4), 4)),
    "xor": (lambda s, t: s ^ t, lambda S, T: Fraction(int(S * 4) ^ int(T * 4), 4)),
    "invert": (lambda s, t: ~s, lambda S, T: -S - Fraction(1, 4)),
    "quantize": (lambda s, t: s.quantize(1, 1, 1, "SAT", "RND"), lambda S, T: ref_quantize(S, 1, 1, 1, "SAT", "RND")),
    "ops_quantize": (
        lambda s, t: ops.quantize(s, 0, 2, 0, "WRAP", "RND_CONV"),
        lambda S, T: ref_quantize(S, 0, 2, 0, "WRAP", "RND_CONV"),
    ),
    "relu": (lambda s, t: s.relu(), lambda S, T: max(S, 0)),
    "ops_relu": (
        lambda s, t: ops.relu(s, f=1, round_mode="RND"),
        lambda S, T: max(ref_quantize(S, 1, 9, 1, "WRAP", "RND"), 0),
    ),
    "apply": (lambda s, t: s.apply(lambda v: np.floor(v * v)), lambda S, T: Fraction(math.floor(S * S))),
    "sin": (
        lambda s, t: ops.quantize(np.sin(s), 1, 0, 6, round_mode="RND"),
        lambda S, T: ref_quantize(fr(np.sin(float(S))), 1, 0, 6, "WRAP", "RND"),
    ),
    "maximum": (lambda s, t: np.maximum(s, t), lambda S, T: max(S, T)),
    "minimum_const": (lambda s, t: np.minimum(s, -1), lambda S, T: min(S, -1)),
    "where_scalar": (lambda s, t: np.where(s > t, s * 2, t - 1), lambda S, T: 2 * S if S > T else T - 1),
    "where_value_cond": (lambda s, t: np.where(t, s, -s), lambda S, T: S if T != 0 else -S),
    "clip": (lambda s, t: np.clip(s, -1, t), lambda S, T: min(max(S, -1), T)),
    "to_bool": (lambda s, t: s.to_bool("any"), lambda S, T: int(S != 0)),
    "square": (lambda s, t: np.square(s), lambda S, T: S * S),
    "floor": (lambda s, t: np.floor(s), lambda S, T: Fraction(math.floor(S))),
    "shift": (lambda s, t: (s << 2) + (t >> 1), lambda S, T: S * 4 + T / 2),
}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("zero_d", [False, True])
def test_scalar_op(name, zero_d):
    sym, ref = CASES[name]
    xa = FixedVariableArray.from_kif([1, 1], [3, 1], [2, 2])
    if zero_d:
        s, t = xa[0:1].reshape(()), xa[1:2].reshape(())  # 0-d arrays
    else:
        s, t = xa[0], xa[1]
        assert isinstance(s, FixedVariable)
    y = sym(s, t)
    if not zero_d:
        assert isinstance(y, FixedVariable), f"{name} on scalars returned {type(y).__name__}"
    comb = comb_trace(xa, y)
    rng = np.random.default_rng(len(name))
    X = grid(rng, [1, 1], [3, 1], [2, 2], (50, 2))
    got = run_program(comb, X)
    want = [[Fraction(ref(fr(a), fr(b)))] for a, b in X]
    assert got == want
