"""HDL regression over traced designs: networks written with da4ml.trace, optimized (CMVM), emitted as
Verilog (combinational and pipelined) and signed off by the cocotb testbench on each simulator."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from da4ml.verif import run

from da4ml.codegen import RTLModel
from da4ml.ir import Opcode
from da4ml.trace import FixedVariableArrayInput, comb_trace, ops


def small_mlp():
    """8 -> 12 -> 6 -> 3: relu layers, a saturating output and a tanh lookup table."""
    rng = np.random.default_rng(11)
    x = FixedVariableArrayInput((8,)).quantize(1, 3, 4)
    h = ops.relu(x @ (rng.integers(-32, 32, size=(8, 12)) / 16), i=4, f=2)
    h = ops.relu(h @ (rng.integers(-32, 32, size=(12, 6)) / 16), i=4, f=2)
    y = ops.quantize(h @ (rng.integers(-32, 32, size=(6, 3)) / 16), 1, 3, 2, overflow_mode="SAT")
    return comb_trace(x, ops.quantize(np.tanh(y), 1, 0, 6))


def cmvm_layer(n_in: int, n_out: int, bits: int, seed: int):
    """One constant-matrix layer with `bits`-bit signed weights on signed 8-bit inputs."""
    rng = np.random.default_rng(seed)
    w = rng.integers(-(2 ** (bits - 1)), 2 ** (bits - 1), size=(n_in, n_out)).astype(np.float64)
    x = FixedVariableArrayInput((n_in,)).quantize(1, 7, 0)
    return comb_trace(x, x @ w)


DESIGNS = {
    "mlp": small_mlp,
    "layer16x16_b8": lambda: cmvm_layer(16, 16, 8, seed=1),
    "layer4x12_b4": lambda: cmvm_layer(4, 12, 4, seed=2),
}
CUTOFFS = {"comb": -1, "pipe2": 2}


@pytest.mark.simulator
@pytest.mark.parametrize("cutoff", sorted(CUTOFFS))
@pytest.mark.parametrize("design", sorted(DESIGNS))
def test_traced_design_signs_off(design: str, cutoff: str, hdl_sim: str, tmp_path: Path) -> None:
    comb = DESIGNS[design]()
    prj = tmp_path / design
    model = RTLModel(comb, f"{design}_{cutoff}", prj, latency_cutoff=CUTOFFS[cutoff], print_latency=False)
    model.write()
    res = run(prj, hdl_sim, seed=7, n_samples=1500, build_dir=tmp_path / "build")
    assert res.passed, res.summary()
    assert res.stats["n_checked"] == 1500
    assert (res.stats["latency_cycles"] > 0) == (CUTOFFS[cutoff] > 0)


def test_mlp_uses_every_op_class_it_claims():
    """The MLP design really exercises adders, relu, saturation muxes and a lookup table."""
    used = {Opcode(op.opcode) for op in small_mlp().ops}
    assert {Opcode.ADD, Opcode.SUB, Opcode.RELU, Opcode.LOOKUP} <= used
    assert used & {Opcode.MUX, Opcode.NEG_MUX}
