"""Bit operations on the two's-complement patterns (DAIS BIT_UNARY / BIT_BINARY): ``~``, the OR / AND of a
value's bits (``to_bool``) and ``& | ^`` of two values."""

from __future__ import annotations

from fractions import Fraction

from da4ml.ir import BitBinary, BitUnary, Opcode

from ._arith import node_view
from ._node import mk
from ._rounding import requant
from ._types import frac, frac_f, kif_int, width_int
from ._value import Value, require_type


def invert(x: Value) -> Value:
    """~x on x's two's-complement pattern at its own resolution (signed: -x - step)."""
    require_type(x)
    nmin, nmax, fv = x.interval()
    if x.const is not None:
        k, i, f = kif_int(nmin, nmax, fv)
        n = nmin
        return x._c(frac(~n if k else (~n) & ((1 << (k + i + f)) - 1), fv))
    if x.neg:
        x = requant(x, Opcode.QUANTIZE, Opcode.NEG_QUANTIZE, nmin, nmax, fv)
    a = x.node
    k, i, f = a.kif
    if k:
        vmin, vmax = -a.vmax - 1, -a.vmin - 1
    else:
        m = (1 << (k + i + f)) - 1
        vmin, vmax = m - a.vmax, m - a.vmin
    node = mk(Opcode.BIT_UNARY, a, None, None, BitUnary.NOT, vmin, vmax, a.f, sub=BitUnary.NOT)
    return x._like(node, x.shift, False)


def to_bool(x: Value, mode: str = "any") -> Value:
    require_type(x)
    mode = str(mode).lower()
    if mode not in ("any", "all"):
        raise ValueError(f"to_bool mode {mode!r}: use 'any' (OR of the bits) or 'all' (AND of the bits)")
    nmin, nmax, fv = x.interval()
    if x.const is not None:
        k, i, f = kif_int(nmin, nmax, fv)
        m = (1 << max(k + i + f, 0)) - 1
        return x._c(int(nmin != 0) if mode == "any" else int(nmin & m == m))
    sub_ = BitUnary.ANY if mode == "any" else BitUnary.ALL
    node = mk(Opcode.NEG_BIT_UNARY if x.neg else Opcode.BIT_UNARY, x.node, None, None, sub_, 0, 1, 0, sub=sub_)
    return x._like(node, 0, False)


def bitwise(kind: str, x: Value, y: Value) -> Value:
    require_type(x)
    require_type(y)
    if x.const is not None and y.const is not None:
        F = max(frac_f(x.const), frac_f(y.const))
        p, q = int(x.const * Fraction(2) ** F), int(y.const * Fraction(2) ** F)
        r = p & q if kind == "and" else p | q if kind == "or" else p ^ q
        return x._c(frac(r, F))
    if x.const is not None:
        x, y = y, x
    xv = x
    if y.const is not None:  # canonical: a CONST in x's scale (lo = 0)
        yv = x._view(node_view(x._c(y.const * Fraction(2) ** -xv.shift)).node, xv.shift, False)
    else:
        yv = y
    a, b = xv.node, yv.node
    lo = yv.shift - xv.shift
    F = max(a.f, b.f - lo)
    pa = (-a.vmax, -a.vmin) if xv.neg else (a.vmin, a.vmax)
    qb = (-b.vmax, -b.vmin) if yv.neg else (b.vmin, b.vmax)
    pa = (pa[0] << (F - a.f), pa[1] << (F - a.f))
    sb = F - b.f + lo
    qb = (qb[0] << sb, qb[1] << sb)
    if pa[0] >= 0 and qb[0] >= 0:
        top = (1 << max(pa[1], qb[1]).bit_length()) - 1
        vmin, vmax = {"and": (0, min(pa[1], qb[1])), "or": (max(pa[0], qb[0]), top), "xor": (0, top)}[kind]
    elif kind == "and" and (pa[0] >= 0 or qb[0] >= 0):
        vmin, vmax = 0, pa[1] if pa[0] >= 0 else qb[1]
    else:
        # both as signed patterns: the result fits the wider signed width
        wb = max(width_int(min(pa[0], -1), pa[1]), width_int(min(qb[0], -1), qb[1]))
        vmin, vmax = -(1 << (wb - 1)), (1 << (wb - 1)) - 1
    data = (lo, xv.neg, yv.neg, BitBinary[kind.upper()])  # the fields shift, neg_a, neg_b, bit_op
    node = mk(Opcode.BIT_BINARY, a, b, None, data, vmin, vmax, F, sub=int(xv.neg) + int(yv.neg))
    return x._like(node, xv.shift, False)


def bit_and(x, y):
    return bitwise("and", x, y)


def bit_or(x, y):
    return bitwise("or", x, y)


def bit_xor(x, y):
    return bitwise("xor", x, y)
