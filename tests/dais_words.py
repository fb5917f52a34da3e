"""Test-only DAIS binary encoder and exact reference evaluator, written from shared/spec/dais.md alone.

This is the independent truth the C++ interpreter is checked against: plain Python ints, no shared code with
da4ml.ir or native/.  Opcode numbers are spelled out here on purpose (they are the spec's, not the package's).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

INPUT, ADD, SUB, RELU, NEG_RELU, QUANT, NEG_QUANT = -1, 0, 1, 2, -2, 3, -3
ADD_CONST, CONST, MUX, NEG_MUX, MUL, LOOKUP = 4, 5, 6, -6, 7, 8
BIT_UNARY, NEG_BIT_UNARY, BIT_BINARY = 9, -9, 10
NOT, ANY, ALL = 0, 1, 2
AND, OR, XOR = 0, 1, 2


def pack(lo: int, hi: int) -> int:
    """data from its low and high signed 32-bit halves."""
    return (hi << 32) | (lo & 0xFFFFFFFF)


def lo_of(data: int) -> int:
    v = data & 0xFFFFFFFF
    return v - (1 << 32) if v >> 31 else v


def hi_of(data: int) -> int:
    v = (data >> 32) & 0xFFFFFFFF
    return v - (1 << 32) if v >> 31 else v


@dataclass(frozen=True)
class Op:
    opcode: int
    id0: int = -1
    id1: int = -1
    data: int = 0
    kif: tuple[int, int, int] = (1, 7, 0)


@dataclass
class Prog:
    n_in: int
    ops: list[Op]
    out_idxs: list[int]
    inp_shifts: list[int] | None = None
    out_shifts: list[int] | None = None
    out_negs: list[int] | None = None
    tables: list[list[int]] = field(default_factory=list)
    version: int = 1

    def __post_init__(self) -> None:
        n_out = len(self.out_idxs)
        self.inp_shifts = self.inp_shifts if self.inp_shifts is not None else [0] * self.n_in
        self.out_shifts = self.out_shifts if self.out_shifts is not None else [0] * n_out
        self.out_negs = self.out_negs if self.out_negs is not None else [0] * n_out

    @property
    def n_out(self) -> int:
        return len(self.out_idxs)


def _i32(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v >> 31 else v


def encode(p: Prog) -> np.ndarray:
    """The binary words of dais.md "Binary format"."""
    words = [p.version, 0, p.n_in, p.n_out, len(p.ops), len(p.tables)]
    words += list(p.inp_shifts) + list(p.out_idxs) + list(p.out_shifts) + list(p.out_negs)
    for op in p.ops:
        words += [op.opcode, op.id0, op.id1, lo_of(op.data), hi_of(op.data), *op.kif]
    words += [len(t) for t in p.tables]
    for t in p.tables:
        words += list(t)
    return np.array([_i32(w) for w in words], dtype=np.int32)


# ---- exact semantics ---------------------------------------------------------------------------------------


def width(kif: tuple[int, int, int]) -> int:
    return kif[0] + kif[1] + kif[2]


def type_range(kif: tuple[int, int, int]) -> tuple[int, int]:
    k, w = kif[0], width(kif)
    if w <= 0:
        return 0, 0
    return (-(1 << (w - 1)), (1 << (w - 1)) - 1) if k else (0, (1 << w) - 1)


def wrap(v: int, kif: tuple[int, int, int]) -> int:
    w = width(kif)
    if w <= 0:
        return 0
    v &= (1 << w) - 1
    if kif[0] and v >> (w - 1):
        v -= 1 << w
    return v


def rescale(v: int, f_from: int, f_to: int) -> int:
    return v << (f_to - f_from) if f_to >= f_from else v >> (f_from - f_to)


def msb(v: int, kif: tuple[int, int, int]) -> bool:
    w = width(kif)
    if w <= 0:
        return False
    return ((v & ((1 << w) - 1)) >> (w - 1)) == 1


class RangeViolation(Exception):
    """A no-wrap op produced a value outside its declared type (a malformed program)."""


def evaluate(p: Prog, x: list[float]) -> list[float]:
    """Outputs for one sample, exactly per dais.md (floats only at the boundary)."""
    buf = evaluate_values(p, x)
    out = []
    for o, sh, neg in zip(p.out_idxs, p.out_shifts, p.out_negs):
        if o == -1:
            out.append(0.0)
            continue
        v = -buf[o] if neg else buf[o]
        out.append(float(Fraction(v) * Fraction(2) ** (sh - p.ops[o].kif[2])))
    return out


def evaluate_values(p: Prog, x: list[float]) -> list[int]:
    """buf[t] of every op for one sample (integers in steps of each op's type)."""
    buf: list[int] = []
    for t, op in enumerate(p.ops):
        T = op.kif
        A = p.ops[op.id0].kif if op.id0 >= 0 and op.opcode != INPUT else None
        B = p.ops[op.id1].kif if op.id1 >= 0 else None
        a = buf[op.id0] if A else None
        b = buf[op.id1] if B else None
        lo, hi = lo_of(op.data), hi_of(op.data)
        check = False
        if op.opcode == INPUT:
            s = p.inp_shifts[op.id0] + T[2]
            v = wrap(math.floor(Fraction(x[op.id0]) * Fraction(2) ** s), T)
        elif op.opcode in (ADD, SUB):
            F = max(A[2], B[2] - lo)
            sa, sb = a << (F - A[2]), b << (F - B[2] + lo)
            v = rescale(sa + sb if op.opcode == ADD else sa - sb, F, T[2])
            check = True
        elif op.opcode in (RELU, NEG_RELU):
            s = a if op.opcode == RELU else -a
            v = 0 if s < 0 else wrap(rescale(s, A[2], T[2]), T)
        elif op.opcode in (QUANT, NEG_QUANT):
            v = wrap(rescale(a if op.opcode == QUANT else -a, A[2], T[2]), T)
        elif op.opcode == ADD_CONST:
            v = rescale(a, A[2], T[2]) + op.data
            check = True
        elif op.opcode == CONST:
            v = op.data
        elif op.opcode in (MUX, NEG_MUX):
            c = buf[lo]
            if msb(c, p.ops[lo].kif):
                v = rescale(a, A[2], T[2])
            else:
                v = rescale(b if op.opcode == MUX else -b, B[2] - hi, T[2])
            v = wrap(v, T)
        elif op.opcode == MUL:
            v = rescale(a * b, A[2] + B[2], T[2])
            check = True
        elif op.opcode == LOOKUP:
            v = p.tables[lo][a - type_range(A)[0] - hi]
        elif op.opcode in (BIT_UNARY, NEG_BIT_UNARY):
            s = a if op.opcode == BIT_UNARY else -a
            m = (1 << width(A)) - 1 if width(A) > 0 else 0
            if lo == NOT:
                v = ~s & m if A[0] == 0 else ~s
            elif lo == ANY:
                v = int(s != 0)
            else:
                v = int(s & m == m)
            check = True
        elif op.opcode == BIT_BINARY:
            pv = -a if hi & 1 else a
            qv = -b if hi & 2 else b
            d = lo + A[2] - B[2]
            if d > 0:
                qv <<= d
            else:
                pv <<= -d
            which = hi >> 24
            r = pv & qv if which == AND else pv | qv if which == OR else pv ^ qv
            v = rescale(r, max(A[2], B[2] - lo), T[2])
            check = True
        else:
            raise ValueError(f"op {t}: unknown opcode {op.opcode}")
        if check:
            tlo, thi = type_range(T)
            if not tlo <= v <= thi:
                raise RangeViolation(f"op {t}: {v} outside {T}")
        buf.append(v)
    return buf


def evaluate_batch(p: Prog, x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64).reshape(-1, p.n_in)
    return np.array([evaluate(p, list(row)) for row in x], dtype=np.float64).reshape(len(x), p.n_out)


def decode(words: np.ndarray) -> Prog:
    """Inverse of encode (for running the reference on binaries from elsewhere); trusts the words."""
    w = [int(v) for v in np.asarray(words, dtype=np.int32)]
    version, _, n_in, n_out, n_ops, n_tab = w[:6]
    pos = 6

    def take(n: int) -> list[int]:
        nonlocal pos
        pos += n
        return w[pos - n : pos]

    inp_shifts, out_idxs, out_shifts, out_negs = take(n_in), take(n_out), take(n_out), take(n_out)
    ops = []
    for _ in range(n_ops):
        opc, id0, id1, dlo, dhi, k, i, f = take(8)
        ops.append(Op(opc, id0, id1, pack(dlo, dhi), (k, i, f)))
    sizes = take(n_tab)
    tables = [take(s) for s in sizes]
    return Prog(n_in, ops, out_idxs, inp_shifts, out_shifts, out_negs, tables, version)
