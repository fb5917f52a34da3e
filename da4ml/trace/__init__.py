"""da4ml.trace: trace fixed-point numpy code into DAIS programs.

    x = FixedVariableArray.from_kif(1, 3, 4)              # symbolic inputs (here 0-d: signed, 3.4)
    y = ops.relu(x @ W + b, i=4, f=4)                    # numpy-like code; W, b constants -> CMVM
    comb = comb_trace(x, y)                              # one DAIS program (da4ml.ir.CombLogic)
    pipe = to_pipeline(comb, latency_cutoff=2)           # register stages

The modules, each importing only those listed before it (docs/architecture.md draws the graph):
- leaves: _errors (TraceError), _types (exact integer intervals), _cost (op cost and delay), _numeric (quantize /
  relu on numbers), _config (HWConfig + solver options of a trace, one default), _registry (the numpy protocol
  tables, filled by the modules that implement numpy functions).
- _node: hash-consed DAIS nodes and TraceInput (an input position).  _value: what an operation needs of a value.
- element-level operations on values: _arith, _rounding, _bits, _mux, _lut, _quantize, _compare, and
  _elementwise (the one ufunc -> operation table).
- fixed_variable (FixedVariable, the scalar), fixed_variable_array (FixedVariableArray, FixedVariableArrayInput).
- numpy on arrays: _args (out= / where= / dtype=), _reductions, _ufuncs, _select, _structure, replay
  (CombLogic.__call__ on symbols), cmvm_route (constant-matrix products -> da4ml.cmvm), _linalg, _sort.
- tracer (comb_trace, to_pipeline) and ops (the same operations on symbols and numbers).
"""

from da4ml.ir import HWConfig

# the modules that register numpy functions: imported here so the tables are complete before any use
from . import _linalg, _reductions, _select, _sort, _structure, _ufuncs, ops, replay  # noqa: F401
from ._errors import TraceError
from .fixed_variable import FixedVariable
from .fixed_variable_array import FixedVariableArray, FixedVariableArrayInput
from .tracer import comb_trace, to_pipeline

__all__ = [
    "FixedVariable",
    "FixedVariableArray",
    "FixedVariableArrayInput",
    "HWConfig",
    "TraceError",
    "comb_trace",
    "ops",
    "to_pipeline",
]
