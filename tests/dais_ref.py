"""A tiny exact-integer DAIS evaluator written from shared/spec/dais.md alone (independent truth for the
codegen tests: it shares no code with da4ml.codegen or the C++ interpreter)."""

from __future__ import annotations

import math
from fractions import Fraction

from da4ml.ir import Opcode, kif_of


def _wrap(v: int, k: int, w: int) -> int:
    if w <= 0:
        return 0
    v &= (1 << w) - 1
    if k and v >= 1 << (w - 1):
        v -= 1 << w
    return v


def _rescale(v: int, f_from: int, f_to: int) -> int:
    return v << (f_to - f_from) if f_to >= f_from else v >> (f_from - f_to)


def _msb(v: int, k: int, w: int) -> bool:
    if w <= 0:
        return False
    return v < 0 if k else bool((v >> (w - 1)) & 1)


def _lo(data: int) -> int:
    v = data & 0xFFFFFFFF
    return v - (1 << 32) if v >= 1 << 31 else v


def _hi(data: int) -> int:
    return data >> 32


def evaluate(comb, samples) -> list[list[Fraction]]:
    """Outputs (exact Fractions) of ``comb`` for each sample; inputs as exact real values (Fractions/ints)."""
    results = []
    for x in samples:
        buf: list[int] = []
        kifs = []
        for t, op in enumerate(comb.ops):
            k, i, f = kif_of(op.qint)
            w = k + i + f
            code = Opcode(op.opcode)
            lo, hi = _lo(op.data), _hi(op.data)
            A = kifs[op.id0] if op.id0 >= 0 and code not in (Opcode.INPUT,) and op.id0 < t else None
            B = kifs[op.id1] if op.id1 >= 0 and op.id1 < t else None
            a = buf[op.id0] if A is not None else None
            b = buf[op.id1] if B is not None else None
            if code == Opcode.INPUT:
                s = comb.inp_shifts[op.id0]
                v = _wrap(math.floor(Fraction(x[op.id0]) * Fraction(2) ** (s + f)), k, w)
            elif code in (Opcode.ADD, Opcode.SUB):
                F = max(A[2], B[2] - lo)
                sa = a << (F - A[2])
                sb = b << (F - (B[2] - lo))
                v = _rescale(sa + sb if code == Opcode.ADD else sa - sb, F, f)
            elif code in (Opcode.RELU, Opcode.NEG_RELU):
                s = a if code == Opcode.RELU else -a
                v = 0 if s < 0 else _wrap(_rescale(s, A[2], f), k, w)
            elif code in (Opcode.QUANTIZE, Opcode.NEG_QUANTIZE):
                s = a if code == Opcode.QUANTIZE else -a
                v = _wrap(_rescale(s, A[2], f), k, w)
            elif code == Opcode.ADD_CONST:
                v = _rescale(a, A[2], f) + op.data
            elif code == Opcode.CONST:
                v = op.data
            elif code in (Opcode.MUX, Opcode.NEG_MUX):
                C = kifs[lo]
                c = buf[lo]
                if _msb(c, C[0], sum(C)):
                    v = _rescale(a, A[2], f)
                else:
                    sb = b if code == Opcode.MUX else -b
                    v = _rescale(sb, B[2] - hi, f)
                v = _wrap(v, k, w)
            elif code == Opcode.MUL:
                v = _rescale(a * b, A[2] + B[2], f)
            elif code == Opcode.LOOKUP:
                aw = sum(A)
                a_min = -(1 << (aw - 1)) if A[0] and aw > 0 else 0
                v = comb.lookup_tables[lo][a - a_min - hi]
            elif code in (Opcode.BIT_UNARY, Opcode.NEG_BIT_UNARY):
                s = a if code == Opcode.BIT_UNARY else -a
                aw = max(sum(A), 0)
                m = (1 << aw) - 1
                if lo == 0:
                    r = ~s
                    if not A[0]:
                        r &= m
                    v = _wrap(_rescale(r, A[2], f), k, w)
                elif lo == 1:
                    v = _rescale(int(s != 0), 0, f)
                else:
                    v = _rescale(int((s & m) == m), 0, f)
            elif code == Opcode.BIT_BINARY:
                p, q = a, b
                if hi & 1:
                    p = -p
                if hi & 2:
                    q = -q
                d = lo + A[2] - B[2]
                if d > 0:
                    q <<= d
                else:
                    p <<= -d
                F = max(A[2], B[2] - lo)
                opk = (hi >> 24) & 0xFF
                r = (p & q) if opk == 0 else (p | q) if opk == 1 else (p ^ q)
                v = _wrap(_rescale(r, F, f), k, w)
            else:
                raise AssertionError(code)
            buf.append(v)
            kifs.append((k, i, f))
        out = []
        for o, sh, ng in zip(comb.out_idxs, comb.out_shifts, comb.out_negs):
            if o < 0:
                out.append(Fraction(0))
                continue
            val = Fraction(buf[o]) * Fraction(2) ** (sh - kifs[o][2])
            out.append(-val if ng else val)
        results.append(out)
    return results
