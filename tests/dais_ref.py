"""Exact outputs (Fractions) of a CombLogic through the test-only reference evaluator of tests/dais_words.py,
which is written from shared/spec/dais.md alone and shares no code with da4ml (independent truth)."""

from __future__ import annotations

from fractions import Fraction

import dais_words


def evaluate(comb, samples) -> list[list[Fraction]]:
    """Outputs of ``comb`` for each sample; inputs as exact real values (Fractions, ints or floats)."""
    prog = dais_words.decode(comb.to_binary())
    results = []
    for x in samples:
        buf = dais_words.evaluate_values(prog, list(x))
        row = []
        for o, shift, neg in zip(prog.out_idxs, prog.out_shifts, prog.out_negs):
            if o < 0:
                row.append(Fraction(0))
                continue
            value = Fraction(-buf[o] if neg else buf[o]) * Fraction(2) ** (shift - prog.ops[o].kif[2])
            row.append(value)
        results.append(row)
    return results
