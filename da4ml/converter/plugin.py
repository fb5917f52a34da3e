"""The tracer plugin interface: a plugin replays one framework's model on symbolic arrays.

A plugin is a subclass of ``DAISTracerPluginBase`` registered under the entry-point group
``dais_tracer.plugins`` (the name is the framework, e.g. ``keras``: HGQ2 registers
``hgq._dais_tracer.main:HGQ2DAISTracer``).  ``da4ml.converter.trace_model`` finds it, builds the symbolic inputs
and calls ``apply_model``."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from da4ml.ir import HWConfig
from da4ml.trace import FixedVariable, FixedVariableArray, FixedVariableArrayInput
from da4ml.trace._config import DEFAULT_HWCONF


def _flatten_arr(x) -> FixedVariableArray:
    """A FixedVariableArray, a FixedVariable or a (nested) sequence of them, as one 1-D FixedVariableArray
    (each array raveled in C order, concatenated in sequence order)."""
    if isinstance(x, FixedVariableArray):
        return x.ravel()
    if isinstance(x, FixedVariable):
        return FixedVariableArray(np.array([x], dtype=object))
    if isinstance(x, np.ndarray) and x.dtype == object:
        return FixedVariableArray(x).ravel()
    if isinstance(x, Sequence) and not isinstance(x, (str, bytes)):
        parts = [_flatten_arr(v)._vars for v in x]
        vars_ = np.concatenate(parts) if parts else np.empty(0, dtype=object)
        return FixedVariableArray(vars_)
    raise TypeError(
        f"_flatten_arr takes FixedVariableArray / FixedVariable or sequences of them, got {type(x).__name__}"
    )


class DAISTracerPluginBase(ABC):
    """Replays ``self.model`` on symbolic arrays.  Subclasses implement ``apply_model`` and
    ``get_input_shapes``; ``trace`` is what ``trace_model`` calls."""

    def __init__(self, model: Any, hwconf: HWConfig = DEFAULT_HWCONF, solver_options: Mapping | None = None):
        self.model = model
        self.hwconf = HWConfig(*hwconf)
        self.solver_options = None if solver_options is None else dict(solver_options)

    @abstractmethod
    def apply_model(self, verbose: bool, inputs: tuple[FixedVariableArray, ...]) -> tuple[dict[str, Any], list[str]]:
        """Run the model on ``inputs`` (one symbolic array per model input, without the batch axis).
        Returns ``(dump, output_keys)``: ``dump`` maps names to arrays (or tuples of arrays), and the model's
        outputs are ``dump[k]`` for ``k`` in ``output_keys``, in that order."""

    @abstractmethod
    def get_input_shapes(self) -> list[tuple[int, ...]] | None:
        """The shape of each model input without the batch axis, or None when the model does not say."""

    def make_inputs(self) -> tuple[FixedVariableArray, ...]:
        """Symbolic inputs of the model's own input shapes, typed by the model's first quantizer."""
        shapes = self.get_input_shapes()
        if shapes is None:
            raise ValueError(
                f"the {type(self.model).__name__} model does not state its input shape: pass inputs= to trace_model "
                "(e.g. inputs=FixedVariableArrayInput((16,)) for a 16-element input, or "
                "FixedVariableArray.from_kif(k, i, f) with the input type)"
            )
        return tuple(
            FixedVariableArrayInput(tuple(s), hwconf=self.hwconf, solver_options=self.solver_options) for s in shapes
        )

    def trace(self, inputs=None, verbose: bool = False, dump: bool = False):
        """(inputs, outputs) as 1-D arrays, ready for ``comb_trace(inputs, outputs)``; with ``dump=True`` also
        the dict of named intermediate arrays the plugin recorded."""
        if inputs is None:
            inputs = self.make_inputs()
        elif isinstance(inputs, (FixedVariableArray, FixedVariable)):
            inputs = (inputs,)
        else:
            inputs = tuple(inputs)
        for j, x in enumerate(inputs):
            if not isinstance(x, FixedVariableArray):
                raise TypeError(f"inputs[{j}] is a {type(x).__name__}: give FixedVariableArray inputs")
        shapes = self.get_input_shapes()
        if shapes is not None:
            if len(shapes) != len(inputs):
                raise ValueError(f"the model has {len(shapes)} input(s), inputs= gives {len(inputs)}")
            for j, (s, x) in enumerate(zip(shapes, inputs)):
                if tuple(s) != x.shape:
                    raise ValueError(
                        f"inputs[{j}] has shape {x.shape}, the model's input {j} has shape {tuple(s)} "
                        "(without the batch axis)"
                    )
        record, keys = self.apply_model(verbose, inputs)
        outputs = _flatten_arr([record[k] for k in keys])
        flat_inputs = _flatten_arr(list(inputs))
        if dump:
            return flat_inputs, outputs, record
        return flat_inputs, outputs
