"""Quantization to a fixed-point type (rounding TRN / RND / RND_CONV, overflow WRAP / SAT / SAT_SYM) and relu,
bit-identical to ``_numeric``'s numbers; both fold into a lookup table behind the value when there is one."""

from __future__ import annotations

from da4ml.ir import Opcode

from ._errors import TraceError
from ._lut import lut_map
from ._mux import lt, where
from ._node import input_node
from ._numeric import check_modes, quantize_frac, relu_frac
from ._rounding import add_rounding, requant, trn, wrap
from ._types import frac, type_range
from ._value import Value, require_type


def quantize(x: Value, k: int, i: int, f: int, overflow_mode: str = "WRAP", round_mode: str = "TRN") -> Value:
    o, r = check_modes(overflow_mode, round_mode)
    if x.node is None and x.const is None:  # an input whose type this declares
        if o != "WRAP" or r == "RND_CONV":
            raise TraceError(
                f"an unquantized input (FixedVariableArrayInput) can only be quantized with WRAP and TRN or RND "
                f"(got {o}/{r}): its lane holds one fixed-point type, so saturation or ties-to-even need a wider "
                "one. Declare it with FixedVariableArray.from_kif(k, i, f) (integer and fraction bits covering the "
                "data; trace_model(model, inputs=...) takes it) and the quantization is done in hardware"
            )
        if r == "TRN":
            node = input_node(x.input, k, i, f)
            return x._c(0) if node is None else x._view(node)
        # RND: the lane carries one more fraction bit; RND to f of that TRN to f + 1 is RND to f of any number
        # (floor((floor(2y) + 1) / 2) == floor(y + 1/2)), and the wrap commutes with both: exact on raw data
        node = input_node(x.input, k, i, f + 1)
        if node is None:
            return x._c(0)
        x = x._view(node)
    if x.const is not None:
        return x._c(quantize_frac(x.const, k, i, f, o, r))
    if x.node.opcode == Opcode.LOOKUP:
        return lut_map(x, lambda v: quantize_frac(v, k, i, f, o, r))
    y = trn(add_rounding(x, f, r), f)
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


def relu(x: Value, i: int | None = None, f: int | None = None, round_mode: str = "TRN", fold: bool = True) -> Value:
    """max(x, 0) (then TRN/RND/RND_CONV to f and WRAP into i integer bits); `fold`: fold into a lookup
    table behind x (off when replaying a program op for op)."""
    require_type(x)
    _, r = check_modes("WRAP", round_mode)
    if x.const is not None:
        return x._c(relu_frac(x.const, i, f, r))
    if fold and x.node.opcode == Opcode.LOOKUP:
        return lut_map(x, lambda v: relu_frac(v, i, f, r))
    if f is not None:
        x = add_rounding(x, f, r)
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
    return requant(x, Opcode.RELU, Opcode.NEG_RELU, lo, hi, ft)
