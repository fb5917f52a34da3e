"""The designs the benchmarks build with da4ml (tracing and optimizing them takes from 0.1 s to a minute).

- ``layer(n)``: an n x n constant-matrix layer ``x @ W`` of 8-bit weights on 8-bit signed inputs (CMVM).
- ``demo()``: the MLP of examples/demo.py (8 -> 16 -> 8 -> 4, relu, a tanh lookup table).
- ``mlp(widths)``: the MLP of bench/_mlp.py with layer widths ``widths`` (8-bit inputs, weights and
  activations, relu between layers, an 8-bit signed output).
- ``identity(n)``: y = x on n 8-bit lanes: no logic, the bound of a testbench's own per-cycle cost.

Each returns ``(CombLogic, latency_cutoff)``: the adder levels per pipeline stage the benchmarks use.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from da4ml.ir import CombLogic
from da4ml.trace import FixedVariableArray, FixedVariableArrayInput, comb_trace, ops

ROOT = Path(__file__).resolve().parent.parent

__all__ = ["demo", "identity", "layer", "mlp"]


def layer(n: int, seed: int = 0) -> tuple[CombLogic, float]:
    rng = np.random.default_rng(seed)
    w = rng.integers(-128, 128, (n, n))
    x = FixedVariableArray.from_kif(np.ones(n), np.full(n, 7), np.zeros(n))
    comb = comb_trace(x, x @ w.astype(np.float32))
    probe = rng.integers(-128, 128, (256, n)).astype(np.float64)
    if not np.array_equal(comb.predict(probe), probe @ w):
        raise AssertionError(f"layer({n}): the program does not compute x @ W")
    return comb, 2


def demo() -> tuple[CombLogic, float]:
    sys.path.insert(0, str(ROOT / "examples"))
    from demo import mlp as demo_mlp  # examples/demo.py: the network `make demo` builds

    x = FixedVariableArrayInput((8,)).quantize(1, 3, 4)
    return comb_trace(x, demo_mlp(x, np.random.default_rng(2026))), 3


def mlp(widths: Sequence[int], seed: int = 0) -> tuple[CombLogic, float]:
    """``widths[0]`` inputs, then one dense layer per further width (bench/_mlp.py's quantization)."""
    rng = np.random.default_rng(seed)
    x = FixedVariableArray.from_kif(np.ones(widths[0], dtype=np.int64), 3, 4)  # 8-bit signed inputs
    y = x
    n_layers = len(widths) - 1
    for j, (a, b) in enumerate(itertools.pairwise(widths)):
        y = y @ (rng.integers(-128, 128, (a, b)) / 64.0) + rng.integers(-128, 128, (b,)) / 16.0
        y = ops.relu(y, i=4, f=4) if j < n_layers - 1 else ops.quantize(y, 1, 7, 0)
    return comb_trace(x, y), 2


def identity(n: int) -> tuple[CombLogic, float]:
    x = FixedVariableArray.from_kif(np.ones(n), np.full(n, 7), np.zeros(n))
    return comb_trace(x, x), 1
