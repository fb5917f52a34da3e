"""Hardware model knobs shared by the tracer and the CMVM optimizer, and the one check of each knob."""

from __future__ import annotations

import math
import numbers
from typing import NamedTuple

__all__ = ["HWConfig", "check_latency_cutoff", "check_model_size"]


def check_model_size(name: str, value) -> int:
    """``adder_size`` / ``carry_size``: an integer, ``-1`` (the default model) or a size in bits >= 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) < -1:
        raise ValueError(f"{name}={value!r} must be an integer >= -1 (-1: the default adder model)")
    return int(value)


def check_latency_cutoff(value, what: str = "latency_cutoff") -> float:
    """``-1`` (also ``None``: no pipelining) or a finite latency > 0 per register stage, as a float.

    Anything else is refused: a string, a bool, NaN or +-inf (which used to mean "combinational" without a word),
    0 or another negative number (say -1). A positive cutoff too small for the program (below one op's delay,
    which makes empty register stages, or hangs for 1e-9) is refused where the program is split
    (``da4ml.ir.staging.assign_stages``), which knows the ops' delays."""
    if value is None:
        return -1.0
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{what}={value!r} must be a number: -1 (no pipelining) or a latency > 0 per stage")  # noqa: TRY004 (one error type for every refusal of a knob)
    v = float(value)
    if v == -1:
        return v
    if not math.isfinite(v) or v <= 0:
        raise ValueError(
            f"{what}={value!r} is not a latency: use -1 for no pipelining or a finite latency > 0 per register stage"
        )
    return v


class _Fields(NamedTuple):
    adder_size: int = -1
    carry_size: int = -1
    latency_cutoff: float = -1


class HWConfig(_Fields):
    """``adder_size`` / ``carry_size``: the adder cost/latency model (-1 = default); ``latency_cutoff``:
    the combinational latency allowed per pipeline stage (-1 = no pipelining). Checked when built."""

    __slots__ = ()

    def __new__(cls, adder_size: int = -1, carry_size: int = -1, latency_cutoff: float = -1):
        a = check_model_size("HWConfig adder_size", adder_size)
        c = check_model_size("HWConfig carry_size", carry_size)
        lc = check_latency_cutoff(latency_cutoff, "HWConfig latency_cutoff")
        return super().__new__(cls, a, c, latency_cutoff if lc == latency_cutoff else lc)

    @classmethod
    def _make(cls, iterable):
        return cls(*iterable)
