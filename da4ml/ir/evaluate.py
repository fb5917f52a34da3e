"""Exact pure-Python evaluation of one DAIS program (shared/spec/dais.md), one sample at a time.

This is the reference semantics in Python: every value is a Python int counting steps of its op's type, so
nothing can round or overflow silently.  `CombLogic.__call__` on numbers delegates here; the C++ interpreter
(`CombLogic.predict`) must agree with it bit for bit.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import NamedTuple

import numpy as np

from .fixed import kif_of
from .op import Op
from .opcodes import BitBinary, BitUnary, Opcode, opcode_info

__all__ = ["ProgramValueError", "evaluate", "evaluate_exact"]


class ProgramValueError(ValueError):
    """A value left the type or interval its op declares (the program is wrong, not the input)."""


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


class _Decoded(NamedTuple):
    family: int
    neg_a: bool
    neg_b: bool
    fields: dict


_PREP: dict = {}


def _decode(t: int, op: Op) -> _Decoded:
    try:
        info = opcode_info(op.opcode)
    except ValueError:
        raise ProgramValueError(f"op {t}: unknown opcode {op.opcode}") from None
    fields = op.fields
    if "bit_op" in fields:
        try:
            fields["bit_op"] = op.bit_op
        except ValueError as err:
            raise ProgramValueError(f"op {t} ({info.name}): {err}") from None
    return _Decoded(int(info.family), op.neg_a, op.neg_b, fields)


def _prepare(comb):
    """Per-op (k, i, f), the declared interval in integer steps and the decoded fields (cached per program
    object)."""
    key = id(comb)
    hit = _PREP.get(key)
    if hit is not None and hit[0] is comb:
        return hit[1:]
    kifs = [tuple(int(v) for v in op.qint.kif) for op in comb.ops]
    bounds = []
    for op, (_, _, f) in zip(comb.ops, kifs):
        lo = Fraction(op.qint.min) * Fraction(2) ** f
        hi = Fraction(op.qint.max) * Fraction(2) ** f
        bounds.append((-((-lo.numerator) // lo.denominator), hi.numerator // hi.denominator))
    decoded = [_decode(t, op) for t, op in enumerate(comb.ops)]
    if len(_PREP) > 64:
        _PREP.clear()
    _PREP[key] = (comb, kifs, bounds, decoded)
    return kifs, bounds, decoded


def _run(comb, x: Sequence, check_intervals: bool) -> list[int]:
    n_in = comb.shape[0]
    if len(x) != n_in:
        raise ValueError(f"program takes {n_in} inputs, got a sample of {len(x)} values")
    kifs, bounds, decoded = _prepare(comb)
    buf: list[int] = []
    for t, op in enumerate(comb.ops):
        k, i, f = kifs[t]
        w = k + i + f
        fam, neg_a, neg_b, fld = decoded[t]
        a = buf[op.id0] if fam != Opcode.INPUT and op.id0 >= 0 else 0
        ka, ia, fa = kifs[op.id0] if fam != Opcode.INPUT and op.id0 >= 0 else (0, 0, 0)
        if neg_a:
            a = -a
        if fam == Opcode.INPUT:
            xv = x[op.id0]
            if not np.isfinite(float(xv)):
                raise ValueError(f"input {op.id0} is {xv}: inputs must be finite")
            q = Fraction(xv) * Fraction(2) ** (int(comb.inp_shifts[op.id0]) + f)
            v = _wrap(q.numerator // q.denominator, k, w)
        elif fam == Opcode.ADD:
            b = -buf[op.id1] if neg_b else buf[op.id1]
            fb = kifs[op.id1][2]
            shift = fld["shift"]
            F = max(fa, fb - shift)
            v = _rescale((a << (F - fa)) + (b << (F - fb + shift)), F, f)
        elif fam == Opcode.RELU:
            v = 0 if a < 0 else _wrap(_rescale(a, fa, f), k, w)
        elif fam == Opcode.QUANTIZE:
            v = _wrap(_rescale(a, fa, f), k, w)
        elif fam == Opcode.ADD_CONST:
            v = _rescale(a, fa, f) + fld["constant"]
        elif fam == Opcode.CONST:
            v = fld["constant"]
        elif fam == Opcode.MUX:
            c = fld["cond"]
            kc, ic, fc = kifs[c]
            if _msb(buf[c], kc, kc + ic + fc):
                v = _rescale(a, fa, f)
            else:
                b = -buf[op.id1] if neg_b else buf[op.id1]
                v = _rescale(b, kifs[op.id1][2] - fld["shift"], f)
            v = _wrap(v, k, w)
        elif fam == Opcode.MUL:
            v = _rescale(a * buf[op.id1], fa + kifs[op.id1][2], f)
        elif fam == Opcode.LOOKUP:
            wa = ka + ia + fa
            a_min = -(1 << (wa - 1)) if (ka and wa > 0) else 0
            j = fld["table"]
            table = comb.lookup_tables[j]
            idx = a - a_min - fld["table_offset"]
            if not 0 <= idx < len(table):
                raise ProgramValueError(f"op {t} (LOOKUP): index {idx} outside table {j} of {len(table)} entries")
            v = int(table[idx])
        elif fam == Opcode.BIT_UNARY:
            wa = ka + ia + fa
            m = (1 << max(wa, 0)) - 1
            sub = fld["bit_op"]
            if sub == BitUnary.NOT:
                v = ~a & m if not ka else ~a
            elif sub == BitUnary.ANY:
                v = int(a != 0)
            else:  # BitUnary.ALL
                v = int(a & m == m)
        elif fam == Opcode.BIT_BINARY:
            p, q = a, (-buf[op.id1] if neg_b else buf[op.id1])
            d = fld["shift"] + fa - kifs[op.id1][2]
            if d > 0:
                q <<= d
            else:
                p <<= -d
            kind = fld["bit_op"]
            v = p & q if kind == BitBinary.AND else p | q if kind == BitBinary.OR else p ^ q
        else:
            raise ProgramValueError(f"op {t}: unknown opcode {op.opcode}")
        if check_intervals and not (bounds[t][0] <= v <= bounds[t][1]):
            raise ProgramValueError(
                f"op {t} ({Opcode(op.opcode).name}): value {Fraction(v) * Fraction(2) ** -f} outside its declared "
                f"interval [{op.qint.min}, {op.qint.max}] (the program or its types are wrong)"
            )
        buf.append(v)
    return buf


def _quantize_inputs(comb, x: list) -> list:
    """x quantized to the program's input types (floor to each type's step, then wrap into it), exactly."""
    out = []
    for xv, q in zip(x, comb.inp_qint):
        if not np.isfinite(float(xv)):
            raise ValueError(f"input {len(out)} is {xv}: inputs must be finite")
        k, i, f = kif_of(q)
        n = Fraction(xv) * Fraction(2) ** f
        out.append(Fraction(_wrap(n.numerator // n.denominator, k, k + i + f)) * Fraction(2) ** -f)
    return out


def evaluate_exact(
    comb, x: Sequence[float] | np.ndarray, check_intervals: bool = True, quantize: bool = False
) -> list[Fraction]:
    """One sample through `comb`; outputs as exact Fractions (`quantize`: see `evaluate`)."""
    x = list(np.asarray(x, dtype=np.float64).ravel()) if not isinstance(x, (list, tuple)) else list(x)
    if quantize:
        if len(x) != comb.shape[0]:
            raise ValueError(f"program takes {comb.shape[0]} inputs, got a sample of {len(x)} values")
        x = _quantize_inputs(comb, x)
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

    Inputs always go through the INPUT op semantics (floor, then wrap into the INPUT op's type), exactly as
    `predict` does.  `quantize=True` first quantizes each input to the program's input type (`inp_qint`: floor
    to its step, wrap into its range), as the symbolic call does; this differs from the plain semantics only
    where several INPUT ops read one input at different types (each then reads the quantized value).
    `debug=True` (or `check_intervals=True`) checks every value against the interval its op declares and
    raises ProgramValueError naming the first op whose value leaves it: the tracer's and the optimizer's
    programs always pass; the plain semantics (and `predict`) only use each op's type.
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
    return np.array(
        [float(v) for v in evaluate_exact(comb, list(arr), check_intervals, quantize=bool(quantize))], dtype=np.float64
    )
