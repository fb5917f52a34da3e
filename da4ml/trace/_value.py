"""What the element-level operations need of a value: the interface ``FixedVariable`` implements.

A value is a *view* of a DAIS node, ``(-1)**neg * node * 2**shift``, or an exact constant (``const``, a
Fraction; then ``node`` is None), or an input whose type is not known yet (``node`` and ``const`` both None).
The operation modules (``_arith``, ``_rounding``, ``_bits``, ``_mux``, ``_lut``, ``_quantize``, ``_compare``)
build results only through the methods below, so they never import the class and the class can sit above
them."""

from __future__ import annotations

from fractions import Fraction
from typing import Protocol, runtime_checkable

from ._errors import TraceError
from ._node import Node, TraceInput
from ._types import frac


@runtime_checkable
class Value(Protocol):
    node: Node | None
    shift: int
    neg: bool
    const: Fraction | None
    input: TraceInput | None  # an unquantized input's position (None otherwise)

    def interval(self) -> tuple[int, int, int]: ...  # (nmin, nmax, f): the value is in nmin..nmax * 2**-f

    def _view(self, node: Node, shift: int = 0, neg: bool = False) -> Value: ...  # a node view, never folded

    def _like(self, node: Node, shift: int = 0, neg: bool = False) -> Value: ...  # folds a one-point node

    def _c(self, value) -> Value: ...  # an exact constant

    @property
    def step(self) -> Fraction: ...

    @property
    def latency(self) -> float: ...


def require_type(x: Value) -> None:
    if x.node is None and x.const is None:
        raise TraceError(
            "this input has no fixed-point type yet (it comes from FixedVariableArrayInput): quantize it first, "
            "e.g. x.quantize(k, i, f) or ops.quantize(x, k, i, f), before any arithmetic on it"
        )


def real_bounds(x: Value) -> tuple[Fraction, Fraction]:
    nmin, nmax, f = x.interval()
    return frac(nmin, f), frac(nmax, f)
