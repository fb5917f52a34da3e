"""Hand-built DAIS programs for the codegen tests (one builder per opcode family, plus a multi-layer one).

Types come from conservative interval arithmetic (a type may be wider than the value needs, never
narrower), except where an op wraps on purpose: then the narrow type is given explicitly.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from dais_ref import evaluate

from da4ml.ir import CombLogic, Op, Opcode, QInterval, kif_of


def qi(k: int, i: int, f: int) -> QInterval:
    """The full range of type (k, i, f)."""
    step = 2.0**-f
    return QInterval(-(2.0**i) if k else 0.0, 2.0**i - step, step)


class Builder:
    """Appends ops with exact-enough intervals and adder-level latencies."""

    def __init__(self, n_in: int):
        self.n_in = n_in
        self.ops: list[Op] = []
        self.inp_shifts = [0] * n_in
        self.tables: list[tuple[int, ...]] = []

    # -- helpers -----------------------------------------------------------------------------------
    def _lat(self, *ids: int, extra: float = 1.0) -> float:
        return max((self.ops[i].latency for i in ids), default=0.0) + extra

    def _push(self, op: Op) -> int:
        self.ops.append(op)
        return len(self.ops) - 1

    def q(self, t: int) -> QInterval:
        return self.ops[t].qint

    # -- ops -----------------------------------------------------------------------------------------
    def inp(self, j: int, k: int, i: int, f: int, shift: int = 0) -> int:
        self.inp_shifts[j] = shift
        return self._push(Op(j, -1, Opcode.INPUT, 0, qi(k, i, f), 0.0, 0.0))

    def add(self, a: int, b: int, lo: int = 0, sub: bool = False, step: float | None = None) -> int:
        qa, qb = self.q(a), self.q(b)
        s = 2.0**lo
        blo, bhi = (qb.min * s, qb.max * s) if not sub else (-qb.max * s, -qb.min * s)
        st = min(qa.step, qb.step * s)
        st = max(st, step or st)
        mn = math.floor((qa.min + blo) / st) * st
        mx = math.floor((qa.max + bhi) / st) * st
        code = Opcode.SUB if sub else Opcode.ADD
        w = kif_of(QInterval(mn, mx, st))
        return self._push(Op(a, b, code, Op.pack(lo, 0), QInterval(mn, mx, st), self._lat(a, b), float(sum(w))))

    def relu(self, a: int, f: int, neg: bool = False, kif=None) -> int:
        qa = self.q(a)
        hi = -qa.min if neg else qa.max
        st = 2.0**-f
        q = qi(*kif) if kif else QInterval(0.0, max(math.floor(hi / st) * st, 0.0), st)
        return self._push(Op(a, -1, Opcode.NEG_RELU if neg else Opcode.RELU, 0, q, self._lat(a, extra=0.5), 1.0))

    def quant(self, a: int, k: int, i: int, f: int, neg: bool = False) -> int:
        code = Opcode.NEG_QUANTIZE if neg else Opcode.QUANTIZE
        return self._push(Op(a, -1, code, 0, qi(k, i, f), self._lat(a, extra=0.0), 0.0))

    def add_const(self, a: int, c: int, f: int) -> int:
        qa = self.q(a)
        st = 2.0**-f
        mn = math.floor(qa.min / st) * st + c * st
        mx = math.floor(qa.max / st) * st + c * st
        return self._push(Op(a, -1, Opcode.ADD_CONST, c, QInterval(mn, mx, st), self._lat(a), 1.0))

    def const(self, c: int, f: int) -> int:
        st = 2.0**-f
        return self._push(Op(-1, -1, Opcode.CONST, c, QInterval(c * st, c * st, st), 0.0, 0.0))

    def mux(self, cond: int, a: int, b: int, hi: int = 0, neg: bool = False) -> int:
        qa, qb = self.q(a), self.q(b)
        s = 2.0**hi
        blo, bhi = (qb.min * s, qb.max * s) if not neg else (-qb.max * s, -qb.min * s)
        st = min(qa.step, qb.step * s)
        q = QInterval(min(qa.min, blo), max(qa.max, bhi), st)
        code = Opcode.NEG_MUX if neg else Opcode.MUX
        return self._push(Op(a, b, code, Op.pack(cond, hi), q, self._lat(a, b, cond), 1.0))

    def mul(self, a: int, b: int) -> int:
        qa, qb = self.q(a), self.q(b)
        c = [qa.min * qb.min, qa.min * qb.max, qa.max * qb.min, qa.max * qb.max]
        return self._push(
            Op(a, b, Opcode.MUL, 0, QInterval(min(c), max(c), qa.step * qb.step), self._lat(a, b, extra=2.0), 8.0)
        )

    def lookup(self, a: int, table: list[int], f: int, hi: int = 0) -> int:
        self.tables.append(tuple(int(v) for v in table))
        st = 2.0**-f
        q = QInterval(min(table) * st, max(table) * st, st)
        return self._push(Op(a, -1, Opcode.LOOKUP, Op.pack(len(self.tables) - 1, hi), q, self._lat(a), 4.0))

    def bit_unary(self, a: int, sub: int, neg: bool = False) -> int:
        k, i, f = kif_of(self.q(a))
        if sub == 0:
            q = qi(1, i + 1, f) if (neg and k) else qi(k, i, f)
        else:
            q = QInterval(0.0, 1.0, 1.0)
        code = Opcode.NEG_BIT_UNARY if neg else Opcode.BIT_UNARY
        return self._push(Op(a, -1, code, Op.pack(sub, 0), q, self._lat(a, extra=0.5), 1.0))

    def bit_binary(self, a: int, b: int, opk: int, lo: int = 0, neg_a: bool = False, neg_b: bool = False) -> int:
        ka, ia, fa = kif_of(self.q(a))
        kb, ib, fb = kif_of(self.q(b))
        i_p = ia + (1 if neg_a and ka else 0)
        i_q = ib + lo + (1 if neg_b and kb else 0)
        F = max(fa, fb - lo)
        hi = (opk << 24) | (1 if neg_a else 0) | (2 if neg_b else 0)
        return self._push(
            Op(a, b, Opcode.BIT_BINARY, Op.pack(lo, hi), qi(1, max(i_p, i_q), F), self._lat(a, b, extra=0.5), 1.0)
        )

    def build(self, outs, shifts=None, negs=None) -> CombLogic:
        n = len(outs)
        return CombLogic(
            shape=(self.n_in, n),
            inp_shifts=list(self.inp_shifts),
            out_idxs=list(outs),
            out_shifts=list(shifts or [0] * n),
            out_negs=[bool(v) for v in (negs or [False] * n)],
            ops=list(self.ops),
            lookup_tables=tuple(self.tables),
        )


# -- programs -------------------------------------------------------------------------------------------


def prog_add_sub() -> CombLogic:
    b = Builder(4)
    x0 = b.inp(0, 1, 3, 2)
    x1 = b.inp(1, 0, 4, 0)
    x2 = b.inp(2, 1, 5, -2, shift=1)  # steps of 4, shifted input
    x3 = b.inp(3, 0, 2, 3)
    s0 = b.add(x0, x1, lo=1)
    s1 = b.add(x0, x3, lo=-2, sub=True)
    s2 = b.add(x2, x0, lo=3, step=1.0)  # result coarser than the exact sum: truncation
    s3 = b.add(s1, s2, lo=0, sub=True, step=0.5)
    s4 = b.add(x1, x1, lo=0, sub=True)  # x1 - x1 (the interval does not know it is 0)
    s5 = b.add(x3, s4, lo=5)
    return b.build([s0, s1, s2, s3, s4, s5, -1, x2], shifts=[0, 1, -2, 0, 0, 3, 0, 2], negs=[0, 1, 0, 1, 0, 1, 1, 0])


def prog_relu_quant() -> CombLogic:
    b = Builder(3)
    x0 = b.inp(0, 1, 4, 3)
    x1 = b.inp(1, 0, 5, 1)
    x2 = b.inp(2, 1, 0, 6)  # a small signed fraction
    r0 = b.relu(x0, 1)
    r1 = b.relu(x0, 4, neg=True)
    r2 = b.relu(x1, -1)
    r3 = b.relu(x1, 2, neg=True)  # relu(-unsigned) is always 0
    r4 = b.relu(x0, 2, kif=(0, 2, 2))  # wraps
    q0 = b.quant(x0, 1, 2, 1)  # wrap + truncate
    q1 = b.quant(x0, 1, 5, 5, neg=True)
    q2 = b.quant(x1, 0, 3, 0, neg=True)
    q3 = b.quant(x2, 1, 1, 2)
    q4 = b.quant(x2, 0, -2, 6)  # only fraction bits, unsigned
    q5 = b.quant(x1, 1, 7, -2)
    return b.build([r0, r1, r2, r3, r4, q0, q1, q2, q3, q4, q5])


def prog_const_mux_mul() -> CombLogic:
    b = Builder(4)
    x0 = b.inp(0, 1, 3, 2)
    x1 = b.inp(1, 0, 3, 1)
    x2 = b.inp(2, 1, 2, 0)
    x3 = b.inp(3, 0, 1, 3)
    c0 = b.const(-5, 1)
    c1 = b.const(7, -1)
    c2 = b.const(0, 0)
    a0 = b.add_const(x0, 3, 2)
    a1 = b.add_const(x1, -9, 0)  # truncates x1 first
    m0 = b.mux(x0, x1, x2, hi=1)
    m1 = b.mux(x1, x0, x3, hi=-2, neg=True)
    m2 = b.mux(x2, c0, x0, hi=0)
    m3 = b.mux(c2, x0, x1, hi=0, neg=True)  # condition constant 0
    p0 = b.mul(x0, x1)
    p1 = b.mul(x2, x0)
    p2 = b.mul(x1, x3)
    p3 = b.mul(x2, x2)
    s0 = b.add(p0, c1, lo=0)
    return b.build([c0, c1, c2, a0, a1, m0, m1, m2, m3, p0, p1, p2, p3, s0])


def prog_lookup(seed: int = 1) -> CombLogic:
    rng = np.random.default_rng(seed)
    b = Builder(3)
    x0 = b.inp(0, 1, 2, 2)  # 5 bits signed
    x1 = b.inp(1, 0, 3, 1)  # 4 bits unsigned
    x2 = b.inp(2, 0, 1, 0)  # 1 bit
    t0 = b.lookup(x0, rng.integers(-100, 100, 32).tolist(), 3)
    t1 = b.lookup(x1, rng.integers(0, 50, 19).tolist(), -1, hi=-3)  # offset into a longer table
    t2 = b.lookup(x2, [5, -6], 0)
    t3 = b.lookup(x0, [0] * 32, 0)  # an all-zero table: width 0
    t4 = b.lookup(t2, rng.integers(-8, 8, 16).tolist(), 2)
    return b.build([t0, t1, t2, t3, t4])


def prog_bits() -> CombLogic:
    b = Builder(4)
    x0 = b.inp(0, 1, 3, 1)
    x1 = b.inp(1, 0, 4, 0)
    x2 = b.inp(2, 1, 1, 3)
    x3 = b.inp(3, 0, 2, 2)
    outs = []
    for x in (x0, x1, x2):
        for sub in (0, 1, 2):
            for neg in (False, True):
                outs.append(b.bit_unary(x, sub, neg))
    for opk in (0, 1, 2):
        outs.append(b.bit_binary(x0, x1, opk))
        outs.append(b.bit_binary(x0, x2, opk, lo=1, neg_a=True))
        outs.append(b.bit_binary(x3, x1, opk, lo=-2, neg_b=True))
        outs.append(b.bit_binary(x2, x3, opk, lo=2, neg_a=True, neg_b=True))
    return b.build(outs)


def prog_mlp(n_in: int = 8, widths=(8, 6, 4), seed: int = 0) -> CombLogic:
    """A small multi-layer program: random signed-digit sums (ADD/SUB with shifts), relu, requantization."""
    rng = np.random.default_rng(seed)
    b = Builder(n_in)
    layer = [b.inp(j, 1, 3, 3) for j in range(n_in)]
    for li, width in enumerate(widths):
        nxt = []
        for _ in range(width):
            terms = rng.choice(len(layer), size=min(4, len(layer)), replace=False)
            acc = layer[int(terms[0])]
            for t in terms[1:]:
                acc = b.add(acc, layer[int(t)], lo=int(rng.integers(-2, 3)), sub=bool(rng.integers(0, 2)))
            if li < len(widths) - 1:
                acc = b.relu(acc, 3)
                acc = b.quant(acc, 0, 4, 3)
            nxt.append(acc)
        layer = nxt
    return b.build(layer)


def prog_edges() -> CombLogic:
    """Dead inputs, constant and empty outputs, a width-1 value, an output shift and negation."""
    b = Builder(3)
    x0 = b.inp(0, 1, 0, 0)  # 1 bit signed: {-1, 0}
    b.inp(1, 1, 7, 0)  # dead
    c0 = b.const(3, 0)
    c1 = b.const(0, 4)  # zero width
    r = b.relu(x0, 0, neg=True)  # {0, 1}
    x2 = b.inp(2, 1, 4, 2)
    x2c = b._push(Op(2, -1, Opcode.INPUT, 0, qi(1, 2, -1), 0.0, 0.0))  # input 2 again, coarser and wrapped
    return b.build([c0, -1, x0, c1, r, x0, x2, x2c], shifts=[0, 0, 3, 0, -1, 0, 0, 0], negs=[1, 0, 1, 0, 0, 0, 0, 0])


def prog_constant_only() -> CombLogic:
    """No live input at all: every output a constant."""
    b = Builder(2)
    b.inp(0, 0, 3, 0)
    c0 = b.const(-7, 2)
    return b.build([c0, -1, c0], negs=[0, 0, 1])


ALL_PROGRAMS = {
    "edges": prog_edges,
    "constant_only": prog_constant_only,
    "add_sub": prog_add_sub,
    "relu_quant": prog_relu_quant,
    "const_mux_mul": prog_const_mux_mul,
    "lookup": prog_lookup,
    "bits": prog_bits,
    "mlp": prog_mlp,
}


def random_inputs(comb: CombLogic, n: int, seed: int) -> np.ndarray:
    """On-grid inputs of each input's type, drawn over twice its range (so that input wrapping is exercised)."""
    rng = np.random.default_rng(seed)
    x = np.zeros((n, comb.shape[0]))
    for j, (k, i, f) in enumerate(zip(*comb.inp_kifs)):
        k, i, f = int(k), int(i), int(f)
        w = k + i + f
        if w <= 0:
            continue
        lo, hi = (-(1 << w), 1 << w) if k else (-(1 << (w - 1)), 1 << (w + 1))
        x[:, j] = np.ldexp(rng.integers(lo, hi, n).astype(np.float64), -f)
    return x


