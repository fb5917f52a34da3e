"""Checks of a Keras model before HGQ2's tracer plugin replays it: every operation must have a replay handler,
else the error names the layer and its type (the plugin itself fails with a bare KeyError on the class)."""

from __future__ import annotations

from typing import Any


def _operations(model) -> list:
    """Every operation of a (possibly nested) Keras model, sub-models expanded."""
    import keras

    if isinstance(model, keras.Sequential):
        model = model._functional
    out = []
    for nodes in model._nodes_by_depth.values():
        for node in nodes:
            op = node.operation
            if isinstance(op, keras.Model):
                out.extend(_operations(op))
            elif op.__class__ is not keras.layers.InputLayer:
                out.append(op)
    return out


def check_supported(model: Any) -> None:
    """NotImplementedError naming the first layers HGQ2's plugin has no handler for."""
    import hgq
    from hgq._dais_tracer.layers import _registry

    missing = []
    for op in _operations(model):
        if op.__class__ not in _registry:
            cls = op.__class__
            missing.append(f"{op.name!r} ({cls.__module__}.{cls.__qualname__})")
    if missing:
        raise NotImplementedError(
            f"HGQ2's tracer plugin (hgq2 {getattr(hgq, '__version__', '?')}) has no replay for layer "
            f"{', '.join(dict.fromkeys(missing))}: replace it with a supported layer (Dense, EinsumDense, "
            "Conv1D/2D, pooling, BatchNormalization, ReLU/LeakyReLU/PReLU, QUnaryFunctionLUT, QSoftmax, "
            "QMultiHeadAttention, merges, Reshape/Flatten...) or register a handler in hgq._dais_tracer.layers"
        )
