"""Lookup tables: an arbitrary function of one value, tabulated over every value its input can take (DAIS
LOOKUP), and exact maps composed into an existing table."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

import numpy as np

from da4ml.ir import Opcode
from da4ml.ir.op import INT32_MAX, INT32_MIN

from ._errors import TraceError
from ._node import Node, mk
from ._types import MAX_WIDTH, frac, frac_f, to_frac, type_range, width_int
from ._value import Value, require_type

LUT_MAX_ENTRIES = 1 << 16  # largest lookup table `apply` builds (entries = 2**input width)


def table_node(x: Value, a: Node, values: list[Fraction], src: str) -> Value:
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
    elif vmin < INT32_MIN or vmax > INT32_MAX:
        # a table entry is one signed 32-bit word of the binary format (dais.md); float results (np.tanh,
        # np.sin, apply(fn)) carry ~53 significant bits until a quantize folds into the table
        wide = (
            f"{src} produces table entries in [{vmin}, {vmax}] * 2**-{F}, which do not fit the signed 32-bit "
            f"words of a DAIS lookup table: quantize its result (e.g. .quantize(1, 1, 16)) right after it, "
            "which folds into the table"
        )
    # entries outside the reachable range repeat the nearest reachable entry (any value is fine there)
    lo_i, hi_i = a.vmin - tmin, a.vmax - tmin
    ints = tuple(ints[min(max(j, lo_i), hi_i)] for j in range(len(ints)))
    node = mk(Opcode.LOOKUP, a, None, None, 0, vmin, vmax, F, table=ints, wide=wide)
    return x._like(node, 0, False)


def lut_inputs(x: Value) -> tuple[Node, list[Fraction]]:
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


def lut_map(x: Value, g: Callable[[Fraction], Fraction]) -> Value:
    """Compose an exact map g with the table behind x (x's node is a LOOKUP)."""
    a = x.node
    sgn = -1 if x.neg else 1
    scale = Fraction(2) ** (x.shift - a.f)
    vals = [g(sgn * scale * v) for v in a.table]
    return table_node(x, a.a, vals, "the lookup table")


def lookup(x: Value, fn: Callable, name: str | None = None) -> Value:
    """fn applied element-wise as a lookup table over every value x can take."""
    require_type(x)
    src = name or f"apply({getattr(fn, '__name__', repr(fn))})"
    if x.const is not None:
        return x._c(call_table_fn(fn, [x.const], src)[0])
    if x.node.opcode == Opcode.LOOKUP:
        sgn = -1 if x.neg else 1
        scale = Fraction(2) ** (x.shift - x.node.f)
        ins = [sgn * scale * v for v in x.node.table]
        return table_node(x, x.node.a, call_table_fn(fn, ins, src), src)
    a, ins = lut_inputs(x)
    return table_node(x, a, call_table_fn(fn, ins, src), src)


def call_table_fn(fn: Callable, ins: list[Fraction], src: str) -> list[Fraction]:
    uniq = sorted(set(ins))
    arr = np.array([float(v) for v in uniq], dtype=np.float64)
    try:
        out = np.asarray(fn(arr))
        if out.shape != arr.shape:
            raise ValueError
    except Exception:  # noqa: BLE001  (fn may not vectorize: fall back to one call per value)
        out = np.array([fn(v) for v in arr])
    if out.dtype == object and any(isinstance(o, Value) for o in out.ravel()):
        raise TraceError(f"{src}: the function must compute on numbers, not on symbolic values")
    res = {}
    for v, o in zip(uniq, out.ravel()):
        if not np.isfinite(float(o)):
            raise TraceError(f"{src} returned {o} for input {float(v)}: table entries must be finite numbers")
        res[v] = to_frac(o)
    return [res[v] for v in ins]


def lookup_values(x: Value, table, src: str = "lookup(table)") -> Value:
    """table[j] for x = x.low + j * x.step: a table listing the output for every value of x's interval
    (len(table) == (high - low) / step + 1, entries finite numbers taken exactly)."""
    require_type(x)
    arr = np.asarray(table)
    if arr.dtype == object or arr.dtype.kind not in "biuf" or arr.ndim != 1:
        raise TypeError(f"{src}: the table must be a 1-D numeric array, got {arr.dtype} of shape {arr.shape}")
    nmin, nmax, f = x.interval()
    if arr.size != nmax - nmin + 1:
        raise TraceError(
            f"{src}: the table has {arr.size} entries, but the value spans {nmax - nmin + 1} steps "
            f"({float(frac(nmin, f))} .. {float(frac(nmax, f))} by 2**{-f}): give one entry per value, "
            "table[j] for low + j * step"
        )
    if not np.all(np.isfinite(arr)):
        raise TraceError(f"{src}: table entries must be finite numbers")
    vals = [to_frac(v) for v in arr.tolist()]

    def entry(v: Fraction) -> Fraction:
        return vals[int(v * Fraction(2) ** f) - nmin]

    if x.const is not None:
        return x._c(vals[0])
    if x.node.opcode == Opcode.LOOKUP:
        return lut_map(x, entry)
    a, ins = lut_inputs(x)
    return table_node(x, a, [entry(v) for v in ins], src)
