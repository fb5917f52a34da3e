"""FixedVariable: one symbolic fixed-point scalar, and the exact element-level operations.

A FixedVariable is a *view* of a DAIS node: value = (-1)**neg * node * 2**shift, or a constant (an exact
Fraction).  Shifts and negations stay lazy (they are free in wiring, or absorbed by ADD/SUB/MUX/outputs) and
are materialized only where an op needs them (NEG_QUANTIZE, NEG_RELU, NEG_MUX...).  Every interval is
tracked exactly in integers; an op whose result interval is a single point folds to a constant.
"""

from __future__ import annotations

import heapq
import itertools
import weakref
from collections.abc import Callable
from fractions import Fraction

import numpy as np

from da4ml.ir import BitBinary, BitUnary, HWConfig, Opcode

from ._node import Lane, Node, TraceError, mk
from ._numeric import check_modes, quantize_frac, relu_frac, round_int
from ._types import MAX_WIDTH, ceil_div_pow2, frac, frac_f, kif_int, to_frac, type_range, width_int

DEFAULT_HW = HWConfig(1, -1, -1)
LUT_MAX_ENTRIES = 1 << 16  # largest lookup table `apply` builds (entries = 2**input width)


class FixedVariable:
    """One symbolic fixed-point value (or an exact constant)."""

    __slots__ = ("const", "hwconf", "neg", "node", "shift", "solver_options")
    __array_priority__ = 100

    def __init__(
        self, node: Node | None = None, shift: int = 0, neg: bool = False, const=None, hwconf=None, solver_options=None
    ):
        self.node = node
        self.shift = int(shift)
        self.neg = bool(neg)
        self.const = None if const is None else to_frac(const)
        self.hwconf = hwconf if hwconf is not None else DEFAULT_HW
        self.solver_options = solver_options
        if node is None and self.const is None and not isinstance(self, UnquantizedVariable):
            self.const = Fraction(0)

    # ---- construction -------------------------------------------------------------------------------
    @classmethod
    def from_kif(
        cls, k: int, i: int, f: int, hwconf=None, latency: float = 0.0, solver_options=None, lane: Lane | None = None
    ):
        """A fresh symbolic input of type (k, i, f)."""
        hw = hwconf if hwconf is not None else DEFAULT_HW
        lane = lane if lane is not None else Lane(latency)
        return _input(lane, int(k), int(i), int(f), hw, solver_options)

    @classmethod
    def from_const(cls, value, hwconf=None, solver_options=None) -> FixedVariable:
        return cls(const=value, hwconf=hwconf, solver_options=solver_options)

    def _like(self, node=None, shift=0, neg=False, const=None) -> FixedVariable:
        if node is not None and node.vmin == node.vmax:
            v = frac(node.vmin, node.f) * Fraction(2) ** shift
            return FixedVariable(const=-v if neg else v, hwconf=self.hwconf, solver_options=self.solver_options)
        return FixedVariable(node, shift, neg, const, self.hwconf, self.solver_options)

    def _c(self, value) -> FixedVariable:
        return FixedVariable(const=value, hwconf=self.hwconf, solver_options=self.solver_options)

    # ---- properties ---------------------------------------------------------------------------------
    @property
    def is_const(self) -> bool:
        return self.const is not None

    def interval(self) -> tuple[int, int, int]:
        """(nmin, nmax, f): the value lies in nmin..nmax steps of 2**-f (exact)."""
        _req(self)
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
        if isinstance(self, UnquantizedVariable):
            return "FixedVariable(<unquantized input>)"
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

    # ---- Python operators (scalars; arrays delegate to FixedVariableArray) ----------------------------
    def _bin(self, other, fn, reflected=False):
        if isinstance(other, FixedVariable) or _is_number(other):
            o = _as_fv(other, self)
            return fn(o, self) if reflected else fn(self, o)
        from .fixed_variable_array import FixedVariableArray

        if isinstance(other, (FixedVariableArray, np.ndarray, list, tuple)):
            me = FixedVariableArray(np.array(self, dtype=object))
            return fn_to_array(fn)(other, me) if reflected else fn_to_array(fn)(me, other)
        return NotImplemented

    def __add__(self, o):
        return self._bin(o, add)

    def __radd__(self, o):
        return self._bin(o, add, True)

    def __sub__(self, o):
        return self._bin(o, sub)

    def __rsub__(self, o):
        return self._bin(o, sub, True)

    def __mul__(self, o):
        return self._bin(o, mul)

    def __rmul__(self, o):
        return self._bin(o, mul, True)

    def __truediv__(self, o):
        return self._bin(o, div)

    def __rtruediv__(self, o):
        return self._bin(o, div, True)

    def __pow__(self, n):
        return power(self, n)

    def __neg__(self):
        return neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return absolute(self)

    def __lt__(self, o):
        return self._bin(o, less)

    def __le__(self, o):
        return self._bin(o, less_equal)

    def __gt__(self, o):
        return self._bin(o, greater)

    def __ge__(self, o):
        return self._bin(o, greater_equal)

    def __eq__(self, o):  # type: ignore[override]
        return self._bin(o, equal)

    def __ne__(self, o):  # type: ignore[override]
        return self._bin(o, not_equal)

    def __and__(self, o):
        return self._bin(o, bit_and)

    def __rand__(self, o):
        return self._bin(o, bit_and, True)

    def __or__(self, o):
        return self._bin(o, bit_or)

    def __ror__(self, o):
        return self._bin(o, bit_or, True)

    def __xor__(self, o):
        return self._bin(o, bit_xor)

    def __rxor__(self, o):
        return self._bin(o, bit_xor, True)

    def __invert__(self):
        return invert(self)

    def __lshift__(self, n: int):
        return shift(self, int(n))

    def __rshift__(self, n: int):
        return shift(self, -int(n))

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        from .fixed_variable_array import FixedVariableArray

        ins = [FixedVariableArray(np.array(x, dtype=object)) if isinstance(x, FixedVariable) else x for x in inputs]
        r = FixedVariableArray.__array_ufunc__(
            ins[[isinstance(x, FixedVariableArray) for x in ins].index(True)], ufunc, method, *ins, **kwargs
        )
        return _unwrap0(r)

    def __array_function__(self, func, types, args, kwargs):
        from .fixed_variable_array import FixedVariableArray, _wrap_scalars

        args2, kwargs2 = _wrap_scalars(args), _wrap_scalars(kwargs)
        return _unwrap0(FixedVariableArray._dispatch(func, args2, kwargs2))

    def __da4ml_replay__(self, comb, quantize: bool = False, debug: bool = False):
        """CombLogic.__call__ on a symbolic scalar input."""
        from .replay import comb_call

        return comb_call(comb, self, quantize, debug)

    # ---- methods ------------------------------------------------------------------------------------
    def quantize(self, k, i, f, overflow_mode: str = "WRAP", round_mode: str = "TRN") -> FixedVariable:
        return quantize(self, int(k), int(i), int(f), overflow_mode, round_mode)

    def relu(self, i=None, f=None, round_mode: str = "TRN") -> FixedVariable:
        return relu(self, None if i is None else int(i), None if f is None else int(f), round_mode)

    def apply(self, fn: Callable) -> FixedVariable:
        return lookup(self, fn)

    def to_bool(self, mode: str = "any") -> FixedVariable:
        return to_bool(self, mode)

    def as_new(self) -> FixedVariable:
        k, i, f = self.kif
        return FixedVariable.from_kif(k, i, f, self.hwconf, self.latency, self.solver_options)

    def max_of(self, other) -> FixedVariable:
        return maximum(self, _as_fv(other, self))

    def min_of(self, other) -> FixedVariable:
        return minimum(self, _as_fv(other, self))


