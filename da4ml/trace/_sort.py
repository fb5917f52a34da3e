"""Sorting networks (Batcher odd-even merge sort, bitonic) on symbolic arrays, and argsort."""

from __future__ import annotations

import numpy as np

from ._errors import TraceError
from ._mux import lt, where
from ._registry import implements
from ._value import real_bounds
from .fixed_variable_array import FixedVariableArray, asarray


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


_NUMPY_KINDS = ("quicksort", "stable", "mergesort", "heapsort")


def _network(kind: str, n: int):
    kind = "batcher" if kind is None or kind in _NUMPY_KINDS else str(kind).lower()
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
                c = lt(b, a)  # swap when b < a
                al, ah = real_bounds(a)
                bl, bh = real_bounds(b)
                keys[r, i] = where(c, b, a, bounds=(min(al, bl), min(ah, bh)))
                keys[r, j] = where(c, a, b, bounds=(max(al, bl), max(ah, bh)))
                for x in auxs:
                    xa, xb = x[r, i], x[r, j]
                    x[r, i], x[r, j] = where(c, xb, xa), where(c, xa, xb)
    return keys, auxs


def sort(a, axis=-1, kind: str = "batcher", aux_value=None):
    """Sort along `axis` with a sorting network; aux_value (same shape) is permuted alongside."""
    x = asarray(a)
    aux = None if aux_value is None else asarray(aux_value)
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
    out = FixedVariableArray._wrap(np.moveaxis(ks.reshape(shp), -1, axis))
    if aux is None:
        return out
    return out, FixedVariableArray._wrap(np.moveaxis(auxs[0].reshape(shp), -1, axis))


_STABLE_KINDS = ("stable", "mergesort")  # numpy's kinds that promise the order of equal keys


def _stable(kind, stable, fname: str) -> bool:
    if stable is not None and kind is not None:
        raise ValueError(f"{fname}: pass kind= or stable=, not both (as numpy)")
    return bool(stable) or kind in _STABLE_KINDS


def _tie_broken(keys: FixedVariableArray, axis: int) -> FixedVariableArray:
    """Keys made distinct by their position along ``axis`` (key + j * 2**-(F + b), below every key's lsb):
    sorting them orders equal keys by position, which is what a stable sort promises."""
    n = keys.shape[axis]
    F = max((v.interval()[2] for v in keys._vars.flat), default=0)
    b = max(n - 1, 1).bit_length()
    pos = np.arange(n).reshape([-1 if d == axis else 1 for d in range(keys.ndim)])
    return keys + np.ldexp(pos.astype(np.float64), -(F + b))


def sort_numbers(a, axis=-1, kind: str = "batcher", aux_value=None):
    """The same sorting network run on numbers: the same comparators in the same order, so equal keys carry
    their aux values exactly where the traced hardware puts them."""
    arr = np.asarray(a)
    aux = None if aux_value is None else np.asarray(aux_value)
    if axis is None:
        arr, aux, axis = arr.ravel(), None if aux is None else aux.ravel(), 0
    if aux is not None and aux.shape != arr.shape:
        raise ValueError(f"sort: aux_value of shape {aux.shape} must match the keys of shape {arr.shape}")
    keys = np.moveaxis(arr, axis, -1).copy()
    vals = None if aux is None else np.moveaxis(aux, axis, -1).copy()
    for layer in _network(kind, keys.shape[-1] if keys.ndim else 1):
        for i, j in layer:
            swap = keys[..., j] < keys[..., i]
            for t in (keys,) if vals is None else (keys, vals):
                lo, hi = t[..., i].copy(), t[..., j].copy()
                t[..., i], t[..., j] = np.where(swap, hi, lo), np.where(swap, lo, hi)
    out = np.moveaxis(keys, -1, axis)
    return out if vals is None else (out, np.moveaxis(vals, -1, axis))


class ArgsortIndex(FixedVariableArray):
    """np.argsort of a symbolic array: symbolic indices; indexing another array with it permutes that array."""

    def __init__(self, keys: FixedVariableArray, axis: int, kind: str, stable: bool = False):
        self.keys = _tie_broken(keys, axis) if stable else keys
        self.axis, self.kind = axis, kind
        n = keys.shape[axis]
        idx = np.broadcast_to(np.arange(n).reshape([-1 if d == axis else 1 for d in range(keys.ndim)]), keys.shape)
        _, perm = sort(self.keys, axis, kind, aux_value=np.ascontiguousarray(idx))
        self._vars = perm._vars
        self._config = None

    def _index_into(self, arr) -> FixedVariableArray:
        """arr[argsort(keys)]: arr permuted along the sorted axis as the keys are."""
        arr = asarray(arr)
        if arr.shape != self.keys.shape:
            raise TraceError(
                f"indexing with an argsort result: the array {arr.shape} must have the keys' shape {self.keys.shape}"
            )
        return sort(self.keys, self.axis, self.kind, aux_value=arr)[1]


@implements(np.sort)
def np_sort(a, axis=-1, kind=None, order=None, stable=None):
    """np.sort: a sorting network (kind 'batcher' or 'bitonic'; numpy's own kinds give the same values, so they
    take the batcher network, stable or not)."""
    if order is not None:
        raise TypeError("np.sort(order=...) sorts structured arrays by field; symbolic arrays have no fields")
    _stable(kind, stable, "np.sort")
    return sort(a, axis, "batcher" if kind is None or kind in _NUMPY_KINDS else kind)


@implements(np.argsort)
def np_argsort(a, axis=-1, kind=None, order=None, stable=None):
    """np.argsort: symbolic indices (use them to index an array of the same shape); stable=True or kind='stable'
    / 'mergesort' orders equal keys by position (the comparators then also compare positions)."""
    if order is not None:
        raise TypeError("np.argsort(order=...) sorts structured arrays by field; symbolic arrays have no fields")
    st = _stable(kind, stable, "np.argsort")
    x = asarray(a)
    if axis is None:
        x, axis = x.ravel(), 0
    return ArgsortIndex(x, axis % max(x.ndim, 1), "batcher" if kind is None or kind in _NUMPY_KINDS else kind, st)
