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

from .comb_logic import CombLogic
from .fixed import kif_of
from .hwconfig import check_latency_cutoff
from .op import Op, operands
from .opcodes import Opcode, opcode_info
from .pipeline import Pipeline

__all__ = ["assign_stages", "split_stages"]

_EPS = 1e-9
_operands = operands


def _free_ops(comb: CombLogic) -> list[bool]:
    """Constants and zero-width values: copied into each stage that reads them, never registered."""
    widths: dict = {}
    free = []
    for op in comb.ops:
        q = op.qint
        w = widths.get(q)
        if w is None:
            w = widths[q] = sum(kif_of(q))
        free.append(op.opcode == Opcode.CONST or w <= 0)
    return free


class _StageOps:
    """The ops of one stage under construction: local indices of the original ops, copies of free ops."""

    def __init__(self, ops, free: list[bool]):
        self.src = ops
        self.free = free
        self.local: dict[int, int] = {}
        self.ops: list[Op] = []
        self.tables: dict[int, int] = {}

    def ref(self, t: int) -> int:
        """Local index of original op ``t`` (a free op is copied into this stage on first use)."""
        if t in self.local or not self.free[t]:
            return self.local[t]
        op = self.src[t]
        if op.opcode != Opcode.CONST:  # a zero-width value: the constant 0
            op = Op.build(Opcode.CONST, qint=op.qint, latency=op.latency, constant=0)
        self.local[t] = len(self.ops)
        self.ops.append(op)
        return self.local[t]


def assign_stages(comb: CombLogic, latency_cutoff: float, _free: list[bool] | None = None) -> list[int]:
    """The stage of every op (``latency_cutoff=-1``: everything in stage 0).

    The meaningful cutoffs are -1 and the finite ones at least as long as the fastest op's delay (its latency
    minus its latest operand's): with a shorter one every op straddles stage boundaries and most stages hold
    no logic (0.001 made thousands of empty stages; 1e-9 never finished). Everything else raises ValueError."""
    latency_cutoff = check_latency_cutoff(latency_cutoff)
    if latency_cutoff == -1:
        return [0] * len(comb.ops)
    free = _free_ops(comb) if _free is None else _free
    _check_cutoff_holds_an_op(comb, latency_cutoff, free)
    stages: list[int] = []
    for t, op in enumerate(comb.ops):
        if op.opcode == Opcode.INPUT or free[t]:
            stages.append(0)
            continue
        s = max(0, math.ceil(float(op.latency) / latency_cutoff - _EPS) - 1)
        for src in _operands(op):
            if not free[src]:
                s = max(s, stages[src])
        stages.append(s)
    return stages


def _check_cutoff_holds_an_op(comb: CombLogic, latency_cutoff: float, free: list[bool]) -> None:
    ops = comb.ops
    fastest, at = math.inf, -1
    for t, op in enumerate(ops):
        if op.opcode == Opcode.INPUT or free[t]:
            continue
        srcs = [float(ops[s].latency) for s in _operands(op) if not free[s]]
        delay = float(op.latency) - max(srcs, default=0.0)
        if 0 < delay < fastest:
            fastest, at = delay, t
    if latency_cutoff * (1 + _EPS) < fastest < math.inf:
        raise ValueError(
            f"latency_cutoff={latency_cutoff!r} is shorter than the fastest op's delay ({fastest:g}, op {at}, "
            f"{Opcode(ops[at].opcode).name}): every op would straddle stage boundaries, leaving register stages "
            f"with no logic in them. Use latency_cutoff >= {fastest:g}, or -1 for no pipelining"
        )


