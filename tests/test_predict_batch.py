"""predict reads ``(batch, ...)`` inputs whose trailing axes hold the program's inputs, alike for CombLogic,
Pipeline and RTLModel; the truth is the reference evaluator on the flattened samples."""

from __future__ import annotations

import numpy as np
import pytest
from codegen_programs import expected, prog_mlp, random_inputs
from codegen_support import needs_verilator

from da4ml.codegen import RTLModel
from da4ml.ir.staging import split_stages

N = 200
SHAPES = [(N, 16), (N, 2, 8), (N, 4, 2, 2), (N, 16, 1), (N, 1, 16)]
BAD = [(N, 3, 4), (2, 8), (N, 17), (15,), (), (N, 2, 2, 2)]


@pytest.fixture(scope="module")
def prog():
    comb = prog_mlp(n_in=16, widths=(8, 5), seed=3)
    x = random_inputs(comb, N, seed=4)
    return comb, x, expected(comb, x)


def _check_shapes(predict, x, want):
    for shape in SHAPES:
        got = predict(x.reshape(shape))
        assert got.dtype == np.float64 and got.shape == want.shape, shape
        assert np.array_equal(got, want), shape
    one = predict(x[7])
    assert one.shape == want[7].shape and np.array_equal(one, want[7])


def _check_refused(predict):
    for shape in BAD:
        with pytest.raises(ValueError, match=r"data has shape \(.*\) .*this program takes 16 inputs per sample"):
            predict(np.zeros(shape))


def test_comb_logic(prog):
    comb, x, want = prog
    _check_shapes(comb.predict, x, want)
    assert comb.predict(np.zeros((0, 2, 8))).shape == (0, want.shape[1])
    _check_refused(comb.predict)


def test_pipeline(prog):
    comb, x, want = prog
    pipe = split_stages(comb, 1)
    assert len(pipe.solutions) > 1
    _check_shapes(pipe.predict, x, want)
    _check_refused(pipe.predict)


def test_batch_axis_is_first_in_c_order(prog):
    """A (batch, 2, 8) sample is its 16 values in C order, the way a Keras model flattens them."""
    comb, x, want = prog
    swapped = x.reshape(N, 2, 8).transpose(0, 2, 1).copy()  # same values, other order per sample
    assert np.array_equal(comb.predict(swapped.transpose(0, 2, 1)), want)
    assert not np.array_equal(comb.predict(swapped), want)


@pytest.mark.simulator
@needs_verilator
def test_rtl_model(prog, tmp_path):
    comb, x, want = prog
    model = RTLModel(comb, "batch", tmp_path / "batch", latency_cutoff=2, print_latency=False)
    model.compile()
    _check_shapes(model.predict, x, want)
    _check_refused(model.predict)
