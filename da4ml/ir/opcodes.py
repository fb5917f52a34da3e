"""DAIS opcodes: built from the table in ``native/core/dais/opcodes.hpp`` (the single definition)."""

from __future__ import annotations

from enum import IntEnum

from .._core import dais as _dais

Opcode = IntEnum("Opcode", [(name, value) for name, value, _ in _dais.opcodes()])
Opcode.__doc__ = "DAIS opcodes (see shared/spec/dais.md); values are the binary encoding."
Opcode.__module__ = __name__

#: first binary spec version in which each opcode may appear
MIN_SPEC_VERSION: dict[Opcode, int] = {Opcode(value): version for _, value, version in _dais.opcodes()}

SPEC_VERSION_WRITTEN: int = _dais.SPEC_VERSION_WRITTEN
SPEC_VERSION_MIN_READ: int = _dais.SPEC_VERSION_MIN_READ
SPEC_VERSION_MAX_READ: int = _dais.SPEC_VERSION_MAX_READ
WORDS_PER_OP: int = _dais.WORDS_PER_OP
MAX_VALUE_BITS: int = _dais.MAX_VALUE_BITS

#: opcodes whose ``data`` is split into a signed low and high 32-bit half
SPLIT_DATA_OPCODES = frozenset(
    {Opcode.MUX, Opcode.NEG_MUX, Opcode.LOOKUP, Opcode.BIT_UNARY, Opcode.NEG_BIT_UNARY, Opcode.BIT_BINARY}
)
