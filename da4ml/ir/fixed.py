"""Fixed-point types ``(k, i, f)`` and quantization intervals ``QInterval(min, max, step)``.

A type ``(k, i, f)`` has width ``k + i + f``, step ``2**-f`` and range ``[-k * 2**i, 2**i - 2**-f]``.
A ``QInterval`` is an exact value range on a power-of-two grid; ``kif_of`` gives the minimal type holding it.

Everything here is exact: a ``QInterval`` holds its bounds and step as ``Fraction``s (built exactly from the
ints, floats or Fractions it is given), so types of any width up to the 62-bit limit survive every round trip.
The integer form ``(lo, hi, f)`` (the bounds counted in steps of ``2**-f``) is what the tracer, the binary and
JSON formats use: ``QInterval.from_bounds`` and ``QInterval.bounds`` convert both ways.  Floats appear only
for display (``repr``) or when a caller converts (``float(q.max)``).
"""

from __future__ import annotations

import math
import sys
from fractions import Fraction
from numbers import Integral, Rational
from typing import Any


def _exact(v: Any, what: str) -> Fraction:
    """The exact rational value of a number (floats are exact dyadics); non-finite values are refused."""
    if isinstance(v, Fraction):
        return v
    if isinstance(v, Integral):  # int, bool, numpy integers
        return Fraction(int(v))
    if isinstance(v, Rational):
        return Fraction(v.numerator, v.denominator)
    try:
        fv = float(v)
    except (TypeError, ValueError):
        raise TypeError(f"QInterval {what} must be a number, got {v!r}") from None
    if not math.isfinite(fv):
        raise ValueError(f"QInterval {what}={v!r} is not finite: an interval holds finite fixed-point values")
    return Fraction(fv)


def _log2_exact(step: Any) -> int:
    """``log2(step)`` for a positive power of two, else ValueError."""
    try:
        s = step if isinstance(step, Fraction) else _exact(step, "step")
    except (TypeError, ValueError):
        raise ValueError(f"quantization step {step!r} must be a positive power of two") from None
    n, d = s.numerator, s.denominator
    if n <= 0:
        raise ValueError(f"quantization step {_show(s)} must be a positive power of two")
    if d == 1 and n & (n - 1) == 0:
        return n.bit_length() - 1
    if n == 1 and d & (d - 1) == 0:
        return -(d.bit_length() - 1)
    raise ValueError(f"quantization step {_show(s)} must be a power of two")


def _show(v: Fraction) -> str:
    """A number for display: a float where that is exact, else the exact integer or fraction."""
    if v.denominator == 1 and abs(v.numerator) > 2**53:
        return str(v.numerator)
    fv = float(v)
    return repr(fv) if Fraction(fv) == v else str(v)


_POW2: dict[int, Fraction] = {}


def _pow2(e: int) -> Fraction:
    """``2**e`` as a Fraction (shared: steps are a handful of values)."""
    p = _POW2.get(e)
    if p is None:
        p = Fraction(1 << e) if e >= 0 else Fraction(1, 1 << -e)
        if len(_POW2) < 4096:
            _POW2[e] = p
    return p


_HASH_P = sys.hash_info.modulus
_HASH_INV: dict[int, int] = {}


def _dyadic_hash(n: int, f: int) -> int:
    """``hash(Fraction(n, 2**f))`` (= the hash of the equal int or float), computed on integers as
    ``Fraction.__hash__`` does: ``|n| * inverse(2**f)`` modulo the hash prime, signed, -1 read as -2."""
    if f <= 0:
        return hash(n << -f)
    inv = _HASH_INV.get(f)
    if inv is None:
        inv = _HASH_INV[f] = pow(1 << f, -1, _HASH_P)
    h = hash(hash(abs(n)) * inv)
    h = h if n >= 0 else -h
    return -2 if h == -1 else h


