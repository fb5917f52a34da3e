"""da4ml.converter without any framework: plugin discovery, ExampleModel, the plugin base, the errors."""

from __future__ import annotations

import numpy as np
import pytest
from trace_util import grid, run_program

from da4ml import converter
from da4ml.converter import trace_model
from da4ml.converter.example import INPUT_KIF, ExampleModel, ExamplePlugin
from da4ml.converter.plugin import DAISTracerPluginBase, _flatten_arr
from da4ml.trace import FixedVariableArray, FixedVariableArrayInput, comb_trace


def test_example_plugin_is_registered():
    eps = converter.plugins()
    assert eps["da4ml"].load() is ExamplePlugin
    assert converter.find_plugin(ExampleModel()) is ExamplePlugin


@pytest.mark.parametrize("shape", [(8,), (2, 5)])
def test_example_model_traces_bit_exact(shape):
    model = ExampleModel(input_shape=shape, seed=3)
    inputs, outputs = trace_model(model)
    assert inputs.shape == (int(np.prod(shape)),) and outputs.shape == (int(np.prod(shape[:-1])) * model.n_out,)
    comb = comb_trace(inputs, outputs)
    k, i, f = INPUT_KIF
    X = grid(np.random.default_rng(0), k, i + 1, f + 2, (200, *shape))  # off the input grid and overflowing
    want = model.predict(X).reshape(len(X), -1)
    got = np.array(run_program(comb, X.reshape(len(X), -1)), dtype=np.float64)
    assert np.array_equal(got, want)


def test_inputs_required_when_the_model_does_not_say():
    model = ExampleModel()
    with pytest.raises(ValueError, match="inputs="):
        trace_model(model)
    x = FixedVariableArrayInput((6,))
    inputs, outputs, dump = trace_model(model, inputs=x, dump=True)
    assert inputs.shape == (6,) and outputs.shape == (4,) and set(dump) == {"inputs", "final"}
    comb = comb_trace(inputs, outputs)
    X = grid(np.random.default_rng(1), 1, 3, 4, (50, 6))
    assert np.array_equal(comb.predict(X), model.predict(X))


def test_input_shape_and_count_checked():
    model = ExampleModel(input_shape=(4,))
    with pytest.raises(ValueError, match=r"inputs\[0\] has shape \(5,\).*\(4,\)"):
        trace_model(model, inputs=FixedVariableArrayInput((5,)))
    with pytest.raises(ValueError, match="1 input"):
        trace_model(model, inputs=[FixedVariableArrayInput((4,))] * 2)
    with pytest.raises(TypeError, match="FixedVariableArray"):
        trace_model(model, inputs=[np.zeros(4)])


def test_hwconf_and_solver_options_reach_the_inputs():
    from da4ml.ir import HWConfig

    inputs, outputs = trace_model(ExampleModel((4,)), hwconf=HWConfig(1, 4, -1), solver_options={"hard_dc": 2})
    assert inputs.hwconf == HWConfig(1, 4, -1) and outputs.solver_options == {"hard_dc": 2}


def test_unknown_framework_and_model_errors(monkeypatch):
    with pytest.raises(ValueError, match="framework='nope' has no tracer plugin.*installed plugins"):
        trace_model(ExampleModel((4,)), framework="nope")
    with pytest.raises(ValueError, match="no tracer plugin for a model of type builtins.dict"):
        trace_model({})

    # a Keras model while HGQ2 (which registers the 'keras' plugin) is missing: say which extra to install
    class FakeKerasModel:
        pass

    FakeKerasModel.__module__ = "keras.src.models.sequential"
    monkeypatch.setattr(converter, "plugins", dict)
    with pytest.raises(ValueError, match=r"pip install 'da4ml\[keras\]'"):
        trace_model(FakeKerasModel())
    with pytest.raises(ValueError, match=r"framework='keras'.*pip install 'da4ml\[keras\]'"):
        trace_model(FakeKerasModel(), framework="keras")


def test_plugin_that_fails_to_import(monkeypatch):
    from importlib.metadata import EntryPoint

    ep = EntryPoint("broken", "da4ml_no_such_module:Plugin", converter.GROUP)
    monkeypatch.setattr(converter, "plugins", lambda: {"broken": ep})
    with pytest.raises(ImportError, match="'broken' tracer plugin .*failed to import"):
        trace_model(ExampleModel((4,)), framework="broken")
    ep2 = EntryPoint("notaplugin", "da4ml.converter.example:ExampleModel", converter.GROUP)
    monkeypatch.setattr(converter, "plugins", lambda: {"notaplugin": ep2})
    with pytest.raises(TypeError, match="not a DAISTracerPluginBase"):
        trace_model(ExampleModel((4,)), framework="notaplugin")


def test_flatten_arr():
    a = FixedVariableArray.from_kif(1, 3, np.arange(6).reshape(2, 3))
    b = FixedVariableArray.from_kif(0, 2, 1)
    flat = _flatten_arr([a, (b, [a[0]])])
    assert flat.shape == (6 + 1 + 3,)
    assert list(flat._vars) == list(a._vars.ravel()) + [b._vars[()]] + list(a._vars[0])
    with pytest.raises(TypeError, match="_flatten_arr"):
        _flatten_arr(3.5)


def test_plugin_base_is_abstract():
    with pytest.raises(TypeError):
        DAISTracerPluginBase(None)  # type: ignore[abstract]
