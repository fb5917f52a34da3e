"""FixedVariableArray: an n-d numpy-like array of FixedVariable, and FixedVariableArrayInput.

The array holds an object ndarray of values.  Operators arrive as ufuncs (``NDArrayOperatorsMixin``), numpy
functions through ``__array_function__``; both are looked up in ``_registry``, which the modules above this
one fill (``_ufuncs``, ``_reductions``, ``_select``, ``_structure``, ``_linalg``, ``_sort``, ``replay``).
Values are immutable and shared freely between arrays; the configuration is the one of the inputs the values
come from (``hwconf`` / ``solver_options`` read it)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
from numpy.lib.mixins import NDArrayOperatorsMixin

from da4ml.ir import HWConfig

from . import _registry
from ._bits import to_bool
from ._config import DEFAULT_HWCONF, TraceConfig, common_config, make_config
from ._errors import TraceError
from ._lut import lookup
from ._node import TraceInput
from ._quantize import quantize, relu
from ._types import kif_arrays
from .fixed_variable import Configured, FixedVariable, UnquantizedVariable, as_value, input_value


def _to_obj(a) -> np.ndarray:
    """Object array of FixedVariable from an array-like (numbers become exact constants)."""
    if isinstance(a, FixedVariableArray):
        return a._vars
    if isinstance(a, FixedVariable):
        return np.array(a, dtype=object)
    arr = np.asarray(a) if not isinstance(a, np.ndarray) else a
    out = np.empty(arr.shape, dtype=object)
    if arr.dtype != object:
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"cannot use an array of dtype {arr.dtype} as fixed-point constants")
        cache: dict = {}
        for idx, v in np.ndenumerate(arr):
            key = v.item()
            c = cache.get(key)
            if c is None:
                c = cache[key] = as_value(key)
            out[idx] = c
        return out
    for idx, v in np.ndenumerate(arr):
        out[idx] = v if isinstance(v, FixedVariable) else as_value(v)
    return out


def values_config(arr: np.ndarray, what: str = "this array") -> TraceConfig | None:
    """The one configuration of the values in an object array (None: constants only)."""
    config = None
    for v in arr.flat:
        c = v.config
        if c is not config and c is not None:
            config = common_config(config, c, what)
    return config


def asarray(a) -> FixedVariableArray:
    """a as a FixedVariableArray (numbers and numeric arrays become exact constants)."""
    if isinstance(a, FixedVariableArray):
        return a
    return FixedVariableArray._wrap(_to_obj(a))


def broadcast_shapes(*shapes) -> tuple:
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        raise ValueError(
            f"operands with shapes {' and '.join(str(tuple(s)) for s in shapes)} do not broadcast together "
            "(numpy broadcasting rules): reshape or index them so that trailing dimensions match or are 1"
        ) from None


def elementwise(fn: Callable, *arrs: FixedVariableArray) -> FixedVariableArray:
    shape = broadcast_shapes(*(a.shape for a in arrs))
    bs = [np.broadcast_to(a._vars, shape) for a in arrs]
    out = np.empty(shape, dtype=object)
    if len(bs) == 1:
        for idx in np.ndindex(shape):
            out[idx] = fn(bs[0][idx])
    elif len(bs) == 2:
        b0, b1 = bs
        for idx in np.ndindex(shape):
            out[idx] = fn(b0[idx], b1[idx])
    else:
        for idx in np.ndindex(shape):
            out[idx] = fn(*(b[idx] for b in bs))
    return FixedVariableArray._wrap(out)


class FixedVariableArray(Configured, NDArrayOperatorsMixin):
    """An n-d array of symbolic fixed-point values (numpy-like)."""

    def __init__(self, vars, solver_options: Mapping | None = None, hwconf: HWConfig | None = None):
        """``vars``: an array-like of FixedVariable and numbers.  ``solver_options`` / ``hwconf`` state the
        configuration of the values (TraceError if they were traced under another one: the configuration is
        given on the inputs); for an array of constants only, they are the array's configuration."""
        self._vars = _to_obj(vars)
        self._config = None
        if solver_options is not None or hwconf is not None:
            self._config = self._stated_config(hwconf, solver_options)

    @classmethod
    def _wrap(cls, arr: np.ndarray) -> FixedVariableArray:
        """An array over an object ndarray of FixedVariable (no conversion, no checks)."""
        out = object.__new__(FixedVariableArray)
        out._vars = arr
        out._config = None
        return out

    def _stated_config(self, hwconf, solver_options) -> TraceConfig | None:
        have = values_config(self._vars, "FixedVariableArray(...)")
        if have is None:
            return make_config(hwconf, solver_options)
        for name, given, traced in (
            ("hwconf", None if hwconf is None else HWConfig(*hwconf), have.hwconf),
            ("solver_options", None if solver_options is None else dict(solver_options), have.solver_options or {}),
        ):
            if given is not None and given != traced:
                raise TraceError(
                    f"FixedVariableArray(..., {name}={given!r}): its values were traced with {name}={traced!r}. "
                    "The configuration belongs to the inputs (values are shared between arrays and never change): "
                    f"make the inputs with FixedVariableArray.from_kif(..., {name}=...) instead"
                )
        return None

    # ---- construction -------------------------------------------------------------------------------
    @classmethod
    def from_kif(
        cls, k, i, f, hwconf: HWConfig = DEFAULT_HWCONF, latency=0.0, solver_options: Mapping | None = None
    ) -> FixedVariableArray:
        """Symbolic inputs whose per-element type is (k, i, f) (arrays broadcast together)."""
        config = make_config(hwconf, solver_options)
        shape = np.broadcast_shapes(np.shape(k), np.shape(i), np.shape(f), np.shape(latency))
        kb, ib, fb = kif_arrays(shape, k, i, f, "from_kif")
        lat = np.broadcast_to(np.asarray(latency, dtype=np.float64), shape)
        out = np.empty(shape, dtype=object)
        for idx in np.ndindex(shape):
            out[idx] = input_value(config, int(kb[idx]), int(ib[idx]), int(fb[idx]), float(lat[idx]))
        arr = FixedVariableArray._wrap(out)
        arr._config = config
        return arr

    @classmethod
    def from_lhs(cls, low, high, step, hwconf: HWConfig = DEFAULT_HWCONF, latency=0.0, solver_options=None):
        """Symbolic inputs given by value ranges [low, high] with a power-of-two step."""
        shape = np.broadcast_shapes(np.shape(low), np.shape(high), np.shape(step))
        lo, hi, st = (np.broadcast_to(np.asarray(v, dtype=np.float64), shape) for v in (low, high, step))
        k = (lo < 0).astype(int)
        f = -np.log2(st).astype(int)
        mx = np.maximum(np.abs(lo), np.abs(hi) + st)
        i = np.ceil(np.log2(np.maximum(mx, st))).astype(int)
        return cls.from_kif(k, i, f, hwconf, latency, solver_options)

    # ---- configuration ------------------------------------------------------------------------------------
    @property
    def config(self) -> TraceConfig | None:
        """The configuration of the values (None: constants only, and none was stated)."""
        return self._config if self._config is not None else values_config(self._vars)

    # ---- numpy-like structure ---------------------------------------------------------------------------
    @property
    def shape(self) -> tuple:
        return self._vars.shape

    @property
    def ndim(self) -> int:
        return self._vars.ndim

    @property
    def size(self) -> int:
        return self._vars.size

    @property
    def dtype(self):
        return np.dtype(object)

    @property
    def T(self) -> FixedVariableArray:
        return self._wrap(self._vars.T)

    def __len__(self) -> int:
        return len(self._vars)

    def __iter__(self):
        for v in self._vars:
            yield v if isinstance(v, FixedVariable) else self._wrap(v)

    def reshape(self, *shape, order="C") -> FixedVariableArray:
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return self._wrap(self._vars.reshape(shape, order=order))

    def flatten(self, order="C") -> FixedVariableArray:
        return self._wrap(self._vars.flatten(order))

    def ravel(self, order="C") -> FixedVariableArray:
        return self._wrap(self._vars.ravel(order))

    def transpose(self, *axes) -> FixedVariableArray:
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return self._wrap(self._vars.transpose(*axes) if axes else self._vars.transpose())

    def copy(self, order="C") -> FixedVariableArray:
        return self._wrap(self._vars.copy(order))

    def __getitem__(self, key):
        if isinstance(key, FixedVariableArray):
            return key._index_into(self)
        r = self._vars[key]
        return r if isinstance(r, FixedVariable) else self._wrap(r)

    def _index_into(self, arr: FixedVariableArray) -> FixedVariableArray:
        """arr[self] (only the result of np.argsort can index: _sort.ArgsortIndex)."""
        raise TraceError("indexing with a symbolic array is only supported for the result of np.argsort")

    def __setitem__(self, key, value):
        v = _to_obj(value)
        self._vars[key] = v if v.ndim else v[()]

    def __repr__(self):
        return f"FixedVariableArray(shape={self.shape}, kif={self.kif.tolist() if self.size <= 16 else '...'})"

    # ---- per-element information ------------------------------------------------------------------------
    @property
    def kif(self) -> np.ndarray:
        """(k, i, f) of every element, as an int array of shape (3, *shape)."""
        out = np.zeros((3,) + self.shape, dtype=np.int64)
        for idx, v in np.ndenumerate(self._vars):
            out[(slice(None),) + idx] = v.kif
        return out

    @property
    def latency(self) -> np.ndarray:
        return np.vectorize(lambda v: v.latency, otypes=[np.float64])(self._vars) if self.size else np.zeros(self.shape)

    @property
    def lhs(self) -> np.ndarray:
        """(low, high, step) of every element as floats, shape (3, *shape)."""
        out = np.zeros((3,) + self.shape, dtype=np.float64)
        for idx, v in np.ndenumerate(self._vars):
            out[(slice(None),) + idx] = (float(v.low), float(v.high), float(v.step))
        return out

    # ---- numpy protocols: operators arrive as ufuncs, numpy functions through __array_function__ ---------
    __hash__ = object.__hash__

    # augmented assignment (x += y) rebinds x to a new array: the values x holds may be shared with others
    def __iadd__(self, other):
        return NotImplemented

    __isub__ = __imul__ = __imatmul__ = __itruediv__ = __ifloordiv__ = __imod__ = __ipow__ = __iadd__
    __ilshift__ = __irshift__ = __iand__ = __ixor__ = __ior__ = __iadd__

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return _registry.ufunc(ufunc, method)(ufunc, *inputs, **kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return _registry.function(func)(*args, **kwargs)

    def __da4ml_replay__(self, comb, quantize: bool = False, debug: bool = False) -> FixedVariableArray:
        """CombLogic.__call__ on symbolic inputs: the program replayed on these values (da4ml.trace.replay)."""
        return _registry.function(_registry.REPLAY)(comb, self, quantize, debug)

    def __array__(self, dtype=None, copy=None):
        """np.asarray(arr): the object ndarray of its FixedVariable elements (numeric dtypes are refused)."""
        if dtype is not None and np.dtype(dtype) != np.dtype(object):
            raise TypeError(
                f"a symbolic array has no {np.dtype(dtype)} value at trace time: only dtype=object (its elements)"
            )
        return self._vars.copy() if copy else self._vars

    def __bool__(self):
        raise TypeError("the truth value of a symbolic array is unknown at trace time: use np.where / np.any / np.all")

    def matmul(self, o):
        return np.matmul(self, o)

    def rmatmul(self, o):
        return np.matmul(o, self)

    # numpy's methods are its functions (each argument is checked there)
    def sum(self, *args, **kwargs):
        return np.sum(self, *args, **kwargs)

    def max(self, *args, **kwargs):
        return np.max(self, *args, **kwargs)

    def min(self, *args, **kwargs):
        return np.min(self, *args, **kwargs)

    def mean(self, *args, **kwargs):
        return np.mean(self, *args, **kwargs)

    def prod(self, *args, **kwargs):
        return np.prod(self, *args, **kwargs)

    def clip(self, *args, **kwargs):
        return np.clip(self, *args, **kwargs)

    def any(self, *args, **kwargs):
        return np.any(self, *args, **kwargs)

    def all(self, *args, **kwargs):
        return np.all(self, *args, **kwargs)

    def dot(self, *args, **kwargs):
        return np.dot(self, *args, **kwargs)

    # ---- fixed-point operations -----------------------------------------------------------------------
    def quantize(self, k, i, f, overflow_mode: str = "WRAP", round_mode: str = "TRN") -> FixedVariableArray:
        kb, ib, fb = kif_arrays(self.shape, k, i, f)
        out = np.empty(self.shape, dtype=object)
        for idx, v in np.ndenumerate(self._vars):
            out[idx] = quantize(v, int(kb[idx]), int(ib[idx]), int(fb[idx]), overflow_mode, round_mode)
        return self._wrap(out)

    def relu(self, i=None, f=None, round_mode: str = "TRN") -> FixedVariableArray:
        ib = None if i is None else np.broadcast_to(np.asarray(i), self.shape)
        fb = None if f is None else np.broadcast_to(np.asarray(f), self.shape)
        out = np.empty(self.shape, dtype=object)
        for idx, v in np.ndenumerate(self._vars):
            out[idx] = relu(v, None if ib is None else int(ib[idx]), None if fb is None else int(fb[idx]), round_mode)
        return self._wrap(out)

    def apply(self, fn: Callable, name: str | None = None) -> FixedVariableArray:
        return elementwise(lambda v: lookup(v, fn, name), self)

    def to_bool(self, mode: str = "any") -> FixedVariableArray:
        return elementwise(lambda v: to_bool(v, mode), self)

    def as_new(self) -> FixedVariableArray:
        """Fresh symbolic inputs with the same per-element types and configuration (for retracing)."""
        out = np.empty(self.shape, dtype=object)
        fallback = None
        for idx, v in np.ndenumerate(self._vars):
            if isinstance(v, UnquantizedVariable):
                out[idx] = v.as_new()
                continue
            config = v.config
            if config is None:  # a constant element: the array's configuration
                fallback = fallback or self.config or make_config()
                config = fallback
            k, i, f = v.kif
            out[idx] = input_value(config, k, i, f, 0.0)
        return self._wrap(out)


class FixedVariableArrayInput(FixedVariableArray):
    """Symbolic inputs whose type is not known yet: quantize them before any non-trivial operation."""

    def __init__(self, shape, hwconf: HWConfig = DEFAULT_HWCONF, solver_options: Mapping | None = None, latency=0.0):
        config = make_config(hwconf, solver_options)
        shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
        lat = np.broadcast_to(np.asarray(latency, dtype=np.float64), shape)
        out = np.empty(shape, dtype=object)
        for idx in np.ndindex(shape):
            out[idx] = UnquantizedVariable(TraceInput(config, float(lat[idx])))
        self._vars = out
        self._config = config
