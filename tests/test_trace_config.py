"""Configuration on the inputs, values immutable: one default HWConfig, solver options and hwconf given on the
inputs and carried by every value computed from them, mixed configurations refused naming both, no array ever
rewriting values that other arrays share; the public signatures clients call positionally."""

from __future__ import annotations

import inspect
import json

import numpy as np
import pytest

from da4ml.cmvm import solve
from da4ml.ir import CombLogic, HWConfig, Pipeline
from da4ml.trace import (
    FixedVariable,
    FixedVariableArray,
    FixedVariableArrayInput,
    TraceError,
    cmvm_route,
    comb_trace,
    ops,
    to_pipeline,
)
from da4ml.trace._config import DEFAULT_HWCONF

HW4 = HWConfig(1, 4, -1)


def _inputs(n=3, **kw):
    return FixedVariableArray.from_kif(1, np.full(n, 3), 1, **kw)


def test_one_default_hwconf():
    assert DEFAULT_HWCONF == HWConfig(1, -1, -1)
    defaults = [
        inspect.signature(FixedVariableArray.from_kif).parameters["hwconf"].default,
        inspect.signature(FixedVariableArrayInput).parameters["hwconf"].default,
        inspect.signature(FixedVariable.from_kif).parameters["hwconf"].default,
        inspect.signature(FixedVariableArray.from_lhs).parameters["hwconf"].default,
    ]
    assert all(d is DEFAULT_HWCONF for d in defaults)
    x, u = _inputs(), FixedVariableArrayInput(2)
    assert x.hwconf == u.hwconf == x[0].hwconf == FixedVariable(const=1).hwconf == DEFAULT_HWCONF
    assert comb_trace(x, x * 3).adder_size == 1 and comb_trace(x, x * 3).carry_size == -1


def test_public_signatures_of_api_md():
    def names(fn):
        return [(p.name, p.default) for p in inspect.signature(fn).parameters.values()]

    assert names(FixedVariableArray.__init__)[:3] == [("self", inspect._empty), ("vars", inspect._empty),
                                                       ("solver_options", None)]  # fmt: skip
    assert [n for n, _ in names(FixedVariableArray.__init__)] == ["self", "vars", "solver_options", "hwconf"]
    assert [n for n, _ in names(FixedVariableArray.from_kif)] == ["k", "i", "f", "hwconf", "latency", "solver_options"]
    assert names(FixedVariableArray.from_kif)[4:] == [("latency", 0.0), ("solver_options", None)]
    assert [n for n, _ in names(FixedVariableArrayInput)] == ["shape", "hwconf", "solver_options", "latency"]
    assert [n for n, _ in names(to_pipeline)][:3] == ["comb", "latency_cutoff", "retiming"]


def test_configuration_travels_from_the_inputs_to_every_value():
    so = {"hard_dc": 1}
    x = _inputs(hwconf=HW4, solver_options=so)
    y = np.sum(x * 3 - 1) + x[0]
    assert y.hwconf == HW4 and y.solver_options == so
    assert (x * 2).hwconf == HW4 and (x * 2).solver_options == so
    so["hard_dc"] = 5  # the caller's dict is not the configuration: changing it afterwards changes nothing
    assert x.solver_options == {"hard_dc": 1} and y.solver_options == {"hard_dc": 1}
    y.solver_options["hard_dc"] = 7  # nor is the dict handed out
    assert y.solver_options == {"hard_dc": 1}
    comb = comb_trace(x, y)
    assert (comb.adder_size, comb.carry_size) == (1, 4)


def test_mixed_configurations_raise_naming_both():
    a, b = _inputs(), _inputs(hwconf=HW4)
    with pytest.raises(TraceError, match=r"hwconf=\(1, -1, -1\).*and hwconf=\(1, 4, -1\)"):
        _ = a + b
    c = _inputs(solver_options={"hard_dc": 2})
    with pytest.raises(TraceError, match=r"solver_options=None and .*solver_options=\{'hard_dc': 2\}"):
        _ = np.maximum(a, c)
    # values that never meet in an op still cannot share one program
    with pytest.raises(TraceError, match=r"comb_trace mixes .*hwconf=\(1, 4, -1\)"):
        comb_trace([a, b], [a * 3, b * 3])
    # nor one constant-matrix product
    with pytest.raises(TraceError, match=r"constant-matrix product mixes"):
        _ = np.concatenate([a, b]) @ np.ones((6, 2))
    # constants have no configuration: they mix with anything
    assert comb_trace(b, b + np.array([1.0, 2.0, 3.0])).carry_size == 4


