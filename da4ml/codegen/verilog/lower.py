"""Lowering of one DAIS program (CombLogic) to a combinational Verilog module view.

Each live op ``t`` that needs a variable gets ``v<t>`` (its own type, two's complement when signed),
commented with the op; helper variables are ``v<t>_<suffix>``. Semantics: shared/spec/dais.md. Dead ops
(not reaching an output) are not emitted. An op needs no variable of its own when its value is

- a plain slice of another vector (an input lane, a value with low bits dropped or high bits wrapped): the
  readers read that slice (`NetList.alias`);
- an exact sum (ADD/SUB, ADD_CONST, QUANTIZE scaling up, CONST) read once, by another sum or an output:
  it is written into its reader's expression (`Ring`).

Either way the op is named in a comment. The module is one procedural block (blocking assignments in
program order, sensitive to the input port only: nothing else it reads is written elsewhere) when the input
carries bits; otherwise it is continuous assignments (a block that no input would ever wake). The output is
one concatenation of exact-width lane expressions (one write of the port, not one per lane).
Simulators pay per variable written and read, synthesis sees the same wires.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from ...ir import BitBinary, BitUnary, CombLogic, Opcode, kif_of, operands
from ...ir.fixed import type_bounds
from ...project import Header, Lane, bus_width, lanes_of
from .signals import NetList, Note, Ring, Rom, Sig, const, zeros

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
    procedural: bool  # one always block of blocking assignments (else continuous assignments)


_OPCODE_NAMES = {int(c): c.name for c in Opcode}

# types of repeated intervals (carried stage inputs share their source op's interval) computed once
_kif = functools.lru_cache(maxsize=1 << 16)(kif_of)


def live_ops(comb: CombLogic) -> list[bool]:
    """Ops whose value reaches an output (reverse reachability; a value of width <= 0 is the constant 0
    and needs none of its operands)."""
    live = [False] * len(comb.ops)
    for o in comb.out_idxs:
        if o >= 0:
            live[o] = True
    for t in range(len(comb.ops) - 1, -1, -1):
        if live[t] and sum(_kif(comb.ops[t].qint)) > 0:
            for s in operands(comb.ops[t]):
                if s >= 0:
                    live[s] = True
    return live


def _operand_positions(op, kifs) -> list[tuple[int, bool]]:
    """``(operand, ring)`` for each read of op ``op``: ``ring`` when the operand enters an exact sum read at
    a step at least as fine as its own (so an unstored `Ring` can stand there)."""
    family = op.family
    if family == Opcode.ADD:
        return [(op.id0, True), (op.id1, True)]
    if family in (Opcode.ADD_CONST, Opcode.QUANTIZE):
        return [(op.id0, _kif(op.qint)[2] >= kifs[op.id0][2])]
    return [(s, False) for s in operands(op)]


def _range(kif) -> tuple[int, int]:
    return type_bounds(*kif)


def _scaled(lo: int, hi: int, s: int, neg: bool) -> tuple[int, int]:
    lo, hi = lo << s, hi << s
    return (-hi, -lo) if neg else (lo, hi)


def _exact_sum(op, kifs) -> bool:
    """Op ``op`` is an exact sum read at its own step: the value needs no rounding and no wrap-around."""
    family = op.family
    k, i, f = _kif(op.qint)
    lo_t, hi_t = _range((k, i, f))
    if family == Opcode.CONST:
        return lo_t <= op.constant <= hi_t
    if family == Opcode.ADD:
        fa, fb = kifs[op.id0][2], kifs[op.id1][2] - op.shift
        step = max(fa, fb)
        if step > f:  # the exact sum is floored to T's step: not a ring value
            return False
        a = _scaled(*_range(kifs[op.id0]), f - fa, False)
        b = _scaled(*_range(kifs[op.id1]), f - fb, op.neg_b)
        return lo_t <= a[0] + b[0] and a[1] + b[1] <= hi_t
    if family in (Opcode.ADD_CONST, Opcode.QUANTIZE):
        fa = kifs[op.id0][2]
        if f < fa:
            return False
        neg = family == Opcode.QUANTIZE and op.neg_a
        lo, hi = _scaled(*_range(kifs[op.id0]), f - fa, neg)
        c = op.constant if family == Opcode.ADD_CONST else 0
        return lo_t <= lo + c and hi + c <= hi_t
    return False


def plan_inline(comb: CombLogic, live: Sequence[bool], out_lanes: Sequence[Lane]) -> list[bool]:
    """Ops written into their one reader's expression instead of a variable: exact sums read once, in a
    ring position (see `_operand_positions`) or by an output that does not floor them."""
    n = len(comb.ops)
    kifs = [_kif(op.qint) for op in comb.ops]
    uses = [0] * n
    ring_use = [False] * n
    for t, op in enumerate(comb.ops):
        if not live[t] or sum(kifs[t]) <= 0:
            continue
        for s, ring in _operand_positions(op, kifs):
            if s >= 0:
                uses[s] += 1
                ring_use[s] = ring
    for j, lane in enumerate(out_lanes):
        o = comb.out_idxs[j]
        if o >= 0 and lane.width > 0:
            uses[o] += 1
            ring_use[o] = lane.f >= kifs[o][2] - comb.out_shifts[j]
    return [
        live[t] and uses[t] == 1 and ring_use[t] and sum(kifs[t]) > 0 and _exact_sum(op, kifs)
        for t, op in enumerate(comb.ops)
    ]


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
    inline = plan_inline(comb, live, out_lanes)
    sigs: list[Sig | Ring | None] = [None] * len(comb.ops)
    for t, op in enumerate(comb.ops):
        if not live[t]:
            continue
        sigs[t] = _lower_op(net, comb, t, op, sigs, lane_sig, in_lanes, inline[t])

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
            neg = bool(comb.out_negs[j])
            comment += f" = {'-' if neg else ''}v{o} * 2**{shift}"
            # the value is buf * 2**shift: the same integer read at step f - shift
            val = src.with_f(src.f - shift)
            if isinstance(val, Ring) or (neg and lane.f >= val.f):
                expr = net.ring(Ring(((neg, val),), 0, val.f), lane.f, lane.width)
            else:
                if neg:
                    val = net.neg(val, f"out{j}_neg", f"-v{o} for out {j}")
                expr = net.fit(val, lane.f, lane.width)
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
        procedural=in_w > 0,
    )


def _lower_op(net: NetList, comb: CombLogic, t: int, op, sigs, lane_sig, lanes, inline: bool) -> Sig | Ring:
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
        assert isinstance(s, Sig), f"op {t} reads op {idx}, which was not lowered to a signal"
        return s

    def term(idx: int) -> Sig | Ring:
        s = sigs[idx]
        assert s is not None, f"op {t} reads op {idx}, which was not lowered"
        return s

    def sliced(src: Sig, f_to: int, extra: str) -> Sig:
        """v<t> = fit(src, f_to, w): a slice of src when it is one (no variable), else a variable."""
        got = net.alias(src, f_to, w, signed)
        if got is None:
            return done(net.fit(src, f_to, w), extra)
        net.items.append(Note(f"{name} = {net.describe(got)}: {comment}{extra}"))
        return got.with_f(f)

    def ring(r: Ring, extra: str) -> Sig | Ring:
        """v<t> = r at T's step: unstored when it is read once by another sum, else a variable."""
        if inline:
            net.items.append(Note(f"{name}: {comment}{extra}, written where it is read"))
            return r
        return done(net.ring(r, f, w), extra)

    def exact(expr: str, width: int, sgn: bool, f_expr: int, suffix: str = "x", extra: str = "") -> Sig:
        """Assign ``expr`` (``width`` bits at step ``f_expr``) to v<t>, through a helper wire if rescaled."""
        if width == w and f_expr == f:
            return done(expr, extra)
        helper = net.wire(f"{name}_{suffix}", width, sgn, f_expr, expr, f"op {t}: exact value before requantization")
        return sliced(helper, f, extra)

    if family == Opcode.INPUT:
        j = op.input_index
        src, lane = lane_sig[j], lanes[j]
        shift = comb.inp_shifts[j]
        # the lane must carry every bit this op keeps: as fine a step, as high a wrap-around point
        if lane.f < f + shift or lane.k + lane.i < k + i - shift:
            raise ValueError(
                f"op {t} reads input {j} as {_type_str((k, i - shift, f + shift))}, which the input's port lane "
                f"{_type_str(lane.kif)} (the type of the first op reading input {j}) cannot carry; give every "
                f"INPUT op of input {j} the same type"
            )
        return sliced(src, f + shift, f" <- input {j}")

    if family == Opcode.ADD:
        a, b = term(op.id0), term(op.id1).with_f(term(op.id1).f - op.shift)
        sym = "-" if op.neg_b else "+"
        extra = f" = v{op.id0} {sym} v{op.id1} * 2**{op.shift}"
        r = Ring(((False, a), (bool(op.neg_b), b)), 0, f)
        F = max(a.f, b.f)
        d = F - f
        if d <= 0:  # the exact sum is on T's grid: add at T's step directly
            return ring(r, extra)
        W = w + d
        return exact(net.ring(r, F, W), W, signed, F, extra=extra)

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
        extra = f" = {'-' if op.neg_a else ''}v{op.id0}"
        a = term(op.id0)
        if isinstance(a, Ring) or f > a.f or (f == a.f and op.neg_a):  # scaled up: a sum of one term
            return ring(Ring(((bool(op.neg_a), a),), 0, f), extra)
        if op.neg_a:
            a = net.neg(a, f"{name}_neg", f"op {t}: -v{op.id0}")
        return sliced(a, f, extra)

    if family == Opcode.ADD_CONST:
        extra = f" = v{op.id0} + {op.constant}"
        a = term(op.id0)
        if isinstance(a, Ring) or f >= a.f:
            return ring(Ring(((False, a),), op.constant, f), extra)
        return done(f"{net.fit(a, f, w)} + {const(op.constant, w)}", extra)

    if family == Opcode.CONST:
        return ring(Ring((), op.constant, f), f" = {op.constant}")

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
