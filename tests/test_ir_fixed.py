"""Fixed-point types and intervals against exact integer reasoning."""

import numpy as np
import pytest

from da4ml.ir import QInterval, kif_of, qint_of, width_of
from da4ml.ir.cost import adder_cost, adder_latency


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
