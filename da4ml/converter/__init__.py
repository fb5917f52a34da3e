"""da4ml.converter: a framework's model (HGQ2 / Keras 3, or any framework with a plugin) to symbolic arrays.

    inputs, outputs = trace_model(model)          # the plugin for the model's framework replays it
    comb = comb_trace(inputs, outputs)            # one DAIS program, bit-exact against model.predict

Plugins are found under the entry-point group ``dais_tracer.plugins`` (``da4ml.converter.plugin`` has the base
class); the installed package of a framework registers its own (HGQ2: ``keras``).  Keras / HGQ2 models need
the ``keras`` extra: ``pip install 'da4ml[keras]'``."""

from __future__ import annotations

from collections.abc import Mapping
from importlib import import_module
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from da4ml.ir import HWConfig
from da4ml.trace._config import DEFAULT_HWCONF

from .plugin import DAISTracerPluginBase, _flatten_arr

__all__ = ["DAISTracerPluginBase", "_flatten_arr", "find_plugin", "framework_of", "plugins", "trace_model"]

GROUP = "dais_tracer.plugins"
# frameworks whose plugin comes with an extra of ours: the error says which one to install
EXTRA_OF = {"keras": "keras"}
# checks run before a framework's plugin replays a model (an unsupported layer named with its type)
PREFLIGHT = {"keras": "da4ml.converter._keras:check_supported"}


def plugins() -> dict[str, EntryPoint]:
    """The installed tracer plugins by framework name (the entry-point group ``dais_tracer.plugins``)."""
    return {ep.name: ep for ep in sorted(entry_points(group=GROUP), key=lambda ep: (ep.name, ep.value))}


def framework_of(model: Any, available) -> str | None:
    """The framework of a model: the top-level package of the first class in its MRO that has a plugin
    (a Keras / HGQ2 model -> ``keras``; ``da4ml.converter.example.ExampleModel`` -> ``da4ml``)."""
    for cls in type(model).__mro__:
        root = cls.__module__.split(".")[0]
        if root in available:
            return root
    return None


def _install_hint(framework: str) -> str:
    extra = EXTRA_OF.get(framework)
    if extra is None:
        return f"install the package that registers a {framework!r} plugin under the entry-point group {GROUP!r}"
    return f"install it with: pip install 'da4ml[{extra}]'"


def find_plugin(model: Any, framework: str | None = None) -> type[DAISTracerPluginBase]:
    """The plugin class for ``model`` (``framework``: its entry-point name; None: inferred from the model)."""
    available = plugins()
    if framework is None:
        framework = framework_of(model, available)
        if framework is None:
            roots = sorted({c.__module__.split(".")[0] for c in type(model).__mro__} - {"builtins"})
            hint = _install_hint("keras") if "keras" in roots else _install_hint(roots[0] if roots else "?")
            raise ValueError(
                f"no tracer plugin for a model of type {type(model).__module__}.{type(model).__qualname__} "
                f"(frameworks it belongs to: {roots or ['builtins']}; installed plugins: {sorted(available) or 'none'}). "
                f"{hint}, or pass framework= naming an installed plugin"
            )
    ep = available.get(framework)
    if ep is None:
        raise ValueError(
            f"framework={framework!r} has no tracer plugin (installed plugins under {GROUP!r}: "
            f"{sorted(available) or 'none'}): {_install_hint(framework)}"
        )
    try:
        cls = ep.load()
    except ImportError as e:
        raise ImportError(
            f"the {framework!r} tracer plugin ({ep.value}) failed to import: {e}. {_install_hint(framework)}"
        ) from e
    if not (isinstance(cls, type) and issubclass(cls, DAISTracerPluginBase)):
        raise TypeError(f"the {framework!r} tracer plugin {ep.value} is not a DAISTracerPluginBase subclass")
    return cls


def trace_model(
    model: Any,
    framework: str | None = None,
    inputs=None,
    verbose: bool = False,
    hwconf: HWConfig = DEFAULT_HWCONF,
    solver_options: Mapping | None = None,
    dump: bool = False,
):
    """Replay ``model`` on symbolic arrays through its framework's plugin.

    ``inputs``: one FixedVariableArray per model input (without the batch axis), or None to make them from the
    model's input shapes (``FixedVariableArrayInput``: the model's first quantizer declares their type); a
    model that does not state its input shape needs ``inputs=``.  ``hwconf`` / ``solver_options`` configure
    the inputs made here.  Returns ``(inputs, outputs)``, both flattened to 1-D, for
    ``comb_trace(inputs, outputs)``; with ``dump=True``, ``(inputs, outputs, dump)`` where ``dump`` maps the
    plugin's names (HGQ2: ``/layer/final``...) to intermediate arrays."""
    cls = find_plugin(model, framework)
    framework = framework or framework_of(model, plugins())
    check = PREFLIGHT.get(framework)
    if check is not None:
        module, _, fn = check.partition(":")
        getattr(import_module(module), fn)(model)
    plugin = cls(model, hwconf=hwconf, solver_options=solver_options)
    return plugin.trace(inputs=inputs, verbose=verbose, dump=dump)
