"""Types stay exact at every width up to the 62-bit limit: tracer -> CombLogic -> binary -> JSON -> predict.

The truth is integer arithmetic on (k, i, f): a type's range is [-k * 2**(w-1), 2**(w-1) - 1] steps of 2**-f
(unsigned: [0, 2**w - 1]), so each stage must report exactly the (k, i, f) it was given."""

from __future__ import annotations

import json
import pickle
from fractions import Fraction

import numpy as np
import pytest

from da4ml.codegen import RTLModel
from da4ml.ir import MAX_VALUE_BITS, CombLogic, Op, Opcode, QInterval, kif_of, qint_of
from da4ml.ir.staging import split_stages
from da4ml.trace import FixedVariableArray, FixedVariableArrayInput, comb_trace


def _types(width: int) -> list[tuple[int, int, int]]:
    """Signed and unsigned types of `width` bits with negative, zero and positive i and f."""
    out = []
    for k in (0, 1):
        for f in sorted({-3, 0, width // 2, width - k, width + 3}):
            out.append((k, width - k - f, f))
    return out


ALL_TYPES = [kif for w in range(1, MAX_VALUE_BITS + 1) for kif in _types(w)]


def _exact_quantize(x: Fraction, k: int, i: int, f: int) -> Fraction:
    """wrap(floor(x * 2**f)) into (k, i, f), by integer arithmetic."""
    w = k + i + f
    n = x * Fraction(2) ** f
    v = n.numerator // n.denominator
    v &= (1 << w) - 1
    if k and v >> (w - 1):
        v -= 1 << w
    return Fraction(v) * Fraction(2) ** -f


def _samples(k: int, i: int, f: int, rng) -> list[float]:
    """Floats inside, at and beyond the type's range (every float is an exact dyadic)."""
    lo = -(2.0**i) if k else 0.0
    span = 2.0**i * (2 if k else 1)
    vals = [lo, 0.0, 2.0**i, -(2.0**i) - 2.0**-f, 2.0 ** (i - 1)]
    vals += [lo + span * float(u) for u in rng.random(4)]
    return vals


@pytest.mark.parametrize("kif", ALL_TYPES, ids=lambda t: f"k{t[0]}i{t[1]}f{t[2]}")
def test_round_trip_keeps_the_type(kif, tmp_path):
    k, i, f = kif
    x = FixedVariableArrayInput((2,)).quantize(k, i, f)
    comb = comb_trace(x, x)
    expect = [kif, kif]
    assert [tuple(map(int, t)) for t in zip(*comb.inp_kifs)] == expect
    assert [op.kif for op in comb.ops] == [kif] * len(comb.ops)

    from_binary = CombLogic.from_binary(comb.to_binary())
    assert [tuple(map(int, t)) for t in zip(*from_binary.inp_kifs)] == expect
    assert [op.kif for op in from_binary.ops] == [op.kif for op in comb.ops]

    path = tmp_path / "p.json"
    from_binary.save(path)
    from_json = CombLogic.load(path)
    assert from_json == from_binary  # exact intervals, field for field
    assert [tuple(map(int, t)) for t in zip(*from_json.out_kifs)] == expect

    rng = np.random.default_rng([k, i + 100, f + 100])
    xs = _samples(k, i, f, rng)
    data = np.array([[v, xs[-1 - j]] for j, v in enumerate(xs)])
    got = from_json.predict(data)
    want = np.array([[float(_exact_quantize(Fraction(v), k, i, f)) for v in row] for row in data])
    assert np.array_equal(got, want)
    assert np.array_equal(from_json(data[0]), want[0])  # the Python evaluator agrees


def test_the_reported_cases():
    # FixedVariableArrayInput((2,)).quantize(1, 30, 26) traced to input type (1, 31, 26) ...
    x = FixedVariableArrayInput((2,)).quantize(1, 30, 26)
    comb = comb_trace(x, x)
    assert [int(v) for v in comb.inp_kifs[1]] == [30, 30]
    # ... and from_binary read it back as (1, 32, 26)
    back = CombLogic.from_binary(comb.to_binary())
    assert back.ops[0].kif == (1, 30, 26)
    assert back.inp_qint[0] == QInterval(-(2**30), Fraction(2**56 - 1, 2**26), Fraction(1, 2**26))
    # a spec-valid 62-bit INPUT read back by from_binary was refused by predict as 63 bits
    for kif in ((1, 61, 0), (0, 62, 0), (1, 30, 31), (0, -2, 64)):
        op = Op(0, -1, Opcode.INPUT, 0, qint_of(*kif), 0.0, 0.0)
        prog = CombLogic((1, 1), [0], [0], [0], [False], [op])
        back = CombLogic.from_binary(prog.to_binary())
        assert back.ops[0].kif == kif
        lo = -(2.0 ** kif[1]) if kif[0] else 0.0
        assert back.predict(np.array([[lo]]))[0, 0] == lo


def test_qinterval_is_exact_and_still_the_named_tuple_it_was():
    q = QInterval(-8.0, 7.75, 0.25)
    lo, hi, step = q
    assert (lo, hi, step) == (-8.0, 7.75, 0.25) and tuple(q) == (-8.0, 7.75, 0.25) and q == (-8.0, 7.75, 0.25)
    assert hash(q) == hash((-8.0, 7.75, 0.25)) and q[1] == q.max == Fraction(31, 4)
    assert q.bounds == (-32, 31, 2) and QInterval.from_bounds(-32, 31, 2) == q and q.kif == (1, 3, 2)
    assert pickle.loads(pickle.dumps(q)) == q and q._replace(max=7.5) == QInterval(-8, 7.5, 0.25)
    # every representation of a value gives the same interval
    assert QInterval(Fraction(-8), Fraction(31, 4), Fraction(1, 4)) == q == QInterval(-8, 7.75, 0.25)
    assert QInterval(np.float32(-8.0), np.int64(7), np.float64(0.25)).bounds == (-32, 28, 2)
    # beyond float precision: exact
    top = QInterval.from_bounds(2**61 - 1, 2**61 - 1, 0)
    assert top.max == 2**61 - 1 and kif_of(top) == (0, 61, 0) and float(top.max) == 2.0**61
    for lo, hi, f in [(-(2**61), 2**61 - 1, 0), (0, 2**62 - 1, 70), (-5, 3, -40), (0, 0, 7)]:
        q = QInterval.from_bounds(lo, hi, f)
        assert q.bounds == (lo, hi, f) and hash(q) == hash(tuple(q))
        assert QInterval(*q) == q and QInterval(*q).bounds == (lo, hi, f)
        assert q.scaled(3, negate=True).bounds == (-hi, -lo, f - 3)
    with pytest.raises(ValueError, match="not finite"):
        QInterval(0.0, float("inf"), 1.0)


def test_json_version_1_is_still_read(tmp_path):
    x = FixedVariableArray.from_kif(np.array([1, 0]), np.array([3, 2]), np.array([2, 1]))
    comb = comb_trace(x, x[0] + x[1])
    d = comb.to_json_dict()
    d["version"] = 1  # what the previous release wrote: (min, max, step) floats
    d["ops"] = [op[:4] + [[float(v) for v in QInterval.from_bounds(*op[4])]] + op[5:] for op in d["ops"]]
    assert CombLogic.from_json_dict(json.loads(json.dumps(d))) == comb
    (tmp_path / "v9.json").write_text(json.dumps({**d, "version": 9}))
    with pytest.raises(ValueError, match="version 9"):
        CombLogic.load(tmp_path / "v9.json")


def test_wide_values_stay_exact_through_stages_and_codegen(tmp_path):
    x = FixedVariableArrayInput((2,)).quantize(1, 39, 20)
    y = x[0] + x[1]
    z = y + x[0]
    comb = comb_trace(x, z)
    assert [op.kif for op in comb.ops] == [(1, 39, 20), (1, 39, 20), (1, 40, 20), (1, 41, 20)]
    pipe = split_stages(comb, 1.0)
    assert len(pipe) == 2
    assert sorted(op.kif for op in pipe[1].ops if op.opcode == Opcode.INPUT) == [(1, 39, 20), (1, 40, 20)]
    rng = np.random.default_rng(3)
    data = np.ldexp(rng.integers(-(2**59), 2**59, (50, 2)).astype(np.float64), -20)
    assert np.array_equal(pipe.predict(data), comb.predict(data))
    model = RTLModel(comb, "wide", tmp_path / "prj", latency_cutoff=1.0, print_latency=False)
    model.write()
    lanes = model.manifest.input_port.lanes + model.manifest.output_port.lanes
    assert [(ln.k, ln.i, ln.f, ln.width) for ln in lanes] == [(1, 39, 20, 60)] * 2 + [(1, 41, 20, 62)]
