"""da4ml.trace: trace fixed-point numpy code into DAIS programs.

x = FixedVariableArray.from_kif(1, 3, 4, shape...)   # symbolic inputs
y = (x @ W).relu(f=4)                                 # numpy-like code
comb = comb_trace(x, y)                               # one DAIS program (CombLogic)
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