def expected(comb: CombLogic, x: np.ndarray) -> np.ndarray:
    """Exact outputs from the reference evaluator, as float64."""
    rows = evaluate(comb, [[Fraction(v) for v in row] for row in x.tolist()])
    return np.array([[float(v) for v in r] for r in rows], dtype=np.float64).reshape(len(x), comb.shape[1])


# -- seeded random programs over every opcode (built with the interpreter tests' generator) ----------------


def random_program(seed: int, n_ops: int = 48):
    """``(CombLogic, Prog)``: random ops of every opcode over small random inputs, wrapping types included,
    latencies = adder depth. ``Prog`` is the words-level form the reference (tests/dais_words.py) runs."""
    import dais_words as dw
    from dais_random import Builder as WordsBuilder
    from dais_random import kif_of_range, random_kif, result_kif
    from dais_words import Op as WOp

    from da4ml.ir import CombLogic as _Comb

    rng = np.random.default_rng(seed)
    b = WordsBuilder(rng, [random_kif(rng, 6) for _ in range(5)])

    def pick(max_width: int = 6) -> int:
        small = [t for t, op in enumerate(b.ops) if 0 < dw.width(op.kif) <= max_width]
        return int(rng.choice(small))

    codes = [
        dw.ADD,
        dw.SUB,
        dw.RELU,
        dw.NEG_RELU,
        dw.QUANT,
        dw.NEG_QUANT,
        dw.ADD_CONST,
        dw.CONST,
        dw.MUX,
        dw.NEG_MUX,
        dw.MUL,
        dw.LOOKUP,
        dw.BIT_UNARY,
        dw.NEG_BIT_UNARY,
        dw.BIT_BINARY,
    ]
    for n in range(n_ops):
        code = codes[n % len(codes)] if n < len(codes) else int(rng.choice(codes))
        if code in (dw.ADD, dw.SUB, dw.MUL, dw.BIT_BINARY):
            a, c = pick(), pick()
            A, B = b.kif(a), b.kif(c)
            if code == dw.MUL:
                data, f_t = 0, A[2] + B[2] - int(rng.integers(0, 2) * rng.integers(-2, 3))
            elif code == dw.BIT_BINARY:
                lo = int(rng.integers(-3, 4))
                data = dw.pack(lo, (int(rng.integers(0, 3)) << 24) | int(rng.integers(0, 4)))
                f_t = max(A[2], B[2] - lo)
            else:
                lo = int(rng.integers(-3, 4))
                data, f_t = lo, max(A[2], B[2] - lo) + int(rng.integers(-2, 2))
            b.add(WOp(code, a, c, data, result_kif(code, data, f_t, A, B)))
        elif code in (dw.RELU, dw.NEG_RELU, dw.QUANT, dw.NEG_QUANT):
            a = pick(10)
            k = 1 if code in (dw.QUANT, dw.NEG_QUANT) and rng.integers(0, 3) else 0
            w = int(rng.integers(k, 8))
            f = b.kif(a)[2] + int(rng.integers(-3, 4))
            b.add(WOp(code, a, -1, 0, (k, w - k - f, f)))
        elif code == dw.ADD_CONST:
            a = pick()
            c = int(rng.integers(-20, 21))
            f_t = b.kif(a)[2] + int(rng.integers(-2, 3))
            b.add(WOp(code, a, -1, c, result_kif(code, c, f_t, b.kif(a))))
        elif code == dw.CONST:
            c, f = int(rng.integers(-9, 10)), int(rng.integers(-2, 4))
            b.add(WOp(code, -1, -1, c, kif_of_range(c, c, f)))
        elif code in (dw.MUX, dw.NEG_MUX):
            a, c, cond = pick(10), pick(10), int(rng.integers(0, len(b.ops)))
            hi = int(rng.integers(-3, 4))
            k = int(rng.integers(0, 2))
            w = int(rng.integers(k, 10))
            f = max(b.kif(a)[2], b.kif(c)[2] - hi) + int(rng.integers(-2, 2))
            b.add(WOp(code, a, c, dw.pack(cond, hi), (k, w - k - f, f)))
        elif code == dw.LOOKUP:
            a = pick()
            lo_a, hi_a = dw.type_range(b.kif(a))
            pad = int(rng.integers(0, 4))
            hi = -int(rng.integers(0, pad + 1))
            T = random_kif(rng, 10)
            t_lo, t_hi = dw.type_range(T)
            b.tables.append([int(v) for v in rng.integers(t_lo, t_hi + 1, hi_a - lo_a + 1 + pad)])
            b.add(WOp(code, a, -1, dw.pack(len(b.tables) - 1, hi), T))
        else:  # BIT_UNARY / NEG_BIT_UNARY
            a = pick()
            sub = int(rng.integers(0, 3))
            T = result_kif(code, sub, b.kif(a)[2], b.kif(a)) if sub == dw.NOT else (0, 1, 0)
            b.add(WOp(code, a, -1, sub, T))
    prog = b.build()
    comb = _Comb.from_binary(dw.encode(prog))
    depth: list[float] = []
    ops = []
    for op in comb.ops:
        srcs = [s for s in (op.id0, op.id1) if s >= 0 and op.opcode not in (Opcode.INPUT, Opcode.CONST)]
        if op.opcode in (Opcode.MUX, Opcode.NEG_MUX):
            srcs.append(op.lo)
        lat = 0.0 if op.opcode in (Opcode.INPUT, Opcode.CONST) else 1.0 + max((depth[s] for s in srcs), default=0.0)
        depth.append(lat)
        ops.append(op._replace(latency=lat, cost=1.0))
    return comb._replace(ops=ops), prog


def pipeline_mismatched_lanes():
    """A hand-made 2-stage Pipeline whose boundary types differ: stage 0 outputs -x * 2 and x + y (shifted),
    stage 1 reads them with a coarser step and a narrower (wrapping) range: the top must adapt lane by lane."""
    from da4ml.ir import Pipeline

    b0 = Builder(2)
    x = b0.inp(0, 1, 3, 2)
    y = b0.inp(1, 0, 4, 1)
    s = b0.add(x, y, lo=0)
    stage0 = b0.build([x, s, y], shifts=[1, -1, 0], negs=[1, 0, 0])
    b1 = Builder(3)
    u = b1.inp(0, 1, 3, 1)  # out 0 is (1,5,1): the same step, 2 bits narrower (wraps)
    v = b1.inp(1, 1, 2, 0)  # out 1 is (1,4,3): coarser and narrower
    w_ = b1.inp(2, 0, 4, 1)
    t = b1.add(u, v, lo=1, sub=True)
    stage1 = b1.build([t, w_, u])
    return Pipeline([stage0, stage1])
