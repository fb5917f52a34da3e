"""HGQ2 / Keras 3 models through da4ml.converter, bit-exact against model.predict.

One tiny model per layer kind HGQ2's tracer plugin handles, built with fixed seeds (weights set, no
training), HGQ2's default quantizers (RND/WRAP on the data, so the input lanes are rounded in hardware and
any float input is exact). Inputs are raw float32 numbers over and beyond the input range. Keras runs on its
numpy backend (tests/conftest.py); one test runs the JAX backend in a subprocess."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras", reason="the converter tests need the keras extra: pip install 'da4ml[keras]'")
hgq = pytest.importorskip("hgq", reason="the converter tests need the keras extra: pip install 'da4ml[keras]'")

from hgq.layers import (
    QAdd,
    QAvgPool1D,
    QAvgPool2D,
    QBatchNormalization,
    QConv1D,
    QConv2D,
    QDense,
    QDenseT,
    QEinsumDense,
    QEinsumDenseBatchnorm,
    QMaxPool1D,
    QMaxPool2D,
    QMultiHeadAttention,
    QSoftmax,
    QUnaryFunctionLUT,
)

from da4ml.converter import trace_model
from da4ml.converter.plugin import _flatten_arr
from da4ml.trace import comb_trace

pytestmark = [
    # Keras' own Variable.__array__ (numpy 2) and its numpy backend's custom_gradient pass-through
    pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:`custom_gradient` for the numpy backend:UserWarning"),
]

N_SAMPLES = 200
L = keras.layers


def set_weights(model, seed):
    """Non-trivial weights for every layer (seeded): kernels and biases random, BatchNorm statistics spread."""
    rng = np.random.default_rng(seed)
    for layer in model._flatten_layers(include_self=False, recursive=True):
        for v in layer.weights:
            name = v.path.split("/")[-1]
            shape = tuple(v.shape)
            if name in ("kernel", "bias", "gamma", "beta", "moving_mean", "alpha"):
                scale = {"bias": 0.5, "beta": 0.5, "moving_mean": 0.5}.get(name, 1.0)
                val = rng.normal(0, scale, shape) + (1.0 if name == "gamma" else 0.0)
            elif name == "moving_variance":
                val = rng.uniform(0.3, 2.0, shape)
            else:
                continue
            v.assign(val.astype(np.float32))
    return model


def ulp32(x: np.ndarray) -> np.ndarray:
    return np.spacing(np.abs(x).astype(np.float32)).astype(np.float64)


def float32_ambiguous(exact: np.ndarray, f: np.ndarray, ulps: float) -> np.ndarray:
    """Samples where Keras' float32 error (`ulps` float32 ulps) on an unquantized value can move it onto the
    other side of the next quantizer's rounding boundary (a multiple of 2**-(f+1)): the exact value is that
    close to such a multiple without being on it."""
    g = 2.0 ** -(f.astype(np.float64) + 1)
    b = np.round(exact / g) * g
    return ((np.abs(exact - b) <= ulps * ulp32(exact)) & (exact != b)).any(axis=1)


def check_model(model, n=N_SAMPLES, seed=0, scale=None, float_layer=None, next_layer=None, ulps=0.5):
    """Trace `model`, run the program on raw float32 inputs and compare with model.predict bit for bit.

    float_layer / next_layer: a layer whose output stays unquantized (a float slope, Keras computes it in
    float32) and the quantized layer after it. Its exact output must lie within `ulps` float32 ulps of Keras'
    output on every sample (0.5: Keras rounded our exact value once); the final outputs must match except on
    samples where that float32 error can cross next_layer's rounding boundary (Keras' float32 inexactness,
    not ours), which must be rare."""
    inputs, outputs, dump = trace_model(model, dump=True)
    comb = comb_trace(inputs, outputs)
    _, i, _ = comb.inp_kifs
    rng = np.random.default_rng(seed)
    span = 2.0 ** (np.max(i) + 1) if scale is None else scale
    X = (rng.uniform(-span, span, (n, comb.shape[0]))).astype(np.float32)
    shapes = [tuple(t.shape[1:]) for t in model.inputs]
    xs, off = [], 0
    for s in shapes:
        size = int(np.prod(s))
        xs.append(X[:, off : off + size].reshape(n, *s))
        off += size
    feed = xs if len(xs) > 1 else xs[0]
    want = model.predict(feed, verbose=0, batch_size=n)
    want = np.concatenate([np.asarray(w).reshape(n, -1) for w in (want if isinstance(want, list) else [want])], 1)
    got = comb.predict(X.astype(np.float64))
    assert got.shape == want.shape
    bad = (got != want).any(axis=1)
    excused = np.zeros(n, dtype=bool)
    if float_layer is not None:
        mid = _flatten_arr(dump[f"/{float_layer}/final"])
        exact = comb_trace(inputs, mid).predict(X.astype(np.float64))
        sub = keras.Model(model.inputs, model.get_layer(float_layer).output)
        keras_mid = np.asarray(sub.predict(feed, verbose=0, batch_size=n)).reshape(n, -1)
        err = np.abs(keras_mid.astype(np.float64) - exact)
        assert np.all(err <= ulps * ulp32(exact)), f"exact and Keras' float32 values differ by {err.max()}"
        f_next = _flatten_arr(dump[f"/{next_layer}/post_iq"]).kif[2]
        excused = float32_ambiguous(exact, np.broadcast_to(f_next, exact.shape), ulps)
        assert excused.sum() <= n // 20, f"{excused.sum()} of {n} samples are float32-ambiguous"
    wrong = np.flatnonzero(bad & ~excused)
    assert not wrong.size, (
        f"{wrong.size} of {n} samples differ; first: sample {wrong[0]}\n got  {got[wrong[0]]}\n want {want[wrong[0]]}"
    )
    return comb


def grid_weights(model, name, f=5):
    """A float layer's weights on a 2**-f grid, so Keras' float32 sums of them are exact."""
    layer = model.get_layer(name)
    layer.set_weights([np.round(w * 2**f) / 2**f for w in layer.get_weights()])
    return model


def seq(shape, *layers, seed=0):
    keras.utils.set_random_seed(seed)
    return set_weights(keras.Sequential([keras.Input(shape), *layers]), seed)


def functional(build, seed=0):
    keras.utils.set_random_seed(seed)
    inputs, outputs = build()
    return set_weights(keras.Model(inputs, outputs), seed)


def _merge():
    a, b = keras.Input((6,)), keras.Input((6,))
    x = QDense(4, activation="relu")(a)
    y = QDense(4)(b)
    z = L.Concatenate()([x, y, QAdd()([x, y])])
    s = L.Add()([QDense(4)(z), QDense(4)(x)])
    return [a, b], L.Flatten()(L.Reshape((2, 2))(s))


def _mha():
    x = keras.Input((4, 3))
    q = QEinsumDense("btc,cd->btd", (4, 4), bias_axes="d")(x)
    return x, QMultiHeadAttention(num_heads=2, key_dim=2)(q, q)


MODELS = {
    "dense_relu": lambda: seq((12,), QDense(10, activation="relu"), QDense(3)),
    "einsum_dense": lambda: seq((3, 4), QEinsumDense("btc,cd->btd", (3, 5), bias_axes="d"), L.Flatten(), QDense(2)),
    "einsum_dense_bn": lambda: seq((3, 4), QEinsumDenseBatchnorm("btc,cd->btd", (3, 5), bias_axes="d"), L.Flatten()),
    "keras_einsum_dense": lambda: grid_weights(
        seq((5,), QDense(4), L.EinsumDense("bc,cd->bd", 3, bias_axes="d", name="ed"), QDense(2)), "ed"
    ),
    "conv1d": lambda: seq((9, 2), QConv1D(3, 3, activation="relu"), QConv1D(2, 2, strides=2), L.Flatten()),
    "conv2d": lambda: seq((5, 5, 2), QConv2D(3, (3, 2), padding="same"), QConv2D(2, 2), L.Flatten()),
    "maxpool": lambda: seq((8, 6, 1), QConv2D(2, 2), QMaxPool2D((3, 2)), L.Flatten(), QDense(2)),
    "maxpool1d": lambda: seq((10, 2), QMaxPool1D(3, strides=2, padding="same"), L.Flatten()),
    "avgpool2": lambda: seq((8, 2), QAvgPool1D(2), L.Flatten()),
    "avgpool3": lambda: seq((9, 2), QAvgPool1D(3), L.Flatten(), QDense(2)),
    "avgpool3x3": lambda: seq((6, 6, 1), QConv2D(2, 1), QAvgPool2D(3), L.Flatten(), QDense(2)),
    "batchnorm": lambda: seq((6,), QDense(5), QBatchNormalization(), QDense(2)),
    "relu_layer": lambda: seq((6,), QDense(5), L.ReLU(), QDense(2)),
    "leaky_relu": lambda: seq((6,), QDense(5), L.LeakyReLU(), QDense(3)),
    "tanh_lut": lambda: seq((6,), QDense(5), QUnaryFunctionLUT("tanh"), QDense(2)),
    "sigmoid_lut": lambda: seq((6,), QDense(5), QUnaryFunctionLUT("sigmoid")),
    "dense_table": lambda: seq((4,), QDenseT(3, n_hl=1, d_hl=4), QDense(2)),
    "softmax": lambda: seq((6,), QDense(5), QSoftmax()),
    "mha": lambda: functional(_mha),
    "merge_reshape_flatten": lambda: functional(_merge),
}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_model_bit_exact(name):
    check_model(MODELS[name]())


@pytest.mark.parametrize(
    "act",
    [
        L.LeakyReLU(negative_slope=0.1, name="act"),
        L.ReLU(max_value=1.5, threshold=0.25, negative_slope=0.2, name="act"),
        L.PReLU(name="act"),
    ],
    ids=["leaky_relu_0.1", "relu_threshold_max_slope", "prelu"],
)
def test_float_slopes(act):
    """Activations with float slopes: the slope at float32 precision, the product exact (Keras rounds it)."""
    model = seq((6,), QDense(5), act, QDense(3, name="next"))
    check_model(model, float_layer="act", next_layer="next")


def test_keras_average_pooling_of_three():
    """Keras' own AveragePooling1D(3): x / 3 is x times float32(1/3), exact (Keras rounds it to float32)."""
    model = seq((9, 2), QDense(2), L.AveragePooling1D(3, name="pool"), L.Flatten(name="flat"), QDense(2, name="next"))
    check_model(model, float_layer="flat", next_layer="next", ulps=1.0)  # Keras: sum / 3, two roundings


