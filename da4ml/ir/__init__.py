"""DAIS, the SSA instruction-level IR every da4ml stage speaks (see shared/spec/dais.md)."""

from .comb_logic import CombLogic
from .cost import adder_cost, adder_latency, adder_span
from .fixed import QInterval, kif_of, qint_of, width_of
from .hwconfig import HWConfig
from .op import Op, encode_data, operands
from .opcodes import MAX_VALUE_BITS, BitBinary, BitUnary, Opcode, OpcodeInfo, opcode_info
from .pipeline import Pipeline

__all__ = [
    "MAX_VALUE_BITS",
    "BitBinary",
    "BitUnary",
    "CombLogic",
    "HWConfig",
    "Op",
    "Opcode",
    "OpcodeInfo",
    "Pipeline",
    "QInterval",
    "adder_cost",
    "adder_latency",
    "adder_span",
    "encode_data",
    "kif_of",
    "opcode_info",
    "operands",
    "qint_of",
    "width_of",
]