def test_arrays_never_rewrite_shared_values():
    x = _inputs(hwconf=HW4)
    shared = x * 3
    with pytest.raises(TraceError, match=r"hwconf=HWConfig\(adder_size=1, carry_size=-1.*traced with hwconf"):
        FixedVariableArray(shared._vars, hwconf=HWConfig(1, -1, -1))
    with pytest.raises(TraceError, match="solver_options"):
        FixedVariableArray(shared._vars, {"hard_dc": 0})
    assert shared.hwconf == HW4 and all(v.hwconf == HW4 for v in shared._vars)
    with pytest.raises(AttributeError, match="belongs to the inputs"):
        shared[0].hwconf = HWConfig(1, -1, -1)
    with pytest.raises(AttributeError, match="belongs to the inputs"):
        shared.solver_options = {"hard_dc": 0}
    # augmented assignment rebinds: the values another array holds stay as they were
    alias = shared
    shared += 1
    assert shared is not alias and comb_trace(x, alias).predict(np.array([[1.0, 2.0, 3.0]])).tolist() == [[3, 6, 9]]


def test_hgq2_calls_the_constructor_with_solver_options_positionally():
    so = {"hard_dc": 0}
    x = _inputs(solver_options=so)
    y = x @ np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.0]])
    again = FixedVariableArray(y._vars, y.solver_options)  # hgq/_dais_tracer/layers/*.py
    assert again.solver_options == so and again.hwconf == DEFAULT_HWCONF
    state = FixedVariableArray(np.zeros((2,), dtype=np.float32), y.solver_options, hwconf=y.hwconf)  # alkaid rnn
    assert state.solver_options == so and state.hwconf == DEFAULT_HWCONF
    consts = FixedVariableArray(np.ones(2), {"hard_dc": 3}, hwconf=HW4)  # constants only: the stated one
    assert consts.solver_options == {"hard_dc": 3} and consts.hwconf == HW4
    assert comb_trace(x, again + state).shape == (3, 2)


def test_cmvm_reads_the_inputs_solver_options():
    seen = []

    def spy(kernel, **kw):
        seen.append(kw)
        return solve(kernel, **kw)

    old = cmvm_route.SOLVER
    cmvm_route.SOLVER, _ = spy, cmvm_route._CACHE.clear()
    try:
        x = _inputs(hwconf=HWConfig(1, 3, -1), solver_options={"hard_dc": 1})
        view = FixedVariableArray(x._vars)  # an array made from the values: same configuration
        _ = view @ np.array([[3.0, 1.0], [5.0, -2.0], [1.0, 1.0]])
        assert seen[-1]["hard_dc"] == 1 and seen[-1]["carry_size"] == 3
    finally:
        cmvm_route.SOLVER = old
        cmvm_route._CACHE.clear()


def test_unquantized_inputs_carry_their_configuration():
    u = FixedVariableArrayInput((2,), hwconf=HW4, solver_options={"hard_dc": 2})
    assert u.hwconf == HW4 and u[0].solver_options == {"hard_dc": 2}
    q = u.quantize(1, 3, 2)
    assert q.hwconf == HW4 and comb_trace(u, q * 3).carry_size == 4
    fresh = u.as_new()
    assert fresh.hwconf == HW4 and fresh[1].solver_options == {"hard_dc": 2}


def test_exact_intervals_is_a_field_of_the_program(tmp_path):
    """comb_trace says its intervals are exact; staging and JSON keep the claim, the binary cannot hold it, and
    a program without it replays by the letter of the spec (a mux wraps into its type: one op more here)."""
    x = FixedVariableArray.from_kif([1, 1], [3, 5], [1, 0])
    comb = comb_trace(x, [ops.quantize(np.maximum(x[0], x[1]), 1, 3, 1, "SAT"), np.maximum(x[0] * 3, x[1])])
    assert comb.exact_intervals and isinstance(comb.ops, list) and type(comb.ops) is list
    pipe = to_pipeline(comb, 1.0)
    assert len(pipe) > 1 and all(s.exact_intervals for s in pipe) and pipe.flatten().exact_intervals
    comb.save(tmp_path / "c.json")
    assert CombLogic.load(tmp_path / "c.json").exact_intervals
    assert json.loads((tmp_path / "c.json").read_text())["exact_intervals"] is True
    pipe.save(tmp_path / "p.json")
    assert all(s.exact_intervals for s in Pipeline.load(tmp_path / "p.json"))
    assert not CombLogic.from_binary(comb.to_binary()).exact_intervals
    x2 = x.as_new()
    assert comb_trace(x2, comb(x2)) == comb
    untrusted = comb._replace(exact_intervals=False)
    x3 = x.as_new()
    again = comb_trace(x3, untrusted(x3))
    assert len(again.ops) == len(comb.ops) + 1
    X = np.array([[-8.0, -32.0], [7.5, 31.0], [2.0, 7.0], [-1.5, 0.0]])
    assert again.predict(X).tolist() == comb.predict(X).tolist()
