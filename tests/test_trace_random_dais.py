"""The exact evaluator and the symbolic replay on random valid DAIS programs written by the interpreter
tests' generator (random types that wrap, muxes on arbitrary conditions, input and output shifts)."""

import dais_words as dw
import numpy as np
import pytest
from dais_random import random_inputs
from test_interpreter_ops import random_mixed_program

from da4ml.ir import CombLogic
from da4ml.ir.evaluate import evaluate
from da4ml.trace import FixedVariableArray, comb_trace


@pytest.mark.parametrize("seed", range(int(__import__("os").environ.get("FUZZ_N", "8"))))
def test_evaluator_equals_interpreter(seed):
    p = random_mixed_program(100 + seed)
    comb = CombLogic.from_binary(dw.encode(p))
    X = random_inputs(p, np.random.default_rng(seed), 64)
    np.testing.assert_array_equal(evaluate(comb, X), comb.predict(X))


@pytest.mark.parametrize("seed", range(int(__import__("os").environ.get("FUZZ_N", "8"))))
def test_replay_of_random_programs(seed):
    p = random_mixed_program(200 + seed)
    comb = CombLogic.from_binary(dw.encode(p))
    k, i, f = comb.inp_kifs
    x = FixedVariableArray.from_kif(k, i, f)
    comb2 = comb_trace(x, comb(x, quantize=True))
    X = random_inputs(p, np.random.default_rng(seed), 64, special=False)  # on grid, wide and off grid
    np.testing.assert_array_equal(comb2.predict(X), comb.predict(X))
