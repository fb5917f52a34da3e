"""Pure rearrangements of elements (reshape, concatenate, stack, take, pad, ...): numpy's own implementation runs
on the object arrays of values, so every argument means what numpy says; np.shape / np.ndim / np.size."""

from __future__ import annotations

import numpy as np

from ._args import check_dtype, out_target
from ._registry import implements
from .fixed_variable import FixedVariable
from .fixed_variable_array import FixedVariableArray, _to_obj, asarray


def _unwrap(obj):
    """Symbolic arrays as object ndarrays (numpy promotes numeric operands mixed with them to object)."""
    if isinstance(obj, FixedVariableArray):
        return obj._vars
    if isinstance(obj, FixedVariable):
        return np.array(obj, dtype=object)
    if isinstance(obj, (list, tuple)):
        return type(obj)(_unwrap(o) for o in obj)
    return obj


def _rewrap(obj):
    if isinstance(obj, np.ndarray) and obj.dtype == object:
        return FixedVariableArray._wrap(_to_obj(obj))
    if isinstance(obj, list):
        return [_rewrap(o) for o in obj]
    if isinstance(obj, tuple) and obj and isinstance(obj[0], np.ndarray):
        return tuple(_rewrap(o) for o in obj)
    return obj


def _structural(func):
    name = f"np.{func.__name__}"

    def impl(*args, **kwargs):
        if "dtype" in kwargs:
            check_dtype(kwargs["dtype"], name)
        out = out_target(kwargs.get("out"), name)
        if out is not None:
            kwargs["out"] = out._vars
        r = func(*_unwrap(args), **{k: _unwrap(v) for k, v in kwargs.items()})
        return out if out is not None else _rewrap(r)

    return impl


STRUCTURAL = (
    np.reshape, np.transpose, np.concatenate, np.stack, np.hstack, np.vstack, np.dstack, np.column_stack,
    np.repeat, np.tile, np.ravel, np.expand_dims, np.squeeze, np.moveaxis, np.swapaxes, np.flip, np.fliplr,
    np.flipud, np.roll, np.broadcast_to, np.atleast_1d, np.atleast_2d, np.atleast_3d, np.split, np.array_split,
    np.take, np.diagonal, np.rot90, np.copy, np.block, np.delete, np.insert, np.append, np.take_along_axis,
    np.broadcast_arrays, np.tril, np.triu, np.diag,
)  # fmt: skip
for _func in STRUCTURAL:
    implements(_func)(_structural(_func))


@implements(np.shape)
def np_shape(a):
    return asarray(a).shape


@implements(np.ndim)
def np_ndim(a):
    return asarray(a).ndim


@implements(np.size)
def np_size(a, axis=None):
    x = asarray(a)
    return x.size if axis is None else x.shape[axis]


_PAD_MODES = ("constant", "edge", "wrap", "reflect", "symmetric")  # rearrangements (the others compute)
_PAD_OPTIONS = {"constant": {"constant_values"}, "reflect": {"reflect_type"}, "symmetric": {"reflect_type"}}


@implements(np.pad)
def np_pad(array, pad_width, mode="constant", **kwargs):
    if mode not in _PAD_MODES:
        raise TypeError(
            f"np.pad mode {mode!r} is not supported on symbolic arrays (it computes values): use one of {_PAD_MODES}"
        )
    extra = sorted(set(kwargs) - _PAD_OPTIONS.get(mode, set()))
    if extra:
        raise TypeError(f"np.pad(..., mode={mode!r}): {', '.join(extra)} has no meaning in this mode")
    kw = {k: _unwrap(v) for k, v in kwargs.items()}
    if mode == "constant":
        kw.setdefault("constant_values", 0)
    return FixedVariableArray._wrap(_to_obj(np.pad(asarray(array)._vars, pad_width, mode=mode, **kw)))
