"""FixedVariableArray: an n-d numpy-like array of FixedVariable, and FixedVariableArrayInput."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from da4ml.ir import HWConfig

from . import fixed_variable as fv
from ._node import Lane, TraceError
from .fixed_variable import DEFAULT_HW, FixedVariable, UnquantizedVariable, _as_fv

HANDLED_FUNCTIONS: dict = {}
_DEFAULT_HW = HWConfig(1, -1, -1)  # api.md default of from_kif / FixedVariableArrayInput


def implements(*funcs):
    def deco(impl):
        for fn in funcs:
            HANDLED_FUNCTIONS[fn] = impl
        return impl

    return deco


def _to_obj(a, like: FixedVariable | None = None) -> np.ndarray:
    """Object array of FixedVariable from an array-like (numbers become exact constants)."""
    if isinstance(a, FixedVariableArray):
        return a._vars
    if isinstance(a, FixedVariable):
        return np.array(a, dtype=object)
    arr = np.asarray(a) if not isinstance(a, np.ndarray) else a
    if arr.dtype != object:
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"cannot use an array of dtype {arr.dtype} as fixed-point constants")
        out = np.empty(arr.shape, dtype=object)
        cache: dict = {}
        for idx, v in np.ndenumerate(arr):
            key = v.item()
            c = cache.get(key)
            if c is None:
                c = cache[key] = _as_fv(key, like)
            out[idx] = c
        return out
    out = np.empty(arr.shape, dtype=object)
    for idx, v in np.ndenumerate(arr):
        out[idx] = v if isinstance(v, FixedVariable) else _as_fv(v, like)
    return out


def _first_var(arr: np.ndarray) -> FixedVariable | None:
    for v in arr.flat:
        if isinstance(v, FixedVariable) and (v.node is not None or isinstance(v, UnquantizedVariable)):
            return v
    return arr.flat[0] if arr.size else None


def asarray_like(a, like=None) -> FixedVariableArray:
    if isinstance(a, FixedVariableArray):
        return a
    ref = None
    if isinstance(like, FixedVariableArray):
        ref = _first_var(like._vars)
    elif isinstance(like, FixedVariable):
        ref = like
    return FixedVariableArray(_to_obj(a, ref), _clean=True)


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
    return FixedVariableArray(out, _clean=True)


def _wrap_scalars(obj):
    if isinstance(obj, FixedVariable):
        return FixedVariableArray(np.array(obj, dtype=object), _clean=True)
    if isinstance(obj, (list, tuple)):
        return type(obj)(_wrap_scalars(o) for o in obj)
    if isinstance(obj, dict):
        return {k: _wrap_scalars(v) for k, v in obj.items()}
    return obj


def _kif_arrays(shape, k, i, f):
    k, i, f = (np.broadcast_to(np.asarray(v), shape) for v in (k, i, f))
    return k, i, f


class FixedVariableArray:
    """An n-d array of symbolic fixed-point values (numpy-like)."""

    __array_priority__ = 100

    def __init__(self, vars, hwconf: HWConfig | None = None, solver_options: dict | None = None, _clean: bool = False):
        arr = vars if (_clean and isinstance(vars, np.ndarray)) else _to_obj(vars)
        self._vars = arr
        ref = _first_var(arr) if arr.size else None
        if hwconf is not None or solver_options is not None:
            for v in arr.flat:
                if hwconf is not None:
                    v.hwconf = hwconf
                if solver_options is not None:
                    v.solver_options = solver_options
        self.hwconf = hwconf if hwconf is not None else (ref.hwconf if ref is not None else DEFAULT_HW)
        self.solver_options = (
            solver_options if solver_options is not None else (ref.solver_options if ref is not None else None)
        )

    # ---- construction -------------------------------------------------------------------------------
    @classmethod
    def from_kif(cls, k, i, f, hwconf: HWConfig = _DEFAULT_HW, latency=0.0, solver_options: dict | None = None):
        """Symbolic inputs whose per-element type is (k, i, f) (arrays broadcast together)."""
        shape = np.broadcast_shapes(np.shape(k), np.shape(i), np.shape(f), np.shape(latency))
        kb, ib, fb = _kif_arrays(shape, k, i, f)
        lat = np.broadcast_to(np.asarray(latency, dtype=np.float64), shape)
        out = np.empty(shape, dtype=object)
        for idx in np.ndindex(shape):
            out[idx] = FixedVariable.from_kif(
                int(kb[idx]), int(ib[idx]), int(fb[idx]), hwconf, float(lat[idx]), solver_options
            )
        return cls(out, hwconf, solver_options, _clean=True)

    @classmethod
    def from_lhs(cls, low, high, step, hwconf: HWConfig = _DEFAULT_HW, latency=0.0, solver_options=None):
        """Symbolic inputs given by value ranges [low, high] with a power-of-two step."""
        shape = np.broadcast_shapes(np.shape(low), np.shape(high), np.shape(step))
        lo, hi, st = (np.broadcast_to(np.asarray(v, dtype=np.float64), shape) for v in (low, high, step))
        k = (lo < 0).astype(int)
        f = -np.log2(st).astype(int)
        mx = np.maximum(np.abs(lo), np.abs(hi) + st)
        i = np.ceil(np.log2(np.maximum(mx, st))).astype(int)
        return cls.from_kif(k, i, f, hwconf, latency, solver_options)

    def _new(self, arr: np.ndarray) -> FixedVariableArray:
        return FixedVariableArray(arr, _clean=True)

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
        return self._new(self._vars.T)

    def __len__(self) -> int:
        return len(self._vars)

    def __iter__(self):
        for v in self._vars:
            yield v if isinstance(v, FixedVariable) else self._new(v)

    def reshape(self, *shape, order="C") -> FixedVariableArray:
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return self._new(self._vars.reshape(shape, order=order))

    def flatten(self) -> FixedVariableArray:
        return self._new(self._vars.flatten())

    def ravel(self) -> FixedVariableArray:
        return self._new(self._vars.ravel())

    def transpose(self, *axes) -> FixedVariableArray:
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return self._new(self._vars.transpose(*axes) if axes else self._vars.transpose())

    def copy(self) -> FixedVariableArray:
        return self._new(self._vars.copy())

    def __getitem__(self, key):
        from ._sort import ArgsortIndex

        if isinstance(key, ArgsortIndex):
            return key.apply(self)
        if isinstance(key, FixedVariableArray):
            raise TraceError("indexing with a symbolic array is only supported for the result of np.argsort")
        r = self._vars[key]
        return r if isinstance(r, FixedVariable) else self._new(r)

    def __setitem__(self, key, value):
        v = _to_obj(value, _first_var(self._vars))
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

    # ---- arithmetic ---------------------------------------------------------------------------------
    def _bin(self, other, fn, reflected=False):
        o = asarray_like(other, self)
        return elementwise(fn, o, self) if reflected else elementwise(fn, self, o)

    def __add__(self, o):
        return self._bin(o, fv.add)

    def __radd__(self, o):
        return self._bin(o, fv.add, True)

    def __sub__(self, o):
        return self._bin(o, fv.sub)

    def __rsub__(self, o):
        return self._bin(o, fv.sub, True)

    def __mul__(self, o):
        return self._bin(o, fv.mul)

    def __rmul__(self, o):
        return self._bin(o, fv.mul, True)

    def __truediv__(self, o):
        return self._bin(o, fv.div)

    def __rtruediv__(self, o):
        return self._bin(o, fv.div, True)

    def __pow__(self, n):
        return elementwise(lambda v: fv.power(v, n), self)

    def __neg__(self):
        return elementwise(fv.neg, self)

    def __pos__(self):
        return self

    def __abs__(self):
        return elementwise(fv.absolute, self)

    def __lt__(self, o):
        return self._bin(o, fv.less)

    def __le__(self, o):
        return self._bin(o, fv.less_equal)

    def __gt__(self, o):
        return self._bin(o, fv.greater)

    def __ge__(self, o):
        return self._bin(o, fv.greater_equal)

    def __eq__(self, o):  # type: ignore[override]
        return self._bin(o, fv.equal)

    def __ne__(self, o):  # type: ignore[override]
        return self._bin(o, fv.not_equal)

    __hash__ = object.__hash__

    def __and__(self, o):
        return self._bin(o, fv.bit_and)

    def __rand__(self, o):
        return self._bin(o, fv.bit_and, True)

    def __or__(self, o):
        return self._bin(o, fv.bit_or)

    def __ror__(self, o):
        return self._bin(o, fv.bit_or, True)

    def __xor__(self, o):
        return self._bin(o, fv.bit_xor)

    def __rxor__(self, o):
        return self._bin(o, fv.bit_xor, True)

    def __invert__(self):
        return elementwise(fv.invert, self)

    def __lshift__(self, n):
        return elementwise(lambda v: fv.shift(v, int(n)), self)

    def __rshift__(self, n):
        return elementwise(lambda v: fv.shift(v, -int(n)), self)

    def __matmul__(self, o):
        from ._linalg import matmul

        return matmul(self, o)

    def __rmatmul__(self, o):
        from ._linalg import matmul

        return matmul(o, self)

    def matmul(self, o):
        return self.__matmul__(o)

    def rmatmul(self, o):
        return self.__rmatmul__(o)

    def __da4ml_replay__(self, comb, quantize: bool = False, debug: bool = False) -> FixedVariableArray:
        """CombLogic.__call__ on symbolic inputs: the program replayed on these values."""
        from .replay import comb_call

        return comb_call(comb, self, quantize, debug)

    def __bool__(self):
        raise TypeError("the truth value of a symbolic array is unknown at trace time: use np.where / np.any / np.all")

    # ---- fixed-point operations -----------------------------------------------------------------------
    def quantize(self, k, i, f, overflow_mode: str = "WRAP", round_mode: str = "TRN") -> FixedVariableArray:
        kb, ib, fb = _kif_arrays(self.shape, k, i, f)
        out = np.empty(self.shape, dtype=object)
        for idx, v in np.ndenumerate(self._vars):
            out[idx] = fv.quantize(v, int(kb[idx]), int(ib[idx]), int(fb[idx]), overflow_mode, round_mode)
        return self._new(out)

    def relu(self, i=None, f=None, round_mode: str = "TRN") -> FixedVariableArray:
        ib = None if i is None else np.broadcast_to(np.asarray(i), self.shape)
        fb = None if f is None else np.broadcast_to(np.asarray(f), self.shape)
        out = np.empty(self.shape, dtype=object)
        for idx, v in np.ndenumerate(self._vars):
            out[idx] = fv.relu(
                v, None if ib is None else int(ib[idx]), None if fb is None else int(fb[idx]), round_mode
            )
        return self._new(out)

    def apply(self, fn: Callable, name: str | None = None) -> FixedVariableArray:
        return elementwise(lambda v: fv.lookup(v, fn, name), self)

    def to_bool(self, mode: str = "any") -> FixedVariableArray:
        return elementwise(lambda v: fv.to_bool(v, mode), self)

    def as_new(self) -> FixedVariableArray:
        """Fresh symbolic inputs with the same per-element types (for retracing)."""
        out = np.empty(self.shape, dtype=object)
        for idx, v in np.ndenumerate(self._vars):
            if isinstance(v, UnquantizedVariable):
                out[idx] = UnquantizedVariable(Lane(v.latency), v.hwconf, v.solver_options)
            else:
                k, i, f = v.kif
                out[idx] = FixedVariable.from_kif(k, i, f, v.hwconf, 0.0, v.solver_options)
        return self._new(out)

    def sum(self, axis=None, keepdims=False):
        return np.sum(self, axis=axis, keepdims=keepdims)

    def max(self, axis=None, keepdims=False):
        return np.max(self, axis=axis, keepdims=keepdims)

    def min(self, axis=None, keepdims=False):
        return np.min(self, axis=axis, keepdims=keepdims)

    def mean(self, axis=None, keepdims=False):
        return np.mean(self, axis=axis, keepdims=keepdims)

    def prod(self, axis=None, keepdims=False):
        return np.prod(self, axis=axis, keepdims=keepdims)

    def clip(self, a_min=None, a_max=None):
        return np.clip(self, a_min, a_max)

    def any(self, axis=None, keepdims=False):
        return np.any(self, axis=axis, keepdims=keepdims)

    def all(self, axis=None, keepdims=False):
        return np.all(self, axis=axis, keepdims=keepdims)

    def dot(self, o):
        return np.dot(self, o)

    # ---- numpy protocols ----------------------------------------------------------------------------
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        from ._functions import apply_ufunc

        if kwargs.get("out") is not None:
            raise TypeError(f"np.{ufunc.__name__}(..., out=...) is not supported on symbolic arrays")
        kwargs.pop("out", None)
        return apply_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return FixedVariableArray._dispatch(func, args, kwargs)

    @staticmethod
    def _dispatch(func, args, kwargs):
        from . import _functions  # noqa: F401  (registers the implementations)

        impl = HANDLED_FUNCTIONS.get(func)
        if impl is None:
            name = getattr(func, "__module__", "numpy") + "." + getattr(func, "__name__", str(func))
            raise TypeError(
                f"{name.replace('numpy.core.multiarray', 'numpy').replace('numpy.core.fromnumeric', 'numpy')} "
                "is not supported on symbolic fixed-point arrays (FixedVariableArray); "
                "see da4ml.trace docs for the supported numpy functions"
            )
        return impl(*args, **kwargs)


class FixedVariableArrayInput(FixedVariableArray):
    """Symbolic inputs whose type is not known yet: quantize them before any non-trivial operation."""

    def __init__(self, shape, hwconf: HWConfig = _DEFAULT_HW, solver_options: dict | None = None, latency=0.0):
        shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
        lat = np.broadcast_to(np.asarray(latency, dtype=np.float64), shape)
        out = np.empty(shape, dtype=object)
        for idx in np.ndindex(shape):
            out[idx] = UnquantizedVariable(Lane(float(lat[idx])), hwconf, solver_options)
        super().__init__(out, hwconf, solver_options, _clean=True)
