"""Exact pure-Python evaluation of one DAIS program (shared/spec/dais.md), one sample at a time.

This is the reference semantics in Python: every value is a Python int counting steps of its op's type, so
nothing can round or overflow silently.  `CombLogic.__call__` on numbers delegates here; the C++ interpreter
(`CombLogic.predict`) must agree with it bit for bit.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from . import Opcode

__all__ = ["ProgramValueError", "evaluate", "evaluate_exact"]


class ProgramValueError(ValueError):
    """A value left the type or interval its op declares (the program is wrong, not the input)."""


_BIT_NOT, _BIT_ANY, _BIT_ALL = 0, 1, 2
_BIN_AND, _BIN_OR, _BIN_XOR = 0, 1, 2


def _wrap(v: int, k: int, w: int) -> int:
    if w <= 0:
        return 0
    if k:
        half = 1 << (w - 1)
        return ((v + half) & ((1 << w) - 1)) - half
    return v & ((1 << w) - 1)


def _rescale(v: int, f_from: int, f_to: int) -> int:
    d = f_to - f_from
    return v << d if d >= 0 else v >> -d


def _msb(v: int, k: int, w: int) -> bool:
    if w <= 0:
        return False
    if k:
        return v < 0
    return bool((v >> (w - 1)) & 1)


def _lo_hi(data: int) -> tuple[int, int]:
    lo = data & 0xFFFFFFFF
    if lo >= 1 << 31:
        lo -= 1 << 32
    return lo, data >> 32


_PREP: dict = {}


def _prepare(comb):
    """Per-op (k, i, f) and the declared interval in integer steps (cached per program object)."""
    key = id(comb)
    hit = _PREP.get(key)
    if hit is not None and hit[0] is comb:
        return hit[1], hit[2]
    kifs = [tuple(int(v) for v in op.qint.kif) for op in comb.ops]
    bounds = []
    for op, (_, _, f) in zip(comb.ops, kifs):
        lo = Fraction(op.qint.min) * Fraction(2) ** f
        hi = Fraction(op.qint.max) * Fraction(2) ** f
        bounds.append((-((-lo.numerator) // lo.denominator), hi.numerator // hi.denominator))
    if len(_PREP) > 64:
        _PREP.clear()
    _PREP[key] = (comb, kifs, bounds)
    return kifs, bounds


def _run(comb, x: Sequence, check_intervals: bool) -> list[int]:
    n_in = comb.shape[0]
    if len(x) != n_in:
        raise ValueError(f"program takes {n_in} inputs, got a sample of {len(x)} values")
    kifs, bounds = _prepare(comb)
    buf: list[int] = []
    for t, op in enumerate(comb.ops):
        k, i, f = kifs[t]
        w = k + i + f
        opc = int(op.opcode)
        a = buf[op.id0] if op.id0 >= 0 and opc != Opcode.INPUT else 0
        ka, ia, fa = kifs[op.id0] if op.id0 >= 0 and opc != Opcode.INPUT else (0, 0, 0)
        lo, hi = _lo_hi(int(op.data))
        if opc == Opcode.INPUT:
            xv = x[op.id0]
            if not np.isfinite(float(xv)):
                raise ValueError(f"input {op.id0} is {xv}: inputs must be finite")
            q = Fraction(xv) * Fraction(2) ** (int(comb.inp_shifts[op.id0]) + f)
            v = _wrap(q.numerator // q.denominator, k, w)
        elif opc in (Opcode.ADD, Opcode.SUB):
            b = buf[op.id1]
            fb = kifs[op.id1][2]
            F = max(fa, fb - lo)
            va = a << (F - fa)
            vb = b << (F - fb + lo)
            v = _rescale(va + vb if opc == Opcode.ADD else va - vb, F, f)
        elif opc in (Opcode.RELU, Opcode.NEG_RELU):
            s = a if opc == Opcode.RELU else -a
            v = 0 if s < 0 else _wrap(_rescale(s, fa, f), k, w)
        elif opc in (Opcode.QUANTIZE, Opcode.NEG_QUANTIZE):
            s = a if opc == Opcode.QUANTIZE else -a
            v = _wrap(_rescale(s, fa, f), k, w)
        elif opc == Opcode.ADD_CONST:
            v = _rescale(a, fa, f) + int(op.data)
        elif opc == Opcode.CONST:
            v = int(op.data)
        elif opc in (Opcode.MUX, Opcode.NEG_MUX):
            kc, ic, fc = kifs[lo]
            if _msb(buf[lo], kc, kc + ic + fc):
                v = _rescale(a, fa, f)
            else:
                b = buf[op.id1] if opc == Opcode.MUX else -buf[op.id1]
                v = _rescale(b, kifs[op.id1][2] - hi, f)
            v = _wrap(v, k, w)
        elif opc == Opcode.MUL:
            b = buf[op.id1]
            v = _rescale(a * b, fa + kifs[op.id1][2], f)
        elif opc == Opcode.LOOKUP:
            wa = ka + ia + fa
            a_min = -(1 << (wa - 1)) if (ka and wa > 0) else 0
            table = comb.lookup_tables[lo]
            idx = a - a_min - hi
            if not 0 <= idx < len(table):
                raise ProgramValueError(f"op {t} (LOOKUP): index {idx} outside table {lo} of {len(table)} entries")
            v = int(table[idx])
        elif opc in (Opcode.BIT_UNARY, Opcode.NEG_BIT_UNARY):
            s = a if opc == Opcode.BIT_UNARY else -a
            wa = ka + ia + fa
            m = (1 << max(wa, 0)) - 1
            if lo == _BIT_NOT:
                v = ~s & m if not ka else ~s
            elif lo == _BIT_ANY:
                v = int(s != 0)
            elif lo == _BIT_ALL:
                v = int(s & m == m)
            else:
                raise ProgramValueError(f"op {t} (BIT_UNARY): unknown sub-operation {lo}")
        elif opc == Opcode.BIT_BINARY:
            p, q = a, buf[op.id1]
            if hi & 1:
                p = -p
            if hi & 2:
                q = -q
            d = lo + fa - kifs[op.id1][2]
            if d > 0:
                q <<= d
            else:
                p <<= -d
            kind = hi >> 24
            if kind == _BIN_AND:
                v = p & q
            elif kind == _BIN_OR:
                v = p | q
            elif kind == _BIN_XOR:
                v = p ^ q
            else:
                raise ProgramValueError(f"op {t} (BIT_BINARY): unknown operation {kind}")
        else:
            raise ProgramValueError(f"op {t}: unknown opcode {opc}")
        if check_intervals and not (bounds[t][0] <= v <= bounds[t][1]):
            raise ProgramValueError(
                f"op {t} ({Opcode(opc).name}): value {Fraction(v) * Fraction(2) ** -f} outside its declared "
                f"interval [{op.qint.min}, {op.qint.max}] (the program or its types are wrong)"
            )
        buf.append(v)
    return buf


def evaluate_exact(comb, x: Sequence[float] | np.ndarray, check_intervals: bool = True) -> list[Fraction]:
    """One sample through `comb`; outputs as exact Fractions."""
    x = list(np.asarray(x, dtype=np.float64).ravel()) if not isinstance(x, (list, tuple)) else list(x)
    buf = _run(comb, x, check_intervals)
    out = []
    for j, o in enumerate(comb.out_idxs):
        if o < 0:
            out.append(Fraction(0))
            continue
        f_o = int(comb.ops[o].qint.kif[2])
        v = Fraction(buf[o]) * Fraction(2) ** (int(comb.out_shifts[j]) - f_o)
        out.append(-v if comb.out_negs[j] else v)
    return out


def evaluate(
    comb,
    x: Sequence[float] | np.ndarray,
    quantize: bool = False,
    debug: bool = False,
    check_intervals: bool | None = None,
) -> np.ndarray:
    """Outputs of `comb` for one sample `x` (shape (n_in,)), or for a batch (shape (batch, n_in)), as float64.

    Inputs always go through the INPUT op semantics (floor, then wrap into the input type), exactly as
    `predict` does; `quantize` is accepted for API symmetry with the symbolic call and changes nothing here.
    With `check_intervals` (default: `debug`), a value outside the interval its op declares raises
    ProgramValueError: the tracer's own programs always pass; the plain semantics (and `predict`) only use
    each op's type.
    """
    if check_intervals is None:
        check_intervals = bool(debug)
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim == 2:
        return (
            np.stack([evaluate(comb, row, quantize, debug, check_intervals) for row in arr])
            if len(arr)
            else np.zeros((0, comb.shape[1]))
        )
    if arr.ndim != 1:
        raise ValueError(f"evaluate takes one sample (n_in,) or a batch (batch, n_in); got shape {arr.shape}")
    return np.array([float(v) for v in evaluate_exact(comb, list(arr), check_intervals)], dtype=np.float64)
