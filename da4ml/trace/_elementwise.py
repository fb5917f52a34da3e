"""The one operator table: numpy ufunc -> the element-level operation on values.

Python operators reach it through numpy (``NDArrayOperatorsMixin`` turns ``a + b`` into ``np.add(a, b)``), on
scalars directly (``FixedVariable.__array_ufunc__``) and on arrays element by element (``_ufuncs``).  A unary
ufunc with no exact fixed-point form (``np.sin``, ``np.tanh``, ...) becomes a lookup table over the values its
input can take."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._arith import add, div, mul, neg, power_by, shift_by, sub
from ._bits import bit_and, bit_or, bit_xor, invert, to_bool
from ._compare import absolute, equal, greater, greater_equal, less, less_equal, maximum, minimum, not_equal
from ._lut import lookup
from ._rounding import add_rounding, trn
from ._value import Value


def _identity(v: Value) -> Value:
    return v


def _logical(bit_op):
    def fn(x: Value, y: Value) -> Value:
        return bit_op(to_bool(x, "any"), to_bool(y, "any"))

    return fn


BINARY: dict[np.ufunc, Callable[[Value, Value], Value]] = {
    np.add: add,
    np.subtract: sub,
    np.multiply: mul,
    np.true_divide: div,
    np.power: power_by,
    np.float_power: power_by,
    np.left_shift: lambda x, n: shift_by(x, n, 1),
    np.right_shift: lambda x, n: shift_by(x, n, -1),
    np.maximum: maximum,
    np.minimum: minimum,
    np.fmax: maximum,
    np.fmin: minimum,
    np.less: less,
    np.less_equal: less_equal,
    np.greater: greater,
    np.greater_equal: greater_equal,
    np.equal: equal,
    np.not_equal: not_equal,
    np.bitwise_and: bit_and,
    np.bitwise_or: bit_or,
    np.bitwise_xor: bit_xor,
    np.logical_and: _logical(bit_and),
    np.logical_or: _logical(bit_or),
    np.logical_xor: _logical(bit_xor),
}

UNARY: dict[np.ufunc, Callable[[Value], Value]] = {
    np.negative: neg,
    np.positive: _identity,
    np.absolute: absolute,
    np.fabs: absolute,
    np.square: lambda v: mul(v, v),
    np.invert: invert,
    np.logical_not: lambda v: equal(v, v._c(0)),
    np.floor: lambda v: trn(v, 0),
    np.ceil: lambda v: neg(trn(neg(v), 0)),
    np.rint: lambda v: trn(add_rounding(v, 0, "RND_CONV"), 0),
    np.sign: lambda v: sub(greater(v, v._c(0)), less(v, v._c(0))),
    np.conjugate: _identity,
}


def element_function(ufunc: np.ufunc) -> Callable | None:
    """The element-level operation of ``ufunc`` (None: the ufunc has none, e.g. np.floor_divide)."""
    fn = BINARY.get(ufunc) or UNARY.get(ufunc)
    if fn is None and ufunc.nin == 1 and ufunc.nout == 1:
        name = f"np.{ufunc.__name__}"
        return lambda v: lookup(v, ufunc, name)
    return fn
