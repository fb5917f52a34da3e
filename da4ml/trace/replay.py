"""Replaying a DAIS program on symbolic values: ``CombLogic.__call__`` on a FixedVariable / FixedVariableArray
(their ``__da4ml_replay__`` hook, registered here as ``_registry.REPLAY``), and the CMVM optimizer's pipelines
replayed on the inputs of a constant-matrix product.

Replay rebuilds every op with the tracer's own operations, so comb_trace(inp, comb(inp, quantize=True))
gives back a program equal to comb for programs the tracer wrote (``comb.exact_intervals``); for other
programs (e.g. the CMVM optimizer's) each op's declared interval is trusted to narrow the rebuilt value's
type, except where the spec says the op wraps."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from da4ml.ir import BitBinary, BitUnary, Opcode
from da4ml.ir.evaluate import ProgramValueError

from ._arith import add, add_const, mul, neg, shift
from ._bits import bit_and, bit_or, bit_xor, invert, to_bool
from ._errors import TraceError
from ._lut import table_node
from ._mux import Cond, lt, where
from ._quantize import quantize as _quantize
from ._quantize import relu
from ._registry import REPLAY, implements
from ._rounding import trn, wrap
from ._types import frac, type_range
from .fixed_variable import FixedVariable
from .fixed_variable_array import FixedVariableArray


def _kif(op) -> tuple[int, int, int]:
    k, i, f = op.qint.kif
    return int(k), int(i), int(f)


def _bounds(op) -> tuple[Fraction, Fraction]:
    return Fraction(op.qint.min), Fraction(op.qint.max)


def _fit(v: FixedVariable, op) -> FixedVariable:
    """Bring a rebuilt value to the op's declared type (bit drop and wrap, no-ops for exact programs)."""
    k, i, f = _kif(op)
    v = trn(v, f)
    return wrap(v, k, i, f)


def _cond(v: FixedVariable, ck: tuple[int, int, int]) -> Cond:
    """msb(c, C) of a rebuilt value v whose program type is C."""
    k, i, f = ck
    if v.const is None and not v.neg and v.node.kif[0] == k and v.node.width == k + i + f:
        return Cond(v.node)
    if k:
        return lt(v, v._c(0))
    return ~lt(v, v._c(Fraction(2) ** (i - 1)))


def _check_type(t: int, op, v: FixedVariable) -> None:
    """debug: the rebuilt value must stay inside the type its op declares (else the op can overflow it)."""
    lo_t, hi_t = type_range(*_kif(op))
    f = _kif(op)[2]
    lo, hi = (v.const, v.const) if v.const is not None else (v.low, v.high)
    if not (frac(lo_t, f) <= lo and hi <= frac(hi_t, f)):
        raise ProgramValueError(
            f"op {t} ({Opcode(op.opcode).name}): its replayed value can take [{lo}, {hi}], outside its declared type "
            f"{_kif(op)} range [{frac(lo_t, f)}, {frac(hi_t, f)}] (the program or its types are wrong)"
        )


