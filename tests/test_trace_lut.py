"""Lookup tables: apply(fn) and unary numpy functions over every value a quantized input can take."""

from fractions import Fraction

import numpy as np
import pytest
from trace_util import check, ref_quantize, run_program

from da4ml.ir import Opcode
from da4ml.trace import FixedVariableArray, TraceError, comb_trace, ops


def _q(v, k, i, f):
    return ref_quantize(Fraction(float(v)), k, i, f, "WRAP", "RND")


@pytest.mark.parametrize("k,i,f", [(1, 2, 3), (0, 3, 2), (1, -1, 4), (1, 4, -1), (0, 0, 5)])
def test_apply_signed_fractional(k, i, f):
    fn = lambda v: ops.quantize(np.sin(v) * 3, 1, 2, 6, round_mode="RND")
    check(
        lambda x: x.apply(fn), lambda X: np.array([_q(np.sin(float(v)) * 3, 1, 2, 6) for v in X]), k, i, f, (3,), n=60
    )


def test_ufunc_then_quantize_folds_into_one_table():
    x = FixedVariableArray.from_kif(np.ones(4, int), 2, 3)
    y = np.tanh(x).quantize(1, 0, 7, round_mode="RND")
    comb = comb_trace(x, y)
    n_lut = sum(int(op.opcode) == Opcode.LOOKUP for op in comb.ops)
    assert n_lut == 4 and len(comb.lookup_tables) == 1  # identical tables are shared
    X = np.array([[-4, -0.125, 0, 3.875]])
    got = run_program(comb, X)
    assert got[0] == [_q(np.tanh(v), 1, 0, 7) for v in X[0]]


def test_lut_on_shifted_negated_views_and_chains():
    fn = lambda v: np.floor(v * v / 2)
    check(
        lambda x: (-x * 4).apply(fn).apply(lambda v: v + 1),
        lambda X: np.array([Fraction(np.floor(float(4 * v) ** 2 / 2)) + 1 for v in X]),
        1,
        2,
        2,
        (3,),
    )


def test_unquantized_wide_result_errors():
    x = FixedVariableArray.from_kif(np.ones(2, int), 2, 3)
    y = np.exp(x)  # exact float64 values need far more than 62 bits
    with pytest.raises(TraceError, match="quantize its result"):
        comb_trace(x, y)
    with pytest.raises(TraceError, match="quantize its result"):
        _ = y + 1


def test_lut_size_limit():
    x = FixedVariableArray.from_kif(np.ones(2, int), 10, 10)
    with pytest.raises(TraceError, match="entries"):
        x.apply(np.sin)


def test_constant_table_folds():
    x = FixedVariableArray.from_kif(np.ones(2, int), 2, 0)
    y = x.apply(lambda v: np.zeros_like(v) + 0.5)
    assert all(v.const == Fraction(1, 2) for v in y._vars.ravel())
