"""numpy functions and ufuncs on FixedVariableArray (registered through __array_function__/__array_ufunc__)."""

from __future__ import annotations

import heapq
import itertools
import operator
from fractions import Fraction

import numpy as np

from . import fixed_variable as fv
from ._node import TraceError
from .fixed_variable import FixedVariable
from .fixed_variable_array import (
    FixedVariableArray,
    _first_var,
    _to_obj,
    asarray_like,
    broadcast_shapes,
    elementwise,
    implements,
)

# ---------------------------------------------------------------------------------------------------------
# ufuncs
# ---------------------------------------------------------------------------------------------------------

_BINARY_UFUNCS = {
    np.add: fv.add,
    np.subtract: fv.sub,
    np.multiply: fv.mul,
    np.true_divide: fv.div,
    np.maximum: fv.maximum,
    np.minimum: fv.minimum,
    np.fmax: fv.maximum,
    np.fmin: fv.minimum,
    np.less: fv.less,
    np.less_equal: fv.less_equal,
    np.greater: fv.greater,
    np.greater_equal: fv.greater_equal,
    np.equal: fv.equal,
    np.not_equal: fv.not_equal,
    np.bitwise_and: fv.bit_and,
    np.bitwise_or: fv.bit_or,
    np.bitwise_xor: fv.bit_xor,
}


def _logical(kind):
    def f(x, y):
        a, b = fv.to_bool(x, "any"), fv.to_bool(y, "any")
        return fv.bit_and(a, b) if kind == "and" else fv.bit_or(a, b) if kind == "or" else fv.bit_xor(a, b)

    return f


_BINARY_UFUNCS[np.logical_and] = _logical("and")
_BINARY_UFUNCS[np.logical_or] = _logical("or")
_BINARY_UFUNCS[np.logical_xor] = _logical("xor")


def _const_arg(x, what: str):
    if isinstance(x, (FixedVariable, FixedVariableArray)):
        c = np.vectorize(lambda v: v.const, otypes=[object])(asarray_like(x)._vars)
        if any(v is None for v in c.flat):
            raise TraceError(f"{what} must be a constant")
        return c
    return np.asarray(x)


def _power(x, n):
    n = _const_arg(n, "the exponent of np.power / **")
    if n.ndim == 0:
        return elementwise(lambda v: fv.power(v, n[()]), asarray_like(x))
    nb = asarray_like(np.asarray(n, dtype=np.int64))
    return elementwise(lambda v, e: fv.power(v, e.const), asarray_like(x), nb)


def _shift_by(x, n, sign):
    n = _const_arg(n, "the shift amount")
    nb = asarray_like(np.asarray(n, dtype=np.int64))
    return elementwise(lambda v, e: fv.shift(v, sign * int(e.const)), asarray_like(x), nb)


_UNARY_UFUNCS = {
    np.negative: fv.neg,
    np.positive: lambda v: v,
    np.absolute: fv.absolute,
    np.fabs: fv.absolute,
    np.square: lambda v: fv.mul(v, v),
    np.invert: fv.invert,
    np.logical_not: lambda v: fv.equal(v, v._c(0)),
    np.floor: lambda v: fv.trn(v, 0),
    np.ceil: lambda v: fv.neg(fv.trn(fv.neg(v), 0)),
    np.rint: lambda v: fv.trn(fv._round(v, 0, "RND_CONV"), 0),
    np.sign: lambda v: fv.sub(fv.greater(v, v._c(0)), fv.less(v, v._c(0))),
    np.conjugate: lambda v: v,
}


