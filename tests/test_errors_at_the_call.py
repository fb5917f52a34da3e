"""Bad input fails at the call that caused it, naming the value and the fix (issue 18, items 4-8): never at
the first predict/write, never a Python internal (OverflowError, 'cannot convert float NaN'), never silently."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from da4ml.cmvm import solve
from da4ml.ir import CombLogic, HWConfig
from da4ml.trace import FixedVariableArray, TraceError, comb_trace, ops


def _x(shape=(), i=3, f=3):
    return FixedVariableArray.from_kif(np.ones(shape, int), i, f)


# -- item 4: float-valued tables ------------------------------------------------------------------------
@pytest.mark.parametrize("fn", [np.tanh, np.sin, lambda v: v.apply(lambda t: t / 3)], ids=["tanh", "sin", "apply"])
def test_unquantized_float_table_refused_at_trace_time(fn):
    x = _x((2,))
    y = fn(x)
    with pytest.raises(TraceError, match=r"32-bit words of a DAIS lookup table: quantize its result"):
        comb_trace(x, y)
    # the fix the message names works, and is exact against the float function
    q = ops.quantize(y, 1, 1, 12)
    comb = comb_trace(x, q)
    xs = np.arange(-64, 64)[:, None] / 8 * np.ones((1, 2))
    want = ops.quantize(np.tanh(xs), 1, 1, 12) if fn is np.tanh else None
    got = comb.predict(xs)
    if want is not None:
        np.testing.assert_array_equal(got, want)


# -- item 5: width overflow -----------------------------------------------------------------------------
@pytest.mark.parametrize("w", [1.1e30, 1e30])
def test_matmul_with_huge_weights_refused_at_the_product(w):
    x = _x((3,), 7, 0)
    with pytest.raises(ValueError, match=r"63.*(Quantize the operands|quantize the kernel)"):
        _ = x @ np.full((3, 3), w)  # the CMVM solution is checked as it is spliced in


def test_aligned_sum_check_matches_the_reader():
    """Every ADD the tracer accepts, the C++ reader accepts: sweep the shift between two operands across the
    62-bit limit and compare the trace's verdict with the reader's on the same program."""
    for shift in range(50, 64):
        x = FixedVariableArray.from_kif(np.ones(2, int), 7, 0)
        try:
            y = x[0] + x[1] * 2.0**shift
        except TraceError:
            continue  # refused at the call
        comb_trace(x, y).predict(np.array([[-128.0, -128.0], [127.0, 127.0]]))  # the reader accepts it


def test_solve_of_a_float_kernel_refused_by_solve():
    with pytest.raises(ValueError, match=r"solve\(\): stage 0 .*needs 63 bits.*quantize the kernel"):
        solve(np.full((3, 3), 0.1))
    solve(np.full((3, 3), 0.125)).predict(np.ones((1, 3)))  # a short binary fraction is fine


# -- item 6: argument validation ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kif,match",
    [((2, 3, 3), "k=2 must be 0"), ((-1, 3, 3), "k=-1 must be 0"), ((1, 3.5, 3), "i=3.5 must be a whole"),
     ((1, np.nan, 3), "i=nan must be a whole"), ((1, 3, np.inf), "f=inf must be a whole"),
     ((1, "3", 3), "i='3' must be a number"), ((1, 3, 2**40), "outside")],
)  # fmt: skip
def test_quantize_kif_checked(kif, match):
    x = _x()
    for call in (lambda: x.quantize(*kif), lambda: ops.quantize(x, *kif), lambda: ops.quantize(0.5, *kif)):
        with pytest.raises(ValueError, match=match):
            call()
    with pytest.raises(ValueError, match=match):
        FixedVariableArray.from_kif(*kif)
    y = x.quantize(1.0, 3.0, 2.0)  # integral floats (HGQ's arrays) are fine
    assert [int(np.asarray(v)) for v in y.kif] == [1, 3, 2]


@pytest.mark.parametrize("v", [np.nan, np.inf, -np.inf])
def test_numeric_quantize_of_non_finite_names_the_value(v):
    with pytest.raises(ValueError, match="finite numbers only"):
        ops.quantize(np.array([0.5, v]), 1, 3, 3)


@pytest.mark.parametrize(
    "args,match",
    [((-5, -1, -1), "adder_size=-5"), ((1, -5, -1), "carry_size=-5"), ((1.5, -1, -1), "adder_size=1.5"),
     ((1, -1, np.nan), "latency_cutoff=nan"), ((1, -1, -np.inf), "latency_cutoff=-inf"),
     ((1, -1, "2"), "latency_cutoff='2' must be a number"), ((1, -1, 0), "latency_cutoff=0 is not a latency")],
)  # fmt: skip
def test_hwconfig_fields_checked(args, match):
    with pytest.raises(ValueError, match=match):
        HWConfig(*args)
    assert HWConfig(1, -1, -1) == (1, -1, -1) and HWConfig(1, 4, 2.5).latency_cutoff == 2.5


@pytest.mark.parametrize(
    "subs,match",
    [("i,ij->k", "'k' appear in no operand"), ("i,ij->jj", "'j' repeated"), ("1,12->2", "not a subscript label")],
)
def test_einsum_subscripts_checked(subs, match):
    with pytest.raises(ValueError, match=match):
        np.einsum(subs, _x((2,)), np.ones((2, 2)))


def _json_prog() -> dict:
    x = _x((2,))
    return comb_trace(x, x[0] + x[1]).to_json_dict()


WRONG = ["x", 1.5, None, True, [], {}, float("inf"), float("nan"), 2**70, -(2**70)]


def _paths(obj, path=()):
    """Every field of a JSON program: top-level keys, each list entry, each op's seven fields and interval."""
    yield path
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _paths(v, (*path, k))
    elif isinstance(obj, list):
        for j, v in enumerate(obj):
            yield from _paths(v, (*path, j))