class UnquantizedVariable(FixedVariable):
    """An input whose type is not known yet: only quantize (WRAP, TRN) and rearrangements are allowed."""

    __slots__ = ("lane",)

    def __init__(self, lane: Lane, hwconf=None, solver_options=None):
        super().__init__(None, 0, False, None, hwconf, solver_options)
        self.lane = lane

    @property
    def latency(self) -> float:
        return self.lane.latency


def _unwrap0(r):
    from .fixed_variable_array import FixedVariableArray

    if isinstance(r, FixedVariableArray) and r.ndim == 0:
        return r._vars[()]
    return r


def fn_to_array(fn):
    from . import fixed_variable_array as fva

    return lambda a, b: fva.elementwise(fn, fva.asarray_like(a, b), fva.asarray_like(b, a))


def _is_number(x) -> bool:
    return isinstance(x, (int, float, Fraction, np.integer, np.floating, bool, np.bool_)) or (
        isinstance(x, np.ndarray) and x.ndim == 0 and x.dtype != object
    )


def _as_fv(x, like: FixedVariable | None = None) -> FixedVariable:
    if isinstance(x, FixedVariable):
        return x
    hw = like.hwconf if like is not None else None
    so = like.solver_options if like is not None else None
    return FixedVariable(const=to_frac(x.item() if isinstance(x, np.ndarray) else x), hwconf=hw, solver_options=so)


def _req(x: FixedVariable) -> None:
    if isinstance(x, UnquantizedVariable):
        raise TraceError(
            "this input has no fixed-point type yet (it comes from FixedVariableArrayInput): quantize it first, "
            "e.g. x.quantize(k, i, f) or ops.quantize(x, k, i, f), before any arithmetic on it"
        )


# ======================================================================================================
# node builders (views in, views out)
# ======================================================================================================


def _input(lane: Lane, k: int, i: int, f: int, hw, so) -> FixedVariable:
    lo, hi = type_range(k, i, f)
    if lo == hi:
        return FixedVariable(const=0, hwconf=hw, solver_options=so)
    node = mk(Opcode.INPUT, None, None, None, 0, lo, hi, f, hw, lane=lane)
    return FixedVariable(node, 0, False, None, hw, so)


def _clip(vmin: int, vmax: int, F: int, shift: int, neg: bool, bounds) -> tuple[int, int]:
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


