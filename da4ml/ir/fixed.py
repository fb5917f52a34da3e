"""Fixed-point types ``(k, i, f)`` and quantization intervals ``QInterval(min, max, step)``.

A type ``(k, i, f)`` has width ``k + i + f``, step ``2**-f`` and range ``[-k * 2**i, 2**i - 2**-f]``.
A ``QInterval`` is an exact value range on a power-of-two grid; ``kif_of`` gives the minimal type holding it.
"""

from __future__ import annotations

import math
from typing import NamedTuple


def _log2_exact(step: float) -> int:
    """``log2(step)`` for a positive power of two, else ValueError."""
    if not (isinstance(step, (int, float)) and math.isfinite(step) and step > 0):
        raise ValueError(f"quantization step {step!r} must be a positive power of two")
    mantissa, exponent = math.frexp(step)
    if mantissa != 0.5:
        raise ValueError(f"quantization step {step!r} must be a power of two")
    return exponent - 1


class QInterval(NamedTuple):
    """An exact value interval on the grid ``step * Z`` (``step`` a power of two)."""

    min: float
    max: float
    step: float

    @property
    def kif(self) -> tuple[int, int, int]:
        return kif_of(self)

    @classmethod
    def from_kif(cls, k: int, i: int, f: int) -> QInterval:
        return qint_of(k, i, f)

    def integer_bounds(self) -> tuple[int, int]:
        """``(min, max)`` counted in steps (exact integers)."""
        lo, hi = self.min / self.step, self.max / self.step
        if lo != math.floor(lo) or hi != math.floor(hi):
            raise ValueError(f"{self} has bounds off its grid of step {self.step}")
        return int(lo), int(hi)

    def scaled(self, shift: int, negate: bool = False) -> QInterval:
        """The interval of ``±value * 2**shift``."""
        s = 2.0**shift
        lo, hi = self.min * s, self.max * s
        if negate:
            lo, hi = -hi, -lo
        return QInterval(lo + 0.0, hi + 0.0, self.step * s)


def kif_of(qint: QInterval | tuple[float, float, float]) -> tuple[int, int, int]:
    """The minimal ``(k, i, f)`` holding every value of ``qint``.

    The zero interval gets width 0 as ``(0, -f, f)``, which keeps its step."""
    qint = QInterval(*qint)
    if qint.min > qint.max:
        raise ValueError(f"empty interval {qint}: min > max")
    f = -_log2_exact(qint.step)
    lo, hi = qint.integer_bounds()
    if lo == 0 and hi == 0:
        return 0, -f, f
    k = int(lo < 0)
    bits = max(-lo - 1, hi).bit_length() if k else hi.bit_length()
    return k, bits - f, f


def qint_of(k: int, i: int, f: int) -> QInterval:
    """The full value range of type ``(k, i, f)``; a type of width <= 0 holds only 0."""
    k, i, f = int(k), int(i), int(f)
    if k not in (0, 1):
        raise ValueError(f"signed flag k={k} must be 0 or 1")
    step = 2.0**-f
    if k + i + f <= 0:
        return QInterval(0.0, 0.0, step)
    top = 2.0**i
    return QInterval(-top if k else 0.0, top - step, step)


def width_of(kif: tuple[int, int, int]) -> int:
    k, i, f = kif
    return max(k + i + f, 0)
