"""Dropping and wrapping bits: floor to a grid (``trn``), two's-complement wrap into a type (``wrap``), the
rounding offsets of RND / RND_CONV (``add_rounding``), and moving a pending negation into the op that needs it
(``unnegated``, ``requant``)."""

from __future__ import annotations

from fractions import Fraction

from da4ml.ir import Opcode

from ._arith import add, add_const, clip_interval, neg, shift
from ._node import mk
from ._numeric import quantize_frac, round_int
from ._types import frac, frac_f, type_range
from ._value import Value, real_bounds


def unnegated(x: Value) -> Value:
    """An equal view without a pending negation, when that costs no extra adder:
    -(a - b) = b - a (operands swapped) and -(a + c) = (-c) - a (a SUB from a CONST); else x itself."""
    if not x.neg or x.const is None and x.node.opcode not in (Opcode.SUB, Opcode.ADD_CONST):
        return x
    n = x.node
    lo, hi = real_bounds(x)
    if n.opcode == Opcode.SUB:
        a = x._view(n.a, x.shift, False)
        b = x._view(n.b, x.shift + n.data, False)
        return add(b, neg(a), bounds=(lo, hi))
    if n.f < n.a.f:  # an ADD_CONST that also drops bits: -(floor(a) + c) is not c' - a
        return x
    # -(a + c) * 2**s = (c' - a) * 2**s with c' = -c: SUB(CONST c', a)
    cn = -frac(n.data, n.f)
    cf = frac_f(cn)
    cnode = mk(
        Opcode.CONST,
        None,
        None,
        None,
        int(cn * Fraction(2) ** cf),
        int(cn * Fraction(2) ** cf),
        int(cn * Fraction(2) ** cf),
        cf,
    )
    a = n.a
    F = max(cf, a.f)
    cv = int(cn * Fraction(2) ** F)
    vmin, vmax = cv - (a.vmax << (F - a.f)), cv - (a.vmin << (F - a.f))
    vmin, vmax = clip_interval(vmin, vmax, F, x.shift, False, (lo, hi))
    node = mk(Opcode.SUB, cnode, a, None, 0, vmin, vmax, F)
    return x._like(node, x.shift, False)


def requant(x: Value, opcode_pos, opcode_neg, vmin: int, vmax: int, fv: int, data=0) -> Value:
    """New node reading x's node, result in view units 2**-fv with integers vmin..vmax (signed view ints)."""
    x = unnegated(x)
    a = x.node
    node = mk(opcode_neg if x.neg else opcode_pos, a, None, None, data, vmin, vmax, fv + x.shift)
    return x._like(node, x.shift, False)


def trn(x: Value, f: int) -> Value:
    """Drop fractional bits below 2**-f (floor)."""
    nmin, nmax, fv = x.interval()
    if x.const is not None:
        return x._c(frac(round_int(x.const, f, "TRN"), f))
    if fv <= f:
        return x
    d = fv - f
    return requant(x, Opcode.QUANTIZE, Opcode.NEG_QUANTIZE, nmin >> d, nmax >> d, f)


def wrap(x: Value, k: int, i: int, f: int) -> Value:
    """Two's-complement wrap into (k, i, f) (x already on a grid no finer than 2**-f)."""
    nmin, nmax, fv = x.interval()
    if x.const is not None:
        return x._c(quantize_frac(x.const, k, i, max(f, fv), "WRAP", "TRN"))
    lo, hi = type_range(k, i, fv)
    if lo <= nmin and nmax <= hi:
        return x
    if k + i + fv <= 0:  # the grid step is at least the modulus: every value wraps to 0
        return x._c(0)
    return requant(x, Opcode.QUANTIZE, Opcode.NEG_QUANTIZE, lo, hi, fv)


def add_rounding(x: Value, f: int, round_mode: str) -> Value:
    """x rounded (RND / RND_CONV) to the grid 2**-f, *before* the final bit drop: returns t with
    trn(t, f) == round(x)."""
    fv = x.interval()[2]
    if fv <= f or round_mode == "TRN":
        return x
    half = Fraction(1, 2) * Fraction(2) ** -f
    if round_mode == "RND":
        return add_const(x, half)
    # RND_CONV: floor(x + half - ulp + lsb) where lsb is bit f of x (the LSB of the truncated value)
    ulp = Fraction(2) ** -fv
    q = trn(x, f)
    bit = wrap(q, 0, 1 - f, f)  # values {0, 2**-f}
    t = add_const(x, half - ulp)
    return add(t, shift(bit, f - fv))
