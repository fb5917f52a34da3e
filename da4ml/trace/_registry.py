"""The numpy protocol tables of the symbolic arrays (a leaf: it imports nothing of the tracer).

``FixedVariableArray.__array_function__`` / ``__array_ufunc__`` (and the scalar ``FixedVariable``'s) look an
implementation up here; the modules that implement numpy functions register them with ``@implements(np.sum)``
or ``@implements_ufunc(np.add, ...)`` (NEP 18's pattern).  ``da4ml.trace`` imports every registering module,
so the tables are complete whenever a symbolic value exists."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

_FUNCTIONS: dict[Callable, Callable] = {}
_UFUNCS: dict[tuple[object, str], Callable] = {}

OTHER_UNARY = "any other unary ufunc"  # key of the fallback for unary ufuncs with no exact form (lookup table)
REPLAY = "CombLogic.__call__ on symbolic values"  # key of the __da4ml_replay__ hook (replay.py implements it)


def implements(*funcs: Callable):
    """Register the decorated function as the implementation of the numpy functions ``funcs``."""

    def deco(impl):
        for fn in funcs:
            if fn in _FUNCTIONS:
                raise RuntimeError(f"{_public_name(fn)} is implemented twice")
            _FUNCTIONS[fn] = impl
        return impl

    return deco


def implements_ufunc(*ufuncs, method: str = "__call__"):
    """Register ``impl(ufunc, *inputs, **kwargs)`` for ``ufunc.method`` of each ufunc (or OTHER_UNARY)."""

    def deco(impl):
        for uf in ufuncs:
            if (uf, method) in _UFUNCS:
                raise RuntimeError(f"{uf}.{method} is implemented twice")
            _UFUNCS[(uf, method)] = impl
        return impl

    return deco


def _public_name(func) -> str:
    mod = getattr(func, "__module__", None) or "numpy"
    name = getattr(func, "__name__", repr(func))
    return f"np.{name}" if mod.startswith("numpy") else f"{mod}.{name}"


def function(func: Callable) -> Callable:
    """The implementation of a numpy function on symbolic arrays (TypeError naming it if there is none)."""
    impl = _FUNCTIONS.get(func)
    if impl is None:
        names = sorted({_public_name(f) for f in _FUNCTIONS if callable(f)})
        raise TypeError(
            f"{_public_name(func)} is not supported on symbolic fixed-point arrays (FixedVariableArray); "
            f"the supported numpy functions: {', '.join(names)}"
        )
    return impl


def ufunc(uf: np.ufunc, method: str) -> Callable:
    """``impl(ufunc, *inputs, **kwargs)`` for ``uf.method`` on symbolic values (TypeError naming it if none)."""
    impl = _UFUNCS.get((uf, method))
    if impl is None and method == "__call__" and uf.nin == 1 and uf.nout == 1:
        impl = _UFUNCS.get((OTHER_UNARY, method))
    if impl is None:
        what = f"np.{uf.__name__}" + ("" if method == "__call__" else f".{method}")
        raise TypeError(f"{what} is not supported on symbolic fixed-point arrays (FixedVariableArray)")
    return impl


def handled_functions() -> dict[Callable, Callable]:
    """Every registered numpy function and its implementation (for the argument audit test)."""
    return {fn: impl for fn, impl in _FUNCTIONS.items() if callable(fn)}


def handled_ufuncs() -> dict[tuple[object, str], Callable]:
    return dict(_UFUNCS)
