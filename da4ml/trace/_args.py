"""numpy's common arguments on symbolic arrays, each honoured or refused by name: ``out=`` (results written
into a FixedVariableArray), ``where=`` (a constant boolean mask), ``dtype=`` (only None / object: exact types
are (k, i, f), not numpy dtypes) and the ufunc arguments that only steer numpy's memory layout or casting."""

from __future__ import annotations

import numpy as np

from .fixed_variable import FixedVariable
from .fixed_variable_array import FixedVariableArray, asarray

# ufunc keyword arguments that only steer numpy's casting or memory layout: their defaults are what we do
UFUNC_DEFAULTS = {"casting": "same_kind", "order": "K", "subok": True, "signature": None}


def check_dtype(dtype, fname: str) -> None:
    if dtype is None or (isinstance(dtype, (type, np.dtype, str)) and np.dtype(dtype) == np.dtype(object)):
        return
    raise TypeError(
        f"{fname}(..., dtype={dtype!r}): symbolic fixed-point values have no numpy dtype (each has an exact "
        "(k, i, f) type); leave dtype out, and use ops.quantize to change a type"
    )


def check_default(fname: str, name: str, value, default) -> None:
    if value is default or (type(value) is type(default) and value == default):
        return
    raise TypeError(
        f"{fname}(..., {name}={value!r}) has no meaning for symbolic fixed-point values (it steers numpy's "
        f"casting or memory layout): leave it out (default {default!r})"
    )


def check_ufunc_kwargs(fname: str, kwargs: dict) -> None:
    """The ufunc keyword arguments beyond out= / where= / dtype=: defaults pass, anything else is refused."""
    for name, value in kwargs.items():
        if name in UFUNC_DEFAULTS:
            check_default(fname, name, value, UFUNC_DEFAULTS[name])
        else:
            raise TypeError(f"{fname}: keyword argument {name!r} is not supported on symbolic arrays")


def where_mask(where, fname: str, shape: tuple) -> np.ndarray | None:
    """``where=`` as a boolean array of ``shape`` (None: everywhere)."""
    if where is True:
        return None
    if isinstance(where, (FixedVariable, FixedVariableArray)):
        raise TypeError(
            f"{fname}(..., where=...) takes a constant boolean mask; for a symbolic condition use "
            "np.where(condition, x, y)"
        )
    mask = np.asarray(where)
    if mask.dtype != bool:
        raise TypeError(f"{fname}(..., where=...) must be a boolean mask (got dtype {mask.dtype})")
    try:
        return np.broadcast_to(mask, shape)
    except ValueError:
        raise ValueError(
            f"{fname}(..., where=...): a mask of shape {mask.shape} does not broadcast to the shape {tuple(shape)}"
        ) from None


def out_target(out, fname: str) -> FixedVariableArray | None:
    """The FixedVariableArray ``out=`` names (ufuncs pass a 1-tuple), or None."""
    if isinstance(out, tuple):
        if len(out) != 1:
            raise TypeError(f"{fname}(..., out=...) takes one output array, got {len(out)}")
        out = out[0]
    if out is None or isinstance(out, FixedVariableArray):
        return out
    raise TypeError(
        f"{fname}(..., out=...) must be a FixedVariableArray (symbolic values cannot be written into a "
        f"{type(out).__name__}); e.g. out = FixedVariableArray(np.zeros(shape))"
    )


def store(result, out, fname: str, where=True):
    """``result`` written into ``out`` (where ``where`` holds), which is returned; without out, ``result``.

    Like numpy, an element where the mask is False keeps out's value; without out= a mask would leave those
    elements undefined, so that is refused."""
    target = out_target(out, fname)
    if target is None:
        if where is not True:
            raise TypeError(
                f"{fname}(..., where=...) without out=...: the masked-out elements would be undefined (numpy leaves "
                "them uninitialized); pass out= an array holding their values"
            )
        return result
    res = asarray(result)
    try:
        vals = np.broadcast_to(res._vars, target.shape)
    except ValueError:
        raise ValueError(
            f"{fname}: the result of shape {res.shape} does not fit out= of shape {target.shape}"
        ) from None
    mask = where_mask(where, fname, target.shape)
    if mask is None:
        target._vars[...] = vals
    else:
        target._vars[mask] = vals[mask]
    return target
