"""Comparisons as 0/1 values (``< <= > >= == !=``), and the selections built on them: maximum, minimum and
absolute value."""

from __future__ import annotations

from fractions import Fraction

from da4ml.ir import Opcode

from ._arith import add_const, neg, shift, sub
from ._mux import Cond, cond_bit, cond_of, lt, where
from ._quantize import relu
from ._value import Value, real_bounds, require_type


def maximum(x: Value, y: Value) -> Value:
    require_type(x)
    require_type(y)
    xl, xh = real_bounds(x)
    yl, yh = real_bounds(y)
    if xl >= yh:
        return x
    if yl >= xh:
        return y
    if x.const is not None:
        x, y = y, x
    if y.const is not None and y.const == 0:
        return relu(x)
    return where(lt(x, y), y, x, bounds=(max(xl, yl), max(xh, yh)))


def minimum(x: Value, y: Value) -> Value:
    return neg(maximum(neg(x), neg(y)))


def absolute(x: Value) -> Value:
    require_type(x)
    if x.const is not None:
        return x._c(abs(x.const))
    nd = x.node
    base = x._view(nd, 0, False)
    if nd.vmin >= 0:
        return shift(base, x.shift)
    if nd.vmax <= 0:
        return shift(neg(base), x.shift)
    lo, hi = real_bounds(base)
    m = max(-lo, hi)
    negabs = where(Cond(nd), base, neg(base), bounds=(-m, Fraction(0)))  # msb(a) ? a : -a  == -|a|
    return shift(neg(negabs), x.shift)


def less(x, y) -> Value:
    return cond_bit(x, lt(x, y))


def greater(x, y) -> Value:
    return cond_bit(x, lt(y, x))


def less_equal(x, y) -> Value:
    return cond_bit(x, ~lt(y, x))


def greater_equal(x, y) -> Value:
    return cond_bit(x, ~lt(x, y))


def not_equal(x, y) -> Value:
    d = sub(x, y)
    c = cond_of(d)
    if c.node is None:
        return x._c(int(c.value))
    if c.node.width == 1 and c.node.opcode != Opcode.BIT_UNARY:
        return cond_bit(x, c)
    return x._like(c.node, 0, False)


def equal(x, y) -> Value:
    ne = not_equal(x, y)
    if ne.const is not None:
        return ne._c(1 - ne.const)
    return add_const(neg(ne), 1)
