"""Random programs of mixed operations: the traced program (run by the interpreter, every op's value checked
against its declared interval) equals the same operations done in exact Fractions."""

import math
from fractions import Fraction

import numpy as np
import pytest
from trace_util import fr, grid, ref_quantize, run_program

from da4ml.trace import FixedVariableArray, comb_trace, to_pipeline

OVF = ["WRAP", "SAT", "SAT_SYM"]
RND = ["TRN", "RND", "RND_CONV"]


def _width(v_lo, v_hi, step):
    span = max(abs(v_lo), abs(v_hi)) / step
    return int(span).bit_length() + 1


def _random_program(rng, n_in, n_ops):
    prog = []
    for _ in range(n_ops):
        kind = rng.choice(
            [
                "add",
                "sub",
                "mul",
                "cmul",
                "neg",
                "shift",
                "abs",
                "max",
                "min",
                "where",
                "q",
                "relu",
                "cmp",
                "lut",
                "cadd",
            ]
        )
        a, b, c = (int(v) for v in rng.integers(0, n_in + len(prog), 3))
        extra = {
            "const": Fraction(int(rng.integers(-40, 41)), 2 ** int(rng.integers(0, 4))),
            "s": int(rng.integers(-3, 4)),
            "kif": (int(rng.integers(0, 2)), int(rng.integers(-1, 5)), int(rng.integers(-1, 5))),
            "ovf": OVF[int(rng.integers(0, 3))],
            "rnd": RND[int(rng.integers(0, 3))],
            "cmp": int(rng.integers(0, 6)),
        }
        prog.append((kind, a, b, c, extra))
    return prog


CMPS = [
    lambda a, b: a < b,
    lambda a, b: a <= b,
    lambda a, b: a > b,
    lambda a, b: a >= b,
    lambda a, b: a == b,
    lambda a, b: a != b,
]


def _lut_fn(v):
    return np.floor(np.asarray(v) * np.asarray(v) / 3 * 4) / 4


def _apply(kind, a, b, c, e, sym):
    """One step, on FixedVariable (sym) or on Fraction values."""
    if kind == "add":
        return a + b
    if kind == "sub":
        return a - b
    if kind == "mul":
        return a * b
    if kind == "cmul":
        return a * e["const"]
    if kind == "cadd":
        return a + e["const"]
    if kind == "neg":
        return -a
    if kind == "shift":
        return a * Fraction(2) ** e["s"] if not sym else (a << e["s"] if e["s"] >= 0 else a >> -e["s"])
    if kind == "abs":
        return abs(a)
    if kind == "max":
        return np.maximum(a, b) if sym else max(a, b)
    if kind == "min":
        return np.minimum(a, b) if sym else min(a, b)
    if kind == "where":
        return np.where(CMPS[e["cmp"]](a, b), b, c) if sym else (b if CMPS[e["cmp"]](a, b) else c)
    if kind == "q":
        return a.quantize(*e["kif"], e["ovf"], e["rnd"]) if sym else ref_quantize(a, *e["kif"], e["ovf"], e["rnd"])
    if kind == "relu":
        _, i, f = e["kif"]
        if sym:
            return a.relu(i=i, f=f, round_mode=e["rnd"])
        return ref_quantize(max(ref_quantize(a, 1, 200, f, "WRAP", e["rnd"]), 0), 0, i, f)
    if kind == "cmp":
        r = CMPS[e["cmp"]](a, b)
        return r if sym else Fraction(int(r))
    if kind == "lut":
        return a.apply(_lut_fn) if sym else Fraction(float(_lut_fn(float(a))))
    if kind in ("and", "or", "xor"):
        if sym:
            return {"and": a & b, "or": a | b, "xor": a ^ b}[kind]
        F = max(e["kifa"][2], e["kifb"][2])  # patterns aligned at the finer of the two resolutions
        p, q = int(a * 2**F), int(b * 2**F)
        return (
            Fraction({"and": p & q, "or": p | q, "xor": p ^ q}[kind], 2**F)
            if F >= 0
            else Fraction({"and": p & q, "or": p | q, "xor": p ^ q}[kind] * 2**-F)
        )
    if kind == "inv":
        if sym:
            return ~a
        k, i, f = e["kifa"]
        step = Fraction(2) ** -f
        return -a - step if k else (2 ** (k + i + f) - 1) * step - a
    if kind == "any":
        return a.to_bool("any") if sym else Fraction(int(a != 0))
    raise AssertionError(kind)


@pytest.mark.parametrize("seed", range(int(__import__("os").environ.get("FUZZ_N", "12"))))
def test_random_programs(seed):
    rng = np.random.default_rng(1000 + seed)
    n_in = 4
    k = rng.integers(0, 2, n_in)
    i = rng.integers(0, 4, n_in)
    f = rng.integers(0, 4, n_in)
    x = FixedVariableArray.from_kif(k, i, f)
    prog = _random_program(rng, n_in, 24)
    pool = list(x)
    used = []
    for kind, a, b, c, e in prog:
        va, vb, vc = pool[a], pool[b], pool[c]
        if kind == "lut" and (va.const is not None or sum(va.kif) > 10):
            kind = "neg"
        if kind == "mul" and sum(va.kif) + sum(vb.kif) > 30:
            kind = "add"
        e = dict(e, kifa=tuple(int(t) for t in va.kif), kifb=tuple(int(t) for t in vb.kif))
        v = _apply(kind, va, vb, vc, e, True)
        if sum(v.kif) > 24:  # keep the values bounded
            v = v.quantize(1, 6, 4)
            kind = kind + "+q"
        pool.append(v)
        used.append((kind, a, b, c, e))
    outs = pool[n_in:]
    comb = comb_trace(x, outs)
    X = grid(rng, k, i, f, (40, n_in))
    got = run_program(comb, X)
    for r, row in enumerate(X):
        vals = [fr(v) for v in row]
        for kind, a, b, c, e in used:
            base = kind.removesuffix("+q")
            v = _apply(base, vals[a], vals[b], vals[c], e, False)
            if kind.endswith("+q"):
                v = ref_quantize(v, 1, 6, 4)
            vals.append(v)
        assert got[r] == vals[n_in:], f"seed {seed} sample {r}: program {used}"
    # the same program replayed symbolically retraces to itself, and pipelines chain to the same outputs
    x2 = x.as_new()
    assert comb_trace(x2, comb(x2, quantize=True)) == comb
    pipe = to_pipeline(comb, 1.5)
    np.testing.assert_array_equal(pipe.predict(X), comb.predict(X))
    _ = math
