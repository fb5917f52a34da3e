"""Independent exact truth for the CMVM tests: a Fraction-based evaluator of shift-add DAIS programs,
exact linear-form ranges, CSD weights and random kernels.  Shared by tests/test_cmvm_*.py."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

INPUT, ADD, SUB = -1, 0, 1  # checked against da4ml.ir.Opcode in test_cmvm_api.py


def lo32(data: int) -> int:
    x = int(data) & 0xFFFFFFFF
    return x - (1 << 32) if x & 0x80000000 else x


def on_grid(v: Fraction, qint) -> bool:
    lo, hi, step = (Fraction(float(t)) for t in qint)
    return lo <= v <= hi and (v / step).denominator == 1


def run_stage(stage, x: list[Fraction]) -> list[Fraction]:
    """Exact outputs of one shift-add stage; asserts every value lies in its op's interval, on its grid."""
    buf: list[Fraction] = []
    for t, op in enumerate(stage.ops):
        if op.opcode == INPUT:
            v = x[op.id0] * Fraction(2) ** int(stage.inp_shifts[op.id0])
        elif op.opcode in (ADD, SUB):
            assert op.id0 < t and op.id1 < t, f"op {t} reads a later value"
            b = buf[op.id1] * Fraction(2) ** lo32(op.data)
            v = buf[op.id0] + b if op.opcode == ADD else buf[op.id0] - b
        else:
            raise AssertionError(f"op {t}: unexpected opcode {op.opcode} in a CMVM program")
        assert on_grid(v, op.qint), f"op {t}: value {v} outside its interval {op.qint}"
        buf.append(v)
    out = []
    for o, s, neg in zip(stage.out_idxs, stage.out_shifts, stage.out_negs):
        if o < 0:
            out.append(Fraction(0))
            continue
        v = buf[o] * Fraction(2) ** int(s)
        out.append(-v if neg else v)
    return out


def run_pipeline(pipe, x: list[Fraction]) -> list[Fraction]:
    for stage in pipe:
        x = run_stage(stage, x)
    return x


def reference(kernel: np.ndarray, x: list[Fraction]) -> list[Fraction]:
    w = [[Fraction(float(v)) for v in row] for row in kernel]
    return [sum((x[i] * w[i][j] for i in range(len(x))), Fraction(0)) for j in range(kernel.shape[1])]


def grid_inputs(qints, rng: np.random.Generator, n: int) -> list[list[Fraction]]:
    """n input vectors on the input grids: both extremes first, then uniform draws."""
    out = []
    for k in range(n):
        x = []
        for lo, hi, step in qints:
            a, b = round(lo / step), round(hi / step)
            m = a if k == 0 else b if k == 1 else int(rng.integers(a, b + 1))
            x.append(Fraction(m) * Fraction(float(step)))
        out.append(x)
    return out


def exact_kernel(pipe, n_in: int) -> np.ndarray:
    """The matrix of a linear pipeline, from exact evaluation on unit inputs (no interpreter needed)."""
    cols = []
    for i in range(n_in):
        x = [Fraction(0)] * n_in
        x[i] = Fraction(1)
        cols.append(run_pipeline_unchecked(pipe, x))
    return np.array([[float(v) for v in row] for row in cols])


def run_pipeline_unchecked(pipe, x: list[Fraction]) -> list[Fraction]:
    for stage in pipe:
        buf: list[Fraction] = []
        for op in stage.ops:
            if op.opcode == INPUT:
                buf.append(x[op.id0] * Fraction(2) ** int(stage.inp_shifts[op.id0]))
            else:
                b = buf[op.id1] * Fraction(2) ** lo32(op.data)
                buf.append(buf[op.id0] + b if op.opcode == ADD else buf[op.id0] - b)
        x = [
            Fraction(0) if o < 0 else (-1 if neg else 1) * buf[o] * Fraction(2) ** int(s)
            for o, s, neg in zip(stage.out_idxs, stage.out_shifts, stage.out_negs)
        ]
    return x


def exact_ranges(stage) -> list[tuple[Fraction, Fraction]]:
    """Exact (min, max) of every op for independent inputs over their intervals (linear forms)."""
    forms: list[dict[int, Fraction]] = []
    for op in stage.ops:
        if op.opcode == INPUT:
            forms.append({op.id0: Fraction(1)})
        else:
            sgn = 1 if op.opcode == ADD else -1
            f = dict(forms[op.id0])
            for i, c in forms[op.id1].items():
                f[i] = f.get(i, Fraction(0)) + sgn * c * Fraction(2) ** lo32(op.data)
            forms.append({i: c for i, c in f.items() if c != 0})
    inp = {op.id0: op.qint for op in stage.ops if op.opcode == INPUT}
    out = []
    for f in forms:
        lo = hi = Fraction(0)
        for i, c in f.items():
            a, b = c * Fraction(float(inp[i][0])), c * Fraction(float(inp[i][1]))
            lo += min(a, b)
            hi += max(a, b)
        out.append((lo, hi))
    return out


def csd_weight(n: int) -> int:
    w = 0
    while n:
        if n & 1:
            n -= 1 if n & 3 == 1 else -1
            w += 1
        n >>= 1
    return w


def digits_lower_bound(kernel: np.ndarray, latencies: np.ndarray | None = None) -> float:
    """max over columns of the minimal depth summing its CSD digits (each arriving at its input latency)."""
    n_in, n_out = kernel.shape
    lat = np.zeros(n_in) if latencies is None else np.asarray(latencies, dtype=float)
    best = 0.0
    for j in range(n_out):
        arr = []
        for i in range(n_in):
            v = Fraction(float(kernel[i, j]))
            if v == 0:
                continue
            # digits of the entry as an integer times a power of two (the power does not change the count)
            while v.denominator != 1:
                v *= 2
            n = int(v)
            while n % 2 == 0:
                n //= 2
            arr += [lat[i]] * csd_weight(n)
        if not arr:
            continue
        arr.sort()
        while len(arr) > 1:  # combining the two earliest is optimal
            a, b = arr.pop(0), arr.pop(0)
            arr.append(max(a, b) + 1)
            arr.sort()
        best = max(best, arr[0])
    return best


def random_kernel(rng: np.random.Generator, n_in: int, n_out: int, bits: int, kind: str) -> np.ndarray:
    half = 1 << (bits - 1)
    w = rng.integers(-half, half + 1, size=(n_in, n_out)).astype(np.float64)
    if kind == "sparse":
        w[rng.random(w.shape) < 0.75] = 0
    elif kind == "pow2":
        w = np.where(rng.random(w.shape) < 0.5, 0.0, np.sign(w) * 2.0 ** rng.integers(0, bits, w.shape))
    elif kind == "fractional":
        w = w * 2.0 ** rng.integers(-6, 2, size=(n_in, 1))
    elif kind == "copies" and n_out >= 4:
        w[:, 1] = -w[:, 0]
        w[:, 2] = 4 * w[:, 0]
        w[:, 3] = w[:, 0]
    elif kind == "zero":
        w[:] = 0
    elif kind == "zero_cols" and n_out >= 2:
        w[:, ::2] = 0
    return w


def width_of_qint(q) -> int:
    lo, hi, step = (Fraction(float(t)) for t in q)
    a, b = int(lo / step), int(hi / step)
    if a == 0 and b == 0:
        return 0
    if a < 0:
        return 1 + max(-a - 1, b).bit_length()
    return b.bit_length()


def log2_ceil(n: int) -> int:
    return max(0, math.ceil(math.log2(n))) if n > 0 else 0
