"""Where the published da4ml 0.6.0 interpreter departs from dais.md: tiny programs run by ours and by it.

usage: python bench/probe_published.py
Each probe is a valid program under dais.md that the published tracer does not emit in this form (so its own
binaries are unaffected: tests/test_published_binaries.py); ours is checked against an exact reference elsewhere
(tests/test_interpreter_ops.py).
"""

from __future__ import annotations

import numpy as np
from _published import run_published
from _random_program import encode

from da4ml._core import dais

INPUT, ADD, RELU, QUANT, MUX = -1, 0, 2, 3, 6


def inp(j: int, kif: tuple[int, int, int] = (1, 3, 0)) -> tuple:
    return (INPUT, j, -1, 0, kif)


SMALL = np.array([[-3.0, 2.0, -1.0], [5.0, -4.0, 1.0], [-7.0, -6.0, -2.0], [6.0, 7.0, 3.0]])
WIDE = np.array([[-3e6, 2e6, -1.0], [5e6, -4e6, 1.0], [-7e6, -6e6, -2.0], [6e6, 7e6, 3.0]])
UNSIGNED_COND = np.array([[-3.0, 2.0, 4.0], [5.0, -4.0, 3.0], [-7.0, -6.0, 7.0], [6.0, 7.0, 0.0]])

PROBES = {
    "QUANTIZE adding fractional bits (f 0 -> 2)": ([inp(0), (QUANT, 0, -1, 0, (1, 3, 2))], SMALL),
    "RELU adding fractional bits (f 0 -> 2)": ([inp(0), (RELU, 0, -1, 0, (0, 3, 2))], SMALL),
    "MUX, first branch rescaled (A.f < T.f)": ([inp(0), inp(1), inp(2), (MUX, 0, 1, 2, (1, 3, 1))], SMALL),
    "MUX, unsigned condition": ([inp(0), inp(1), inp(2, (0, 3, 0)), (MUX, 0, 1, 2, (1, 3, 0))], UNSIGNED_COND),
    "MUX, 33-bit result": (
        [inp(0, (1, 30, 2)), inp(1, (1, 30, 2)), inp(2), (MUX, 0, 1, 2, (1, 30, 2))],
        WIDE,
    ),
    "ADD, 34-bit result": ([inp(0, (1, 30, 2)), inp(1, (1, 30, 2)), (ADD, 0, 1, 0, (1, 31, 2))], WIDE),
    "MUX, 31-bit result (control)": (
        [inp(0, (1, 24, 6)), inp(1, (1, 24, 6)), inp(2), (MUX, 0, 1, 2, (1, 24, 6))],
        WIDE,
    ),
}


def main() -> None:
    for name, (ops, x) in PROBES.items():
        words = encode(3, ops, [len(ops) - 1])
        ours = dais.Interpreter(words).predict(x)[:, 0]
        try:
            theirs = run_published(words, x)[1][:, 0]
            verdict = "same" if np.array_equal(ours, theirs) else "DIFFERENT"
        except RuntimeError as e:
            theirs, verdict = str(e), "REFUSED"
        print(
            f"{name}: {verdict}\n    ours   {ours.tolist()}\n    0.6.0  {theirs if isinstance(theirs, str) else theirs.tolist()}"
        )


if __name__ == "__main__":
    main()
