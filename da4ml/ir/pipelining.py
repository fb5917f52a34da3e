"""Splitting one DAIS program into register stages (II = 1): a pure function from CombLogic to Pipeline.

Stage of an op: its arrival time (``op.latency``) cut every ``latency_cutoff``: ops arriving in
``(s * cutoff, (s + 1) * cutoff]`` go to stage ``s`` (inputs and anything at time <= cutoff to stage 0),
never earlier than an operand's stage. A value crosses a stage boundary (one register each) only while a
later stage or the program's outputs still need it. Constants and values that can only be 0 (width <= 0)
are never registered: each stage that reads one gets its own copy.

Stages compose by plain chaining: stage ``k + 1``'s input ``j`` is stage ``k``'s output ``j`` (same type,
shift 0, not negated), so ``Pipeline.predict`` equals the stages' ``predict`` applied in turn.
"""

from __future__ import annotations

import math

from . import CombLogic, Op, Opcode, Pipeline, kif_of

__all__ = ["assign_stages", "to_pipeline"]

_EPS = 1e-9


def _operands(op: Op) -> tuple[int, ...]:
    code = Opcode(op.opcode)
    if code in (Opcode.INPUT, Opcode.CONST):
        return ()
    if code in (Opcode.ADD, Opcode.SUB, Opcode.MUL, Opcode.BIT_BINARY):
        return (op.id0, op.id1)
    if code in (Opcode.MUX, Opcode.NEG_MUX):
        return (op.id0, op.id1, op.lo)
    return (op.id0,)


def _is_free(op: Op) -> bool:
    """Constants and zero-width values: copied into each stage that reads them, never registered."""
    k, i, f = kif_of(op.qint)
    return op.opcode == Opcode.CONST or k + i + f <= 0


def assign_stages(comb: CombLogic, latency_cutoff: float) -> list[int]:
    """The stage of every op (``latency_cutoff <= 0``: everything in stage 0)."""
    if latency_cutoff is None or latency_cutoff <= 0:
        return [0] * len(comb.ops)
    if not math.isfinite(latency_cutoff):
        raise ValueError(f"latency_cutoff must be a finite positive number or -1 (none), got {latency_cutoff!r}")
    stages: list[int] = []
    for op in comb.ops:
        if op.opcode == Opcode.INPUT or _is_free(op):
            stages.append(0)
            continue
        s = max(0, math.ceil(float(op.latency) / latency_cutoff - _EPS) - 1)
        for src in _operands(op):
            if not _is_free(comb.ops[src]):
                s = max(s, stages[src])
        stages.append(s)
    return stages


def to_pipeline(comb: CombLogic, latency_cutoff: float, stages: list[int] | None = None) -> Pipeline:
    """Split ``comb`` into stages (see the module doc); ``stages`` overrides the per-op stage assignment."""
    ops = comb.ops
    n_ops = len(ops)
    if stages is None:
        stages = assign_stages(comb, latency_cutoff)
    if len(stages) != n_ops:
        raise ValueError(f"stages has {len(stages)} entries for a program of {n_ops} ops")
    free = [_is_free(op) for op in ops]

    # live ops only (reverse reachability from the outputs)
    live = [False] * n_ops
    for o in comb.out_idxs:
        if o >= 0:
            live[o] = True
    for t in range(n_ops - 1, -1, -1):
        if live[t]:
            for s in _operands(ops[t]):
                live[s] = True
    for t in range(n_ops):
        for s in _operands(ops[t]):
            if live[t] and not free[s] and stages[s] > stages[t]:
                raise ValueError(f"op {t} is in stage {stages[t]} but reads op {s} of the later stage {stages[s]}")

    n_stages = 1 + max((stages[t] for t in range(n_ops) if live[t] and not free[t]), default=0)
    last_use = [-1] * n_ops
    for t in range(n_ops):
        if live[t]:
            for s in _operands(ops[t]):
                last_use[s] = max(last_use[s], stages[t])
    for o in comb.out_idxs:
        if o >= 0:
            last_use[o] = n_stages - 1

    def crossing(s: int) -> list[int]:
        """Values registered at the boundary into stage s (op index order)."""
        return [t for t in range(n_ops) if live[t] and not free[t] and stages[t] < s <= last_use[t]]

    solutions = []
    carried_in: list[int] = []
    for s in range(n_stages):
        local: dict[int, int] = {}
        new_ops: list[Op] = []
        tables: dict[int, int] = {}

        def materialize(t: int) -> int:
            if t in local:
                return local[t]
            op = ops[t]
            if op.opcode != Opcode.CONST:  # a zero-width value: the constant 0
                op = Op(-1, -1, Opcode.CONST, 0, op.qint, op.latency, 0.0)
            local[t] = len(new_ops)
            new_ops.append(op)
            return local[t]

        def ref(t: int) -> int:
            return materialize(t) if free[t] else local[t]

        if s == 0:
            inp_shifts = list(comb.inp_shifts)
            n_in = comb.shape[0]
        else:
            inp_shifts = [0] * len(carried_in)
            n_in = len(carried_in)
            for j, t in enumerate(carried_in):
                local[t] = len(new_ops)
                new_ops.append(Op(j, -1, Opcode.INPUT, 0, ops[t].qint, ops[t].latency, 0.0))
        for t in range(n_ops):
            op = ops[t]
            if not live[t] or free[t] or stages[t] != s:
                continue
            code = Opcode(op.opcode)
            if code == Opcode.INPUT:
                local[t] = len(new_ops)
                new_ops.append(op)
                continue
            id0 = ref(op.id0) if op.id0 >= 0 else -1
            id1 = ref(op.id1) if op.id1 >= 0 and code != Opcode.LOOKUP else op.id1
            data = op.data
            if code in (Opcode.MUX, Opcode.NEG_MUX):
                data = Op.pack(ref(op.lo), op.hi)
            elif code == Opcode.LOOKUP:
                tables.setdefault(op.lo, len(tables))
                data = Op.pack(tables[op.lo], op.hi)
            local[t] = len(new_ops)
            new_ops.append(Op(id0, id1, op.opcode, data, op.qint, op.latency, op.cost))

        if s == n_stages - 1:
            out_idxs = [ref(o) if o >= 0 else -1 for o in comb.out_idxs]
            out_shifts = list(comb.out_shifts)
            out_negs = list(comb.out_negs)
            carried_in = []
        else:
            carried_in = crossing(s + 1)
            out_idxs = [local[t] for t in carried_in]
            out_shifts = [0] * len(carried_in)
            out_negs = [False] * len(carried_in)
        lookup_tables = tuple(comb.lookup_tables[i] for i in sorted(tables, key=tables.__getitem__))
        solutions.append(
            CombLogic(
                shape=(n_in, len(out_idxs)),
                inp_shifts=inp_shifts,
                out_idxs=out_idxs,
                out_shifts=out_shifts,
                out_negs=out_negs,
                ops=new_ops,
                carry_size=comb.carry_size,
                adder_size=comb.adder_size,
                lookup_tables=lookup_tables,
            )
        )
    return Pipeline(solutions)
