"""The tracer calls HGQ2 0.2.0's plugin makes (hgq/_dais_tracer), each against exact arithmetic."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from trace_util import fr, grid, ref_quantize, run_program

from da4ml.trace import FixedVariableArray, TraceError, comb_trace, ops


def test_numeric_quantize_is_exported_for_tables():
    from da4ml.trace.ops import _quantize

    t = np.linspace(-3, 3, 97)
    got = _quantize(t, 1, 1, 3, "SAT", "RND")
    assert got.shape == t.shape
    assert [fr(v) for v in got] == [ref_quantize(fr(v), 1, 1, 3, "SAT", "RND") for v in t]


def _entry(table, v, a):
    return fr(table[int((fr(a) - v.low) / v.step)])


@pytest.mark.parametrize("kif", [(1, 2, 2), (0, 3, 1), (1, 0, 4)])
def test_lookup_table_entry_per_value(kif):
    x = FixedVariableArray.from_kif(*kif)
    v = x[()]
    n = int((v.high - v.low) / v.step) + 1
    rng = np.random.default_rng(n)
    table = rng.integers(-64, 64, n) / 8
    # on the value itself, and on a lookup table behind it (HGQ2 quantizes into a table, then looks up)
    w = v.apply(np.square)
    wn = int((w.high - w.low) / w.step) + 1
    table2 = rng.integers(-64, 64, wn) / 4
    comb = comb_trace(x, FixedVariableArray(np.array([v.lookup(table), w.lookup(table2)], dtype=object)))
    X = grid(rng, *kif, (200, 1))
    want = [[_entry(table, v, a), fr(table2[int((fr(a) ** 2 - w.low) / w.step)])] for a in X[:, 0]]
    assert run_program(comb, X) == want


def test_lookup_table_size_checked():
    v = FixedVariableArray.from_kif(1, 2, 1)[()]
    with pytest.raises(TraceError, match="table has 3 entries.*16 steps"):
        v.lookup(np.zeros(3))
    with pytest.raises(TypeError, match="1-D numeric"):
        v.lookup(np.zeros((4, 4)))


@pytest.mark.parametrize("kif", [(1, 2, 2), (0, 3, 1)])
def test_msb_mux(kif):
    k, i, f = kif
    x = FixedVariableArray.from_kif([k, k], [i, 2], [f, 1])
    c, b = x[0], x[1]
    y = FixedVariableArray(np.array([c.msb_mux(b * 0.5, c), c.msb_mux(-1.25, b)], dtype=object))
    comb = comb_trace(x, y)
    X = grid(np.random.default_rng(3), [k, k], [i, 2], [f, 1], (300, 2))
    half = Fraction(2) ** (i - 1)

    def msb(a):
        return a < 0 if k else a >= half

    want = [[fr(p) / 2 if msb(fr(a)) else fr(a), Fraction(-5, 4) if msb(fr(a)) else fr(p)] for a, p in X]
    assert run_program(comb, X) == want


def test_array_constructor_and_attributes():
    x = FixedVariableArray.from_kif(1, 3, np.array([2, 3]), solver_options={"hard_dc": 2})
    y = FixedVariableArray(np.asarray(x), x.solver_options)  # positional solver_options, as HGQ2 calls it
    assert y.solver_options == {"hard_dc": 2} and y.kif.shape == (3, 2)
    low, high, step = y.lhs
    assert list(step) == [0.25, 0.125] and list(low) == [-8, -8] and list(high) == [7.75, 7.875]
    assert x[0].low == -8 and np.asarray(x).dtype == object
    with pytest.raises(TypeError, match="float64"):
        np.asarray(x, dtype=np.float64)
    z = FixedVariableArray(np.where([True, False], np.asarray(x), 0.5), x.solver_options)
    assert z[1].const == Fraction(1, 2)
    t = y.apply(np.tanh).quantize(1, 0, 6)
    assert t.shape == (2,)


def test_float_constant_example_from_issue():
    """x * 0.3 at x = 1.0 of a (1, 3, 4) input: float32's 0.3 exactly (the published 0.6.0 gives 0.55)."""
    x = FixedVariableArray.from_kif(1, 3, 4)
    comb = comb_trace(x, x * 0.3)
    assert run_program(comb, [[1.0]]) == [[Fraction(float(np.float32(0.3)))]]
    assert float(ops.quantize(comb.predict(np.array([[1.0]]))[0, 0], 1, 0, 24)) == float(np.float32(0.3))