def test_unsupported_layer_names_layer_and_type():
    model = seq((4, 2), QDense(3), L.UpSampling1D(2), L.Flatten())
    with pytest.raises(NotImplementedError, match=r"layer 'up_sampling1d.*' \(keras.*UpSampling1D\)"):
        trace_model(model)


JAX_SCRIPT = """
import numpy as np, keras
from hgq.layers import QDense, QConv1D
from da4ml.converter import trace_model
from da4ml.trace import comb_trace
assert keras.backend.backend() == "jax", keras.backend.backend()
keras.utils.set_random_seed(1)
model = keras.Sequential([keras.Input((6, 2)), QConv1D(3, 3, activation="relu"), keras.layers.Flatten(),
                          keras.layers.LeakyReLU(), QDense(3)])
comb = comb_trace(*trace_model(model))
X = np.random.default_rng(2).uniform(-4, 4, (100, 12)).astype(np.float32)
want = model.predict(X.reshape(100, 6, 2), verbose=0)
got = comb.predict(X.astype(np.float64))
print("mismatches", int((got != want).any(axis=1).sum()))
"""


@pytest.mark.slow
def test_jax_backend():
    """The same plugin on Keras' JAX backend (what HGQ2 trains with), in its own process."""
    import os
    import subprocess
    import sys

    pytest.importorskip("jax", reason="the keras extra installs jax")
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"}
    cmd = [sys.executable, "-c", JAX_SCRIPT]
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "mismatches 0" in r.stdout, r.stdout