def neg(x: FixedVariable) -> FixedVariable:
    _req(x)
    if x.const is not None:
        return x._c(-x.const)
    return FixedVariable(x.node, x.shift, not x.neg, None, x.hwconf, x.solver_options)


def shift(x: FixedVariable, s: int) -> FixedVariable:
    _req(x)
    if x.const is not None:
        return x._c(x.const * Fraction(2) ** s)
    return FixedVariable(x.node, x.shift + s, x.neg, None, x.hwconf, x.solver_options)


def add_const(x: FixedVariable, c: Fraction, bounds=None) -> FixedVariable:
    _req(x)
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
    vmin, vmax = _clip(vmin, vmax, F, x.shift, x.neg, bounds)
    if data == 0 and F == a.f and (vmin, vmax) == (a.vmin, a.vmax):
        return x
    node = mk(Opcode.ADD_CONST, a, None, None, data, vmin, vmax, F, x.hwconf)
    return x._like(node, x.shift, x.neg)


def add(x: FixedVariable, y: FixedVariable, bounds=None, keep_consts: bool = False) -> FixedVariable:
    """x + y; `keep_consts`: a constant operand becomes a CONST node of an ADD/SUB (replay of programs
    that do so) instead of an ADD_CONST."""
    _req(x)
    _req(y)
    if x.const is not None and y.const is not None:
        return x._c(x.const + y.const)
    if keep_consts:
        if x.const is not None:
            x = _node_view(x)
        if y.const is not None:
            y = neg(_node_view(neg(y))) if y.const < 0 else _node_view(y)
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
    vmin, vmax = _clip(vmin, vmax, F, x.shift, vneg, bounds)
    node = mk(Opcode.SUB if sub_ else Opcode.ADD, a, b, None, lo, vmin, vmax, F, x.hwconf)
    return x._like(node, x.shift, vneg)


def sub(x: FixedVariable, y: FixedVariable) -> FixedVariable:
    return add(x, neg(y))


def _real_bounds(x: FixedVariable) -> tuple[Fraction, Fraction]:
    nmin, nmax, f = x.interval()
    return frac(nmin, f), frac(nmax, f)


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


def sum_terms(
    terms: list[tuple[FixedVariable, dict]], ranges: dict, const: Fraction = Fraction(0)
) -> FixedVariable | None:
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


def _lin_bounds(lf: dict, ranges: dict) -> tuple[Fraction, Fraction]:
    lo = hi = Fraction(0)
    for key, c in lf.items():
        if c == 0:
            continue
        rl, rh = ranges[key]
        if c > 0:
            lo += c * rl
            hi += c * rh
        else:
            lo += c * rh
            hi += c * rl
    return lo, hi


MAX_CONST_BITS = 32  # significant bits of a constant factor (longer ones are float noise, not weights)


def check_const_factor(c: Fraction) -> None:
    """Refuse fractional constants with more significant bits than any weight has (e.g. float 0.1)."""
    m = abs(c.numerator)  # odd when the denominator is a power of two > 1: its bits are the significant ones
    if c.denominator > 1 and m.bit_length() > MAX_CONST_BITS:
        raise TraceError(
            f"constant factor {float(c)!r} has {m.bit_length()} significant bits: it is not a fixed-point weight "
            f"(limit {MAX_CONST_BITS}); quantize it first, e.g. ops.quantize(w, 1, 3, 12)"
        )


def mul_const(x: FixedVariable, c) -> FixedVariable:
    """x * c by shift-and-add over the canonical signed digits of c."""
    _req(x)
    c = to_frac(c)
    check_const_factor(c)
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
    ranges = {0: _real_bounds(x)}
    terms = []
    for pos, d in csd_digits(m):
        t = shift(x, e + pos)
        coef = Fraction(2) ** (e + pos) * d
        if (d < 0) != s:
            t = neg(t)
        terms.append((t, {0: -coef if s else coef}))
    return sum_terms(terms, ranges)


def mul(x: FixedVariable, y: FixedVariable) -> FixedVariable:
    _req(x)
    _req(y)
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
    node = mk(Opcode.MUL, a, b, None, 0, vmin, vmax, a.f + b.f, x.hwconf)
    return x._like(node, x.shift + y.shift, x.neg != y.neg)


def div(x: FixedVariable, y: FixedVariable) -> FixedVariable:
    _req(x)
    if y.const is None:
        raise TraceError("division by a symbolic value is not supported: divide only by constant powers of two")
    c = y.const
    if c == 0:
        raise ZeroDivisionError("division of a FixedVariable by zero")
    a = abs(c)
    if (
        a.numerator & (a.numerator - 1)
        or a.denominator & (a.denominator - 1)
        or (a.numerator != 1 and a.denominator != 1)
    ):
        raise TraceError(
            f"division by {c} is not supported: only constant powers of two divide exactly; "
            f"multiply by a quantized reciprocal instead (e.g. x * ops.quantize(1/{c}, ...))"
        )
    return mul_const(x, 1 / c)


