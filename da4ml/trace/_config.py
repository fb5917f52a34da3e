"""The configuration of a trace: the hardware model (``HWConfig``) and the CMVM options, given on the inputs.

Every symbolic input carries one ``TraceConfig``; every value computed from inputs carries theirs (through its
graph node), and constants carry none.  Values computed from inputs of two different configurations, or one
program traced from them, raise ``TraceError`` naming both: there is no silent "first one wins"."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from da4ml.ir import HWConfig

from ._errors import TraceError

DEFAULT_HWCONF = HWConfig(1, -1, -1)  # the one default (api.md: from_kif / FixedVariableArrayInput)


class TraceConfig:
    """``hwconf`` and ``solver_options`` of the inputs of one trace (immutable; equal configurations built
    from equal arguments are one object)."""

    __slots__ = ("_options", "hwconf")

    def __init__(self, hwconf: HWConfig, options: tuple[tuple[str, Any], ...] | None):
        object.__setattr__(self, "hwconf", hwconf)
        object.__setattr__(self, "_options", options)

    def __setattr__(self, name, value):
        raise AttributeError("a TraceConfig is immutable: make the inputs with the configuration you want")

    @property
    def solver_options(self) -> dict | None:
        """A copy of the CMVM options (None when none were given)."""
        return None if self._options is None else dict(self._options)

    def _key(self) -> tuple:
        return (tuple(self.hwconf), dict(self._options or ()))

    def __eq__(self, other) -> bool:
        return self is other or (isinstance(other, TraceConfig) and self._key() == other._key())

    def __hash__(self) -> int:
        return hash(tuple(self.hwconf))

    def describe(self) -> str:
        return f"hwconf={tuple(self.hwconf)} solver_options={self.solver_options}"

    def __repr__(self) -> str:
        return f"TraceConfig({self.describe()})"


_INTERNED: dict[tuple, TraceConfig] = {}


def make_config(hwconf: HWConfig | None = None, solver_options: Mapping | None = None) -> TraceConfig:
    """The configuration of new inputs (``hwconf=None``: the default)."""
    hw = DEFAULT_HWCONF if hwconf is None else hwconf
    if not isinstance(hw, tuple) or len(hw) != 3:
        raise TypeError(f"hwconf={hw!r} must be a HWConfig(adder_size, carry_size, latency_cutoff)")
    hw = HWConfig(*hw)
    if solver_options is not None and not isinstance(solver_options, Mapping):
        raise TypeError(f"solver_options={solver_options!r} must be a dict of CMVM options (or None)")
    options = None if solver_options is None else tuple(sorted(dict(solver_options).items()))
    try:
        key = (hw, options)
        hit = _INTERNED.get(key)
    except TypeError:  # an unhashable option value: not interned, still compared by value
        return TraceConfig(hw, options)
    if hit is None:
        hit = _INTERNED[key] = TraceConfig(hw, options)
    return hit


def common_config(a: TraceConfig | None, b: TraceConfig | None, what: str = "an operation") -> TraceConfig | None:
    """The one configuration of two values (None: a constant, which has none)."""
    if a is None or a is b:
        return b
    if b is None or a == b:
        return a
    raise TraceError(
        f"{what} mixes values traced under two configurations: {a.describe()} and {b.describe()}; "
        "give every input of one trace the same hwconf and solver_options "
        "(FixedVariableArray.from_kif / FixedVariableArrayInput(..., hwconf=..., solver_options=...))"
    )
