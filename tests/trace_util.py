"""Shared helpers for the tracer tests: one place that runs a traced program, and exact references.

`run_program` runs a program through both the C++ interpreter (CombLogic.predict) and the exact Python
evaluator, and requires them to agree."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from da4ml.ir.evaluate import evaluate_exact
from da4ml.trace import FixedVariableArray, comb_trace


def run_program(comb, X) -> list[list[Fraction]]:
    """Outputs of `comb` for each row of X, as exact Fractions.

    Runs the validated C++ interpreter and the exact Python evaluator (which also checks every op's value
    against its declared interval) and requires them to agree bit for bit."""
    X = np.atleast_2d(np.asarray(X, dtype=np.float64))
    ref = [evaluate_exact(comb, list(row)) for row in X]
    Y = comb.predict(X) if len(X) else np.zeros((0, comb.shape[1]))
    got = [[Fraction(float(v)) for v in row] for row in Y]
    assert got == ref, "C++ interpreter and Python evaluator disagree"
    return got


def grid(rng, k, i, f, size) -> np.ndarray:
    """Random values exactly on the grid of type (k, i, f) (broadcast), including both extremes often."""
    k, i, f = (np.broadcast_to(np.asarray(v), size) for v in (k, i, f))
    w = k + i + f
    lo = np.where(k == 1, -(2.0 ** (w - 1)), 0.0)
    hi = np.where(k == 1, 2.0 ** (w - 1) - 1, 2.0**w - 1)
    n = np.floor(lo + rng.random(size) * (hi - lo + 1))
    pick = rng.random(size)
    n = np.where(pick < 0.08, lo, np.where(pick > 0.92, hi, n))
    n = np.where(w <= 0, 0.0, n)
    return n * 2.0 ** (-f.astype(np.float64))


def fr(v) -> Fraction:
    return Fraction(float(v))


def ref_quantize(v: Fraction, k: int, i: int, f: int, overflow: str = "WRAP", rnd: str = "TRN") -> Fraction:
    """Independent exact reference of fixed-point quantization (rounding, then overflow)."""
    step = Fraction(1, 2**f) if f >= 0 else Fraction(2 ** (-f))
    q = v / step
    fl = math.floor(q)
    if rnd == "TRN":
        n = fl
    elif rnd == "RND":
        n = math.floor(q + Fraction(1, 2))
    else:  # half to even
        d = q - fl
        n = fl + 1 if d > Fraction(1, 2) else fl if d < Fraction(1, 2) else (fl if fl % 2 == 0 else fl + 1)
    w = k + i + f
    if w <= 0:
        return Fraction(0)
    lo = -(2 ** (w - 1)) if k else 0
    hi = 2 ** (w - 1) - 1 if k else 2**w - 1
    if overflow == "WRAP":
        n = (n - lo) % (2**w) + lo
    else:
        if overflow == "SAT_SYM" and k:
            lo = -hi
        n = max(lo, min(hi, n))
    return n * step


def trace_and_run(x: FixedVariableArray, y, X):
    comb = comb_trace(x, y)
    return comb, run_program(comb, X)


def assert_exact(got: list[list[Fraction]], want: list[list[Fraction]], X=None):
    assert len(got) == len(want)
    for r, (g, w) in enumerate(zip(got, want)):
        assert list(g) == list(w), f"sample {r}: input {None if X is None else list(X[r])}\n got  {g}\n want {w}"


def frac_array(row) -> np.ndarray:
    """A row of floats as an object array of exact Fractions."""
    a = np.empty(np.shape(row), dtype=object)
    for idx, v in np.ndenumerate(np.asarray(row)):
        a[idx] = Fraction(float(v))
    return a


def flat_fracs(v) -> list[Fraction]:
    return [
        Fraction(x) if not isinstance(x, (bool, np.bool_)) else Fraction(int(x))
        for x in np.asarray(v, dtype=object).ravel()
    ]


def check(fn_sym, fn_ref, k, i, f, shape, n=40, seed=0):
    """Trace fn_sym on inputs of type (k, i, f) and shape; compare against fn_ref on exact Fractions."""
    rng = np.random.default_rng(seed)
    kk, ii, ff = (np.broadcast_to(np.asarray(v), shape) for v in (k, i, f))
    x = FixedVariableArray.from_kif(kk, ii, ff)
    y = fn_sym(x)
    comb = comb_trace(x, y)
    X = grid(rng, kk, ii, ff, (n,) + tuple(shape)).reshape(n, -1)
    got = run_program(comb, X)
    want = [flat_fracs(fn_ref(frac_array(row.reshape(shape)))) for row in X]
    assert_exact(got, want, X)
    return comb
