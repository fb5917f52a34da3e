"""DAIS opcodes, their operands, the fields packed into ``data``, the bit sub-operations and the limits.

Everything here is built from the tables in ``native/core/dais/opcodes.hpp`` (the single definition, exported by
``da4ml._core.dais``); ``da4ml.ir.op`` decodes an op's fields with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from .._core import dais as _dais

Opcode = IntEnum("Opcode", [(name, value) for name, value, _ in _dais.opcodes()])
Opcode.__doc__ = "DAIS opcodes (see shared/spec/dais.md); values are the binary encoding."
Opcode.__module__ = __name__

_BIT_OPS = _dais.bit_ops()
BitUnary = IntEnum("BitUnary", [(name, value) for family, name, value in _BIT_OPS if family == "BIT_UNARY"])
BitUnary.__doc__ = "Sub-operations of BIT_UNARY / NEG_BIT_UNARY (field ``bit_op``): NOT, OR-reduce, AND-reduce."
BitUnary.__module__ = __name__
BitBinary = IntEnum("BitBinary", [(name, value) for family, name, value in _BIT_OPS if family == "BIT_BINARY"])
BitBinary.__doc__ = "Operations of BIT_BINARY (field ``bit_op``): AND, OR, XOR."
BitBinary.__module__ = __name__


@dataclass(frozen=True)
class FieldSpec:
    """Where a named field sits in an op's signed 64-bit ``data``: ``width`` bits from bit ``bit``."""

    name: str
    bit: int
    width: int
    signed: bool

    @property
    def limits(self) -> tuple[int, int]:
        """The smallest and largest value the field holds."""
        if self.signed:
            return -(1 << (self.width - 1)), (1 << (self.width - 1)) - 1
        return 0, (1 << self.width) - 1

    def decode(self, data: int) -> int:
        v = (int(data) >> self.bit) & ((1 << self.width) - 1)
        if self.signed and v >> (self.width - 1):
            v -= 1 << self.width
        return v

    def encode(self, value: int) -> int:
        """The field's bits in ``data`` (unsigned, to be or-ed with the other fields')."""
        return (int(value) & ((1 << self.width) - 1)) << self.bit


@dataclass(frozen=True)
class OpcodeInfo:
    """One row of the opcode table: what an op of this opcode reads and what its ``data`` holds."""

    opcode: Opcode
    min_spec_version: int  # first binary spec version that may use it
    family: Opcode  # the operation without its negation: SUB -> ADD, NEG_RELU -> RELU, NEG_MUX -> MUX, ...
    reads_a: bool  # id0 is an earlier op (INPUT's id0 is an input index)
    reads_b: bool  # id1 is an earlier op
    reads_cond: bool  # the field ``cond`` is an earlier op (MUX)
    neg_a: bool  # a is always negated (NEG_RELU, NEG_QUANTIZE, NEG_BIT_UNARY)
    neg_b: bool  # b is always negated (SUB, NEG_MUX)
    fields: dict[str, FieldSpec]

    @property
    def name(self) -> str:
        return self.opcode.name


OPCODE_INFO: dict[int, OpcodeInfo] = {
    row["value"]: OpcodeInfo(
        opcode=Opcode(row["value"]),
        min_spec_version=row["min_spec_version"],
        family=Opcode(row["family"]),
        reads_a=row["reads_a"],
        reads_b=row["reads_b"],
        reads_cond=row["reads_cond"],
        neg_a=row["neg_a"],
        neg_b=row["neg_b"],
        fields={name: FieldSpec(name, bit, width, signed) for name, bit, width, signed in row["fields"]},
    )
    for row in _dais.opcode_table()
}

#: every field name any opcode packs into ``data``
FIELD_NAMES: frozenset[str] = frozenset(name for info in OPCODE_INFO.values() for name in info.fields)

#: first binary spec version in which each opcode may appear
MIN_SPEC_VERSION: dict[Opcode, int] = {info.opcode: info.min_spec_version for info in OPCODE_INFO.values()}

SPEC_VERSION_WRITTEN: int = _dais.SPEC_VERSION_WRITTEN
SPEC_VERSION_MIN_READ: int = _dais.SPEC_VERSION_MIN_READ
SPEC_VERSION_MAX_READ: int = _dais.SPEC_VERSION_MAX_READ
WORDS_PER_OP: int = _dais.WORDS_PER_OP
#: the widest value (or aligned intermediate) a program may hold, in bits: the one limit of the project
MAX_VALUE_BITS: int = _dais.MAX_VALUE_BITS


def opcode_info(opcode: int) -> OpcodeInfo:
    """The table row of ``opcode``; ValueError naming it if it is not a DAIS opcode."""
    info = OPCODE_INFO.get(int(opcode))
    if info is None:
        raise ValueError(f"unknown opcode {opcode} (DAIS opcodes: {sorted(OPCODE_INFO)})")
    return info