def apply_ufunc(ufunc, method, inputs, kwargs):
    name = f"np.{ufunc.__name__}"
    if method == "reduce":
        return _ufunc_reduce(ufunc, inputs[0], **kwargs)
    if method != "__call__":
        raise TypeError(f"{name}.{method} is not supported on symbolic fixed-point arrays")
    for k in list(kwargs):
        if k in ("casting", "order", "subok", "dtype") or (k == "where" and kwargs[k] is True):
            kwargs.pop(k)
    if kwargs:
        raise TypeError(f"{name}: keyword arguments {sorted(kwargs)} are not supported on symbolic arrays")
    if ufunc is np.matmul:
        from ._linalg import matmul

        return matmul(*inputs)
    if ufunc is np.power or ufunc is np.float_power:
        return _power(*inputs)
    if ufunc is np.left_shift:
        return _shift_by(inputs[0], inputs[1], 1)
    if ufunc is np.right_shift:
        return _shift_by(inputs[0], inputs[1], -1)
    if ufunc in _BINARY_UFUNCS:
        a, b = inputs
        ref = a if isinstance(a, (FixedVariableArray, FixedVariable)) else b
        return elementwise(_BINARY_UFUNCS[ufunc], asarray_like(a, ref), asarray_like(b, ref))
    if ufunc in _UNARY_UFUNCS:
        return elementwise(_UNARY_UFUNCS[ufunc], asarray_like(inputs[0]))
    if ufunc.nin == 1 and ufunc.nout == 1:
        return elementwise(lambda v: fv.lookup(v, ufunc, name), asarray_like(inputs[0]))
    raise TypeError(f"{name} is not supported on symbolic fixed-point arrays (FixedVariableArray)")


_REDUCE_ELEM = {
    np.add: fv.add,
    np.maximum: fv.maximum,
    np.minimum: fv.minimum,
    np.multiply: fv.mul,
    np.bitwise_and: fv.bit_and,
    np.bitwise_or: fv.bit_or,
    np.bitwise_xor: fv.bit_xor,
}


def _ufunc_reduce(ufunc, x, axis=0, keepdims=False, **kw):
    if ufunc not in _REDUCE_ELEM:
        raise TypeError(f"np.{ufunc.__name__}.reduce is not supported on symbolic fixed-point arrays")
    return reduce_tree(_REDUCE_ELEM[ufunc], asarray_like(x), axis, keepdims)


# ---------------------------------------------------------------------------------------------------------
# reductions
# ---------------------------------------------------------------------------------------------------------


def _norm_axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for a in axes:
        a = int(a)
        if not -ndim <= a < ndim:
            raise np.exceptions.AxisError(a, ndim)
        out.append(a % ndim)
    return tuple(sorted(set(out)))


def _sum_list(items: list[FixedVariable]) -> FixedVariable:
    """Latency-aware balanced sum (earliest-ready pairs first)."""
    consts = [v for v in items if v.const is not None]
    syms = [v for v in items if v.const is None]
    c = sum((v.const for v in consts), Fraction(0))
    if not syms:
        return items[0]._c(c) if items else FixedVariable(const=0)
    cnt = itertools.count()
    heap = [(v.latency, next(cnt), v) for v in syms]
    heapq.heapify(heap)
    while len(heap) > 1:
        _, _, a = heapq.heappop(heap)
        _, _, b = heapq.heappop(heap)
        s = fv.add(a, b)
        heapq.heappush(heap, (s.latency, next(cnt), s))
    r = heap[0][2]
    return fv.add_const(r, c) if c else r


def _pairwise(fn, items: list[FixedVariable]) -> FixedVariable:
    while len(items) > 1:
        nxt = [fn(items[j], items[j + 1]) for j in range(0, len(items) - 1, 2)]
        if len(items) % 2:
            nxt.append(items[-1])
        items = nxt
    return items[0]


def _reduce_lists(x: FixedVariableArray, axis, keepdims):
    axes = _norm_axes(axis, x.ndim)
    keep = [a for a in range(x.ndim) if a not in axes]
    arr = x._vars.transpose(keep + list(axes))
    rest = tuple(x.shape[a] for a in keep)
    n = int(np.prod([x.shape[a] for a in axes], dtype=np.int64))
    arr = arr.reshape(rest + (n,))
    out_shape = tuple(1 if a in axes else x.shape[a] for a in range(x.ndim)) if keepdims else rest
    return arr, rest, n, out_shape


def _finish(out: np.ndarray, out_shape):
    out = out.reshape(out_shape)
    if out.ndim == 0:
        return out[()]
    return FixedVariableArray(out, _clean=True)