def power(x: FixedVariable, n) -> FixedVariable:
    _req(x)
    if isinstance(n, FixedVariable) or int(n) != n or n < 0:
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


# ---- quantization ------------------------------------------------------------------------------------


def _unneg(x: FixedVariable) -> FixedVariable:
    """An equal view without a pending negation, when that costs no extra adder:
    -(a - b) = b - a (operands swapped) and -(a + c) = (-c) - a (a SUB from a CONST); else x itself."""
    if not x.neg or x.const is None and x.node.opcode not in (Opcode.SUB, Opcode.ADD_CONST):
        return x
    n = x.node
    lo, hi = _real_bounds(x)
    if n.opcode == Opcode.SUB:
        a = FixedVariable(n.a, x.shift, False, None, x.hwconf, x.solver_options)
        b = FixedVariable(n.b, x.shift + n.data, False, None, x.hwconf, x.solver_options)
        return add(b, neg(a), bounds=(lo, hi))
    if n.f < n.a.f:  # an ADD_CONST that also drops bits: -(floor(a) + c) is not c' - a
        return x
    # -(a + c) * 2**s = (c' - a) * 2**s with c' = -c: SUB(CONST c', a)
    cn = -frac(n.data, n.f)
    cf = frac_f(cn)
    cnode = mk(
        Opcode.CONST,
        None,
        None,
        None,
        int(cn * Fraction(2) ** cf),
        int(cn * Fraction(2) ** cf),
        int(cn * Fraction(2) ** cf),
        cf,
        x.hwconf,
    )
    a = n.a
    F = max(cf, a.f)
    cv = int(cn * Fraction(2) ** F)
    vmin, vmax = cv - (a.vmax << (F - a.f)), cv - (a.vmin << (F - a.f))
    vmin, vmax = _clip(vmin, vmax, F, x.shift, False, (lo, hi))
    node = mk(Opcode.SUB, cnode, a, None, 0, vmin, vmax, F, x.hwconf)
    return x._like(node, x.shift, False)


def _requant(x: FixedVariable, opcode_pos, opcode_neg, vmin: int, vmax: int, fv: int, data=0) -> FixedVariable:
    """New node reading x's node, result in view units 2**-fv with integers vmin..vmax (signed view ints)."""
    x = _unneg(x)
    a = x.node
    node = mk(opcode_neg if x.neg else opcode_pos, a, None, None, data, vmin, vmax, fv + x.shift, x.hwconf)
    return x._like(node, x.shift, False)


def trn(x: FixedVariable, f: int) -> FixedVariable:
    """Drop fractional bits below 2**-f (floor)."""
    nmin, nmax, fv = x.interval()
    if x.const is not None:
        return x._c(frac(round_int(x.const, f, "TRN"), f))
    if fv <= f:
        return x
    d = fv - f
    return _requant(x, Opcode.QUANTIZE, Opcode.NEG_QUANTIZE, nmin >> d, nmax >> d, f)


def wrap(x: FixedVariable, k: int, i: int, f: int) -> FixedVariable:
    """Two's-complement wrap into (k, i, f) (x already on a grid no finer than 2**-f)."""
    nmin, nmax, fv = x.interval()
    if x.const is not None:
        return x._c(quantize_frac(x.const, k, i, max(f, fv), "WRAP", "TRN"))
    lo, hi = type_range(k, i, fv)
    if lo <= nmin and nmax <= hi:
        return x
    if k + i + fv <= 0:  # the grid step is at least the modulus: every value wraps to 0
        return x._c(0)
    return _requant(x, Opcode.QUANTIZE, Opcode.NEG_QUANTIZE, lo, hi, fv)


def _round(x: FixedVariable, f: int, round_mode: str) -> FixedVariable:
    """x rounded (RND / RND_CONV) to the grid 2**-f, *before* the final bit drop: returns t with
    trn(t, f) == round(x)."""
    fv = x.interval()[2]
    if fv <= f or round_mode == "TRN":
        return x
    half = Fraction(1, 2) * Fraction(2) ** -f
    if round_mode == "RND":
        return add_const(x, half)
    # RND_CONV: floor(x + half - ulp + lsb) where lsb is bit f of x (the LSB of the truncated value)
    ulp = Fraction(2) ** -fv
    q = trn(x, f)
    bit = wrap(q, 0, 1 - f, f)  # values {0, 2**-f}
    t = add_const(x, half - ulp)
    return add(t, shift(bit, f - fv))


