"""FixedVariable: one symbolic fixed-point scalar (the element type of FixedVariableArray).

A FixedVariable is an immutable *view* of a DAIS node, value = (-1)**neg * node * 2**shift, or an exact constant
(a Fraction).  Shifts and negations stay lazy (they are free in wiring, or absorbed by ADD/SUB/MUX/outputs) and
are materialized only where an op needs them.  The operations themselves live in the modules below this one
(``_arith``, ``_rounding``, ``_bits``, ``_mux``, ``_lut``, ``_quantize``, ``_compare``); Python operators reach
them through numpy's ufuncs and the one table in ``_elementwise``.  The configuration (``hwconf``,
``solver_options``) is the one of the inputs the value was computed from; constants have none.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

import numpy as np
from numpy.lib.mixins import NDArrayOperatorsMixin

from da4ml.ir import HWConfig

from . import _registry
from ._bits import to_bool
from ._compare import maximum, minimum
from ._config import DEFAULT_HWCONF, TraceConfig, make_config
from ._elementwise import element_function
from ._lut import lookup, lookup_values
from ._mux import lt, where
from ._node import Node, TraceInput, input_node
from ._quantize import quantize, relu
from ._types import frac, frac_f, kif_int, kif_scalar, to_frac
from ._value import require_type


def _no_setting(name: str):
    def refuse(self, value):
        raise AttributeError(
            f"{name} cannot be changed on a traced value: the configuration belongs to the inputs "
            f"(FixedVariableArray.from_kif(..., {name}=...) / FixedVariableArrayInput(..., {name}=...)), and values "
            "are shared between arrays"
        )

    return refuse


def is_number(x) -> bool:
    return isinstance(x, (int, float, Fraction, np.integer, np.floating, bool, np.bool_)) or (
        isinstance(x, np.ndarray) and x.ndim == 0 and x.dtype != object
    )


def as_value(x) -> FixedVariable:
    """x itself, or the exact constant of a number."""
    if isinstance(x, FixedVariable):
        return x
    return FixedVariable(const=x.item() if isinstance(x, np.ndarray) else x)


def input_value(config: TraceConfig, k: int, i: int, f: int, latency: float = 0.0) -> FixedVariable:
    """A fresh symbolic input of type (k, i, f) (the constant 0 if the type holds nothing else)."""
    node = input_node(TraceInput(config, latency), k, i, f)
    return FixedVariable(const=0) if node is None else FixedVariable(node)


def _scalar_of(r):
    """A 0-d array result of the array layer, as the scalar it holds."""
    return r[()] if getattr(r, "ndim", None) == 0 and not isinstance(r, FixedVariable) else r


class Configured:
    """``hwconf`` / ``solver_options`` read from ``self.config`` (the inputs'); assigning them is refused."""

    __slots__ = ()
    config: TraceConfig | None

    def _hwconf(self) -> HWConfig:
        c = self.config
        return c.hwconf if c is not None else DEFAULT_HWCONF

    def _solver_options(self) -> dict | None:
        c = self.config
        return c.solver_options if c is not None else None

    hwconf = property(_hwconf, _no_setting("hwconf"), doc="The hardware model of the inputs (read only).")
    solver_options = property(_solver_options, _no_setting("solver_options"), doc="A copy of the inputs' CMVM options.")


class FixedVariable(Configured, NDArrayOperatorsMixin):
    """One symbolic fixed-point value (or an exact constant)."""

    __slots__ = ("const", "neg", "node", "shift")
    input: TraceInput | None = None  # only an unquantized input has one

    def __init__(self, node: Node | None = None, shift: int = 0, neg: bool = False, const=None):
        # set once here, never again (no code writes them later: operations return new values)
        self.node = node
        self.shift = int(shift)
        self.neg = bool(neg)
        c = None if const is None else to_frac(const)
        if node is None and c is None and not isinstance(self, UnquantizedVariable):
            c = Fraction(0)
        self.const = c

    # ---- construction -------------------------------------------------------------------------------
    @classmethod
    def from_kif(
        cls, k: int, i: int, f: int, hwconf: HWConfig = DEFAULT_HWCONF, latency: float = 0.0, solver_options=None
    ) -> FixedVariable:
        """A fresh symbolic input of type (k, i, f)."""
        return input_value(make_config(hwconf, solver_options), *kif_scalar(k, i, f, "from_kif"), latency)

    @classmethod
    def from_const(cls, value) -> FixedVariable:
        return cls(const=value)

    def _view(self, node: Node, shift: int = 0, neg: bool = False) -> FixedVariable:
        return FixedVariable(node, shift, neg)

    def _like(self, node: Node, shift: int = 0, neg: bool = False) -> FixedVariable:
        if node.vmin == node.vmax:  # one value: a constant
            v = frac(node.vmin, node.f) * Fraction(2) ** shift
            return FixedVariable(const=-v if neg else v)
        return FixedVariable(node, shift, neg)

    def _c(self, value) -> FixedVariable:
        return FixedVariable(const=value)

    # ---- properties ---------------------------------------------------------------------------------
    @property
    def is_const(self) -> bool:
        return self.const is not None

    @property
    def config(self) -> TraceConfig | None:
        """The configuration of the inputs this value is computed from (None: a constant)."""
        return self.node.config if self.node is not None else None

    def interval(self) -> tuple[int, int, int]:
        """(nmin, nmax, f): the value lies in nmin..nmax steps of 2**-f (exact)."""
        require_type(self)
        if self.const is not None:
            f = frac_f(self.const)
            n = self.const * Fraction(2) ** f
            return int(n), int(n), f
        nd = self.node
        f = nd.f - self.shift
        return (-nd.vmax, -nd.vmin, f) if self.neg else (nd.vmin, nd.vmax, f)

    @property
    def low(self) -> Fraction:
        n, _, f = self.interval()
        return frac(n, f)

    @property
    def high(self) -> Fraction:
        _, n, f = self.interval()
        return frac(n, f)

    @property
    def step(self) -> Fraction:
        return Fraction(2) ** -self.interval()[2]

    @property
    def kif(self) -> tuple[int, int, int]:
        return kif_int(*self.interval())

    @property
    def latency(self) -> float:
        return 0.0 if self.node is None else self.node.latency

    @property
    def cost(self) -> float:
        return 0.0 if self.node is None else self.node.cost

    def __repr__(self):
        if self.const is not None:
            return f"FixedVariable(const={self.const})"
        return f"FixedVariable({self.low}..{self.high} step {self.step}, latency={self.latency})"

    __hash__ = object.__hash__

    def __bool__(self):
        if self.const is not None:
            return bool(self.const)
        raise TypeError(
            "the truth value of a symbolic FixedVariable is unknown at trace time: use np.where(cond, a, b) "
            "(or ops.quantize / comparisons producing 0/1 values) instead of Python if/and/or"
        )

    def __float__(self):
        if self.const is not None:
            return float(self.const)
        raise TypeError("a symbolic FixedVariable has no numeric value at trace time")

    # ---- numpy protocols: every operator (+ - * / ** << >> & | ^ ~ < <= ...) arrives as a ufunc ------------
    # values are immutable: augmented assignment (x += y) rebinds x to a new value
    def __iadd__(self, other):
        return NotImplemented

    __isub__ = __imul__ = __imatmul__ = __itruediv__ = __ifloordiv__ = __imod__ = __ipow__ = __iadd__
    __ilshift__ = __irshift__ = __iand__ = __ixor__ = __ior__ = __iadd__

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method == "__call__" and not kwargs and all(isinstance(v, FixedVariable) or is_number(v) for v in inputs):
            fn = element_function(ufunc)
            if fn is not None and len(inputs) == ufunc.nin:
                return fn(*(as_value(v) for v in inputs))
        r = _registry.ufunc(ufunc, method)(ufunc, *inputs, **kwargs)
        return r if kwargs.get("out") is not None else _scalar_of(r)

    def __array_function__(self, func, types, args, kwargs):
        r = _registry.function(func)(*args, **kwargs)
        return r if kwargs.get("out") is not None else _scalar_of(r)

    def __da4ml_replay__(self, comb, quantize: bool = False, debug: bool = False):
        """CombLogic.__call__ on a symbolic scalar input (implemented by da4ml.trace.replay)."""
        return _registry.function(_registry.REPLAY)(comb, self, quantize, debug)

    # ---- methods ------------------------------------------------------------------------------------
    def quantize(self, k, i, f, overflow_mode: str = "WRAP", round_mode: str = "TRN") -> FixedVariable:
        return quantize(self, *kif_scalar(k, i, f), overflow_mode, round_mode)

    def relu(self, i=None, f=None, round_mode: str = "TRN") -> FixedVariable:
        return relu(self, None if i is None else int(i), None if f is None else int(f), round_mode)

    def apply(self, fn: Callable, name: str | None = None) -> FixedVariable:
        return lookup(self, fn, name)

    def lookup(self, table) -> FixedVariable:
        """``table[j]`` where this value is ``low + j * step``: one entry per value of its interval (HGQ2's
        table layers build them), taken exactly."""
        return lookup_values(self, table)

    def msb_mux(self, a, b) -> FixedVariable:
        """``a`` if the most significant bit of this value's type is set, else ``b`` (one MUX): for a signed
        value that is ``a if self < 0 else b``; for an unsigned (0, i, f) one, ``a if self >= 2**(i - 1)``."""
        k, i, _ = self.kif
        if k:
            c = lt(self, self._c(0))
        else:
            c = ~lt(self, self._c(Fraction(2) ** (i - 1)))
        return where(c, as_value(a), as_value(b))

    def to_bool(self, mode: str = "any") -> FixedVariable:
        return to_bool(self, mode)

    def as_new(self) -> FixedVariable:
        """A fresh symbolic input of the same type and configuration (for retracing)."""
        k, i, f = self.kif
        return FixedVariable.from_kif(k, i, f, self.hwconf, self.latency, self.solver_options)

    def max_of(self, other) -> FixedVariable:
        return maximum(self, as_value(other))

    def min_of(self, other) -> FixedVariable:
        return minimum(self, as_value(other))


class UnquantizedVariable(FixedVariable):
    """An input whose type is not known yet: only quantize (WRAP with TRN, or RND on a lane one fraction bit
    wider, rounded in hardware) and rearrangements are allowed."""

    __slots__ = ("input",)

    def __init__(self, inp: TraceInput):
        super().__init__(None, 0, False, None)
        self.input = inp

    @property
    def config(self) -> TraceConfig:
        return self.input.config

    @property
    def latency(self) -> float:
        return self.input.latency

    def as_new(self) -> UnquantizedVariable:
        return UnquantizedVariable(TraceInput(self.input.config, self.input.latency))

    def __repr__(self):
        return "FixedVariable(<unquantized input>)"
