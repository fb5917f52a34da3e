"""da4ml.trace: trace fixed-point numpy code into DAIS programs.

    x = FixedVariableArray.from_kif(1, 3, 4)              # symbolic inputs (here 0-d: signed, 3.4)
    y = ops.relu(x @ W + b, i=4, f=4)                    # numpy-like code; W, b constants -> CMVM
    comb = comb_trace(x, y)                              # one DAIS program (da4ml.ir.CombLogic)
    pipe = to_pipeline(comb, latency_cutoff=2)           # register stages

Design (one module per job):
- fixed_variable.py: FixedVariable, a *view* (node, shift, neg) of one DAIS node, or an exact constant; every
  element-level operation, with exact integer interval propagation, constant folding and free shifts and
  negations.  _node.py: hash-consed DAIS nodes (identical expressions are one node).  _cost.py: op costs and
  delays (adders through da4ml.ir.cost).  _numeric.py: the same quantize/relu on numbers, bit-identical.
- fixed_variable_array.py: FixedVariableArray / FixedVariableArrayInput and the numpy protocols;
  _functions.py (ufuncs, reductions, where, structure), _linalg.py (einsum/matmul/dot), _sort.py (sorting
  networks, argsort), cmvm_route.py (`_cmvm_route`: constant-matrix products; SOLVER is the one-line switch to
  da4ml.cmvm.solve).
- tracer.py: comb_trace (walks back from the outputs: no dead code; hash-conses ops; inputs first).
- replay.py: CombLogic.__call__ on symbolic values (hook: `FixedVariableArray.__da4ml_replay__`,
  implemented by `replay.comb_call`); pipeline.py: to_pipeline.
"""

from da4ml.ir import HWConfig

from . import ops
from ._node import TraceError
from .fixed_variable import FixedVariable
from .fixed_variable_array import FixedVariableArray, FixedVariableArrayInput
from .pipeline import to_pipeline
from .tracer import comb_trace

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
