"""ufuncs on symbolic arrays: element by element through the one operator table (``_elementwise``), with
numpy's ``out=`` / ``where=`` / ``dtype=``; the ``reduce`` method of the ufuncs that have an element operation
to reduce with; np.round / np.around (np.rint)."""

from __future__ import annotations

import numpy as np

from ._args import check_dtype, check_ufunc_kwargs, store
from ._arith import add, mul
from ._bits import bit_and, bit_or, bit_xor
from ._compare import maximum, minimum
from ._elementwise import BINARY, UNARY, element_function
from ._errors import TraceError
from ._reductions import reduce_tree
from ._registry import OTHER_UNARY, implements, implements_ufunc
from .fixed_variable_array import asarray, elementwise


@implements_ufunc(*BINARY, *UNARY, OTHER_UNARY)
def ufunc_call(ufunc, *inputs, out=None, where=True, dtype=None, **kwargs):
    name = f"np.{ufunc.__name__}"
    check_dtype(dtype, name)
    check_ufunc_kwargs(name, kwargs)
    r = elementwise(element_function(ufunc), *(asarray(v) for v in inputs))
    return store(r, out, name, where)


_REDUCE = {
    np.add: add,
    np.multiply: mul,
    np.maximum: maximum,
    np.minimum: minimum,
    np.bitwise_and: bit_and,
    np.bitwise_or: bit_or,
    np.bitwise_xor: bit_xor,
}


@implements_ufunc(*_REDUCE, method="reduce")
def ufunc_reduce(ufunc, x, axis=0, dtype=None, out=None, keepdims=False, initial=None, where=True):
    name = f"np.{ufunc.__name__}.reduce"
    check_dtype(dtype, name)
    if initial is np._NoValue:
        initial = None
    if where is not True and initial is None and ufunc.identity is None:
        raise ValueError(
            f"{name}(..., where=...): np.{ufunc.__name__} has no identity, so a where= mask needs initial="
        )
    r = reduce_tree(_REDUCE[ufunc], x, axis, keepdims, where=where, initial=initial, identity=ufunc.identity, name=name)
    return store(r, out, name)


@implements(np.round, np.around)
def np_round(a, decimals=0, out=None):
    if decimals != 0:
        raise TraceError(
            'np.round with decimals != 0 has no exact binary fixed-point form; use ops.quantize(..., round_mode="RND_CONV")'
        )
    return store(np.rint(a), out, "np.round")