def reduce_tree(fn, x, axis=None, keepdims=False, empty=None, combine=None):
    """Balanced-tree reduction of x along `axis` with the element operation fn."""
    x = asarray_like(x)
    arr, rest, n, out_shape = _reduce_lists(x, axis, keepdims)
    if n == 0 and empty is None:
        raise ValueError("zero-size reduction with no identity (e.g. max/min of an empty array)")
    out = np.empty(rest, dtype=object)
    for idx in np.ndindex(rest):
        items = list(arr[idx])
        if n == 0:
            out[idx] = FixedVariable(const=empty, hwconf=x.hwconf, solver_options=x.solver_options)
        elif combine is not None:
            out[idx] = combine(items)
        else:
            out[idx] = _pairwise(fn, items)
    return _finish(out, out_shape)


@implements(np.sum)
def _np_sum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=True):
    _no_out(out, "np.sum")
    r = reduce_tree(fv.add, a, axis, keepdims, empty=0, combine=_sum_list)
    if initial is not None:
        r = r + initial
    return r


@implements(np.max, np.amax)
def _np_max(a, axis=None, out=None, keepdims=False, initial=None, where=True):
    _no_out(out, "np.max")
    r = reduce_tree(fv.maximum, a, axis, keepdims)
    return np.maximum(r, initial) if initial is not None else r


@implements(np.min, np.amin)
def _np_min(a, axis=None, out=None, keepdims=False, initial=None, where=True):
    _no_out(out, "np.min")
    r = reduce_tree(fv.minimum, a, axis, keepdims)
    return np.minimum(r, initial) if initial is not None else r


@implements(np.prod)
def _np_prod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=True):
    _no_out(out, "np.prod")
    r = reduce_tree(fv.mul, a, axis, keepdims, empty=1)
    return r * initial if initial is not None else r


@implements(np.mean)
def _np_mean(a, axis=None, dtype=None, out=None, keepdims=False, where=True):
    _no_out(out, "np.mean")
    x = asarray_like(a)
    axes = _norm_axes(axis, x.ndim)
    n = int(np.prod([x.shape[ax] for ax in axes], dtype=np.int64))
    if n <= 0 or n & (n - 1):
        raise TraceError(
            f"np.mean over {n} elements divides by {n}, which is not a power of two (no exact fixed-point result): "
            "use np.sum and multiply by a quantized constant instead"
        )
    return _np_sum(x, axis=axis, keepdims=keepdims) / n


@implements(np.any)
def _np_any(a, axis=None, out=None, keepdims=False, where=True):
    _no_out(out, "np.any")
    b = asarray_like(a).to_bool("any")
    return reduce_tree(fv.bit_or, b, axis, keepdims, empty=0)


@implements(np.all)
def _np_all(a, axis=None, out=None, keepdims=False, where=True):
    _no_out(out, "np.all")
    b = asarray_like(a).to_bool("any")
    return reduce_tree(fv.bit_and, b, axis, keepdims, empty=1)


def _no_out(out, name):
    if out is not None:
        raise TypeError(f"{name}(..., out=...) is not supported on symbolic arrays")


# ---------------------------------------------------------------------------------------------------------
# selection
# ---------------------------------------------------------------------------------------------------------


@implements(np.where)
def _np_where(condition, x=None, y=None):
    if x is None or y is None:
        raise TypeError("np.where(condition) with one argument is not supported on symbolic arrays (use 3 arguments)")
    if not isinstance(condition, (FixedVariableArray, FixedVariable)):
        c = np.asarray(condition, dtype=bool)
        ref = x if isinstance(x, (FixedVariableArray, FixedVariable)) else y
        xa, ya = asarray_like(x, ref), asarray_like(y, ref)
        shape = broadcast_shapes(c.shape, xa.shape, ya.shape)
        out = np.where(np.broadcast_to(c, shape), np.broadcast_to(xa._vars, shape), np.broadcast_to(ya._vars, shape))
        return FixedVariableArray(np.asarray(out, dtype=object), _clean=True)
    ca = asarray_like(condition)
    return elementwise(lambda c, a, b: fv.where(fv.cond_of(c), a, b), ca, asarray_like(x, ca), asarray_like(y, ca))