def _on_grid(v: Fraction, f: int) -> int | None:
    """``v * 2**f`` if it is an integer, else None."""
    n, d = v.numerator, v.denominator
    if f >= 0:
        n <<= f
    else:
        d <<= -f
    if d == 1:
        return n
    q, r = divmod(n, d)
    return None if r else q


def _float_bounds(lo: float, hi: float, step: float) -> tuple[int, int, int] | None:
    """``(lo, hi, f)`` of float bounds on a power-of-two grid, exactly (scaling by 2**f is exact), else None."""
    if not (step > 0 and math.isfinite(step) and math.isfinite(lo) and math.isfinite(hi)):
        return None
    m, e = math.frexp(step)
    if m != 0.5:
        return None
    f = 1 - e
    a, b = math.ldexp(lo, f), math.ldexp(hi, f)
    if not (a.is_integer() and b.is_integer() and math.isfinite(a) and math.isfinite(b)):
        return None
    return int(a), int(b), f


class QInterval:
    """An exact value interval on the grid ``step * Z`` (``step`` a power of two).

    ``QInterval(min, max, step)`` takes ints, floats or Fractions and keeps them exactly: the fields ``min``,
    ``max``, ``step`` are ``Fraction``s (equal to the floats they came from: ``tuple(q) == (-8.0, 7.75, 0.25)``).
    It behaves as the named tuple it replaces: it unpacks into ``(min, max, step)``, indexes, compares equal
    to that tuple, hashes and pickles.  Inside it holds the integer form ``bounds == (lo, hi, f)`` (values
    ``lo..hi`` in steps of ``2**-f``), which is what the tracer, the binary and JSON formats use.  An interval
    whose step is not a power of two or whose bounds are off its grid can be built (and is refused, naming
    it, wherever a type is needed).
    """

    __slots__ = ("_b", "_hash", "_raw")
    _fields = ("min", "max", "step")

    def __init__(self, min: Any, max: Any, step: Any):
        b = None
        if type(min) is float and type(max) is float and type(step) is float:
            b = _float_bounds(min, max, step)
        if b is None:
            raw = (_exact(min, "min"), _exact(max, "max"), _exact(step, "step"))
            try:
                f = -_log2_exact(raw[2])
                lo, hi = _on_grid(raw[0], f), _on_grid(raw[1], f)
                if lo is not None and hi is not None:
                    b = (lo, hi, f)
            except ValueError:
                pass
            self._raw = None if b is not None else raw
        else:
            self._raw = None
        self._b = b
        self._hash = None

    @classmethod
    def from_bounds(cls, lo: int, hi: int, f: int) -> QInterval:
        """The interval of the integers ``lo..hi`` counted in steps of ``2**-f`` (exact)."""
        q = object.__new__(cls)
        q._b = (int(lo), int(hi), int(f))
        q._raw = None
        q._hash = None
        return q

    @classmethod
    def from_kif(cls, k: int, i: int, f: int) -> QInterval:
        return qint_of(k, i, f)

    # ---- the exact values ---------------------------------------------------------------------------
    def _values(self) -> tuple[Fraction, Fraction, Fraction]:
        if self._b is None:
            return self._raw
        lo, hi, f = self._b
        step = _pow2(-f)
        return lo * step, hi * step, step

    @property
    def min(self) -> Fraction:
        return self._values()[0]

    @property
    def max(self) -> Fraction:
        return self._values()[1]

    @property
    def step(self) -> Fraction:
        if self._b is None:
            return self._raw[2]
        return _pow2(-self._b[2])

    @property
    def bounds(self) -> tuple[int, int, int]:
        """``(lo, hi, f)``: the bounds counted in steps of ``2**-f`` (exact integers); ValueError if the step is
        not a power of two or a bound is off its grid."""
        if self._b is None:
            _log2_exact(self._raw[2])  # names a bad step
            raise ValueError(f"{self} has bounds off its grid of step {_show(self._raw[2])}")
        return self._b

    @property
    def f(self) -> int:
        """Fractional bits of the grid: ``step == 2**-f``."""
        if self._b is None:
            return -_log2_exact(self._raw[2])
        return self._b[2]

    @property
    def kif(self) -> tuple[int, int, int]:
        return kif_of(self)

    def integer_bounds(self) -> tuple[int, int]:
        """``(min, max)`` counted in steps (exact integers)."""
        lo, hi, _ = self.bounds
        return lo, hi

    def scaled(self, shift: int, negate: bool = False) -> QInterval:
        """The interval of ``±value * 2**shift``."""
        shift = int(shift)
        if self._b is None:
            s = _pow2(shift)
            lo, hi, step = (v * s for v in self._raw)
            return QInterval(-hi, -lo, step) if negate else QInterval(lo, hi, step)
        lo, hi, f = self._b
        return QInterval.from_bounds(-hi, -lo, f - shift) if negate else QInterval.from_bounds(lo, hi, f - shift)

    # ---- the named-tuple face -------------------------------------------------------------------------
    def __iter__(self):
        return iter(self._values())

    def __len__(self) -> int:
        return 3

    def __getitem__(self, j):
        return self._values()[j]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, QInterval):
            if self._b is not None and other._b is not None:
                return self._b == other._b
            return self._values() == other._values()
        if isinstance(other, tuple):
            return self._values() == other
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __hash__(self) -> int:
        h = self._hash
        if h is None:
            if self._b is None:
                h = hash(self._raw)
            else:  # the hash of the equal tuple of Fractions, from the integers (no Fraction is built)
                lo, hi, f = self._b
                h = hash((_dyadic_hash(lo, f), _dyadic_hash(hi, f), _dyadic_hash(1, f)))
            self._hash = h
        return h

    def __reduce__(self):
        if self._b is not None:
            return (QInterval.from_bounds, self._b)
        return (QInterval, self._raw)

    def _replace(self, **kw: Any) -> QInterval:
        d = dict(zip(self._fields, self._values()))
        d.update(kw)
        return QInterval(**d)

    def _asdict(self) -> dict[str, Fraction]:
        return dict(zip(self._fields, self._values()))

    def __repr__(self) -> str:
        lo, hi, step = self._values()
        return f"QInterval(min={_show(lo)}, max={_show(hi)}, step={_show(step)})"


