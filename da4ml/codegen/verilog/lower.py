"""Lowering of one DAIS program (CombLogic) to a combinational Verilog module view.

Each live op ``t`` becomes a wire ``v<t>`` (its own type, two's complement when signed) commented with
the op; helper wires are ``v<t>_<suffix>``. Semantics: shared/spec/dais.md. Dead ops (not reaching an
output) are not emitted.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from ...ir import BitBinary, BitUnary, CombLogic, Opcode, kif_of
from ...ir.live import live_ops
from ...project import Header, Lane, bus_width, check_input_read, lanes_of
from .signals import NetList, Rom, Sig, const, zeros

__all__ = ["CombModuleView", "OutAssign", "live_ops", "lower_comb"]

INP_PORT = "model_inp"
OUT_PORT = "model_out"

_BIT_BINARY_SYMBOL = {BitBinary.AND: "&", BitBinary.OR: "|", BitBinary.XOR: "^"}


@dataclass(frozen=True)
class OutAssign:
    msb: int
    lsb: int
    expr: str
    comment: str


@dataclass
class CombModuleView:
    """Everything the comb-module template lays out."""

    name: str
    header: Header
    in_width: int  # port width (>= 1)
    out_width: int  # port width (>= 1)
    in_lanes: Sequence[Lane]
    out_lanes: Sequence[Lane]
    items: list
    outputs: list[OutAssign]
    out_zero: str | None  # the whole output when it carries no bits
    unused: str | None  # the sink expression of unread bits
    n_ops: int
    n_live: int


_OPCODE_NAMES = {int(c): c.name for c in Opcode}

# types of repeated intervals (carried stage inputs share their source op's interval) computed once
_kif = functools.lru_cache(maxsize=1 << 16)(kif_of)


def _type_str(kif) -> str:
    return f"({kif[0]},{kif[1]},{kif[2]})"


def lower_comb(
    comb: CombLogic,
    name: str,
    header: Header,
    inp_kifs: Sequence | None = None,
    out_kifs: Sequence | None = None,
) -> CombModuleView:
    """Build the view of ``comb`` as module ``name`` (``inp_kifs``/``out_kifs``: ``comb``'s, if known)."""
    net = NetList()
    in_lanes = lanes_of(comb.inp_kifs if inp_kifs is None else inp_kifs)
    out_lanes = lanes_of(comb.out_kifs if out_kifs is None else out_kifs)
    in_w = bus_width(in_lanes)
    out_w = bus_width(out_lanes)
    net.track(INP_PORT, max(in_w, 1))
    lane_sig = [Sig(INP_PORT, ln.width, ln.signed, ln.f, ln.offset) for ln in in_lanes]

    live = live_ops(comb)
    sigs: list[Sig | None] = [None] * len(comb.ops)
    for t, op in enumerate(comb.ops):
        if not live[t]:
            continue
        sigs[t] = _lower_op(net, comb, t, op, sigs, lane_sig, in_lanes)

    outputs: list[OutAssign] = []
    for j, lane in enumerate(out_lanes):
        if lane.width <= 0:
            continue
        o = comb.out_idxs[j]
        shift = comb.out_shifts[j]
        comment = f"out {j} {_type_str(lane.kif)}"
        if o < 0:
            expr = zeros(lane.width)
            comment += " = 0"
        else:
            src = sigs[o]
            assert src is not None
            comment += f" = {'-' if comb.out_negs[j] else ''}v{o} * 2**{shift}"
            if comb.out_negs[j]:
                src = net.neg(src, f"out{j}_neg", f"-v{o} for out {j}")
            # the value is buf * 2**shift: the same integer read at step f - shift
            expr = net.fit(src.with_f(src.f - shift), lane.f, lane.width)
        outputs.append(OutAssign(lane.offset + lane.width - 1, lane.offset, expr, comment))

    unused = net.unused_expr()
    return CombModuleView(
        name=name,
        header=header,
        in_width=max(in_w, 1),
        out_width=max(out_w, 1),
        in_lanes=in_lanes,
        out_lanes=out_lanes,
        items=net.items,
        outputs=outputs,
        out_zero=None if out_w > 0 else zeros(1),
        unused=unused,
        n_ops=len(comb.ops),
        n_live=sum(live),
    )


def _lower_op(net: NetList, comb: CombLogic, t: int, op, sigs, lane_sig, lanes) -> Sig:
    code = op.opcode
    if code not in _OPCODE_NAMES:
        raise ValueError(f"op {t}: opcode {code} is not a DAIS opcode ({sorted(_OPCODE_NAMES)})")
    family = op.family
    k, i, f = _kif(op.qint)
    w = k + i + f
    name = f"v{t}"
    signed = bool(k)
    comment = f"op {t} {_OPCODE_NAMES[code]} ({k},{i},{f})"
    if w <= 0:  # holds only 0: no wire
        return Sig(name, 0, False, f)

    def done(expr: str, extra: str = "") -> Sig:
        return net.wire(name, w, signed, f, expr, comment + extra)

    def arg(idx: int) -> Sig:
        s = sigs[idx]
        assert s is not None, f"op {t} reads op {idx}, which was not lowered"
        return s

    def exact(expr: str, width: int, sgn: bool, f_expr: int, suffix: str = "x", extra: str = "") -> Sig:
        """Assign ``expr`` (``width`` bits at step ``f_expr``) to v<t>, through a helper wire if rescaled."""
        if width == w and f_expr == f:
            return done(expr, extra)
        helper = net.wire(f"{name}_{suffix}", width, sgn, f_expr, expr, f"op {t}: exact value before requantization")
        return done(net.fit(helper, f, w), extra)

    if family == Opcode.INPUT:
        j = op.input_index
        src, lane = lane_sig[j], lanes[j]
        shift = comb.inp_shifts[j]
        check_input_read(t, (k, i, f), shift, lane)
        return done(net.fit(src, f + shift, w), f" <- input {j}")

    if family == Opcode.ADD:
        a, b = arg(op.id0), arg(op.id1).with_f(arg(op.id1).f - op.shift)
        sym = "-" if op.neg_b else "+"
        extra = f" = v{op.id0} {sym} v{op.id1} * 2**{op.shift}"
        F = max(a.f, b.f)
        d = F - f
        if d <= 0:  # the exact sum is on T's grid: add at T's step directly
            return done(f"{net.fit(a, f, w)} {sym} {net.fit(b, f, w)}", extra)
        W = w + d
        return exact(f"{net.fit(a, F, W)} {sym} {net.fit(b, F, W)}", W, signed, F, extra=extra)

    if family == Opcode.RELU:
        a = arg(op.id0)
        src = net.neg(a, f"{name}_neg", f"op {t}: -v{op.id0}") if op.neg_a else a
        extra = f" = relu({'-' if op.neg_a else ''}v{op.id0})"
        body = net.fit(src, f, w)
        if src.width > 0 and src.signed:
            gate = f"~{net.msb(src)}"
            return done(f"{{{w}{{{gate}}}}} & {body}" if w > 1 else f"{gate} & {body}", extra)
        return done(body, extra)

    if family == Opcode.QUANTIZE:
        a = arg(op.id0)
        src = net.neg(a, f"{name}_neg", f"op {t}: -v{op.id0}") if op.neg_a else a
        return done(net.fit(src, f, w), f" = {'-' if op.neg_a else ''}v{op.id0}")

    if family == Opcode.ADD_CONST:
        a = arg(op.id0)
        return done(f"{net.fit(a, f, w)} + {const(op.constant, w)}", f" = v{op.id0} + {op.constant}")

    if family == Opcode.CONST:
        return done(const(op.constant, w), f" = {op.constant}")

    if family == Opcode.MUX:
        a, b, c = arg(op.id0), arg(op.id1), arg(op.cond)
        nb = net.neg(b, f"{name}_neg", f"op {t}: -v{op.id1}") if op.neg_b else b
        else_expr = net.fit(nb.with_f(nb.f - op.shift), f, w)
        extra = f" = msb(v{op.cond}) ? v{op.id0} : {'-' if op.neg_b else ''}v{op.id1} * 2**{op.shift}"
        if c.width <= 0:  # the condition is constant 0
            return done(else_expr, extra)
        return done(f"{net.msb(c)} ? {net.fit(a, f, w)} : {else_expr}", extra)

    if family == Opcode.MUL:
        a, b = arg(op.id0), arg(op.id1)
        extra = f" = v{op.id0} * v{op.id1}"
        if a.width <= 0 or b.width <= 0:
            return done(zeros(w), extra)
        P = a.width + b.width
        sa = net.ref(a) if a.signed else f"{{1'b0, {net.ref(a)}}}"
        sb = net.ref(b) if b.signed else f"{{1'b0, {net.ref(b)}}}"
        expr = f"$signed({sa}) * $signed({sb})"
        if P == w and a.f + b.f == f:
            return done(expr, extra)
        prod = net.wire(f"{name}_x", P, a.signed or b.signed, a.f + b.f, expr, f"op {t}: exact product", True)
        return done(net.fit(prod, f, w), extra)

    if family == Opcode.LOOKUP:
        return _lower_lookup(net, comb, t, op, arg(op.id0), (k, i, f), comment)

    if family == Opcode.BIT_UNARY:
        a = arg(op.id0)
        try:
            sub = op.bit_op
        except ValueError as err:
            raise ValueError(f"op {t}: {err}") from None
        neg = op.neg_a
        mark = "-" if neg else ""
        if sub == BitUnary.NOT:
            extra = f" = ~({mark}v{op.id0})"
            if a.width <= 0:  # s = 0: ~0 masked by m = 0
                return done(zeros(w), extra)
            if not neg:
                return exact(f"~{net.ref(a)}", a.width, a.signed, a.f, extra=extra)
            n = net.neg(a, f"{name}_neg", f"op {t}: -v{op.id0}")
            if a.signed:
                return exact(f"~{net.ref(n)}", n.width, True, a.f, extra=extra)
            return exact(f"~{net.bits(n, 0, a.width - 1)}", a.width, False, a.f, extra=extra)
        if sub == BitUnary.ANY:
            extra = f" = any({mark}v{op.id0})"
            if a.width <= 0:
                return exact("1'b0", 1, False, 0, extra=extra)
            return exact(f"|{net.ref(a)}", 1, False, 0, extra=extra)
        extra = f" = all({mark}v{op.id0})"  # BitUnary.ALL
        if a.width <= 0:  # (0 & 0) == 0
            return exact("1'b1", 1, False, 0, extra=extra)
        if not neg:
            return exact(f"&{net.ref(a)}", 1, False, 0, extra=extra)
        # (-a) & m == m  <=>  a == 1 (mod 2**w)
        return exact(f"{net.ref(a)} == {const(1, a.width)}", 1, False, 0, extra=extra)

    if family == Opcode.BIT_BINARY:
        a, b = arg(op.id0), arg(op.id1)
        try:
            sym = _BIT_BINARY_SYMBOL[op.bit_op]
        except ValueError as err:
            raise ValueError(f"op {t}: {err}") from None
        p = net.neg(a, f"{name}_na", f"op {t}: -v{op.id0}") if op.neg_a else a
        q = net.neg(b, f"{name}_nb", f"op {t}: -v{op.id1}") if op.neg_b else b
        q = q.with_f(q.f - op.shift)
        extra = f" = {'-' if op.neg_a else ''}v{op.id0} {sym} {'-' if op.neg_b else ''}v{op.id1} * 2**{op.shift}"
        return done(f"{net.fit(p, f, w)} {sym} {net.fit(q, f, w)}", extra)

    raise ValueError(f"op {t}: opcode {op.opcode} has no Verilog lowering")


def _lower_lookup(net: NetList, comb: CombLogic, t: int, op, a: Sig, kif, comment: str) -> Sig:
    k, i, f = kif
    w = k + i + f
    table = comb.lookup_tables[op.table]
    offset = op.table_offset
    name = f"v{t}"
    comment += f" = table{op.table}[v{op.id0} - min - {offset}]"
    if a.width <= 0:
        return net.wire(name, w, bool(k), f, const(table[0 - offset], w), comment)
    aw = a.width
    a_min = -(1 << (aw - 1)) if a.signed else 0
    entries = []
    for raw in range(1 << aw):
        value = raw - (1 << aw) if a.signed and raw >= 1 << (aw - 1) else raw
        idx = value - a_min - offset
        if not 0 <= idx < len(table):
            raise ValueError(
                f"op {t} LOOKUP: input value {value} maps to entry {idx} outside table {op.table} "
                f"(size {len(table)}); the program is invalid (run CombLogic.validate())"
            )
        entries.append((const(raw, aw), const(table[idx], w)))
    sig = net.rom(name, w, f, a, entries, zeros(w), comment)
    return Sig(sig.name, sig.width, bool(k), f)


# Re-exported for templates / type checkers.
_ = Rom