def test_every_json_field_with_every_wrong_type():
    """A wrong value in any field is a ValueError naming the field (or, if it happens to be a valid value
    there, a program that validates), never a truncation, OverflowError or TypeError."""
    base = _json_prog()
    n = 0
    for path in list(_paths(base))[1:]:
        if path[0] in ("format", "version"):
            continue
        for bad in WRONG:
            obj = json.loads(json.dumps(base))
            node = obj
            for p in path[:-1]:
                node = node[p]
            if node[path[-1]] == bad and type(node[path[-1]]) is type(bad):
                continue
            node[path[-1]] = bad
            try:
                comb = CombLogic.from_json_dict(obj)
            except ValueError as err:
                assert str(path[0]) in str(err) or "op " in str(err) or "output" in str(err), (path, bad, err)
                n += 1
                continue
            except Exception as err:  # noqa: BLE001
                pytest.fail(f"{path} = {bad!r}: {type(err).__name__}: {err}")
            latency_or_cost = path[0] == "ops" and len(path) == 3 and path[2] in (5, 6)
            assert type(bad) in (int, bool) or latency_or_cost, (path, bad)  # else only an int can fit
            comb.validate()
    assert n > 200


def test_json_load_of_a_binary_says_so(tmp_path):
    x = _x((2,))
    comb = comb_trace(x, x[0] + x[1])
    comb.save_binary(tmp_path / "p.json")
    with pytest.raises(ValueError, match="not UTF-8 text.*load_binary"):
        CombLogic.load(tmp_path / "p.json")


# -- item 8: equality is the program --------------------------------------------------------------------
def test_binary_round_trip_is_equal_and_annotations_are_separate():
    x = _x((3,))
    comb = comb_trace(x, [x[0] * x[1] + x[2], np.tanh(x[2]).quantize(1, 1, 8)])
    back = CombLogic.from_binary(comb.to_binary())
    assert comb.cost > 0 and back.cost == 0  # the binary stores no cost ...
    assert back == comb  # ... and == is the program (api.md: "same program")
    assert not back.same_annotations(comb)
    assert CombLogic.from_json_dict(comb.to_json_dict()).same_annotations(comb)
    other = comb._replace(out_shifts=[1, 0])
    assert other != comb  # a different program is still unequal


# -- item 7: da4ml inspect ------------------------------------------------------------------------------
def test_inspect_reads_everything_and_continues_past_bad_files(tmp_path):
    from da4ml.trace import to_pipeline

    x = _x((4,), 3, 2)
    comb = comb_trace(x, x @ (np.arange(8).reshape(4, 2) / 4))
    comb.save_binary(tmp_path / "c.bin")
    comb.save(tmp_path / "c.json")
    to_pipeline(comb, 1).save(tmp_path / "p.json")
    hostile = comb.to_binary().copy()
    hostile[6 + 4 + 2] = 2**30  # out_shifts[0] (after the header, 4 inp_shifts, 2 out_idxs): values beyond float64
    hostile.tofile(tmp_path / "hostile.bin")
    (tmp_path / "junk.json").write_text("{")
    files = ["hostile.bin", "c.bin", "junk.json", "c.json", "p.json"]
    res = subprocess.run(
        [sys.executable, "-m", "da4ml", "inspect", *files], check=False, cwd=tmp_path, capture_output=True, text=True
    )
    assert res.returncode == 1 and "Traceback" not in res.stderr, res.stderr
    assert "hostile.bin: error: output 0: out_shifts=1073741824" in res.stderr
    assert "junk.json: error:" in res.stderr
    lat = f"latency {comb.latency[0]:g}..{comb.latency[1]:g}"
    lines = res.stdout.splitlines()
    assert f"cost {comb.cost:g} LUTs, {lat} (estimated" in lines[0]  # the binary's figures, re-estimated
    assert f"cost {comb.cost:g} LUTs, {lat} (saved)" in lines[2]
    assert lines[4].startswith("p.json: ") and "-stage pipeline" in lines[4]