def quantize(
    x: FixedVariable, k: int, i: int, f: int, overflow_mode: str = "WRAP", round_mode: str = "TRN"
) -> FixedVariable:
    o, r = check_modes(overflow_mode, round_mode)
    if isinstance(x, UnquantizedVariable):
        if (o, r) != ("WRAP", "TRN"):
            raise TraceError(
                f"an unquantized input (FixedVariableArrayInput) can only be quantized with WRAP/TRN (got {o}/{r}): "
                "its lanes carry exactly the quantized type. Declare a wider input type with "
                "FixedVariableArray.from_kif and apply the SAT/RND quantization to that instead"
            )
        return _input(x.lane, k, i, f, x.hwconf, x.solver_options)
    if x.const is not None:
        return x._c(quantize_frac(x.const, k, i, f, o, r))
    if x.node.opcode == Opcode.LOOKUP:
        return _lut_map(x, lambda v: quantize_frac(v, k, i, f, o, r))
    y = trn(_round(x, f, r), f)
    if o == "WRAP":
        return wrap(y, k, i, f)
    nmin, nmax, fv = y.interval()
    lo_t, hi_t = type_range(k, i, f)
    if o == "SAT_SYM" and k:
        lo_t = -hi_t
    if k + i + f <= 0:
        return y._c(0)
    # saturate to the type's own bounds (they may be finer than y's grid: the mux outputs them exactly)
    hi_g, lo_g = frac(hi_t, f), frac(lo_t, f)
    ylo, yhi = frac(nmin, fv), frac(nmax, fv)
    c_hi = lt(y._c(hi_g), y) if yhi > hi_g else None  # both compares read y: they run in parallel
    c_lo = lt(y, y._c(lo_g)) if ylo < lo_g else None
    if c_lo is not None:
        y = where(c_lo, y._c(lo_g), y, bounds=(lo_g, max(yhi, lo_g)))
    if c_hi is not None:
        y = where(c_hi, y._c(hi_g), y, bounds=(min(max(ylo, lo_g), hi_g), hi_g))
    return y


def relu(
    x: FixedVariable, i: int | None = None, f: int | None = None, round_mode: str = "TRN", fold: bool = True
) -> FixedVariable:
    """max(x, 0) (then TRN/RND/RND_CONV to f and WRAP into i integer bits); `fold`: fold into a lookup
    table behind x (off when replaying a program op for op)."""
    _req(x)
    _, r = check_modes("WRAP", round_mode)
    if x.const is not None:
        return x._c(relu_frac(x.const, i, f, r))
    if fold and x.node.opcode == Opcode.LOOKUP:
        return _lut_map(x, lambda v: relu_frac(v, i, f, r))
    if f is not None:
        x = _round(x, f, r)
    nmin, nmax, fv = x.interval()
    ft = fv if f is None else min(f, fv)
    d = fv - ft
    lo, hi = max(nmin, 0) >> d, nmax >> d
    if hi <= 0:
        return x._c(0)
    if i is not None:
        thi = type_range(0, i, ft)[1]
        if hi > thi:
            if thi == 0:
                return x._c(0)
            lo, hi = 0, thi
    if nmin >= 0 and d == 0 and (lo, hi) == (nmin, nmax):
        return x
    return _requant(x, Opcode.RELU, Opcode.NEG_RELU, lo, hi, ft)


# ---- comparisons, muxes ------------------------------------------------------------------------------


_BIT_COND: weakref.WeakKeyDictionary[Node, tuple[Node, bool]] = weakref.WeakKeyDictionary()


class Cond:
    """A predicate: msb(node) xor invert (node None: the constant `value`)."""

    __slots__ = ("invert", "node", "value")

    def __init__(self, node: Node | None, invert: bool = False, value: bool | None = None):
        self.node, self.invert, self.value = node, invert, value

    def __invert__(self) -> Cond:
        if self.node is None:
            return Cond(None, value=not self.value)
        return Cond(self.node, not self.invert)


