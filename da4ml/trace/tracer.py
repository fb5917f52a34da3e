"""comb_trace: the traced expression graph between inputs and outputs -> one DAIS program (CombLogic), and
to_pipeline: that program in register stages (da4ml.ir.staging.split_stages).

Emission walks back from the outputs only (dead code never appears), numbers ops in dependency order
with the inputs first, and hash-conses identical ops (same opcode, operands, data and type) into one.  Every
interval the tracer writes is exact, and the program says so (``CombLogic.exact_intervals``): in particular a
MUX's interval bounds the operand it selects (the tracer's max/min/saturation muxes rely on the condition to
keep the other values out), so replay may rebuild such a mux without the wrap the op type alone implies."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from da4ml.ir import CombLogic, Op, Opcode, Pipeline, QInterval, encode_data
from da4ml.ir.staging import split_stages

from ._config import DEFAULT_HWCONF, common_config
from ._errors import TraceError
from ._node import Node, mk
from ._types import MAX_WIDTH, frac_f
from .fixed_variable import FixedVariable, UnquantizedVariable
from .fixed_variable_array import FixedVariableArray


def _flatten(obj, what: str) -> list:
    if isinstance(obj, FixedVariableArray):
        return list(obj._vars.ravel())
    if isinstance(obj, FixedVariable):
        return [obj]
    if isinstance(obj, np.ndarray):
        if obj.dtype == object:
            return [v if isinstance(v, FixedVariable) else FixedVariable(const=v) for v in obj.ravel()]
        return [FixedVariable(const=v) for v in obj.ravel().tolist()]
    if isinstance(obj, (list, tuple)):
        out = []
        for o in obj:
            out.extend(_flatten(o, what))
        return out
    if isinstance(obj, (int, float, Fraction, np.number)):
        return [FixedVariable(const=obj)]
    raise TypeError(
        f"comb_trace {what} must be FixedVariableArray / FixedVariable (or sequences of them), got {type(obj).__name__}"
    )


def _qint(n: Node) -> QInterval:
    return QInterval.from_bounds(n.vmin, n.vmax, n.f)


class _Emitter:
    def __init__(self, input_index: dict):
        self.input_index = input_index
        self.ops: list[Op] = []
        self.ids: dict[int, int] = {}  # id(node) -> op index
        self.keys: dict[tuple, int] = {}
        self.tables: list[tuple] = []
        self.table_ids: dict[tuple, int] = {}
        self.hold: list[Node] = []  # keep nodes alive while ids are keyed by id()

    def _table(self, t: tuple) -> int:
        j = self.table_ids.get(t)
        if j is None:
            j = self.table_ids[t] = len(self.tables)
            self.tables.append(t)
        return j

    def emit_node(self, n: Node) -> int:
        if n.wide is not None:
            raise TraceError(n.wide)
        if n.width > MAX_WIDTH:
            raise TraceError(
                f"{n.opcode.name} op needs {n.width} bits (limit {MAX_WIDTH}): quantize its operands first"
            )
        g = self.ids.get
        op = n.opcode
        id0 = g(id(n.a), -1) if n.a is not None else -1
        id1 = g(id(n.b), -1) if n.b is not None else -1
        if op == Opcode.INPUT:
            id0 = self.input_index[n.input.uid]
            data = 0
        elif op in (Opcode.ADD, Opcode.SUB):
            if op == Opcode.ADD and n.data == 0 and id1 < id0:
                id0, id1 = id1, id0
            data = encode_data(op, shift=n.data)
        elif op in (Opcode.ADD_CONST, Opcode.CONST):
            data = encode_data(op, constant=n.data)
        elif op in (Opcode.MUX, Opcode.NEG_MUX):
            data = encode_data(op, cond=self.ids[id(n.c)], shift=n.data)
        elif op == Opcode.LOOKUP:
            data = encode_data(op, table=self._table(n.table))
        elif op in (Opcode.BIT_UNARY, Opcode.NEG_BIT_UNARY):
            data = encode_data(op, bit_op=n.data)
        elif op == Opcode.BIT_BINARY:
            shift, neg_a, neg_b, bit_op = n.data
            data = encode_data(op, shift=shift, neg_a=neg_a, neg_b=neg_b, bit_op=bit_op)
        else:
            data = 0
        key = (int(op), id0, id1, data, n.vmin, n.vmax, n.f)
        t = self.keys.get(key)
        if t is None:
            t = self.keys[key] = len(self.ops)
            self.ops.append(Op(id0, id1, int(op), data, _qint(n), float(n.latency), float(n.cost)))
        self.ids[id(n)] = t
        self.hold.append(n)
        return t

    def walk(self, roots: list[Node]) -> None:
        """Emit every node reachable from roots, operands first (iterative post-order DFS)."""
        for r in roots:
            if id(r) in self.ids:
                continue
            stack = [(r, False)]
            while stack:
                n, done = stack.pop()
                if id(n) in self.ids:
                    continue
                if done:
                    self.emit_node(n)
                    continue
                stack.append((n, True))
                for o in (n.c, n.b, n.a):
                    if o is not None and id(o) not in self.ids:
                        stack.append((o, False))


def _collect_inputs(roots: list[Node]) -> list[Node]:
    seen, out, stack = set(), [], list(roots)
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        if n.opcode == Opcode.INPUT:
            out.append(n)
        stack.extend(o for o in (n.a, n.b, n.c) if o is not None)
    return out


def comb_trace(inputs, outputs, keep_dead_inputs: bool = False) -> CombLogic:
    """The DAIS program computing `outputs` from `inputs` (arrays or sequences of arrays)."""
    ins = _flatten(inputs, "inputs")
    outs = _flatten(outputs, "outputs")
    input_index: dict[int, int] = {}
    declared: list[Node | None] = []
    for j, v in enumerate(ins):
        node = None
        if isinstance(v, UnquantizedVariable):
            inp = v.input
        elif v.const is not None:
            declared.append(None)
            continue
        elif v.node.opcode == Opcode.INPUT and v.shift == 0 and not v.neg:
            node, inp = v.node, v.node.input
        else:
            raise TraceError(
                f"comb_trace input {j} is a computed value, not a symbolic input: pass the arrays made by "
                "FixedVariableArray.from_kif / FixedVariableArrayInput / as_new"
            )
        if inp.uid in input_index:
            raise TraceError(f"comb_trace input {j} is listed twice")
        input_index[inp.uid] = j
        declared.append(node)
    config = None
    for v in ins + outs:
        if v.config is not None and v.config is not config:
            config = common_config(config, v.config, "comb_trace")
    hw = config.hwconf if config is not None else DEFAULT_HWCONF
    # constant outputs other than 0 need a CONST op
    roots: list[Node] = []
    out_views: list[tuple] = []
    for v in outs:
        if isinstance(v, UnquantizedVariable):
            raise TraceError("an output is an unquantized input: quantize it (x.quantize(k, i, f)) first")
        if v.const is not None:
            if v.const == 0:
                out_views.append((None, 0, False))
                continue
            f = frac_f(v.const)
            n = int(v.const * Fraction(2) ** f)
            node = mk(Opcode.CONST, None, None, None, n, n, n, f)
            out_views.append((node, 0, False))
            roots.append(node)
            continue
        out_views.append((v.node, v.shift, v.neg))
        roots.append(v.node)
    em = _Emitter(input_index)
    used_inputs = _collect_inputs(roots)
    for n in used_inputs:
        if n.input.uid not in input_index:
            raise TraceError(
                "an output depends on a symbolic input that is not in comb_trace(inputs, ...): "
                "list every input array the outputs were computed from"
            )
    if keep_dead_inputs:
        used_ids = {id(n) for n in used_inputs}
        used_inputs = used_inputs + [n for n in declared if n is not None and id(n) not in used_ids]
    used_inputs.sort(key=lambda n: (input_index[n.input.uid], n.f, n.vmin, n.vmax))
    for n in used_inputs:
        em.emit_node(n)
    em.walk(roots)
    out_idxs, out_shifts, out_negs = [], [], []
    for node, s, ng in out_views:
        if node is None:
            out_idxs.append(-1)
            out_shifts.append(0)
            out_negs.append(False)
        else:
            out_idxs.append(em.ids[id(node)])
            out_shifts.append(int(s))
            out_negs.append(bool(ng))
    return CombLogic(
        shape=(len(ins), len(outs)),
        inp_shifts=[0] * len(ins),
        out_idxs=out_idxs,
        out_shifts=out_shifts,
        out_negs=out_negs,
        ops=em.ops,
        carry_size=hw.carry_size,
        adder_size=hw.adder_size,
        lookup_tables=tuple(em.tables),
        exact_intervals=True,
    )


def to_pipeline(comb: CombLogic, latency_cutoff: float, retiming: bool = True, verbose: bool = False) -> Pipeline:
    """Register stages of at most ``latency_cutoff`` combinational latency each (-1: one stage; the cutoffs
    refused: ``da4ml.ir.staging.assign_stages``): the one staging algorithm, ``da4ml.ir.staging.split_stages``
    (see there for ``retiming``); ``verbose`` prints the number of stages."""
    pipe = split_stages(comb, latency_cutoff, retiming=retiming)
    if verbose:
        print(f"to_pipeline: {len(pipe)} stage(s) at latency cutoff {latency_cutoff}")
    return pipe
