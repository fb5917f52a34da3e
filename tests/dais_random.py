"""Seeded random DAIS programs and inputs for the interpreter tests (builds on tests/dais_words.py).

Types of ops that do not wrap are the minimal types of their exact result range, found by enumerating every
operand value (operand types are kept small), so every program is valid by construction.
"""

from __future__ import annotations

import itertools

import dais_words as dw
import numpy as np
from dais_words import Op, Prog

Kif = tuple[int, int, int]


def kif_of_range(lo: int, hi: int, f: int) -> Kif:
    """Minimal (k, i, f) holding the integer range [lo, hi] in steps of 2**-f."""
    k = int(lo < 0)
    w = max(hi.bit_length() if hi > 0 else 0, (-lo - 1).bit_length() if lo < 0 else 0) + k
    return k, w - k - f, f


def random_kif(rng: np.random.Generator, wmax: int = 6, signed: bool | None = None, wmin: int = 0) -> Kif:
    k = int(rng.integers(0, 2)) if signed is None else int(signed)
    w = int(rng.integers(max(wmin, k), wmax + 1))
    f = int(rng.integers(-3, 7))
    return k, w - k - f, f


def values(kif: Kif) -> range:
    lo, hi = dw.type_range(kif)
    return range(lo, hi + 1)


def result_kif(opcode: int, data: int, f: int, *operands: Kif) -> Kif:
    """Minimal type (with f fractional bits) of an op over every combination of its operands' values, found by
    running the reference on a one-op program (operand t is input t, the op reads inputs 0 and 1)."""
    ops = [Op(dw.INPUT, j, -1, 0, kif) for j, kif in enumerate(operands)]
    ops.append(Op(opcode, 0, 1 if len(operands) > 1 else -1, data, (1, 60 - f, f)))
    prog = Prog(len(operands), ops, [len(operands)])
    results = [
        dw.evaluate_values(prog, [v * 2.0 ** -kif[2] for v, kif in zip(vs, operands)])[-1]
        for vs in itertools.product(*(values(k) for k in operands))
    ]
    return kif_of_range(min(results), max(results), f)


class Builder:
    """Appends ops to a program; inputs first (one INPUT op per input column)."""

    def __init__(self, rng: np.random.Generator, input_kifs: list[Kif], version: int = 1):
        self.rng = rng
        self.ops = [Op(dw.INPUT, j, -1, 0, kif) for j, kif in enumerate(input_kifs)]
        self.inp_shifts = [int(rng.integers(-3, 4)) for _ in input_kifs]
        self.tables: list[list[int]] = []
        self.version = version

    def add(self, op: Op) -> int:
        self.ops.append(op)
        return len(self.ops) - 1

    def kif(self, t: int) -> Kif:
        return self.ops[t].kif

    def build(self, outputs: list[int] | None = None, random_outputs: bool = True) -> Prog:
        n_in = sum(1 for op in self.ops if op.opcode == dw.INPUT)
        outs = outputs if outputs is not None else list(range(n_in, len(self.ops)))
        rng = self.rng
        if random_outputs:
            shifts = [int(rng.integers(-4, 5)) for _ in outs]
            negs = [int(rng.integers(0, 2)) for _ in outs]
        else:
            shifts, negs = [0] * len(outs), [0] * len(outs)
        return Prog(n_in, self.ops, outs, self.inp_shifts, shifts, negs, self.tables, self.version)


SPECIAL = [
    0.0,
    -0.0,
    0.5,
    -0.5,
    1e-300,
    -1e-300,
    5e-324,
    -5e-324,
    1e300,
    -1e300,
    2.0**62,
    -(2.0**62),
    2.0**63 + 2.0**11,
    1.7976931348623157e308,
    -1.7976931348623157e308,
    3.3,
    -3.3,
]


def random_inputs(p: Prog, rng: np.random.Generator, n: int, special: bool = True) -> np.ndarray:
    """n samples mixing on-grid in-range values, out-of-range values (wrap), off-grid values (floor), and
    extreme doubles."""
    x = np.empty((n, p.n_in))
    for op in p.ops:
        if op.opcode != dw.INPUT:
            continue
        j, f = op.id0, op.kif[2]
        step = 2.0 ** -(p.inp_shifts[j] + f)
        lo, hi = dw.type_range(op.kif)
        on_grid = rng.integers(lo, hi + 1, n) * step
        wide = rng.integers(lo * 4 - 3, hi * 4 + 4, n) * step
        off_grid = rng.uniform(lo - 2, hi + 2, n) * step
        choice = rng.integers(0, 10, n)
        col = np.where(choice < 5, on_grid, np.where(choice < 7, wide, off_grid))
        if special:
            col = np.where(rng.integers(0, 12, n) == 0, rng.choice(SPECIAL, n), col)
        x[:, j] = col
    return x
