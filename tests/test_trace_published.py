"""The exact evaluator and the symbolic replay against programs written by the published da4ml
(tests/data/published: binaries with inputs and the outputs of the published interpreter)."""

from pathlib import Path

import numpy as np
import pytest

from da4ml.ir import CombLogic
from da4ml.ir.evaluate import evaluate
from da4ml.trace import FixedVariableArray, comb_trace

DATA = Path(__file__).parent / "data" / "published"
CASES = sorted(p.stem for p in DATA.glob("*.bin"))


@pytest.mark.parametrize("name", CASES)
def test_evaluator_matches_published_outputs(name):
    comb = CombLogic.load_binary(DATA / f"{name}.bin")
    d = np.load(DATA / f"{name}.npz")
    for xs, ys in (("x_grid", "y_grid"), ("x_wild", "y_wild")):
        got = evaluate(comb, d[xs][:24])
        np.testing.assert_array_equal(got, d[ys][:24])


@pytest.mark.parametrize("name", CASES)
def test_replay_retraces_published_programs(name):
    comb = CombLogic.load_binary(DATA / f"{name}.bin")
    d = np.load(DATA / f"{name}.npz")
    k, i, f = comb.inp_kifs
    x = FixedVariableArray.from_kif(k, i, f)
    comb2 = comb_trace(x, comb(x, quantize=True))
    X = d["x_grid"][:32]
    np.testing.assert_array_equal(comb2.predict(X), d["y_grid"][:32])
    assert len(comb2.ops) <= len(comb.ops) * 1.5 + 8  # retracing does not blow the program up (binaries carry no cost)
