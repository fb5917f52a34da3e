"""Reductions: np.sum, np.prod, np.max/np.min (amax/amin), np.mean, np.any, np.all, with numpy's ``axis``,
``keepdims``, ``initial``, ``where`` (a constant mask: masked-out elements take no part) and ``out``, and the
balanced-tree ``reduce_tree`` they share with ``ops.reduce`` and the ufunc ``reduce`` methods."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ._args import check_dtype, store, where_mask
from ._arith import add, mul, sum_values
from ._bits import bit_and, bit_or
from ._compare import maximum, minimum
from ._errors import TraceError
from ._registry import implements
from .fixed_variable import FixedVariable, as_value
from .fixed_variable_array import FixedVariableArray, asarray


def norm_axes(axis, ndim: int) -> tuple[int, ...]:
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


def _pairwise(fn: Callable, items: list[FixedVariable]) -> FixedVariable:
    while len(items) > 1:
        nxt = [fn(items[j], items[j + 1]) for j in range(0, len(items) - 1, 2)]
        if len(items) % 2:
            nxt.append(items[-1])
        items = nxt
    return items[0]


def _grouped(arr: np.ndarray, axes: Sequence[int]) -> np.ndarray:
    """arr with the reduced axes moved last and merged into one."""
    keep = [a for a in range(arr.ndim) if a not in axes]
    n = int(np.prod([arr.shape[a] for a in axes], dtype=np.int64))
    return arr.transpose(keep + list(axes)).reshape(tuple(arr.shape[a] for a in keep) + (n,))


def reduce_tree(
    fn: Callable,
    x,
    axis=None,
    keepdims: bool = False,
    *,
    where=True,
    initial=None,
    identity=None,
    combine: Callable | None = None,
    name: str = "reduce",
):
    """Balanced-tree reduction of x along ``axis`` with the element operation ``fn`` (``combine``: a function
    of the whole list instead).  ``where``: a constant mask; ``initial``: combined with each result (and the
    result of an empty reduction); ``identity``: the result of an empty reduction without ``initial``."""
    x = asarray(x)
    axes = norm_axes(axis, x.ndim)
    mask = where_mask(where, name, x.shape)
    arr = _grouped(x._vars, axes)
    marr = None if mask is None else _grouped(np.asarray(mask), axes)
    rest = arr.shape[:-1]
    out_shape = tuple(1 if a in axes else x.shape[a] for a in range(x.ndim)) if keepdims else rest
    init = None if initial is None else as_value(initial)
    if mask is not None and init is None and identity is None:
        raise ValueError(f"{name}(..., where=...): the operation has no identity, so a where= mask needs initial=")
    out = np.empty(rest, dtype=object)
    for idx in np.ndindex(rest):
        items = list(arr[idx]) if marr is None else [v for v, m in zip(arr[idx], marr[idx]) if m]
        if not items:
            if init is None and identity is None:
                raise ValueError(
                    f"{name}: zero-size reduction with no identity (e.g. max/min of an empty array, or a where= mask "
                    "that selects nothing): pass initial="
                )
            out[idx] = init if init is not None else FixedVariable(const=identity)
            continue
        r = combine(items) if combine is not None else _pairwise(fn, items)
        out[idx] = r if init is None else fn(r, init)
    out = out.reshape(out_shape)
    return out[()] if out.ndim == 0 else FixedVariableArray._wrap(out)


def _initial(initial):
    return None if initial is np._NoValue else initial


@implements(np.sum)
def np_sum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=True):
    check_dtype(dtype, "np.sum")
    r = reduce_tree(add, a, axis, keepdims, where=where, initial=_initial(initial), identity=0, combine=sum_values,
                    name="np.sum")  # fmt: skip
    return store(r, out, "np.sum")


@implements(np.prod)
def np_prod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=True):
    check_dtype(dtype, "np.prod")
    r = reduce_tree(mul, a, axis, keepdims, where=where, initial=_initial(initial), identity=1, name="np.prod")
    return store(r, out, "np.prod")


@implements(np.max, np.amax)
def np_max(a, axis=None, out=None, keepdims=False, initial=None, where=True):
    r = reduce_tree(maximum, a, axis, keepdims, where=where, initial=_initial(initial), name="np.max")
    return store(r, out, "np.max")


@implements(np.min, np.amin)
def np_min(a, axis=None, out=None, keepdims=False, initial=None, where=True):
    r = reduce_tree(minimum, a, axis, keepdims, where=where, initial=_initial(initial), name="np.min")
    return store(r, out, "np.min")


@implements(np.mean)
def np_mean(a, axis=None, dtype=None, out=None, keepdims=False, where=True):
    check_dtype(dtype, "np.mean")
    x = asarray(a)
    axes = norm_axes(axis, x.ndim)
    mask = where_mask(where, "np.mean", x.shape)
    if mask is None:
        counts = np.full((), int(np.prod([x.shape[ax] for ax in axes], dtype=np.int64)))
    else:
        counts = np.sum(np.asarray(mask), axis=axes, keepdims=keepdims)
    # the sum divided by the count: exact for powers of two, else by the float32 reciprocal (_arith.div)
    for n in {int(c) for c in np.ravel(counts)}:
        if n <= 0:
            raise TraceError("np.mean over 0 elements (where= selects none along the axis): it has no value")
    s = np_sum(x, axis=axis, keepdims=keepdims, where=where)
    if mask is None:
        r = s / int(counts)
    else:
        r = s / counts.astype(np.float64) if np.ndim(counts) else s / int(counts)
    return store(r, out, "np.mean")


@implements(np.any)
def np_any(a, axis=None, out=None, keepdims=False, where=True):
    b = asarray(a).to_bool("any")
    r = reduce_tree(bit_or, b, axis, keepdims, where=where, identity=0, name="np.any")
    return store(r, out, "np.any")


@implements(np.all)
def np_all(a, axis=None, out=None, keepdims=False, where=True):
    b = asarray(a).to_bool("any")
    r = reduce_tree(bit_and, b, axis, keepdims, where=where, identity=1, name="np.all")
    return store(r, out, "np.all")
