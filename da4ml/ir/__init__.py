"""DAIS, the SSA instruction-level IR every da4ml stage speaks (see shared/spec/dais.md)."""

from .comb_logic import CombLogic
from .cost import adder_cost, adder_latency
from .fixed import QInterval, kif_of, qint_of, width_of
from .hwconfig import HWConfig
from .op import Op
from .opcodes import Opcode
from .pipeline import Pipeline

__all__ = [
    "CombLogic",
    "HWConfig",
    "Op",
    "Opcode",
    "Pipeline",
    "QInterval",
    "adder_cost",
    "adder_latency",
    "kif_of",
    "qint_of",
    "width_of",
]
