"""HGQ2 / Keras 3 models through da4ml.converter, bit-exact against model.predict.

The models are tiny, built with fixed seeds (weights set, no training) and traced once per module. Inputs are
drawn on the model's input grid: the program's input lanes carry the input quantizer's output (its rounding
and overflow happen before the lane), so model.predict and the program see the same numbers."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras", reason="the converter tests need the keras extra: pip install 'da4ml[keras]'")
hgq = pytest.importorskip("hgq", reason="the converter tests need the keras extra: pip install 'da4ml[keras]'")

from trace_util import grid

from da4ml.converter import trace_model
from da4ml.trace import comb_trace

N_SAMPLES = 300


def check_model(model, n=N_SAMPLES, seed=0, scale=1.0):
    """Trace `model`, run the program on inputs on its input grid and compare with model.predict bit for bit."""
    inputs, outputs = trace_model(model)
    comb = comb_trace(inputs, outputs)
    k, i, f = comb.inp_kifs
    rng = np.random.default_rng(seed)
    X = grid(rng, k, i, f, (n, len(k))) * scale
    shapes = [tuple(t.shape[1:]) for t in model.inputs]
    xs, off = [], 0
    for s in shapes:
        size = int(np.prod(s))
        xs.append(X[:, off : off + size].reshape(n, *s).astype(np.float32))
        off += size
    want = model.predict(xs if len(xs) > 1 else xs[0], verbose=0, batch_size=n)
    want = np.concatenate([np.asarray(w).reshape(n, -1) for w in (want if isinstance(want, list) else [want])], 1)
    got = comb.predict(X)
    bad = np.flatnonzero((got != want).any(axis=1))
    assert not bad.size, (
        f"{len(bad)} of {n} samples differ; first: sample {bad[0]}\n got  {got[bad[0]]}\n want {want[bad[0]]}"
    )
    return comb


def test_dense_mlp():
    from hgq.layers import QDense

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((16,)), QDense(32, activation="relu"), QDense(8)])
    comb = check_model(model)
    assert comb.shape == (16, 8)