def _lt_const(x: FixedVariable, c: Fraction) -> Cond:
    lo, hi = _real_bounds(x)
    if hi < c:
        return Cond(None, value=True)
    if lo >= c:
        return Cond(None, value=False)
    x = _unneg(x)
    if not x.neg:
        if c != 0:
            # c is a multiple of 2**e: x < c <=> floor(x / 2**e) < c, and that adder is narrower
            x = trn(x, frac_f(c))
        d = add_const(x, -c)
        return Cond(d.node)
    if c == 0:
        # the sign of -a alone: floor(-a / 2**i) is -1 or 0, one bit (a NEG_QUANTIZE to the sign position)
        i = kif_int(*x.interval())[1]
        return Cond(trn(x, -i).node)
    # x = -a: x < c  <=>  a > -c  <=>  not (a < floor_g(-c) + g)
    a = neg(x)
    g = a.step
    t = ((-c) // g) * g + g
    return ~_lt_const(a, t)


def lt(x: FixedVariable, y: FixedVariable) -> Cond:
    _req(x)
    _req(y)
    xl, xh = _real_bounds(x)
    yl, yh = _real_bounds(y)
    if xh < yl:
        return Cond(None, value=True)
    if xl >= yh:
        return Cond(None, value=False)
    if y.const is not None:
        return _lt_const(x, y.const)
    if x.const is not None:
        return _lt_const(neg(y), -x.const)
    d = add(x, neg(y))
    if d.const is not None:
        return Cond(None, value=d.const < 0)
    if not d.neg:
        return Cond(d.node)
    e = add(y, neg(x))  # x < y <=> e > 0 <=> not (e < step)
    return ~_lt_const(e, e.step)


def cond_bit(x: FixedVariable, c: Cond) -> FixedVariable:
    """The predicate as a 0/1 value."""
    if c.node is None:
        return x._c(int(c.value))
    node = c.node
    k, i, f = node.kif
    w = k + i + f
    view = FixedVariable(node, 0, False, None, x.hwconf, x.solver_options)
    top = f - (w - 1)  # the msb has weight 2**-top
    bit = trn(view, top) if w > 1 else view
    if c.invert:  # ~ flips the one bit: signed {-1, 0} -> {0, -1}, unsigned {0, 1} -> {1, 0}
        bit = invert(bit)
    bit = shift(bit, top)  # now the msb's weight is 1
    if k:
        bit = neg(bit)  # signed msb reads as -1
    _BIT_COND[bit.node] = (node, c.invert)
    return bit


def cond_of(x: FixedVariable) -> Cond:
    """The predicate x != 0."""
    _req(x)
    if x.const is not None:
        return Cond(None, value=x.const != 0)
    nd = x.node
    known = _BIT_COND.get(nd)
    if known is not None:  # a 0/1 value made from a comparison: use the comparison itself
        return Cond(known[0], known[1])
    if nd.vmin > 0 or nd.vmax < 0:
        return Cond(None, value=True)
    if nd.width == 1:
        return Cond(nd)
    anyn = mk(Opcode.BIT_UNARY, nd, None, None, BitUnary.ANY, 0, 1, 0, x.hwconf, sub=BitUnary.ANY)
    return Cond(anyn)


def _node_view(x: FixedVariable) -> FixedVariable:
    """A node-backed view of x (constants become a CONST node)."""
    if x.const is None:
        return x
    f = frac_f(x.const)
    n = int(x.const * Fraction(2) ** f)
    node = mk(Opcode.CONST, None, None, None, n, n, n, f, x.hwconf)
    return FixedVariable(node, 0, False, None, x.hwconf, x.solver_options)


def where(c: Cond, x: FixedVariable, y: FixedVariable, bounds=None, unneg: bool = True) -> FixedVariable:
    """c ? x : y (one MSB mux)."""
    _req(x)
    _req(y)
    if c.node is None:
        return x if c.value else y
    if c.invert:
        x, y = y, x
    if x.const is not None and y.const is not None and x.const == y.const:
        return x
    if x.const is None and y.const is None and x.node is y.node and x.shift == y.shift and x.neg == y.neg:
        return x
    xv = _node_view(x)
    if y.const is not None:
        # canonical form of a constant b operand: a CONST in x's scale and sign, no extra shift (hi = 0)
        cval = y.const * Fraction(2) ** -xv.shift
        yv = FixedVariable(
            _node_view(x._c(-cval if xv.neg else cval)).node, xv.shift, xv.neg, None, x.hwconf, x.solver_options
        )
    else:
        yv = y
        if unneg and yv.neg != xv.neg and yv.neg:
            yv = _unneg(yv)
    a, b = xv.node, yv.node
    hi = yv.shift - xv.shift
    nb = yv.neg != xv.neg
    F = max(a.f, b.f - hi)
    sb = F - b.f + hi
    bmin, bmax = (-b.vmax << sb, -b.vmin << sb) if nb else (b.vmin << sb, b.vmax << sb)
    vmin = min(a.vmin << (F - a.f), bmin)
    vmax = max(a.vmax << (F - a.f), bmax)
    vmin, vmax = _clip(vmin, vmax, F, xv.shift, xv.neg, bounds)
    node = mk(Opcode.NEG_MUX if nb else Opcode.MUX, a, b, c.node, hi, vmin, vmax, F, x.hwconf)
    return x._like(node, xv.shift, xv.neg)


def maximum(x: FixedVariable, y: FixedVariable) -> FixedVariable:
    _req(x)
    _req(y)
    xl, xh = _real_bounds(x)
    yl, yh = _real_bounds(y)
    if xl >= yh:
        return x
    if yl >= xh:
        return y
    if x.const is not None:
        x, y = y, x
    if y.const is not None and y.const == 0:
        return relu(x)
    return where(lt(x, y), y, x, bounds=(max(xl, yl), max(xh, yh)))


def minimum(x: FixedVariable, y: FixedVariable) -> FixedVariable:
    return neg(maximum(neg(x), neg(y)))


def absolute(x: FixedVariable) -> FixedVariable:
    _req(x)
    if x.const is not None:
        return x._c(abs(x.const))
    nd = x.node
    base = FixedVariable(nd, 0, False, None, x.hwconf, x.solver_options)
    if nd.vmin >= 0:
        return shift(base, x.shift)
    if nd.vmax <= 0:
        return shift(neg(base), x.shift)
    lo, hi = _real_bounds(base)
    m = max(-lo, hi)
    negabs = where(Cond(nd), base, neg(base), bounds=(-m, Fraction(0)))  # msb(a) ? a : -a  == -|a|
    return shift(neg(negabs), x.shift)


def less(x, y) -> FixedVariable:
    return cond_bit(x, lt(x, y))


def greater(x, y) -> FixedVariable:
    return cond_bit(x, lt(y, x))


def less_equal(x, y) -> FixedVariable:
    return cond_bit(x, ~lt(y, x))


def greater_equal(x, y) -> FixedVariable:
    return cond_bit(x, ~lt(x, y))


def not_equal(x, y) -> FixedVariable:
    d = sub(x, y)
    c = cond_of(d)
    if c.node is None:
        return x._c(int(c.value))
    if c.node.width == 1 and c.node.opcode != Opcode.BIT_UNARY:
        return cond_bit(x, c)
    return x._like(c.node, 0, False)


def equal(x, y) -> FixedVariable:
    ne = not_equal(x, y)
    if ne.const is not None:
        return ne._c(1 - ne.const)
    return add_const(neg(ne), 1)


# ---- bitwise -------------------------------------------------------------------------------------------


def invert(x: FixedVariable) -> FixedVariable:
    """~x on x's two's-complement pattern at its own resolution (signed: -x - step)."""
    _req(x)
    nmin, nmax, fv = x.interval()
    if x.const is not None:
        k, i, f = kif_int(nmin, nmax, fv)
        n = nmin
        return x._c(frac(~n if k else (~n) & ((1 << (k + i + f)) - 1), fv))
    if x.neg:
        x = _requant(x, Opcode.QUANTIZE, Opcode.NEG_QUANTIZE, nmin, nmax, fv)
    a = x.node
    k, i, f = a.kif
    if k:
        vmin, vmax = -a.vmax - 1, -a.vmin - 1
    else:
        m = (1 << (k + i + f)) - 1
        vmin, vmax = m - a.vmax, m - a.vmin
    node = mk(Opcode.BIT_UNARY, a, None, None, BitUnary.NOT, vmin, vmax, a.f, x.hwconf, sub=BitUnary.NOT)
    return x._like(node, x.shift, False)


def to_bool(x: FixedVariable, mode: str = "any") -> FixedVariable:
    _req(x)
    mode = str(mode).lower()
    if mode not in ("any", "all"):
        raise ValueError(f"to_bool mode {mode!r}: use 'any' (OR of the bits) or 'all' (AND of the bits)")
    nmin, nmax, fv = x.interval()
    if x.const is not None:
        k, i, f = kif_int(nmin, nmax, fv)
        m = (1 << max(k + i + f, 0)) - 1
        return x._c(int(nmin != 0) if mode == "any" else int(nmin & m == m))
    sub_ = BitUnary.ANY if mode == "any" else BitUnary.ALL
    node = mk(
        Opcode.NEG_BIT_UNARY if x.neg else Opcode.BIT_UNARY, x.node, None, None, sub_, 0, 1, 0, x.hwconf, sub=sub_
    )
    return x._like(node, 0, False)


def _bitwise(kind: str, x: FixedVariable, y: FixedVariable) -> FixedVariable:
    _req(x)
    _req(y)
    if x.const is not None and y.const is not None:
        F = max(frac_f(x.const), frac_f(y.const))
        p, q = int(x.const * Fraction(2) ** F), int(y.const * Fraction(2) ** F)
        r = p & q if kind == "and" else p | q if kind == "or" else p ^ q
        return x._c(frac(r, F))
    if x.const is not None:
        x, y = y, x
    xv = x
    if y.const is not None:  # canonical: a CONST in x's scale (lo = 0)
        yv = FixedVariable(
            _node_view(x._c(y.const * Fraction(2) ** -xv.shift)).node, xv.shift, False, None, x.hwconf, x.solver_options
        )
    else:
        yv = y
    a, b = xv.node, yv.node
    lo = yv.shift - xv.shift
    F = max(a.f, b.f - lo)
    pa = (-a.vmax, -a.vmin) if xv.neg else (a.vmin, a.vmax)
    qb = (-b.vmax, -b.vmin) if yv.neg else (b.vmin, b.vmax)
    pa = (pa[0] << (F - a.f), pa[1] << (F - a.f))
    sb = F - b.f + lo
    qb = (qb[0] << sb, qb[1] << sb)
    if pa[0] >= 0 and qb[0] >= 0:
        top = (1 << max(pa[1], qb[1]).bit_length()) - 1
        vmin, vmax = {"and": (0, min(pa[1], qb[1])), "or": (max(pa[0], qb[0]), top), "xor": (0, top)}[kind]
    elif kind == "and" and (pa[0] >= 0 or qb[0] >= 0):
        vmin, vmax = 0, pa[1] if pa[0] >= 0 else qb[1]
    else:
        # both as signed patterns: the result fits the wider signed width
        wb = max(width_int(min(pa[0], -1), pa[1]), width_int(min(qb[0], -1), qb[1]))
        vmin, vmax = -(1 << (wb - 1)), (1 << (wb - 1)) - 1
    data = (lo, xv.neg, yv.neg, BitBinary[kind.upper()])  # the fields shift, neg_a, neg_b, bit_op
    node = mk(Opcode.BIT_BINARY, a, b, None, data, vmin, vmax, F, x.hwconf, sub=int(xv.neg) + int(yv.neg))
    return x._like(node, xv.shift, False)


def bit_and(x, y):
    return _bitwise("and", x, y)


def bit_or(x, y):
    return _bitwise("or", x, y)


def bit_xor(x, y):
    return _bitwise("xor", x, y)


# ---- lookup tables -------------------------------------------------------------------------------------


def _table_node(x: FixedVariable, a: Node, values: list[Fraction], src: str) -> FixedVariable:
    """LOOKUP over a's full type range; values[j] is the output for a's integer tmin + j."""
    if all(v == values[0] for v in values):
        return x._c(values[0])
    F = max(frac_f(v) for v in values)
    ints = tuple(int(v * Fraction(2) ** F) for v in values)
    k, i, f = a.kif
    tmin, _ = type_range(k, i, f)
    # only entries the input can reach define the interval
    reach = ints[a.vmin - tmin : a.vmax - tmin + 1]
    vmin, vmax = min(reach), max(reach)
    w = width_int(vmin, vmax)
    wide = None
    if w > MAX_WIDTH:
        wide = (
            f"{src} produces values that need {w} bits (more than {MAX_WIDTH}): quantize its result "
            f"(e.g. .quantize(1, 0, 8)) right after it, which folds into the table"
        )
    # entries outside the reachable range repeat the nearest reachable entry (any value is fine there)
    lo_i, hi_i = a.vmin - tmin, a.vmax - tmin
    ints = tuple(ints[min(max(j, lo_i), hi_i)] for j in range(len(ints)))
    node = mk(Opcode.LOOKUP, a, None, None, 0, vmin, vmax, F, x.hwconf, table=ints, wide=wide)
    return x._like(node, 0, False)


def _lut_inputs(x: FixedVariable) -> tuple[Node, list[Fraction]]:
    a = x.node
    k, i, f = a.kif
    tmin, tmax = type_range(k, i, f)
    n = tmax - tmin + 1
    if n > LUT_MAX_ENTRIES:
        raise TraceError(
            f"a lookup table over a {k + i + f}-bit input would need {n} entries (limit {LUT_MAX_ENTRIES}): "
            "quantize the input to fewer bits before apply() / the numpy function"
        )
    sgn = -1 if x.neg else 1
    scale = Fraction(2) ** (x.shift - a.f)
    vals = [sgn * scale * min(max(v, a.vmin), a.vmax) for v in range(tmin, tmax + 1)]
    return a, vals


def _lut_map(x: FixedVariable, g: Callable[[Fraction], Fraction]) -> FixedVariable:
    """Compose an exact map g with the table behind x (x's node is a LOOKUP)."""
    a = x.node
    sgn = -1 if x.neg else 1
    scale = Fraction(2) ** (x.shift - a.f)
    vals = [g(sgn * scale * v) for v in a.table]
    return _table_node(x, a.a, vals, "the lookup table")


def lookup(x: FixedVariable, fn: Callable, name: str | None = None) -> FixedVariable:
    """fn applied element-wise as a lookup table over every value x can take."""
    _req(x)
    src = name or f"apply({getattr(fn, '__name__', repr(fn))})"
    if x.const is not None:
        return x._c(_call_table_fn(fn, [x.const], src)[0])
    if x.node.opcode == Opcode.LOOKUP:
        sgn = -1 if x.neg else 1
        scale = Fraction(2) ** (x.shift - x.node.f)
        ins = [sgn * scale * v for v in x.node.table]
        return _table_node(x, x.node.a, _call_table_fn(fn, ins, src), src)
    a, ins = _lut_inputs(x)
    return _table_node(x, a, _call_table_fn(fn, ins, src), src)


def _call_table_fn(fn: Callable, ins: list[Fraction], src: str) -> list[Fraction]:
    uniq = sorted(set(ins))
    arr = np.array([float(v) for v in uniq], dtype=np.float64)
    try:
        out = np.asarray(fn(arr))
        if out.shape != arr.shape:
            raise ValueError
    except Exception:  # noqa: BLE001  (fn may not vectorize: fall back to one call per value)
        out = np.array([fn(v) for v in arr])
    res = {}
    for v, o in zip(uniq, out.ravel()):
        if isinstance(o, FixedVariable):
            raise TraceError(f"{src}: the function must compute on numbers, not on symbolic values")
        if not np.isfinite(float(o)):
            raise TraceError(f"{src} returned {o} for input {float(v)}: table entries must be finite numbers")
        res[v] = to_frac(o)
    return [res[v] for v in ins]


# convenience for the array layer
ELEMENTWISE_BINARY = {
    "add": add,
    "sub": sub,
    "mul": mul,
    "div": div,
    "maximum": maximum,
    "minimum": minimum,
    "less": less,
    "less_equal": less_equal,
    "greater": greater,
    "greater_equal": greater_equal,
    "equal": equal,
    "not_equal": not_equal,
    "and": bit_and,
    "or": bit_or,
    "xor": bit_xor,
}

__all__ = ["DEFAULT_HW", "FixedVariable", "Lane", "TraceError", "UnquantizedVariable", "ceil_div_pow2"]
