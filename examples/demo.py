"""da4ml demo: build a small DAIS program through the Python API, save it, reload the binary, run it.

Run with `make demo` (creates .venv, builds the package, then runs this file).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from da4ml.ir import CombLogic, Op, Opcode, QInterval


def build_program() -> CombLogic:
    """y0 = relu(x0 + 2*x1), y1 = x0 - x1, y2 = tanh-like table of x0 (3-bit), on 8-bit signed inputs."""
    table = tuple(int(round(4 * np.tanh(v / 2))) for v in range(-4, 4))
    ops = [
        Op(0, -1, Opcode.INPUT, 0, QInterval(-128.0, 127.0, 1.0), 0.0, 0.0),
        Op(1, -1, Opcode.INPUT, 0, QInterval(-128.0, 127.0, 1.0), 0.0, 0.0),
        Op(0, 1, Opcode.ADD, 1, QInterval(-384.0, 381.0, 1.0), 1.0, 10.0),
        Op(2, -1, Opcode.RELU, 0, QInterval(0.0, 381.0, 1.0), 2.0, 9.0),
        Op(0, 1, Opcode.SUB, 0, QInterval(-255.0, 255.0, 1.0), 1.0, 9.0),
        Op(0, -1, Opcode.QUANTIZE, 0, QInterval(-4.0, 3.0, 1.0), 1.0, 0.0),
        Op(5, -1, Opcode.LOOKUP, Op.pack(0, 0), QInterval(-4.0, 4.0, 1.0), 2.0, 8.0),
    ]
    return CombLogic((2, 3), [0, 0], [3, 4, 6], [0, 0, -2], [False, False, False], ops, lookup_tables=(table,))


def main() -> None:
    comb = build_program()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "demo.dais"
        comb.save_binary(path)
        loaded = CombLogic.load_binary(path)
        print(f"saved and reloaded {path.name}: {path.stat().st_size} bytes, {len(loaded.ops)} ops")
    rng = np.random.default_rng(2026)
    x = rng.integers(-128, 128, size=(8, 2)).astype(np.float64)
    y = loaded.predict(x)
    print(f"program: {comb}")
    print(f"cost (LUT estimate): {comb.cost:g}   latency (adder levels, min/max): {comb.latency}")
    print("      x0      x1 | relu(x0+2x1)   x0-x1  tanh-table(x0 wrapped to 3 bits)/4")
    for xi, yi in zip(x, y):
        print(f"{xi[0]:8g}{xi[1]:8g} | {yi[0]:12g}{yi[1]:8g}{yi[2]:10g}")
    assert np.array_equal(y, comb.predict(x)), "the reloaded binary must compute exactly what was saved"


if __name__ == "__main__":
    main()