def replay(comb, xs: Sequence[FixedVariable], debug: bool = False) -> list[FixedVariable]:
    """The program's outputs rebuilt symbolically from the values xs (one per program input).

    ``debug``: check that every rebuilt op's value stays inside its op's declared type and raise
    ProgramValueError naming the first op that can leave it (a correct program always passes)."""
    if len(xs) != comb.shape[0]:
        raise ValueError(f"program takes {comb.shape[0]} inputs, got {len(xs)} symbolic values")
    trusted = comb.exact_intervals
    buf: list[FixedVariable] = []
    ref = next((x for x in xs if isinstance(x, FixedVariable)), None)
    for t, op in enumerate(comb.ops):
        opc = int(op.opcode)
        fam = op.family
        k, i, f = _kif(op)
        a = buf[op.id0] if (op.id0 >= 0 and fam != Opcode.INPUT) else None
        if fam == Opcode.INPUT:
            j = op.input_index
            x = shift(xs[j], int(comb.inp_shifts[j])) if int(comb.inp_shifts[j]) else xs[j]
            v = _quantize(x, k, i, f, "WRAP", "TRN")
        elif fam == Opcode.ADD:
            b = shift(buf[op.id1], op.shift)
            v = _fit(add(a, neg(b) if op.neg_b else b, bounds=_bounds(op), keep_consts=True), op)
        elif fam == Opcode.RELU:
            s = neg(a) if op.neg_a else a
            # an unsigned T: the relu's own wrap (one RELU op, as the tracer builds it); else relu, then wrap
            v = relu(s, i, f, fold=False) if k == 0 else wrap(relu(s, None, f, fold=False), k, i, f)
        elif fam == Opcode.QUANTIZE:
            s = neg(a) if op.neg_a else a
            v = wrap(trn(s, f), k, i, f)  # op for op: no folding into a lookup table
        elif fam == Opcode.ADD_CONST:
            v = _fit(add_const(trn(a, f), Fraction(op.constant) * Fraction(2) ** -f, bounds=_bounds(op)), op)
        elif fam == Opcode.CONST:
            v = (ref if ref is not None else FixedVariable())._c(Fraction(op.constant) * Fraction(2) ** -f)
        elif fam == Opcode.MUX:
            c = _cond(buf[op.cond], _kif(comb.ops[op.cond]))
            b = shift(buf[op.id1], op.shift)
            if op.neg_b:
                b = neg(b)
            v = where(c, a, b, unneg=False)
            lo_t, hi_t = frac(type_range(k, i, f)[0], f), frac(type_range(k, i, f)[1], f)
            fits = v.const is not None or (lo_t <= v.low and v.high <= hi_t)
            if fits or trusted:
                # no wrap can happen, or the tracer wrote the program: its mux intervals are exact claims
                v = trn(where(c, a, b, bounds=_bounds(op), unneg=False), f)
            else:  # operands beyond the op's type: by the letter of the spec, the mux wraps into T
                v = wrap(trn(v, f), k, i, f)
        elif fam == Opcode.MUL:
            v = _fit(mul(a, buf[op.id1]), op)
        elif fam == Opcode.LOOKUP:
            v = _replay_lookup(a, _kif(comb.ops[op.id0]), comb.lookup_tables[op.table], op.table_offset, f)
        elif fam == Opcode.BIT_UNARY:
            s = neg(a) if op.neg_a else a
            sub = op.bit_op
            if sub == BitUnary.NOT:
                if op.neg_a:
                    raise TraceError(f"op {t}: replaying NOT of a negated value (NEG_BIT_UNARY, NOT) is not supported")
                v = invert(s)
            else:
                v = to_bool(s, "any" if sub == BitUnary.ANY else "all")
        elif fam == Opcode.BIT_BINARY:
            p = neg(a) if op.neg_a else a
            q = shift(buf[op.id1], op.shift)
            q = neg(q) if op.neg_b else q
            kind = {BitBinary.AND: bit_and, BitBinary.OR: bit_or, BitBinary.XOR: bit_xor}[op.bit_op]
            v = kind(p, q)
        else:
            raise TraceError(f"op {t}: cannot replay opcode {opc}")
        if debug:
            _check_type(t, op, v)
        buf.append(v)
    outs = []
    for j, o in enumerate(comb.out_idxs):
        if o < 0:
            outs.append((ref if ref is not None else FixedVariable())._c(0))
            continue
        v = shift(buf[o], int(comb.out_shifts[j]))
        outs.append(neg(v) if comb.out_negs[j] else v)
    return outs


def _replay_lookup(a: FixedVariable, ak, table, hi: int, f: int) -> FixedVariable:
    ka, ia, fa = ak
    wa = ka + ia + fa
    a_min = -(1 << (wa - 1)) if (ka and wa > 0) else 0
    scale_out = Fraction(2) ** -f

    def entry(real: Fraction) -> Fraction:
        n = real * Fraction(2) ** fa
        idx = int(n) - a_min - hi
        return Fraction(int(table[idx])) * scale_out

    if a.const is not None:
        return a._c(entry(a.const))
    node = a.node
    kt, it, ft = node.kif
    tmin, tmax = type_range(kt, it, ft)
    sgn = -1 if a.neg else 1
    scale = Fraction(2) ** (a.shift - node.f)
    vals = [entry(sgn * scale * min(max(v, node.vmin), node.vmax)) for v in range(tmin, tmax + 1)]
    return table_node(a, node, vals, "a replayed lookup table")


def replay_pipeline(pipe, xs: Sequence[FixedVariable]) -> list[FixedVariable]:
    stages = [pipe] if hasattr(pipe, "ops") else list(pipe)
    for s in stages:
        xs = replay(s, xs)
    return list(xs)


@implements(REPLAY)
def comb_call(comb, x, quantize: bool = False, debug: bool = False) -> FixedVariableArray:
    """CombLogic.__call__ on symbolic values: the program's outputs, replayed (a FixedVariableArray)."""
    if isinstance(x, FixedVariableArray):
        xs = list(x._vars.ravel())
    elif isinstance(x, FixedVariable):
        xs = [x]
    else:
        xs = [v for v in np.asarray(x, dtype=object).ravel()]
    if quantize:
        # the input's own type: the INPUT op's type applies to x * 2**inp_shift
        kifs = [None] * comb.shape[0]
        for op in comb.ops:
            if int(op.opcode) == Opcode.INPUT and kifs[op.id0] is None:
                k, i, f = _kif(op)
                s = int(comb.inp_shifts[op.id0])
                kifs[op.id0] = (k, i - s, f + s)
        xs = [
            _quantize(v, *kf)
            if kf is not None and not (isinstance(v, FixedVariable) and v.const is not None and v.const == 0)
            else v
            for v, kf in zip(xs, kifs)
        ]
    return FixedVariableArray._wrap(np.array(replay(comb, xs, debug=debug), dtype=object))
