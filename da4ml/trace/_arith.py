"""Exact arithmetic on values: negation and shifts (free: they stay in the view), additions (one adder, or
folded into constants), constant multiplication by canonical signed digits, symbolic multiplication, and
powers.  Every interval is computed exactly in integers."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Sequence
from fractions import Fraction

from da4ml.ir import Opcode

from ._errors import TraceError
from ._node import mk
from ._types import frac_f, to_frac
from ._value import Value, real_bounds, require_type


def clip_interval(vmin: int, vmax: int, F: int, shift: int, neg: bool, bounds) -> tuple[int, int]:
    """Intersect a node interval (steps of 2**-F) with exact bounds on the *view* value."""
    if bounds is None:
        return vmin, vmax
    lo, hi = bounds
    if neg:
        lo, hi = -hi, -lo
    e = F - shift  # node integer = view value * 2**e
    lo, hi = Fraction(lo), Fraction(hi)
    if e >= 0:
        m = 1 << e
        cl = -((-lo.numerator * m) // lo.denominator)
        ch = (hi.numerator * m) // hi.denominator
    else:
        m = 1 << -e
        cl = -((-lo.numerator) // (lo.denominator * m))
        ch = hi.numerator // (hi.denominator * m)
    return max(vmin, cl), min(vmax, ch)


def neg(x: Value) -> Value:
    require_type(x)
    if x.const is not None:
        return x._c(-x.const)
    return x._view(x.node, x.shift, not x.neg)


def shift(x: Value, s: int) -> Value:
    require_type(x)
    if x.const is not None:
        return x._c(x.const * Fraction(2) ** s)
    return x._view(x.node, x.shift + s, x.neg)


def node_view(x: Value) -> Value:
    """A node-backed view of x (constants become a CONST node)."""
    if x.const is None:
        return x
    f = frac_f(x.const)
    n = int(x.const * Fraction(2) ** f)
    node = mk(Opcode.CONST, None, None, None, n, n, n, f)
    return x._view(node, 0, False)


def add_const(x: Value, c: Fraction, bounds=None) -> Value:
    require_type(x)
    c = to_frac(c)
    if x.const is not None:
        return x._c(x.const + c)
    if c == 0 and bounds is None:
        return x
    a = x.node
    cn = (-c if x.neg else c) * Fraction(2) ** -x.shift  # constant at node scale
    F = max(a.f, frac_f(cn))
    data = cn * Fraction(2) ** F
    assert data.denominator == 1
    data = int(data)
    vmin, vmax = (a.vmin << (F - a.f)) + data, (a.vmax << (F - a.f)) + data
    vmin, vmax = clip_interval(vmin, vmax, F, x.shift, x.neg, bounds)
    if data == 0 and F == a.f and (vmin, vmax) == (a.vmin, a.vmax):
        return x
    node = mk(Opcode.ADD_CONST, a, None, None, data, vmin, vmax, F)
    return x._like(node, x.shift, x.neg)


def add(x: Value, y: Value, bounds=None, keep_consts: bool = False) -> Value:
    """x + y; `keep_consts`: a constant operand becomes a CONST node of an ADD/SUB (replay of programs
    that do so) instead of an ADD_CONST."""
    require_type(x)
    require_type(y)
    if x.const is not None and y.const is not None:
        return x._c(x.const + y.const)
    if keep_consts:
        if x.const is not None:
            x = node_view(x)
        if y.const is not None:
            y = neg(node_view(neg(y))) if y.const < 0 else node_view(y)
    if y.const is not None:
        return add_const(x, y.const, bounds)
    if x.const is not None:
        return add_const(y, x.const, bounds)
    if x.node is y.node and x.shift == y.shift and bounds is None:
        return x._c(0) if x.neg != y.neg else shift(x, 1)
    if x.neg and not y.neg:
        x, y = y, x
    a, b = x.node, y.node
    lo = y.shift - x.shift
    sub_ = x.neg != y.neg
    F = max(a.f, b.f - lo)
    amin, amax = a.vmin << (F - a.f), a.vmax << (F - a.f)
    sb = F - b.f + lo
    bmin, bmax = b.vmin << sb, b.vmax << sb
    vmin, vmax = (amin - bmax, amax - bmin) if sub_ else (amin + bmin, amax + bmax)
    vneg = x.neg and y.neg
    vmin, vmax = clip_interval(vmin, vmax, F, x.shift, vneg, bounds)
    node = mk(Opcode.SUB if sub_ else Opcode.ADD, a, b, None, lo, vmin, vmax, F)
    return x._like(node, x.shift, vneg)


def sub(x: Value, y: Value) -> Value:
    return add(x, neg(y))


def csd_digits(m: int) -> list[tuple[int, int]]:
    """Canonical signed digits of a positive integer: [(position, +-1)], no two adjacent non-zeros."""
    out = []
    pos = 0
    while m:
        if m & 1:
            d = 2 - (m & 3)  # +1 if ...01, -1 if ...11
            out.append((pos, d))
            m -= d
        m >>= 1
        pos += 1
    return out


def sum_terms(terms: list[tuple[Value, dict]], ranges: dict, const: Fraction = Fraction(0)) -> Value | None:
    """Sum symbolic terms with a latency-aware balanced tree (earliest-ready pairs first).

    Each term carries its linear form {base key: coefficient} over independent bases whose exact ranges
    are in `ranges`, so every partial sum gets its exact interval (no adder wider than it must be).
    Bounds are computed in integers at one common scale 2**-S (exact, and fast)."""
    if not terms:
        return None
    fr_ = max((max(frac_f(lo), frac_f(hi)) for lo, hi in ranges.values()), default=0)
    fc = max((frac_f(c) for _, lf in terms for c in lf.values()), default=0)
    fr_, fc = max(fr_, 0), max(fc, 0)
    S = fr_ + fc
    den = Fraction(1, 1 << S)
    r_int = {k: (int(lo * (1 << fr_)), int(hi * (1 << fr_))) for k, (lo, hi) in ranges.items()}

    def lin(lf):
        lo = hi = 0
        for key, c in lf.items():
            if c:
                rl, rh = r_int[key]
                if c > 0:
                    lo += c * rl
                    hi += c * rh
                else:
                    lo += c * rh
                    hi += c * rl
        return lo, hi

    cnt = itertools.count()
    heap = []
    for t, lf in terms:
        lfi = {k: int(c * (1 << fc)) for k, c in lf.items()}
        heap.append((t.latency, t.node.width if t.node is not None else 0, next(cnt), t, lfi, lin(lfi)))
    heapq.heapify(heap)
    while len(heap) > 1:
        _, _, _, t1, l1, b1 = heapq.heappop(heap)
        _, _, _, t2, l2, b2 = heapq.heappop(heap)
        if len(l1) < len(l2):
            l1, l2 = l2, l1
        if any(key in l1 for key in l2):
            lf = dict(l1)
            for key, c in l2.items():
                lf[key] = lf.get(key, 0) + c
            b = lin(lf)
        else:  # independent bases: the bounds simply add
            lf = {**l1, **l2}
            b = (b1[0] + b2[0], b1[1] + b2[1])
        t = add(t1, t2, bounds=(b[0] * den, b[1] * den))
        heapq.heappush(heap, (t.latency, t.node.width if t.node is not None else 0, next(cnt), t, lf, b))
    t, b = heap[0][3], heap[0][5]
    if const:
        t = add_const(t, const, bounds=(b[0] * den + const, b[1] * den + const))
    return t


MAX_CONST_BITS = 32  # significant bits of a constant factor taken exactly (every fixed-point weight has fewer)
FLOAT32_BITS = 24  # float32's precision: what a longer constant factor is rounded to


def round_to_bits(c: Fraction, bits: int = FLOAT32_BITS) -> Fraction:
    """c rounded to `bits` significant bits (nearest, ties to even): np.float32(c) for float32's range."""
    if c == 0:
        return c
    p, q = abs(c.numerator), c.denominator
    t = p.bit_length() - q.bit_length()  # 2**t <= p/q < 2**(t+1) after the correction
    if (p << max(-t, 0)) < (q << max(t, 0)):
        t -= 1
    e = bits - 1 - t
    m = round(Fraction(p, q) * Fraction(2) ** e)  # Fraction rounds half to even
    r = m * Fraction(2) ** -e
    return r if c > 0 else -r


