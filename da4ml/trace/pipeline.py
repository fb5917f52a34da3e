"""to_pipeline: split one DAIS program into register stages by latency (a simple, correct splitter).

Op t goes to stage s(t) = max(0, ceil(latency_t / cutoff) - 1) (so stage s holds ops finishing in
(s*cutoff, (s+1)*cutoff]).  Stages compose by plain chaining: stage k+1's input j is stage k's output j.
Values needed later are passed through as stage outputs; constants are rebuilt in every stage that uses
them (never carried in registers).  Arrival times are carried forward: a stage's inputs keep the arrival
time of the value they carry, so every op keeps its latency and Pipeline.latency is the program's."""

from __future__ import annotations

import math

from da4ml.ir import CombLogic, Op, Opcode, Pipeline

from .tracer import TracedOps


def _lo_hi(data: int) -> tuple[int, int]:
    lo = data & 0xFFFFFFFF
    if lo >= 1 << 31:
        lo -= 1 << 32
    return lo, data >> 32


def _pack(lo: int, hi: int) -> int:
    return (int(hi) << 32) | (int(lo) & 0xFFFFFFFF)


def _operands(op) -> list[int]:
    opc = int(op.opcode)
    if opc in (Opcode.INPUT, Opcode.CONST):
        return []
    r = [op.id0]
    if op.id1 >= 0:
        r.append(op.id1)
    if opc in (Opcode.MUX, Opcode.NEG_MUX):
        r.append(_lo_hi(int(op.data))[0])
    return r


def to_pipeline(comb: CombLogic, latency_cutoff: float, retiming: bool = True, verbose: bool = False) -> Pipeline:
    """Register stages of at most `latency_cutoff` combinational latency each (<= 0: one stage)."""
    ops = list(comb.ops)
    n = len(ops)
    if latency_cutoff is None or latency_cutoff <= 0 or n == 0:
        return Pipeline([comb])
    delay = []
    for op in ops:
        preds = _operands(op)
        base = max((ops[p].latency for p in preds), default=0.0) if int(op.opcode) != Opcode.INPUT else op.latency
        delay.append(max(0.0, op.latency - base) if int(op.opcode) != Opcode.INPUT else 0.0)
    stage = [0] * n
    for t, op in enumerate(ops):
        if int(op.opcode) == Opcode.CONST:
            stage[t] = -1  # rebuilt where used
            continue
        s = max(0, math.ceil(op.latency / latency_cutoff - 1e-9) - 1)
        for p in _operands(op):
            s = max(s, stage[p])
        stage[t] = s
    n_stages = max([s for s in stage if s >= 0] + [0]) + 1
    # the last stage a value is needed in (outputs are needed after the last stage)
    last_use = [-1] * n
    for t, op in enumerate(ops):
        for p in _operands(op):
            last_use[p] = max(last_use[p], stage[t])
    for o in comb.out_idxs:
        if o >= 0:
            last_use[o] = n_stages
    # carried[k]: op ids available as inputs of stage k (k >= 1), in a fixed order
    carried: list[list[int]] = [[] for _ in range(n_stages + 1)]
    for k in range(1, n_stages + 1):
        carried[k] = [t for t in range(n) if stage[t] >= 0 and stage[t] < k and last_use[t] >= k]
    stages = []
    for k in range(n_stages):
        if k == 0:
            n_in = comb.shape[0]
            inp_shifts = list(comb.inp_shifts)
        else:
            n_in = len(carried[k])
            inp_shifts = [0] * n_in
        new_ops: list[Op] = []
        local: dict[int, int] = {}
        lat: list[float] = []
        if k > 0:
            for j, t in enumerate(carried[k]):
                local[t] = len(new_ops)
                new_ops.append(Op(j, -1, int(Opcode.INPUT), 0, ops[t].qint, float(ops[t].latency), 0.0))
                lat.append(float(ops[t].latency))

        def need(t: int, local=local, new_ops=new_ops, lat=lat) -> int:
            if t in local:
                return local[t]
            op = ops[t]
            assert int(op.opcode) == Opcode.CONST, "value used across stages without being carried"
            local[t] = len(new_ops)
            new_ops.append(Op(-1, -1, int(Opcode.CONST), op.data, op.qint, 0.0, op.cost))
            lat.append(0.0)
            return local[t]

        for t, op in enumerate(ops):
            if stage[t] != k:
                continue
            opc = int(op.opcode)
            if opc == Opcode.INPUT:
                local[t] = len(new_ops)
                new_ops.append(Op(op.id0, -1, opc, op.data, op.qint, op.latency if k == 0 else 0.0, op.cost))
                lat.append(new_ops[-1].latency)
                continue
            id0 = need(op.id0) if op.id0 >= 0 else -1
            id1 = need(op.id1) if op.id1 >= 0 else -1
            data = op.data
            if opc in (Opcode.MUX, Opcode.NEG_MUX):
                lo, hi = _lo_hi(int(op.data))
                data = _pack(need(lo), hi)
            preds = [x for x in (id0, id1) if x >= 0]
            if opc in (Opcode.MUX, Opcode.NEG_MUX):
                preds.append(_lo_hi(int(data))[0])
            l_new = max((lat[p] for p in preds), default=0.0) + delay[t]
            local[t] = len(new_ops)
            new_ops.append(Op(id0, id1, opc, data, op.qint, l_new, op.cost))
            lat.append(l_new)
        if k == n_stages - 1:
            out_idxs = [need(o) if o >= 0 else -1 for o in comb.out_idxs]
            out_shifts, out_negs = list(comb.out_shifts), list(comb.out_negs)
        else:
            out_idxs = [need(t) for t in carried[k + 1]]
            out_shifts, out_negs = [0] * len(out_idxs), [False] * len(out_idxs)
        stages.append(
            CombLogic(
                shape=(n_in, len(out_idxs)),
                inp_shifts=inp_shifts,
                out_idxs=out_idxs,
                out_shifts=out_shifts,
                out_negs=out_negs,
                ops=TracedOps(new_ops) if isinstance(comb.ops, TracedOps) else new_ops,
                carry_size=comb.carry_size,
                adder_size=comb.adder_size,
                lookup_tables=tuple(comb.lookup_tables),
            )
        )
    if verbose:
        print(f"to_pipeline: {n_stages} stage(s) at latency cutoff {latency_cutoff}")
    return Pipeline(stages)
