"""Predicates and the 2:1 mux: ``Cond`` (the msb of a node, possibly inverted, or a known constant), ``lt``
(x < y as one adder's sign bit), ``cond_bit`` / ``cond_of`` (predicate <-> 0/1 value) and ``where`` (one MUX)."""

from __future__ import annotations

import weakref
from fractions import Fraction

from da4ml.ir import BitUnary, Opcode

from ._arith import add, add_const, clip_interval, neg, node_view, shift
from ._bits import invert
from ._node import Node, mk
from ._rounding import trn, unnegated
from ._types import frac_f, kif_int
from ._value import Value, real_bounds, require_type

_BIT_COND: weakref.WeakKeyDictionary[Node, tuple[Node, bool]] = weakref.WeakKeyDictionary()


class Cond:
    """A predicate: msb(node) xor invert (node None: the constant `value`)."""

    __slots__ = ("invert", "node", "value")

    def __init__(self, node: Node | None, invert: bool = False, value: bool | None = None):
        self.node, self.invert, self.value = node, invert, value

    def __invert__(self) -> Cond:
        if self.node is None:
            return Cond(None, value=not self.value)
        return Cond(self.node, not self.invert)


def lt_const(x: Value, c: Fraction) -> Cond:
    lo, hi = real_bounds(x)
    if hi < c:
        return Cond(None, value=True)
    if lo >= c:
        return Cond(None, value=False)
    x = unnegated(x)
    if not x.neg:
        if c != 0:
            # c is a multiple of 2**e: x < c <=> floor(x / 2**e) < c, and that adder is narrower
            x = trn(x, frac_f(c))
        d = add_const(x, -c)
        return Cond(d.node)
    if c == 0:
        # the sign of -a alone: floor(-a / 2**i) is -1 or 0, one bit (a NEG_QUANTIZE to the sign position)
        i = kif_int(*x.interval())[1]
        return Cond(trn(x, -i).node)
    # x = -a: x < c  <=>  a > -c  <=>  not (a < floor_g(-c) + g)
    a = neg(x)
    g = a.step
    t = ((-c) // g) * g + g
    return ~lt_const(a, t)


def lt(x: Value, y: Value) -> Cond:
    require_type(x)
    require_type(y)
    xl, xh = real_bounds(x)
    yl, yh = real_bounds(y)
    if xh < yl:
        return Cond(None, value=True)
    if xl >= yh:
        return Cond(None, value=False)
    if y.const is not None:
        return lt_const(x, y.const)
    if x.const is not None:
        return lt_const(neg(y), -x.const)
    d = add(x, neg(y))
    if d.const is not None:
        return Cond(None, value=d.const < 0)
    if not d.neg:
        return Cond(d.node)
    e = add(y, neg(x))  # x < y <=> e > 0 <=> not (e < step)
    return ~lt_const(e, e.step)


def cond_bit(x: Value, c: Cond) -> Value:
    """The predicate as a 0/1 value."""
    if c.node is None:
        return x._c(int(c.value))
    node = c.node
    k, i, f = node.kif
    w = k + i + f
    view = x._view(node, 0, False)
    top = f - (w - 1)  # the msb has weight 2**-top
    bit = trn(view, top) if w > 1 else view
    if c.invert:  # ~ flips the one bit: signed {-1, 0} -> {0, -1}, unsigned {0, 1} -> {1, 0}
        bit = invert(bit)
    bit = shift(bit, top)  # now the msb's weight is 1
    if k:
        bit = neg(bit)  # signed msb reads as -1
    _BIT_COND[bit.node] = (node, c.invert)
    return bit


def cond_of(x: Value) -> Cond:
    """The predicate x != 0."""
    require_type(x)
    if x.const is not None:
        return Cond(None, value=x.const != 0)
    nd = x.node
    known = _BIT_COND.get(nd)
    if known is not None:  # a 0/1 value made from a comparison: use the comparison itself
        return Cond(known[0], known[1])
    if nd.vmin > 0 or nd.vmax < 0:
        return Cond(None, value=True)
    if nd.width == 1:
        return Cond(nd)
    anyn = mk(Opcode.BIT_UNARY, nd, None, None, BitUnary.ANY, 0, 1, 0, sub=BitUnary.ANY)
    return Cond(anyn)


def where(c: Cond, x: Value, y: Value, bounds=None, unneg: bool = True) -> Value:
    """c ? x : y (one MSB mux)."""
    require_type(x)
    require_type(y)
    if c.node is None:
        return x if c.value else y
    if c.invert:
        x, y = y, x
    if x.const is not None and y.const is not None and x.const == y.const:
        return x
    if x.const is None and y.const is None and x.node is y.node and x.shift == y.shift and x.neg == y.neg:
        return x
    xv = node_view(x)
    if y.const is not None:
        # canonical form of a constant b operand: a CONST in x's scale and sign, no extra shift (hi = 0)
        cval = y.const * Fraction(2) ** -xv.shift
        yv = x._view(node_view(x._c(-cval if xv.neg else cval)).node, xv.shift, xv.neg)
    else:
        yv = y
        if unneg and yv.neg != xv.neg and yv.neg:
            yv = unnegated(yv)
    a, b = xv.node, yv.node
    hi = yv.shift - xv.shift
    nb = yv.neg != xv.neg
    F = max(a.f, b.f - hi)
    sb = F - b.f + hi
    bmin, bmax = (-b.vmax << sb, -b.vmin << sb) if nb else (b.vmin << sb, b.vmax << sb)
    vmin = min(a.vmin << (F - a.f), bmin)
    vmax = max(a.vmax << (F - a.f), bmax)
    vmin, vmax = clip_interval(vmin, vmax, F, xv.shift, xv.neg, bounds)
    node = mk(Opcode.NEG_MUX if nb else Opcode.MUX, a, b, c.node, hi, vmin, vmax, F)
    return x._like(node, xv.shift, xv.neg)
