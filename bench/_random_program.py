"""Random valid DAIS programs for benchmarks (independent of tests/ and of da4ml.ir).

Types are derived from the operands' type ranges, so every program is valid and needs no run-time range
checks; the opcode mix is weighted like traced networks (mostly ADD/SUB, some QUANTIZE/RELU/MUX/CONST/LOOKUP).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

INPUT, ADD, SUB, RELU, QUANT, ADDC, CONST, MUX, MUL, LOOKUP = -1, 0, 1, 2, 3, 4, 5, 6, 7, 8
MIX = {ADD: 0.42, SUB: 0.30, QUANT: 0.07, RELU: 0.07, MUX: 0.04, CONST: 0.03, ADDC: 0.03, LOOKUP: 0.02, MUL: 0.02}
WINDOW = 128  # operands come from the most recent ops, as in a traced network's locality


def _kif(lo: int, hi: int, f: int) -> tuple[int, int, int]:
    """Minimal (k, i, f) holding the integer range [lo, hi] at step 2**-f."""
    k = int(lo < 0)
    w = max(int(hi).bit_length(), int(-lo - 1).bit_length() if lo < 0 else 0) + k
    w = max(w, 1)  # no zero-width types: the published writer normalizes those to (0, 0, 0)
    return k, w - k - f, f


def _range(k: int, i: int, f: int) -> tuple[int, int]:
    w = k + i + f
    if w <= 0:
        return 0, 0
    return (-(2 ** (w - 1)), 2 ** (w - 1) - 1) if k else (0, 2**w - 1)


def random_program(n_ops: int = 10_000, n_in: int = 64, n_out: int = 64, seed: int = 0) -> np.ndarray:
    """int32 words of a random valid spec-version-1 program with n_ops ops."""
    rng = np.random.default_rng(seed)
    ops: list[tuple[int, int, int, int, tuple[int, int, int]]] = []  # opcode, id0, id1, data, kif
    tables: list[list[int]] = []
    for j in range(n_in):
        ops.append((INPUT, j, -1, 0, (1, int(rng.integers(2, 7)), int(rng.integers(0, 5)))))
    codes, weights = zip(*MIX.items())
    p = np.array(weights) / sum(weights)

    def pick() -> int:
        return int(rng.integers(max(0, len(ops) - WINDOW), len(ops)))

    while len(ops) < n_ops:
        code = int(rng.choice(codes, p=p))
        a, b = pick(), pick()
        ka, ia, fa = ops[a][4]
        kb, ib, fb = ops[b][4]
        (amin, amax), (bmin, bmax) = _range(ka, ia, fa), _range(kb, ib, fb)
        if code in (ADD, SUB):
            sh = int(rng.integers(-2, 3))
            F = max(fa, fb - sh)
            a0, a1 = amin << (F - fa), amax << (F - fa)
            b0, b1 = bmin << (F - fb + sh), bmax << (F - fb + sh)
            lo, hi = (a0 + b0, a1 + b1) if code == ADD else (a0 - b1, a1 - b0)
            kif = _kif(lo, hi, F)
            if kif[0] + kif[1] + kif[2] > 32:  # published 0.6.0 mis-evaluates wider values
                continue
            ops.append((code, a, b, sh & 0xFFFFFFFF if sh < 0 else sh, kif))
            if kif[0] + kif[1] + kif[2] > 20:  # keep widths realistic: requantize wide sums
                ops.append((QUANT, len(ops) - 1, -1, 0, (kif[0], kif[1] - 6, kif[2] - 4)))
        elif code in (QUANT, RELU):
            kif = (
                1 if code == QUANT else 0,
                ia - int(rng.integers(0, 2)),
                fa - int(rng.integers(0, 3)),
            )  # f never grows: see report
            if sum(kif) < 1:
                continue
            ops.append((code * int(rng.choice([1, -1])), a, -1, 0, kif))
        elif code == CONST:
            f = int(rng.integers(0, 4))
            v = int(rng.integers(-1000, 1000))
            ops.append((CONST, -1, -1, v, _kif(min(v, 0), max(v, 0), f)))
        elif code == ADDC:
            v = int(rng.integers(-1000, 1000))
            ops.append((ADDC, a, -1, v, _kif(amin + min(v, 0), amax + max(v, 0), fa)))
        elif code == MUX:
            c = pick()
            if ops[c][4][0] == 0:  # conditions are signed differences in traced programs (see report)
                continue
            if fa < fb:  # the first branch carries the finer step (as traced programs do; see report)
                a, b, (amin, amax, fa), (bmin, bmax, fb) = b, a, (bmin, bmax, fb), (amin, amax, fa)
            F = max(fa, fb)
            lo = min(amin << (F - fa), bmin << (F - fb))
            hi = max(amax << (F - fa), bmax << (F - fb))
            if -lo > 2**30 or hi > 2**30:
                continue
            ops.append((MUX, a, b, c, _kif(lo, hi, F)))
        elif code == MUL:
            prods = [x * y for x in (amin, amax) for y in (bmin, bmax)]
            kif = _kif(min(prods), max(prods), fa + fb)
            if kif[0] + kif[1] + kif[2] > 24:
                continue
            ops.append((MUL, a, b, 0, kif))
        elif code == LOOKUP:
            if ka + ia + fa > 10:
                continue
            size = amax - amin + 1
            table = [int(v) for v in rng.integers(-128, 128, size)]
            tables.append(table)
            ops.append((LOOKUP, a, -1, len(tables) - 1, (1, 1, 6)))
    ops = ops[:n_ops]
    used_tables = sorted({op[3] for op in ops if op[0] == LOOKUP})
    assert used_tables == list(range(len(used_tables)))
    tables = tables[: len(used_tables)]
    return encode(n_in, ops, list(range(n_ops - n_out, n_ops)), tables)


def encode(
    n_in: int,
    ops: list[tuple[int, int, int, int, tuple[int, int, int]]],
    out_idxs: list[int],
    tables: Sequence[Sequence[int]] = (),
    out_shifts: list[int] | None = None,
    out_negs: list[int] | None = None,
) -> np.ndarray:
    """Binary words (spec version 1) of ops given as (opcode, id0, id1, data, (k, i, f)); inp_shifts are 0."""
    n_out = len(out_idxs)
    words = [1, 0, n_in, n_out, len(ops), len(tables)] + [0] * n_in + list(out_idxs)
    words += list(out_shifts or [0] * n_out) + list(out_negs or [0] * n_out)
    for code, id0, id1, data, (k, i, f) in ops:
        data &= 0xFFFFFFFFFFFFFFFF
        lo, hi = data & 0xFFFFFFFF, data >> 32
        words += [code, id0, id1, lo - (lo >> 31 << 32), hi - (hi >> 31 << 32), k, i, f]
    words += [len(t) for t in tables]
    for t in tables:
        words += t
    return np.array(words, dtype=np.int32)


def random_inputs(n_samples: int, n_in: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed + 1).uniform(-64, 64, (n_samples, n_in))
