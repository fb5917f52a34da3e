"""DAIS program validation and bit-exact interpreter (da4ml._core.dais)."""

from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt

MAX_VALUE_BITS: int
MAX_OUTPUT_EXPONENT: int
MIN_OUTPUT_EXPONENT: int
SPEC_VERSION_WRITTEN: int
SPEC_VERSION_MIN_READ: int
SPEC_VERSION_MAX_READ: int
WORDS_PER_OP: int
BLOCK_SIZE: int

_Words: TypeAlias = npt.NDArray[np.integer] | bytes | bytearray | memoryview

class DAISError(ValueError):
    """A malformed DAIS program; the message names the op (index and opcode) and the problem."""

def opcodes() -> list[tuple[str, int, int]]:
    """The opcode table: (name, value, min_spec_version) for every opcode."""

def opcode_table() -> list[dict[str, Any]]:
    """Every opcode: name, value, min_spec_version, family, reads_a, reads_b, reads_cond, neg_a, neg_b and
    fields, a list of (name, bit, width, signed) placing each named field in the signed 64-bit data."""

def bit_ops() -> list[tuple[str, str, int]]:
    """The bit sub-operations: (family, name, value), family BIT_UNARY or BIT_BINARY."""

def validate(words: _Words) -> None:
    """Parse and validate a DAIS binary (int32 words or little-endian bytes); raise DAISError if malformed."""

class Interpreter:
    """Bit-exact interpreter of one validated DAIS program (raises DAISError on a malformed binary)."""

    def __init__(self, words: _Words) -> None: ...
    @property
    def n_in(self) -> int: ...
    @property
    def n_out(self) -> int: ...
    @property
    def n_ops(self) -> int: ...
    @property
    def n_slots(self) -> int:
        """Buffer slots per sample after liveness-based reuse."""
    @property
    def spec_version(self) -> int: ...
    def predict(self, data: npt.ArrayLike, n_threads: int = 0) -> npt.NDArray[np.float64]:
        """Run on data shaped (batch, n_in) or (n_in,); returns float64 (batch, n_out).

        Raises ValueError for a wrong shape or a non-finite input, DAISError if a value contradicts
        the program's own types.  Releases the GIL; n_threads=0 uses every hardware thread.
        """