def const_factor(c) -> Fraction:
    """The exact factor a constant multiplies by.  A dyadic constant with at most MAX_CONST_BITS (32)
    significant bits is taken exactly (every fixed-point weight, every float32); a longer or non-dyadic one
    (a Python float such as 0.3, a Fraction such as 1/3: decimal noise, not a weight) is taken at float32
    precision -- 24 significant bits, round to nearest even, the value Keras multiplies by -- and is exact
    from there."""
    c = to_frac(c)
    d = c.denominator
    if d & (d - 1) == 0 and (d == 1 or abs(c.numerator).bit_length() <= MAX_CONST_BITS):
        return c
    return round_to_bits(c)


def mul_const(x: Value, c) -> Value:
    """x * c by shift-and-add over the canonical signed digits of c."""
    require_type(x)
    c = const_factor(c)
    if x.const is not None:
        return x._c(x.const * c)
    if c == 0:
        return x._c(0)
    e = -frac_f(c)
    m = c * Fraction(2) ** -e
    assert m.denominator == 1
    m = int(m)
    s = m < 0
    m = abs(m)
    if m == 1:
        y = shift(x, e)
        return neg(y) if s else y
    ranges = {0: real_bounds(x)}
    terms = []
    for pos, d in csd_digits(m):
        t = shift(x, e + pos)
        coef = Fraction(2) ** (e + pos) * d
        if (d < 0) != s:
            t = neg(t)
        terms.append((t, {0: -coef if s else coef}))
    return sum_terms(terms, ranges)