@implements(np.clip)
def _np_clip(a, a_min=None, a_max=None, out=None, **kw):
    _no_out(out, "np.clip")
    a_min = kw.pop("min", a_min)
    a_max = kw.pop("max", a_max)
    r = asarray_like(a)
    if a_min is not None:
        r = np.maximum(r, a_min)
    if a_max is not None:
        r = np.minimum(r, a_max)
    return r


# ---------------------------------------------------------------------------------------------------------
# structure (pure rearrangements of elements)
# ---------------------------------------------------------------------------------------------------------


def _unwrap(obj):
    if isinstance(obj, FixedVariableArray):
        return obj._vars
    if isinstance(obj, FixedVariable):
        return np.array(obj, dtype=object)
    if isinstance(obj, (list, tuple)):
        return type(obj)(_unwrap(o) for o in obj)
    return obj


def _rewrap(obj, ref):
    if isinstance(obj, np.ndarray) and obj.dtype == object:
        return FixedVariableArray(_to_obj(obj, ref), _clean=True)
    if isinstance(obj, list):
        return [_rewrap(o, ref) for o in obj]
    if isinstance(obj, tuple) and obj and isinstance(obj[0], np.ndarray):
        return tuple(_rewrap(o, ref) for o in obj)
    return obj


def _find_ref(args):
    for a in args:
        if isinstance(a, FixedVariableArray):
            return _first_var(a._vars)
        if isinstance(a, FixedVariable):
            return a
        if isinstance(a, (list, tuple)):
            r = _find_ref(a)
            if r is not None:
                return r
    return None


def _to_object_operands(obj):
    """Numeric arrays mixed with symbolic ones become object arrays so numpy keeps exact constants."""
    if isinstance(obj, np.ndarray) and obj.dtype != object:
        return obj.astype(object)
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to_object_operands(o) for o in obj)
    return obj


def _structural(func):
    def impl(*args, **kwargs):
        ref = _find_ref(args)
        a2 = _to_object_operands(_unwrap(args))
        r = func(*a2, **kwargs)
        return _rewrap(r, ref)

    return impl


for _f in (
    np.reshape, np.transpose, np.concatenate, np.stack, np.hstack, np.vstack, np.dstack, np.column_stack,
    np.repeat, np.tile, np.ravel, np.expand_dims, np.squeeze, np.moveaxis, np.swapaxes, np.flip, np.fliplr,
    np.flipud, np.roll, np.broadcast_to, np.atleast_1d, np.atleast_2d, np.atleast_3d, np.split, np.array_split,
    np.take, np.diagonal, np.rot90, np.copy, np.block, np.delete, np.insert, np.append, np.take_along_axis,
    np.broadcast_arrays, np.tril, np.triu, np.diag,
):  # fmt: skip
    implements(_f)(_structural(_f))


@implements(np.shape)
def _np_shape(a):
    return asarray_like(a).shape


@implements(np.ndim)
def _np_ndim(a):
    return asarray_like(a).ndim


@implements(np.size)
def _np_size(a, axis=None):
    x = asarray_like(a)
    return x.size if axis is None else x.shape[axis]


@implements(np.pad)
def _np_pad(array, pad_width, mode="constant", **kw):
    if mode != "constant":
        raise TypeError(f"np.pad mode {mode!r} is not supported on symbolic arrays (only 'constant')")
    cv = kw.pop("constant_values", 0)
    x = asarray_like(array)
    r = np.pad(x._vars, pad_width, mode="constant", constant_values=cv)
    return FixedVariableArray(_to_obj(r, _first_var(x._vars)), _clean=True)


@implements(np.round, np.around)
def _np_round(a, decimals=0, out=None):
    _no_out(out, "np.round")
    if decimals != 0:
        raise TraceError(
            'np.round with decimals != 0 has no exact binary fixed-point form; use ops.quantize(..., round_mode="RND_CONV")'
        )
    return np.rint(a)


# linear algebra and sorting live in their own modules
from . import _linalg as _la
from . import _sort as _so

implements(np.einsum)(_la.np_einsum)
implements(np.dot)(_la.dot)
implements(np.matmul)(_la.matmul)
implements(np.inner)(_la.inner)
implements(np.tensordot)(_la.tensordot)
implements(np.sort)(_so.np_sort)
implements(np.argsort)(_so.np_argsort)

_ = operator
