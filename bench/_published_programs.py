"""Runs INSIDE a venv holding a published da4ml (0.5.x/0.6.x): builds small programs through its public API
(da4ml.trace, da4ml.cmvm.solve), saves each binary and its own predictions.  Black box: nothing but public names.

usage: python _published_programs.py OUTDIR
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

import da4ml
from da4ml.trace import FixedVariableArrayInput, comb_trace, ops

SEED = 20261125
N_SAMPLES = 96

# per-input (k, i, f): signed and unsigned, negative i and f
K = np.array([1, 1, 0, 1, 0, 1])
I = np.array([3, 2, 4, 1, -1, 6])
F = np.array([2, 3, 1, 0, 4, -2])


def quantized_input():
    inp = FixedVariableArrayInput((len(K),))
    return inp, inp.quantize(K, I, F)


def prog_cmvm(x):
    rng = np.random.default_rng(SEED)
    kernel = (rng.integers(-32, 32, (len(K), 5)) * 2.0 ** rng.integers(-3, 2, (len(K), 5))).astype(np.float32)
    return x @ kernel


def prog_relu_quantize(x):
    y = x[:3] - x[3:]
    return np.concatenate(
        [
            ops.relu(y),
            ops.relu(-y),
            ops.relu(y, i=np.array([1, 2, 3]), f=np.array([1, 0, 3])),
            ops.quantize(y, 1, 2, 1),
            ops.quantize(y, 0, 3, 4),
            ops.quantize(-y, 1, 1, 0),
            ops.quantize(y, 1, 2, 1, overflow_mode="SAT", round_mode="RND"),
            ops.quantize(y, 1, 3, 0, overflow_mode="SAT_SYM"),
        ]
    )


def prog_lookup(x):
    q = ops.quantize(x, 1, 2, 3)
    a = np.tanh(q).quantize(1, 0, 6)
    b = np.sin(ops.quantize(x[:3], 0, 3, 2)).quantize(1, 1, 5)
    return np.concatenate([a, b])


def prog_mux(x):
    a, b = x[:3], x[3:]
    return np.concatenate([np.where(a > b, a, b), np.maximum(a, b), np.minimum(a, -b), np.abs(a - b)])


def prog_mul(x):
    return np.concatenate([x[:3] * x[3:], x[:2] * x[1:3] * x[4:]])


def prog_bits(x):
    a, b = x[:3], x[3:]
    return np.concatenate([a & b, a | b, a ^ b, ~a, ~b, x.to_bool("any"), x.to_bool("all"), (-a) & b])


def prog_const(x):
    return np.concatenate([x + (2.0**33 + 0.25), x * 3 - 2.0**40, x[:2] + 5.5])


def prog_network(x):
    rng = np.random.default_rng(SEED + 1)
    w1 = (rng.integers(-16, 16, (len(K), 8)) / 8).astype(np.float32)
    w2 = (rng.integers(-16, 16, (8, 3)) / 4).astype(np.float32)
    h = ops.relu(ops.quantize(x @ w1, 1, 5, 2, round_mode="RND"))
    h = np.tanh(ops.quantize(h, 0, 2, 2)).quantize(1, 0, 4)
    return h @ w2


PROGRAMS = {
    "cmvm": prog_cmvm,
    "relu_quantize": prog_relu_quantize,
    "lookup": prog_lookup,
    "mux": prog_mux,
    "mul": prog_mul,
    "bits": prog_bits,
    "const": prog_const,
    "network": prog_network,
}


def inputs(rng) -> tuple[np.ndarray, np.ndarray]:
    """On-grid values of each input type, and wild ones (off-grid, out of range)."""
    w = K + I + F
    lo = -K * 2.0 ** (w - 1)
    hi = 2.0 ** (w - K) - 1
    grid = np.floor(rng.uniform(lo, hi + 1, (N_SAMPLES, len(K)))) * 2.0 ** (-F)
    wild = rng.normal(0, 2.0 ** (I + 2), (N_SAMPLES, len(K)))
    return grid, wild


def main(outdir: Path) -> None:
    outdir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    version = da4ml.__version__
    for name, fn in PROGRAMS.items():
        try:
            inp, x = quantized_input()
            comb = comb_trace(inp, fn(x))
        except Exception as e:  # noqa: BLE001 - an older release may lack an operation: skip it, say so
            print(f"{version} {name}: skipped ({type(e).__name__}: {e})")
            continue
        grid, wild = inputs(rng)
        stem = f"{name}-{version}"
        comb.save_binary(outdir / f"{stem}.bin")
        np.savez_compressed(
            outdir / f"{stem}.npz",
            x_grid=grid,
            y_grid=comb.predict(grid),
            x_wild=wild,
            y_wild=comb.predict(wild),
            da4ml_version=version,
        )
        codes = sorted({int(op.opcode) for op in comb.ops})
        print(f"{version} {name}: {len(comb.ops)} ops, opcodes {codes}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
