"""ExampleModel: a small pure-numpy model with its own tracer plugin (registered as ``da4ml`` under
``dais_tracer.plugins``), for tests and docs of ``trace_model`` without any framework installed.

    model = ExampleModel(input_shape=(8,))
    inputs, outputs = trace_model(model)           # found through the entry point
    comb = comb_trace(inputs, outputs)
    comb.predict(x) == model.predict(x)            # bit-exact: the same code runs on numbers

The model: quantize the input to (1, 3, 4) (WRAP, TRN), a dense layer with 1/8-step weights and bias, relu
quantized to (0, 4, 4) with RND, then a scale of 0.375."""

from __future__ import annotations

import numpy as np

from da4ml.trace import FixedVariableArray, ops

from .plugin import DAISTracerPluginBase

INPUT_KIF = (1, 3, 4)


class ExampleModel:
    """A quantized dense -> relu model over the last axis of its input (weights from ``seed``)."""

    def __init__(self, input_shape: tuple[int, ...] | None = None, n_out: int = 4, seed: int = 0):
        self.input_shape = None if input_shape is None else tuple(int(s) for s in input_shape)
        self.n_out = int(n_out)
        self.seed = int(seed)

    def weights(self, n_in: int) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng((self.seed, n_in))
        w = rng.integers(-16, 17, size=(n_in, self.n_out)) / 8
        b = rng.integers(-8, 9, size=self.n_out) / 8
        return w, b

    def __call__(self, x):
        """The model on numbers (a float array, leading batch axes allowed) or on symbols (no batch axis)."""
        x = ops.quantize(x, *INPUT_KIF, "WRAP", "TRN")
        w, b = self.weights(x.shape[-1])
        y = ops.einsum("...i,ij->...j", x, w) + b
        y = ops.relu(y, i=4, f=4, round_mode="RND")
        return y * 0.375

    def predict(self, x) -> np.ndarray:
        return np.asarray(self(np.asarray(x, dtype=np.float64)), dtype=np.float64)


class ExamplePlugin(DAISTracerPluginBase):
    """The tracer plugin of ExampleModel."""

    model: ExampleModel

    def apply_model(self, verbose: bool, inputs: tuple[FixedVariableArray, ...]):
        (x,) = inputs
        y = self.model(x)
        if verbose:
            print(f"ExampleModel: {x.shape} -> {y.shape}")
        return {"inputs": inputs, "final": (y,)}, ["final"]

    def get_input_shapes(self) -> list[tuple[int, ...]] | None:
        return None if self.model.input_shape is None else [self.model.input_shape]