def split_stages(
    comb: CombLogic, latency_cutoff: float, stages: list[int] | None = None, retiming: bool = True
) -> Pipeline:
    """Split ``comb`` into stages (see the module doc); ``stages`` overrides the per-op stage assignment.

    ``retiming=True`` (the only placement there is): registers go where the arrival times cross the cutoffs,
    each op in the stage of its arrival time, which is the retimed placement; ``retiming=False`` (registers at
    fixed points of an unretimed netlist) has no meaning for a program without registers and is refused."""
    if not retiming:
        raise ValueError(
            "retiming=False is not supported: a DAIS program has no registers to keep in place, so stages are always "
            "cut at the ops' arrival times (the retimed placement); pass retiming=True or leave it out"
        )
    ops = comb.ops
    n_ops = len(ops)
    free = _free_ops(comb)
    if stages is None:
        stages = assign_stages(comb, latency_cutoff, free)
    if len(stages) != n_ops:
        raise ValueError(f"stages has {len(stages)} entries for a program of {n_ops} ops")

    # live ops only (reverse reachability from the outputs)
    live = [False] * n_ops
    for o in comb.out_idxs:
        if o >= 0:
            live[o] = True
    for t in range(n_ops - 1, -1, -1):
        if live[t] and not free[t]:  # a free op becomes a constant: its operands are not needed
            for s in _operands(ops[t]):
                live[s] = True
    for t in range(n_ops):
        for s in _operands(ops[t]):
            if live[t] and not free[t] and not free[s] and stages[s] > stages[t]:
                raise ValueError(f"op {t} is in stage {stages[t]} but reads op {s} of the later stage {stages[s]}")

    n_stages = 1 + max((stages[t] for t in range(n_ops) if live[t] and not free[t]), default=0)
    last_use = [-1] * n_ops
    for t in range(n_ops):
        if live[t] and not free[t]:
            for s in _operands(ops[t]):
                last_use[s] = max(last_use[s], stages[t])
    for o in comb.out_idxs:
        if o >= 0:
            last_use[o] = n_stages - 1

    # per stage: its own ops, and the values registered at the boundary into it (op index order)
    members: list[list[int]] = [[] for _ in range(n_stages)]
    crossing: list[list[int]] = [[] for _ in range(n_stages + 1)]
    for t in range(n_ops):
        if live[t] and not free[t]:
            members[stages[t]].append(t)
            for s in range(stages[t] + 1, last_use[t] + 1):
                crossing[s].append(t)

    solutions = []
    carried_in: list[int] = []
    for s in range(n_stages):
        st = _StageOps(ops, free)
        local, new_ops, tables, ref = st.local, st.ops, st.tables, st.ref
        if s == 0:
            inp_shifts = list(comb.inp_shifts)
            n_in = comb.shape[0]
        else:
            inp_shifts = [0] * len(carried_in)
            n_in = len(carried_in)
            for j, t in enumerate(carried_in):
                local[t] = len(new_ops)
                new_ops.append(Op.build(Opcode.INPUT, j, qint=ops[t].qint, latency=ops[t].latency))
        for t in members[s]:
            op = ops[t]
            code = Opcode(op.opcode)
            if code == Opcode.INPUT:
                local[t] = len(new_ops)
                new_ops.append(op)
                continue
            info = opcode_info(op.opcode)
            # the operands the op reads are renumbered; an unused id0/id1 becomes -1 (its index means nothing here)
            id0 = ref(op.id0) if info.reads_a else -1
            id1 = ref(op.id1) if info.reads_b else -1
            new = Op(id0, id1, op.opcode, op.data, op.qint, op.latency, op.cost)
            if info.reads_cond:
                new = new.with_fields(cond=ref(op.cond))
            elif info.family == Opcode.LOOKUP:
                new = new.with_fields(table=tables.setdefault(op.table, len(tables)))
            local[t] = len(new_ops)
            new_ops.append(new)

        if s == n_stages - 1:
            out_idxs = [ref(o) if o >= 0 else -1 for o in comb.out_idxs]
            out_shifts = list(comb.out_shifts)
            out_negs = list(comb.out_negs)
            carried_in = []
        else:
            carried_in = crossing[s + 1]
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
                exact_intervals=comb.exact_intervals,  # stage ops keep their intervals; carried inputs their sources'
            )
        )
    return Pipeline(solutions)