def as_qinterval(q: Any) -> QInterval:
    """``q`` itself if it is a QInterval, else ``QInterval(*q)`` (a ``(min, max, step)`` triple)."""
    return q if isinstance(q, QInterval) else QInterval(*q)


def kif_of(qint: QInterval | tuple[Any, Any, Any]) -> tuple[int, int, int]:
    """The minimal ``(k, i, f)`` holding every value of ``qint``.

    The zero interval gets width 0 as ``(0, -f, f)``, which keeps its step."""
    if not isinstance(qint, QInterval):
        qint = QInterval(*qint)
    lo, hi, f = qint.bounds
    if lo > hi:
        raise ValueError(f"empty interval {qint}: min > max")
    return kif_of_bounds(lo, hi, f)


def kif_of_bounds(lo: int, hi: int, f: int) -> tuple[int, int, int]:
    """The minimal ``(k, i, f)`` holding the integers ``lo..hi`` counted in steps of ``2**-f``."""
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
    lo, hi = type_bounds(k, i, f)
    return QInterval.from_bounds(lo, hi, f)


def type_bounds(k: int, i: int, f: int) -> tuple[int, int]:
    """The integer range (steps of ``2**-f``) of type ``(k, i, f)``; a type of width <= 0 holds only 0."""
    w = k + i + f
    if w <= 0:
        return 0, 0
    if k:
        return -(1 << (w - 1)), (1 << (w - 1)) - 1
    return 0, (1 << w) - 1


def width_of(kif: tuple[int, int, int]) -> int:
    k, i, f = kif
    return max(k + i + f, 0)
