"""Small hand-built DAIS programs for the IR tests (each with its meaning spelled out)."""

from __future__ import annotations

from da4ml.ir import CombLogic, Op, Opcode, QInterval


def affine_program() -> CombLogic:
    """y0 = x0 + 2*x1 ; y1 = -(x0 - x1) * 2**-1 ; y2 = 0 ; x: signed 8-bit integers, x1 with 2 frac bits."""
    ops = [
        Op(0, -1, Opcode.INPUT, 0, QInterval(-128.0, 127.0, 1.0), 0.0, 0.0),
        Op(1, -1, Opcode.INPUT, 0, QInterval(-32.0, 31.75, 0.25), 0.0, 0.0),
        # x0 + x1 * 2**1, exact at step 0.5... x1 step 0.25 shifted by 1 -> 0.5
        Op(0, 1, Opcode.ADD, 1, QInterval(-192.0, 190.5, 0.5), 1.0, 10.0),
        Op(0, 1, Opcode.SUB, 0, QInterval(-159.75, 159.0, 0.25), 1.0, 11.0),
    ]
    return CombLogic(
        shape=(2, 3),
        inp_shifts=[0, 0],
        out_idxs=[2, 3, -1],
        out_shifts=[0, -1, 0],
        out_negs=[False, True, False],
        ops=ops,
    )


def lookup_program() -> CombLogic:
    """y0 = table[x0] for a signed 3-bit x0 (table entries in steps of 1/4), y1 = a 40-bit constant."""
    table = tuple((v * v) - 3 for v in range(-4, 4))
    ops = [
        Op(0, -1, Opcode.INPUT, 0, QInterval(-4.0, 3.0, 1.0), 0.0, 0.0),
        Op(0, -1, Opcode.LOOKUP, Op.pack(0, 0), QInterval(-3 / 4, 13 / 4, 0.25), 1.0, 4.0),
        Op(-1, -1, Opcode.CONST, 2**40 + 5, QInterval(2.0**40 + 5, 2.0**40 + 5, 1.0), 0.0, 0.0),
    ]
    return CombLogic((1, 2), [0], [1, 2], [0, 0], [False, False], ops, lookup_tables=(table,))
