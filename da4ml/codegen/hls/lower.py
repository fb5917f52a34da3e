"""Lowering of one DAIS program (CombLogic) to the view of one HLS C++ function template.

Each live op ``t`` becomes one statement ``<type> v<t> = <expr>;`` (a lookup also declares its ROM), in
``ap_fixed`` arithmetic that is exact for the op's semantics (shared/spec/dais.md, the C++ interpreter is the
scoreboard): see ``da4ml.codegen.hls.cpp`` for why each spelling is exact. A value of width <= 0 is the
constant 0 and gets no variable; dead ops are not emitted. Anything ``ap_fixed`` cannot hold exactly is
refused here, naming the op, before any C++ is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ...ir import BitBinary, BitUnary, CombLogic, Opcode, kif_of
from ...ir.live import live_ops
from ...project import Lane, check_input_read, lanes_of
from .cpp import CppValue, check_type, ctype, fixed_literal, int_literal, shifted

__all__ = ["INP", "OUT", "FunctionView", "Stmt", "lower_function"]

INP = "model_inp"
OUT = "model_out"

_BIT_BINARY_SYMBOL = {BitBinary.AND: "&", BitBinary.OR: "|", BitBinary.XOR: "^"}


@dataclass(frozen=True)
class Stmt:
    """One C++ statement and what it computes; an input read keeps its comment on the line above, so that the
    statement ends exactly ``model_inp[j];`` (hls4ml replaces that text when it folds input quantizers)."""

    code: str
    comment: str
    comment_above: bool = False


@dataclass(frozen=True)
class FunctionView:
    """Everything the function template lays out."""

    name: str
    n_in: int  # array sizes of the signature (>= 1)
    n_out: int
    pragmas: tuple[str, ...]
    notes: tuple[str, ...]  # comment lines at the top of the body
    body: tuple[Stmt, ...]
    inputs_unread: bool  # no live op reads model_inp: the template marks it used


def _kif_str(kif) -> str:
    return f"({kif[0]},{kif[1]},{kif[2]})"


class _Lowering:
    def __init__(self, comb: CombLogic, lanes: Sequence[Lane] | None):
        self.comb = comb
        self.lanes = lanes
        self.body: list[Stmt] = []
        self.vals: list[CppValue | None] = [None] * len(comb.ops)
        self.roms: dict[tuple, str] = {}
        self.reads_input = False

    # -- helpers ---------------------------------------------------------------------------------------
    def arg(self, t: int, idx: int) -> CppValue:
        v = self.vals[idx]
        assert v is not None, f"op {t} reads op {idx}, which was not lowered"
        return v

    def emit(self, t: int, kif, expr: str, comment: str, above: bool = False) -> CppValue:
        val = CppValue(f"v{t}", *kif)
        self.body.append(Stmt(f"{ctype(kif)} {val.name} = {expr};", comment, above))
        return val

    # -- ops -------------------------------------------------------------------------------------------
    def op(self, t: int, op) -> CppValue:
        info = op.info  # ValueError names an unknown opcode
        kif = kif_of(op.qint)
        k, i, f = kif
        name = f"op {t} {info.name} {_kif_str(kif)}"
        check_type(kif, name)
        if k + i + f <= 0:  # the constant 0: no variable
            return CppValue(f"v{t}", k, i, f)
        T = ctype(kif)
        fam = op.family

        def cast(expr: str) -> str:
            return f"{T}({expr})"

        zero = cast("0")

        if fam == Opcode.INPUT:
            j = op.input_index
            s = int(self.comb.inp_shifts[j])
            if self.lanes is not None:
                check_input_read(t, kif, s, self.lanes[j])
            view = CppValue(f"v{t}", k, i, f, view=s)
            check_type(view.var_kif, f"{name} (input {j} read with inp_shift {s})")
            self.reads_input = True
            self.body.append(Stmt(f"{ctype(view.var_kif)} {view.name} = {INP}[{j}];", f"{name} <- input {j}", True))
            return view

        if fam == Opcode.ADD:
            a, b = self.arg(t, op.id0), self.arg(t, op.id1)
            sym = "-" if op.neg_b else "+"
            note = f"{name}: v{op.id0} {sym} v{op.id1} * 2**{op.shift}"
            bs = b.scaled(op.shift, f"{name}: operand b * 2**{op.shift}")
            if a.zero and b.zero:
                return self.emit(t, kif, "0", note)
            if b.zero:
                return self.emit(t, kif, a.ref, note)
            if a.zero:
                return self.emit(t, kif, f"-{bs}" if op.neg_b else bs, note)
            return self.emit(t, kif, f"{a.ref} {sym} {bs}", note)

        if fam == Opcode.RELU:
            a = self.arg(t, op.id0)
            note = f"{name}: relu({'-' if op.neg_a else ''}v{op.id0})"
            if a.zero or (op.neg_a and not a.k):  # relu(0) and relu(-unsigned) are 0
                return self.emit(t, kif, "0", note)
            # sign tests read the top bit: comparing with the int 0 would align a to ap_fixed<32, 32>
            if op.neg_a:  # -a < 0 exactly when a > 0; a = 0 gives 0 either way
                return self.emit(t, kif, f"{a.msb} ? {cast('-' + a.ref)} : {zero}", note)
            if not a.k:
                return self.emit(t, kif, a.ref, note)
            return self.emit(t, kif, f"{a.msb} ? {zero} : {cast(a.ref)}", note)

        if fam == Opcode.QUANTIZE:
            a = self.arg(t, op.id0)
            note = f"{name}: {'-' if op.neg_a else ''}v{op.id0}"
            if a.zero:
                return self.emit(t, kif, "0", note)
            return self.emit(t, kif, f"-{a.ref}" if op.neg_a else a.ref, note)

        if fam == Opcode.ADD_CONST:
            a = self.arg(t, op.id0)
            c = op.constant
            note = f"{name}: v{op.id0} + {c} * 2**-{f}"
            lit = fixed_literal(c, f)
            if a.zero:
                return self.emit(t, kif, lit, note)
            src = a.ref
            if f < a.f:  # floor a to T's step first: the constant is on that grid, floor(a + c) = floor(a) + c
                fl = _floor_kif(a, f)
                if fl is None:
                    return self.emit(t, kif, lit, note)
                src = f"{ctype(fl)}({src})"
            return self.emit(t, kif, src if c == 0 else f"{src} + {lit}", note)

        if fam == Opcode.CONST:
            return self.emit(t, kif, fixed_literal(op.constant, f), f"{name}: {op.constant} * 2**-{f}")

        if fam == Opcode.MUX:
            a, b, c = self.arg(t, op.id0), self.arg(t, op.id1), self.arg(t, op.cond)
            mark = "-" if op.neg_b else ""
            note = f"{name}: msb(v{op.cond}) ? v{op.id0} : {mark}v{op.id1} * 2**{op.shift}"
            then = zero if a.zero else cast(a.ref)
            other = zero if b.zero else cast(mark + b.scaled(op.shift, f"{name}: operand b * 2**{op.shift}"))
            if c.zero:  # msb of the constant 0: never set
                return self.emit(t, kif, other, note)
            return self.emit(t, kif, f"{c.msb} ? {then} : {other}", note)

        if fam == Opcode.MUL:
            a, b = self.arg(t, op.id0), self.arg(t, op.id1)
            note = f"{name}: v{op.id0} * v{op.id1}"
            if a.zero or b.zero:
                return self.emit(t, kif, "0", note)
            return self.emit(t, kif, f"{a.ref} * {b.ref}", note)

        if fam == Opcode.LOOKUP:
            return self.lookup(t, op, kif, name)

        if fam == Opcode.BIT_UNARY:
            return self.bit_unary(t, op, kif, name)

        if fam == Opcode.BIT_BINARY:
            a, b = self.arg(t, op.id0), self.arg(t, op.id1)
            sym = _BIT_BINARY_SYMBOL[op.bit_op]
            ma, mb = ("-" if op.neg_a else ""), ("-" if op.neg_b else "")
            note = f"{name}: {ma}v{op.id0} {sym} {mb}v{op.id1} * 2**{op.shift}"
            p = None if a.zero else f"({ma}{a.ref})"
            q = None if b.zero else f"({mb}{b.scaled(op.shift, f'{name}: operand b * 2**{op.shift}')})"
            if p is None or q is None:  # x & 0 = 0; x | 0 = x ^ 0 = x
                rest = p or q
                return self.emit(t, kif, "0" if sym == "&" or rest is None else rest, note)
            return self.emit(t, kif, f"{p} {sym} {q}", note)

        raise ValueError(f"op {t}: opcode {op.opcode} has no HLS lowering")

    def lookup(self, t: int, op, kif, name: str) -> CppValue:
        a = self.arg(t, op.id0)
        k, i, f = kif
        w = k + i + f
        table = self.comb.lookup_tables[op.table]
        offset = op.table_offset
        note = f"{name}: table{op.table}[v{op.id0} - min - {offset}]"
        if a.zero:
            return self.emit(t, kif, fixed_literal(int(table[-offset]), f), note)
        aw = a.width
        a_min = -(1 << (aw - 1)) if a.k else 0
        key = (op.table, aw, a.k, offset, k, w)
        rom = self.roms.get(key)
        if rom is None:
            entries = []
            for raw in range(1 << aw):  # the ROM is indexed by the raw bits of a
                value = raw - (1 << aw) if a.k and raw >> (aw - 1) else raw
                idx = value - a_min - offset
                if not 0 <= idx < len(table):
                    raise ValueError(
                        f"op {t} LOOKUP: input value {value} maps to entry {idx} outside table {op.table} "
                        f"(size {len(table)}); the program is invalid (run CombLogic.validate())"
                    )
                entries.append(int_literal(int(table[idx])))
            rom = f"rom{len(self.roms)}"
            self.roms[key] = rom
            base = f"ap_fixed<{w}, {w}>" if k else f"ap_ufixed<{w}, {w}>"
            self.body.append(
                Stmt(
                    f"static const {base} {rom}[{1 << aw}] = {{{', '.join(entries)}}};",
                    f"table {op.table} indexed by the {aw} raw bits of a {'signed' if a.k else 'unsigned'} value, "
                    f"offset {offset}, entries in steps of 2**-{f}",
                    True,
                )
            )
        return self.emit(t, kif, shifted(f"{rom}[{a.name}.range().to_uint64()]", -f), note)

    def bit_unary(self, t: int, op, kif, name: str) -> CppValue:
        a = self.arg(t, op.id0)
        f = kif[2]
        sub = op.bit_op
        neg = op.neg_a
        mark = "-" if neg else ""
        note = f"{name}: {sub.name.lower()}({mark}v{op.id0})"

        def as_int(expr: str, expr_f: int) -> str:
            # the spec's result is an integer in T's steps: the same bits, read at T's step
            return shifted(expr, expr_f - f)

        one = "ap_ufixed<1, 1>"
        if sub == BitUnary.NOT:
            if a.zero:  # ~0: -1 for a signed type, 0 masked to no bits for an unsigned one
                return self.emit(t, kif, fixed_literal(-1, f) if a.k else "0", note)
            expr = f"(~(-{a.name}))" if neg else f"(~{a.name})"
            if neg and not a.k:  # ~(-a) masked to a's width: the low bits, as an unsigned value of a's type
                expr = f"{ctype(a.var_kif)}{expr}"
            return self.emit(t, kif, as_int(expr, a.var_f), note)
        if sub == BitUnary.ANY:
            if a.zero:
                return self.emit(t, kif, "0", note)
            return self.emit(t, kif, as_int(f"{one}({a.raw}.or_reduce())", 0), note)
        # BitUnary.ALL: (s & m) == m over a's width; for s = -a that is a == 1 (mod 2**w)
        if a.zero:
            return self.emit(t, kif, as_int(f"{one}(1)", 0), note)
        cond = f"{a.raw} == 1" if neg else f"{a.raw}.and_reduce()"
        return self.emit(t, kif, as_int(f"{one}({cond})", 0), note)


def _floor_kif(a: CppValue, f: int) -> tuple[int, int, int] | None:
    """The type of ``floor(a)`` at step ``2**-f`` (coarser than a's), or None when that is always 0."""
    if a.k:
        return (1, max(a.i, -f), f)  # a signed value may floor to -2**-f
    if a.i + f <= 0:
        return None
    return (0, a.i, f)


def lower_function(
    comb: CombLogic,
    name: str,
    pragmas: Sequence[str] = (),
    notes: Sequence[str] = (),
    inp_kifs=None,
) -> FunctionView:
    """The view of ``comb`` as ``template <typename inp_t, typename out_t> void name(...)``.

    ``inp_kifs``: the types a project's port carries for each input (the HLSModel bridge quantizes inputs to
    them); every INPUT op must be able to read its input from that lane exactly. None (hls4ml): no port."""
    n_in, n_out = (int(v) for v in comb.shape)
    lanes = lanes_of(inp_kifs) if inp_kifs is not None else None
    low = _Lowering(comb, lanes)
    live = live_ops(comb)
    for t, op in enumerate(comb.ops):
        if live[t]:
            low.vals[t] = low.op(t, op)
    for j, (o, s, neg) in enumerate(zip(comb.out_idxs, comb.out_shifts, comb.out_negs)):
        o, s = int(o), int(s)
        val = low.vals[o] if o >= 0 else None
        if val is None or val.zero:
            low.body.append(Stmt(f"{OUT}[{j}] = 0;", f"out {j} = 0"))
            continue
        mark = "-" if neg else ""
        ref = val.scaled(s, f"output {j} (v{o} * 2**{s})")
        low.body.append(Stmt(f"{OUT}[{j}] = {mark}{ref};", f"out {j} = {mark}v{o} * 2**{s}"))
    return FunctionView(
        name=name,
        n_in=max(n_in, 1),
        n_out=max(n_out, 1),
        pragmas=tuple(pragmas),
        notes=tuple(notes),
        body=tuple(low.body),
        inputs_unread=not low.reads_input,
    )
