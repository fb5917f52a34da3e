"""Selection: np.where (a symbolic condition becomes one mux per element; a constant one picks elements) and
np.clip (constant or symbolic bounds)."""

from __future__ import annotations

import numpy as np

from ._args import check_dtype, check_ufunc_kwargs, store
from ._mux import cond_of, where
from ._registry import implements
from .fixed_variable import FixedVariable
from .fixed_variable_array import FixedVariableArray, asarray, broadcast_shapes, elementwise


@implements(np.where)
def np_where(condition, x=None, y=None):
    if x is None or y is None:
        raise TypeError("np.where(condition) with one argument is not supported on symbolic arrays (use 3 arguments)")
    if not isinstance(condition, (FixedVariableArray, FixedVariable)):
        c = np.asarray(condition, dtype=bool)
        xa, ya = asarray(x), asarray(y)
        shape = broadcast_shapes(c.shape, xa.shape, ya.shape)
        out = np.where(np.broadcast_to(c, shape), np.broadcast_to(xa._vars, shape), np.broadcast_to(ya._vars, shape))
        return FixedVariableArray._wrap(np.asarray(out, dtype=object))
    return elementwise(lambda c, a, b: where(cond_of(c), a, b), asarray(condition), asarray(x), asarray(y))


@implements(np.clip)
def np_clip(a, a_min=np._NoValue, a_max=np._NoValue, out=None, *, min=np._NoValue, max=np._NoValue, **kwargs):
    lo = a_min if min is np._NoValue else min
    hi = a_max if max is np._NoValue else max
    if a_min is not np._NoValue and min is not np._NoValue or a_max is not np._NoValue and max is not np._NoValue:
        raise TypeError("np.clip: pass each bound once (a_min or min=, a_max or max=)")
    where_ = kwargs.pop("where", True)
    check_dtype(kwargs.pop("dtype", None), "np.clip")
    check_ufunc_kwargs("np.clip", kwargs)
    r = asarray(a)
    if lo is not np._NoValue and lo is not None:
        r = np.maximum(r, lo)
    if hi is not np._NoValue and hi is not None:
        r = np.minimum(r, hi)
    return store(r, out, "np.clip", where_)