def mul(x: Value, y: Value) -> Value:
    require_type(x)
    require_type(y)
    if y.const is not None:
        return mul_const(x, y.const)
    if x.const is not None:
        return mul_const(y, x.const)
    a, b = x.node, y.node
    if a is b:
        sq = (a.vmin * a.vmin, a.vmax * a.vmax)
        vmin = 0 if a.vmin <= 0 <= a.vmax else min(sq)
        vmax = max(sq)
    else:
        p = (a.vmin * b.vmin, a.vmin * b.vmax, a.vmax * b.vmin, a.vmax * b.vmax)
        vmin, vmax = min(p), max(p)
    node = mk(Opcode.MUL, a, b, None, 0, vmin, vmax, a.f + b.f)
    return x._like(node, x.shift + y.shift, x.neg != y.neg)


def div(x: Value, y: Value) -> Value:
    """x / c for a constant c: exact for a power of two; otherwise x times the reciprocal of c taken at
    float32 precision (c itself first at its const_factor), as Keras computes x / c in float32."""
    require_type(x)
    if y.const is None:
        raise TraceError(
            "division by a symbolic value is not supported: divide by constants (exact for powers of two, "
            "otherwise by the float32 reciprocal), or tabulate 1/y with a lookup table (y.apply(lambda v: 1 / v))"
        )
    c = const_factor(y.const)
    if c == 0:
        raise ZeroDivisionError("division of a symbolic value by zero")
    return mul_const(x, 1 / c)  # mul_const takes 1 / c at its const_factor


def power(x: Value, n) -> Value:
    require_type(x)
    if int(n) != n or n < 0:
        raise TraceError(f"x ** {n!r}: only non-negative integer constant exponents are supported")
    n = int(n)
    if x.const is not None:
        return x._c(x.const**n)
    if n == 0:
        return x._c(1)
    result = None
    base = x
    while n:
        if n & 1:
            result = base if result is None else mul(result, base)
        n >>= 1
        if n:
            base = mul(base, base)
    return result


def sum_values(items: Sequence[Value]) -> Value:
    """Latency-aware balanced sum of a non-empty sequence (earliest-ready pairs first; constants folded into one
    ADD_CONST at the end)."""
    consts = [v for v in items if v.const is not None]
    syms = [v for v in items if v.const is None]
    c = sum((v.const for v in consts), Fraction(0))
    if not syms:
        return items[0]._c(c)
    cnt = itertools.count()
    heap = [(v.latency, next(cnt), v) for v in syms]
    heapq.heapify(heap)
    while len(heap) > 1:
        _, _, a = heapq.heappop(heap)
        _, _, b = heapq.heappop(heap)
        s = add(a, b)
        heapq.heappush(heap, (s.latency, next(cnt), s))
    r = heap[0][2]
    return add_const(r, c) if c else r


def _constant_of(v, what: str):
    """The constant of a value used as an exponent or shift amount (numbers pass through)."""
    if hasattr(v, "interval"):
        if v.const is None:
            raise TraceError(f"{what} must be a constant, not a symbolic value")
        return v.const
    return v


def power_by(x: Value, n) -> Value:
    """x ** n for a constant exponent (a number or a constant value): np.power, the ** operator."""
    return power(x, _constant_of(n, "the exponent of np.power / **"))


def shift_by(x: Value, n, sign: int = 1) -> Value:
    """x * 2**(sign * n) for a constant integer n (a number or a constant value): np.left_shift / right_shift."""
    n = _constant_of(n, "the shift amount of << / >>")
    if int(n) != n:
        raise TraceError(f"shift amount {n}: shift by an integer number of bits")
    return shift(x, sign * int(n))
