"""Fixed-point types and intervals against exact integer reasoning."""

import numpy as np
import pytest

from da4ml.ir import QInterval, kif_of, qint_of, width_of
from da4ml.ir.cost import adder_cost, adder_latency, adder_span


def _holds(kif, lo_int, hi_int, f_int):
    """Does type kif hold every integer count in [lo_int, hi_int] at step 2**-f_int?"""
    k, i, f = kif
    if f != f_int:
        return False
    w = k + i + f
    if w <= 0:
        return lo_int == hi_int == 0
    tmin, tmax = (-(2 ** (w - 1)), 2 ** (w - 1) - 1) if k else (0, 2**w - 1)
    return tmin <= lo_int and hi_int <= tmax


def test_kif_of_is_minimal_and_sufficient():
    rng = np.random.default_rng(1)
    for _ in range(3000):
        f = int(rng.integers(-6, 10))
        a, b = sorted(int(v) for v in rng.integers(-(2**20), 2**20, size=2) >> int(rng.integers(0, 20)))
        q = QInterval(a * 2.0**-f, b * 2.0**-f, 2.0**-f)
        k, i, ff = kif_of(q)
        assert _holds((k, i, ff), a, b, f), (q, (k, i, ff))
        if (a, b) != (0, 0):
            assert not _holds((k, i - 1, ff), a, b, f), "one integer bit fewer still holds it: not minimal"
            assert k == int(a < 0)


@pytest.mark.parametrize("k", [0, 1])
def test_qint_of_kif_of_round_trip(k):
    for i in range(-5, 9):
        for f in range(-4, 9):
            q = qint_of(k, i, f)
            if k + i + f <= 0:
                assert (q.min, q.max) == (0.0, 0.0)
                continue
            assert kif_of(q) == (k, i, f)
            assert q.max == 2.0**i - 2.0**-f
            assert q.min == (-(2.0**i) if k else 0.0)


def test_edge_types():
    assert kif_of(QInterval(-1.0, 0.0, 1.0)) == (1, 0, 0)  # a 1-bit signed value
    assert kif_of(QInterval(-128.0, 127.0, 1.0)) == (1, 7, 0)
    assert kif_of(QInterval(-128.0, 128.0, 1.0)) == (1, 8, 0)
    assert kif_of(QInterval(0.0, 12.0, 4.0)) == (0, 4, -2)  # multiples of 4 up to 12: 2 bits
    assert kif_of(QInterval(0.0, 0.0, 0.25)) == (0, -2, 2)  # zero keeps its step, width 0
    assert width_of((0, -2, 2)) == 0


@pytest.mark.parametrize("bad", [QInterval(0.0, 1.0, 0.3), QInterval(0.0, 1.0, 0.0), QInterval(2.0, 1.0, 1.0)])
def test_bad_intervals_are_refused(bad):
    with pytest.raises(ValueError, match="power of two|empty|positive"):
        kif_of(bad)


def test_scaled_interval():
    q = QInterval(-3.0, 5.0, 1.0)
    assert q.scaled(2) == QInterval(-12.0, 20.0, 4.0)
    assert q.scaled(-1, negate=True) == QInterval(-2.5, 1.5, 0.5)


def test_adder_cost_model():
    assert adder_cost(9) == 9.0 and adder_cost(0) == 0.0
    assert adder_cost(9, adder_size=4) == 12.0
    assert adder_latency(30) == 1.0
    assert adder_latency(30, carry_size=8) == 4.0


# (a, b, shift, result, sub) -> carry span, worked out by hand bit position by bit position
# (a type (k, i, f) covers bits -f .. i+k-1; b is read as b * 2**shift)
SPANS = [
    # x + 2y, both (1,3,4): x -4..3, 2y -3..4; bit -4 is x's (a wire); -3..4 both, 5 the carry out: 9
    (((1, 3, 4), (1, 3, 4), 1, (1, 5, 4), False), 9),
    # same bits, result type known to be narrower (range analysis): capped at the result's MSB 4: 8
    (((1, 3, 4), (1, 3, 4), 1, (1, 4, 4), False), 8),
    # x (1,3,4) + u (0,2,0) unsigned: overlap 0..1 (2 bits), u zero extended above (x's bits 2, 3 as they
    # are), the carry out at 4: 3
    (((1, 3, 4), (0, 2, 0), 0, (1, 4, 4), False), 3),
    # the same as a SUB: -u is not zero extended (every bit 0..3 inverted), plus the carry out: 5
    (((1, 3, 4), (0, 2, 0), 0, (1, 4, 4), True), 5),
    # x - y/4: overlap -4..1, y/4 sign extended to 3, carry out 4: 9; plus an inverter on each of -y/4's
    # two bits below x's LSB (-6, -5): 11
    (((1, 3, 4), (1, 3, 4), -2, (1, 4, 6), True), 11),
    # x + y/4 the same way: the two low bits are y's, as wires: 9
    (((1, 3, 4), (1, 3, 4), -2, (1, 4, 6), False), 9),
    # a zero operand: a copy costs nothing, 0 - b is a negation of every bit
    (((0, 0, 0), (1, 3, 4), 0, (1, 4, 4), False), 0),
    (((0, 0, 0), (1, 3, 4), 0, (1, 4, 4), True), 9),
]


@pytest.mark.parametrize("args, span", SPANS)
def test_adder_span(args, span):
    assert adder_span(*args) == span
    k, i, f = args[3]
    assert 0 <= adder_span(*args) <= k + i + f


def test_adder_span_is_the_traced_adder_cost():
    """The tracer costs an ADD/SUB by its carry span (rounded up to whole adders of `adder_size`), not by the
    result width: x + y/4 on (1,3,4) inputs has an 11-bit result (1,4,6) and a 9-bit span (y's two low bits are wires)."""
    from da4ml.ir import Opcode
    from da4ml.trace import FixedVariableArrayInput, HWConfig, comb_trace

    for adder_size, want in ((-1, 9.0), (4, 12.0)):
        x = FixedVariableArrayInput((2,), hwconf=HWConfig(adder_size, -1, -1)).quantize(1, 3, 4)
        comb = comb_trace(x, x[0] + x[1] / 4)
        (add,) = [op for op in comb.ops if op.opcode == Opcode.ADD]
        assert add.width == 11 and add.cost == want
