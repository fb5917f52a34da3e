"""hls4ml 1.3 runs unchanged on our package: Keras 3 / HGQ2 models through
``hls4ml.converters.convert_from_keras_model(..., backend='Vitis', io_type='io_parallel')`` with
``strategy='distributed_arithmetic'`` (which calls ``da4ml.codegen.hls.hls_logic_and_bridge_gen`` for every
kernel), compiled and C-simulated with g++, equal bit for bit to Keras and to the same network traced with
da4ml and run on its interpreter. Dense, EinsumDense and Conv1D, with and without hls4ml folding the input
quantizer into the generated function (FuseQuantizerIntoDALayers: it rewrites the function's input reads),
wrapping and saturating quantizers.

Needs the ``hls4ml`` extra (``pip install -e '.[hls4ml]'``: hls4ml without its ``[da]`` extra, which would
replace this package by the published da4ml).
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest
from hls_support import needs_cxx

os.environ.setdefault("KERAS_BACKEND", "jax")  # Keras reads it once, at import
os.environ.setdefault("JAX_PLATFORMS", "cpu")

with warnings.catch_warnings():  # third-party import-time deprecation notices are not our failures
    warnings.simplefilter("ignore")
    hls4ml = pytest.importorskip("hls4ml", reason="hls4ml not installed: pip install -e '.[hls4ml]'")
    keras = pytest.importorskip("keras", reason="keras not installed: pip install -e '.[hls4ml]'")
    hgq_layers = pytest.importorskip("hgq.layers", reason="hgq2 not installed: pip install -e '.[hls4ml]'")
    from hgq.config import QuantizerConfig

from da4ml.trace import FixedVariableArray, comb_trace, ops

pytestmark = [
    needs_cxx,
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::UserWarning"),
    pytest.mark.filterwarnings("ignore::FutureWarning"),
]

N_SAMPLES = 400


def _input(shape):
    """The network's real input: float32 in [-8, 8) read at 2**-24 (flooring there cannot move any rounding of
    the quantizers, whose steps are 2**-23 or coarser, across a boundary)."""
    return FixedVariableArray.from_kif(np.ones(shape, int), np.full(shape, 4), np.full(shape, 24))


def _iq(overflow: str, homogeneous_axis=None) -> QuantizerConfig:
    kw = {} if homogeneous_axis is None else {"homogeneous_axis": homogeneous_axis}
    return QuantizerConfig("kif", "datalane", round_mode="RND", overflow_mode=overflow, **kw)


def _randomize(model, rng, hetero: bool) -> None:
    """Exact fixed-point weights; input quantizers with (hetero) random bits per element."""
    for w in model.weights:
        path = w.path
        if path.endswith(("/kernel", "/bias")):
            w.assign(rng.integers(-16, 16, w.shape) / 8)
        elif "_iq/" in path and path.endswith("/f"):
            w.assign((rng.integers(1, 6, w.shape) if hetero else np.full(w.shape, 4)).astype("float32"))
        elif "_iq/" in path and path.endswith("/i"):
            w.assign((rng.integers(0, 3, w.shape) if hetero else np.full(w.shape, 2)).astype("float32"))


def _quantize_like(layer, x):
    """``layer``'s input quantizer on a symbolic array, from its own k, i, f and modes (da4ml's tracer)."""
    q = layer.iq.quantizer
    k, i, f = (np.asarray(v, dtype=np.int64)[0] for v in (q.k, q.i, q.f))  # drop the batch axis
    k, i, f = (np.broadcast_to(v, x.shape) for v in (k, i, f))
    return ops.quantize(x, k, i, f, q.overflow_mode, q.round_mode)


def _dense_reference(layers, shape):
    x = _input(shape)
    h = x
    for li, layer in enumerate(layers):
        h = _quantize_like(layer, h) @ np.asarray(layer.qkernel, np.float64) + np.asarray(layer.qbias, np.float64)
        if li < len(layers) - 1:
            h = ops.relu(h)
    return comb_trace(x, h)


def _einsum_reference(layer, shape):
    x = _input(shape)
    xq = _quantize_like(layer, x)
    y = np.einsum("tc,cd->td", xq, np.asarray(layer.qkernel, np.float64)) + np.asarray(layer.qbias, np.float64)
    return comb_trace(x, y)


def _conv_reference(layer, shape):
    x = _input(shape)
    xq = _quantize_like(layer, x)
    kernel = np.asarray(layer.qkernel, np.float64)  # (width, c_in, c_out)
    kw = kernel.shape[0]
    windows = np.stack([xq[t : t + kw].ravel() for t in range(shape[0] - kw + 1)])
    y = windows @ kernel.reshape(-1, kernel.shape[-1]) + np.asarray(layer.qbias, np.float64)
    return comb_trace(x, y)


def _build(case: str, rng):
    """(keras model, input shape, da4ml program of the same network, whether hls4ml folds the quantizer)."""
    keras.utils.set_random_seed(int(rng.integers(2**31)))
    if case.startswith("dense"):
        fold = case == "dense_fold"
        inp = keras.Input((8,))
        # (a keras.layers.ReLU between them, which hls4ml 1.3 turns into a ParametrizedActivation, C-simulates
        # negative inputs wrongly; the activation inside QDense is converted correctly)
        l1 = hgq_layers.QDense(6, activation="relu", iq_conf=_iq("WRAP"))
        l2 = hgq_layers.QDense(4, iq_conf=_iq("SAT" if fold else "SAT_SYM"))  # on relu's output: a bounded range
        model = keras.Model(inp, l2(l1(inp)))
        _randomize(model, rng, hetero=fold)
        return model, (8,), _dense_reference([l1, l2], (8,)), fold
    if case.startswith("conv"):
        # FuseQuantizerIntoDALayers folds a Conv's quantizer only when it is the same at every position, but
        # hls4ml 1.3's Keras 3 converter expands every quantizer mask to the full input shape: never folded
        per_channel = case == "conv_channel"
        inp = keras.Input((10, 3))
        layer = hgq_layers.QConv1D(
            4, 3, iq_conf=_iq("SAT_SYM" if per_channel else "WRAP", (0, 1) if per_channel else None)
        )
        model = keras.Model(inp, layer(inp))
        _randomize(model, rng, hetero=True)
        return model, (10, 3), _conv_reference(layer, (10, 3)), False
    inp = keras.Input((4, 6))  # EinsumDense: hls4ml never folds its quantizer
    layer = hgq_layers.QEinsumDense("btc,cd->btd", output_shape=(4, 5), bias_axes="d", iq_conf=_iq("SAT"))
    model = keras.Model(inp, layer(inp))
    _randomize(model, rng, hetero=True)
    return model, (4, 6), _einsum_reference(layer, (4, 6)), False


@pytest.mark.parametrize("case", ["dense_fold", "dense_plain", "conv_channel", "conv_position", "einsum"])
def test_hls4ml_distributed_arithmetic_bit_exact(case, tmp_path):
    rng = np.random.default_rng(abs(hash(case)) % 2**32)
    model, shape, comb, fold = _build(case, rng)
    cfg = {"Model": {"Precision": "fixed<1,0>", "ReuseFactor": 1, "Strategy": "distributed_arithmetic"}}
    hm = hls4ml.converters.convert_from_keras_model(
        model, output_dir=str(tmp_path / case), backend="Vitis", io_type="io_parallel", hls_config=cfg
    )
    da = [layer for layer in hm.get_layers() if layer.get_attr("strategy") == "distributed_arithmetic"]
    assert da and all("da_codegen" in layer.attributes for layer in da), "the DA pass did not run"
    hm.compile()
    code = (tmp_path / case / "firmware" / "nnet_utils" / "nnet_code_gen.h").read_text()
    assert ("model_inp_q_" in code) == fold, "hls4ml folded the input quantizer" if not fold else "no folding"

    # inputs over twice the quantizers' ranges and off their grids: rounding and overflow both exercised
    x = rng.uniform(-8, 8, (N_SAMPLES, *shape)).astype(np.float32)
    x[: N_SAMPLES // 4] = np.round(x[: N_SAMPLES // 4] * 4) / 4
    y_keras = np.asarray(model.predict(x, verbose=0), dtype=np.float64).reshape(N_SAMPLES, -1)
    y_hls = np.asarray(hm.predict(x), dtype=np.float64).reshape(N_SAMPLES, -1)
    y_da4ml = comb.predict(x.reshape(N_SAMPLES, -1).astype(np.float64))
    assert np.array_equal(y_da4ml, y_keras), f"{case}: da4ml's trace of the network disagrees with Keras"
    bad = np.argwhere(y_hls != y_keras)
    assert not len(bad), (
        f"{case}: {len(bad)} mismatches, first {bad[0].tolist()}: hls4ml {y_hls[tuple(bad[0])]} != keras {y_keras[tuple(bad[0])]}"
    )
