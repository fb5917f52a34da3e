"""Small HGQ2 models for bench/convert.py: built from a fixed seed, calibrated (hgq.utils.trace_minmax) on seeded
data so that every WRAP quantizer holds its range, and saved as .keras files that both our venv and the published
da4ml's venv load (the same weights on both sides).

Each builder takes nothing and returns an uncalibrated keras.Model; ``save_all(dirname)`` builds, calibrates and
saves every model and returns ``{name: (path, probe inputs)}``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "jax")


def mlp():
    """16 -> 32 (relu) -> 8: the MLP of issue 13."""
    import keras
    from hgq.layers import QDense

    inp = keras.Input((16,))
    x = QDense(32, activation="relu")(inp)
    return keras.Model(inp, QDense(8)(x), name="mlp")


def conv1d():
    """(32, 3) -> Conv1D 8x3 (relu) -> EinsumDense over the channels -> flatten -> Dense 5."""
    import keras
    from hgq.layers import QConv1D, QDense, QEinsumDense

    inp = keras.Input((32, 3))
    x = QConv1D(8, 3, activation="relu")(inp)
    x = QEinsumDense("btc,cd->btd", output_shape=(30, 4), bias_axes="d", activation="relu")(x)
    x = keras.layers.Flatten()(x)
    return keras.Model(inp, QDense(5)(x), name="conv1d")


def conv2d_pool():
    """(8, 8, 1) -> Conv2D 4x3x3 (relu) -> max pool 2x2 -> flatten -> Dense 4."""
    import keras
    from hgq.layers import QConv2D, QDense, QMaxPool2D

    inp = keras.Input((8, 8, 1))
    x = QConv2D(4, 3, activation="relu")(inp)
    x = QMaxPool2D(2)(x)
    x = keras.layers.Flatten()(x)
    return keras.Model(inp, QDense(4)(x), name="conv2d_pool")


def leaky():
    """16 -> Dense 16 -> Keras LeakyReLU (slope 0.3, a float) -> Dense 8: a constant no power of two holds."""
    import keras
    from hgq.layers import QDense

    inp = keras.Input((16,))
    x = keras.layers.LeakyReLU()(QDense(16)(inp))
    return keras.Model(inp, QDense(8)(x), name="leaky")


MODELS = {"mlp": mlp, "conv1d": conv1d, "conv2d_pool": conv2d_pool, "leaky": leaky}


def save_all(dirname: str | Path, names=None, seed: int = 0, n_probe: int = 1000) -> dict[str, tuple[Path, np.ndarray]]:
    import keras
    from hgq.utils import trace_minmax

    out = {}
    for name in names or MODELS:
        keras.utils.set_random_seed(seed)
        model = MODELS[name]()
        rng = np.random.default_rng(seed)
        shape = tuple(model.inputs[0].shape[1:])
        trace_minmax(model, rng.normal(0, 1, (4096, *shape)).astype(np.float32), batch_size=4096)
        path = Path(dirname) / f"{name}.keras"
        model.save(path)
        out[name] = (path, rng.normal(0, 1, (n_probe, *shape)).astype(np.float32))
    return out
