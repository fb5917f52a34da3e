"""Sorting networks (Batcher odd-even merge sort, bitonic) on symbolic arrays, and argsort."""

from __future__ import annotations

import numpy as np

from . import fixed_variable as fv
from ._node import TraceError
from .fixed_variable_array import FixedVariableArray, asarray_like


def _pow2(n: int) -> int:
    p = 1
    while p < n:
        p *= 2
    return p


def batcher_pairs(n: int) -> list[list[tuple[int, int]]]:
    """Layers of ascending comparators (i < j: min goes to i) sorting n values (Batcher odd-even merge)."""
    N = _pow2(n)
    layers = []
    p = 1
    while p < N:
        k = p
        while k >= 1:
            layer = []
            for j in range(k % p, N - k, 2 * k):
                for i in range(min(k, N - j - k)):
                    if (i + j) // (2 * p) == (i + j + k) // (2 * p):
                        a, b = i + j, i + j + k
                        if b < n:  # padding with +inf at the end: comparators touching it are no-ops
                            layer.append((a, b))
            if layer:
                layers.append(layer)
            k //= 2
        p *= 2
    return layers


def bitonic_pairs(n: int) -> list[list[tuple[int, int]]]:
    """Layers of ascending comparators of a bitonic sorter (the variant whose comparators all ascend)."""
    N = _pow2(n)
    layers = []
    k = 2
    while k <= N:
        layer = [(i, i ^ (k - 1)) for i in range(N) if (i ^ (k - 1)) > i and (i ^ (k - 1)) < n]
        if layer:
            layers.append(layer)
        j = k // 4
        while j >= 1:
            layer = [(i, i ^ j) for i in range(N) if (i ^ j) > i and (i ^ j) < n]
            if layer:
                layers.append(layer)
            j //= 2
        k *= 2
    return layers


_KINDS = {"batcher": batcher_pairs, "bitonic": bitonic_pairs}


def _network(kind: str, n: int):
    kind = "batcher" if kind in (None, "quicksort", "stable", "mergesort", "heapsort") else str(kind).lower()
    if kind not in _KINDS:
        raise ValueError(f"sort kind {kind!r} is not a sorting network: use 'batcher' or 'bitonic'")
    return _KINDS[kind](n)


def _sort_rows(keys: np.ndarray, auxs: list[np.ndarray], kind: str):
    """keys, auxs: object arrays (rows, n); sorted along the last axis."""
    rows, n = keys.shape
    keys = keys.copy()
    auxs = [a.copy() for a in auxs]
    for layer in _network(kind, n):
        for i, j in layer:
            for r in range(rows):
                a, b = keys[r, i], keys[r, j]
                c = fv.lt(b, a)  # swap when b < a
                al, ah = fv._real_bounds(a)
                bl, bh = fv._real_bounds(b)
                keys[r, i] = fv.where(c, b, a, bounds=(min(al, bl), min(ah, bh)))
                keys[r, j] = fv.where(c, a, b, bounds=(max(al, bl), max(ah, bh)))
                for x in auxs:
                    xa, xb = x[r, i], x[r, j]
                    x[r, i], x[r, j] = fv.where(c, xb, xa), fv.where(c, xa, xb)
    return keys, auxs


def sort(a, axis=-1, kind: str = "batcher", aux_value=None):
    """Sort along `axis` with a sorting network; aux_value (same shape) is permuted alongside."""
    x = asarray_like(a)
    aux = None if aux_value is None else asarray_like(aux_value, x)
    if axis is None:
        x = x.ravel()
        aux = None if aux is None else aux.ravel()
        axis = 0
    axis = axis % max(x.ndim, 1)
    if aux is not None and aux.shape != x.shape:
        raise ValueError(f"sort: aux_value of shape {aux.shape} must match the keys of shape {x.shape}")
    kv = np.moveaxis(x._vars, axis, -1)
    shp = kv.shape
    k2 = kv.reshape(-1, shp[-1]) if kv.size else kv.reshape(0, shp[-1])
    auxs = [] if aux is None else [np.moveaxis(aux._vars, axis, -1).reshape(k2.shape)]
    ks, auxs = _sort_rows(k2, auxs, kind)
    out = FixedVariableArray(np.moveaxis(ks.reshape(shp), -1, axis), _clean=True)
    if aux is None:
        return out
    return out, FixedVariableArray(np.moveaxis(auxs[0].reshape(shp), -1, axis), _clean=True)


class ArgsortIndex(FixedVariableArray):
    """np.argsort of a symbolic array: symbolic indices; indexing another array with it permutes that array."""

    def __init__(self, keys: FixedVariableArray, axis: int, kind: str):
        self.keys, self.axis, self.kind = keys, axis, kind
        n = keys.shape[axis]
        idx = np.broadcast_to(np.arange(n).reshape([-1 if d == axis else 1 for d in range(keys.ndim)]), keys.shape)
        _, perm = sort(keys, axis, kind, aux_value=np.ascontiguousarray(idx))
        super().__init__(perm._vars, _clean=True)

    def apply(self, arr) -> FixedVariableArray:
        arr = asarray_like(arr, self.keys)
        if arr.shape != self.keys.shape:
            raise TraceError(
                f"indexing with an argsort result: the array {arr.shape} must have the keys' shape {self.keys.shape}"
            )
        return sort(self.keys, self.axis, self.kind, aux_value=arr)[1]


def np_sort(a, axis=-1, kind=None, order=None, stable=None):
    if order is not None:
        raise TypeError("np.sort(order=...) is not supported on symbolic arrays")
    return sort(a, axis, kind or "batcher")


def np_argsort(a, axis=-1, kind=None, order=None, stable=None):
    if order is not None:
        raise TypeError("np.argsort(order=...) is not supported on symbolic arrays")
    x = asarray_like(a)
    if axis is None:
        x, axis = x.ravel(), 0
    return ArgsortIndex(x, axis % max(x.ndim, 1), kind or "batcher")
