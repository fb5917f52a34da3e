"""da4ml.trace.ops: operations that work the same on symbolic arrays and on plain numbers."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .._linalg import np_einsum as _np_einsum
from .._numeric import quantize_numeric, relu_numeric
from .._reductions import reduce_tree as _reduce_tree
from .._sort import sort as _sort
from .._sort import sort_numbers as _sort_numbers
from ..fixed_variable import FixedVariable
from ..fixed_variable_array import FixedVariableArray, asarray

__all__ = ["einsum", "quantize", "reduce", "relu", "sort"]

# numeric quantization of number arrays (HGQ2's table layers quantize their tables with it at import time)
_quantize = quantize_numeric


def _sym(x) -> bool:
    return isinstance(x, (FixedVariableArray, FixedVariable)) or (isinstance(x, np.ndarray) and x.dtype == object)


def quantize(x, k, i, f, overflow_mode: str = "WRAP", round_mode: str = "TRN"):
    """Quantize to (k, i, f): symbolic arrays build the hardware; numbers get the bit-identical result."""
    if isinstance(x, FixedVariable):
        return x.quantize(k, i, f, overflow_mode, round_mode)
    if _sym(x):
        return asarray(x).quantize(k, i, f, overflow_mode, round_mode)
    r = quantize_numeric(x, k, i, f, overflow_mode, round_mode)
    return r if np.ndim(x) else r[()]


def relu(x, i=None, f=None, round_mode: str = "TRN"):
    """max(x, 0), optionally quantized to (0, i, f) (WRAP) with round_mode."""
    if isinstance(x, FixedVariable):
        return x.relu(i, f, round_mode)
    if _sym(x):
        return asarray(x).relu(i, f, round_mode)
    r = relu_numeric(x, i, f, round_mode)
    return r if np.ndim(x) else r[()]


def einsum(fn: str, input0, input1):
    """Two-operand einsum; either operand may be a constant numpy array (routed to CMVM)."""
    if not _sym(input0) and not _sym(input1):
        return np.einsum(fn, input0, input1)
    return _np_einsum(fn, input0, input1)


def reduce(operator: Callable, x, axis=None, keepdims: bool = False):
    """Balanced-tree reduction of x with a binary operator (np.add, np.maximum, operator.mul, a lambda...)."""
    if not _sym(x):
        arr = np.asarray(x)
        axes = tuple(range(arr.ndim)) if axis is None else ((axis,) if isinstance(axis, int) else tuple(axis))
        r = arr
        for ax in sorted((a % arr.ndim for a in axes), reverse=True):
            items = [np.take(r, j, axis=ax) for j in range(r.shape[ax])]
            while len(items) > 1:
                nxt = [operator(items[j], items[j + 1]) for j in range(0, len(items) - 1, 2)]
                if len(items) % 2:
                    nxt.append(items[-1])
                items = nxt
            r = items[0]
            if keepdims:
                r = np.expand_dims(r, ax)
        return r

    def elem(a, b):
        r = operator(a, b)
        if isinstance(r, FixedVariableArray) and r.ndim == 0:
            r = r._vars[()]
        return r

    return _reduce_tree(elem, asarray(x), axis, keepdims, name="ops.reduce")


def sort(a, axis=None, kind: str = "batcher", aux_value=None):
    """Sorting network along `axis` (None: flattened), kind 'batcher' or 'bitonic'; with aux_value, returns
    (sorted keys, aux_value permuted alongside).  On numbers the same network runs, so equal keys move their
    aux values as the hardware does."""
    if not _sym(a):
        return _sort_numbers(a, axis, kind, aux_value)
    return _sort(a, axis, kind, aux_value)
