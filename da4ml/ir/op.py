"""One DAIS operation, and the decode layer: the only Python code that knows how ``data`` is packed.

``data`` is a signed 64-bit integer whose meaning depends on the opcode (shared/spec/dais.md); the layout comes
from the table in ``native/core/dais/opcodes.hpp`` (``da4ml.ir.opcodes``).  Everything else reads an op through
the named fields below and builds one with ``Op.build`` / ``op.with_fields``:

==============  ================================================  ======================================
field           meaning                                           opcodes
==============  ================================================  ======================================
``shift``       b is read as ``b * 2**shift``                     ADD, SUB, MUX, NEG_MUX, BIT_BINARY
``cond``        the op whose msb selects ``a`` (else ``b``)       MUX, NEG_MUX
``table``       index into ``lookup_tables``                      LOOKUP
``table_offset`` entry = ``table[a - a_min - table_offset]``      LOOKUP
``bit_op``      a ``BitUnary`` / ``BitBinary`` member             BIT_UNARY, NEG_BIT_UNARY, BIT_BINARY
``neg_a``       a is negated (also true for every NEG_* of a)     BIT_BINARY (field); NEG_RELU, ...
``neg_b``       b is negated (also true for SUB and NEG_MUX)      BIT_BINARY (field); SUB, NEG_MUX
``constant``    a constant in steps of the op's type              ADD_CONST, CONST
==============  ================================================  ======================================

Reading a field the opcode does not have raises AttributeError (so ``hasattr(op, "table")`` asks whether it
has one).  ``operands(op)`` lists the earlier ops an op reads; ``op.family`` is its opcode without the
negation (SUB -> ADD, NEG_MUX -> MUX, ...), so a back end switches on the family and reads ``neg_a``/``neg_b``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from .fixed import QInterval, kif_of, width_of
from .opcodes import OPCODE_INFO, BitBinary, BitUnary, Opcode, OpcodeInfo, opcode_info

__all__ = ["INT32_MAX", "INT32_MIN", "INT64_MAX", "INT64_MIN", "Op", "encode_data", "operands"]

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

# the two halves of data named by the spec (lo = bits 0..31, hi = bits 32..63, both signed)
_LO_BIT, _HALF_BITS = 0, 32
_HI_BIT = _LO_BIT + _HALF_BITS


# (opcode, field name) -> (bit, mask, sign bit or 0): the decode of every field, flattened for speed
_SPECS: dict[tuple[int, str], tuple[int, int, int]] = {
    (code, name): (spec.bit, (1 << spec.width) - 1, (1 << (spec.width - 1)) if spec.signed else 0)
    for code, info in OPCODE_INFO.items()
    for name, spec in info.fields.items()
}


def _decode(data: int, spec: tuple[int, int, int]) -> int:
    bit, mask, sign = spec
    v = (int(data) >> bit) & mask
    return v - (sign << 1) if v & sign else v


def _no_field(opcode: int, name: str) -> AttributeError:
    info = opcode_info(opcode)
    return AttributeError(
        f"a {info.name} op has no data field {name!r} (its fields: {', '.join(info.fields) or 'none'})"
    )


def _half(data: int, bit: int) -> int:
    v = (int(data) >> bit) & ((1 << _HALF_BITS) - 1)
    return v - (1 << _HALF_BITS) if v >> (_HALF_BITS - 1) else v


def _signed64(u: int) -> int:
    u &= (1 << 64) - 1
    return u - (1 << 64) if u >> 63 else u


def encode_data(opcode: int, **fields: Any) -> int:
    """``data`` of an op of ``opcode`` holding the named ``fields`` (missing ones are 0).

    ValueError names a field the opcode does not have, or a value its bits cannot hold."""
    info = opcode_info(opcode)
    unknown = sorted(set(fields) - set(info.fields))
    if unknown:
        raise ValueError(
            f"{info.name} has no field {unknown[0]!r} in its data (its fields: {', '.join(info.fields) or 'none'})"
        )
    u = 0
    for name, spec in info.fields.items():
        value = int(fields.get(name, 0))
        lo, hi = spec.limits
        if not lo <= value <= hi:
            raise ValueError(f"{info.name} field {name}={value} does not fit its {spec.width} bits ([{lo}, {hi}])")
        u |= spec.encode(value)
    return _signed64(u)


class Op(NamedTuple):
    """``buf[t] = opcode(buf[id0], buf[id1], data)``; ``qint`` is the exact interval of the result."""

    id0: int
    id1: int
    opcode: int
    data: int
    qint: QInterval
    latency: float
    cost: float

    # ---- construction -----------------------------------------------------------------------------
    @classmethod
    def build(
        cls,
        opcode: int,
        id0: int = -1,
        id1: int = -1,
        *,
        qint: QInterval,
        latency: float = 0.0,
        cost: float = 0.0,
        **fields: Any,
    ) -> Op:
        """An op from its named data fields (see the module doc), e.g.
        ``Op.build(Opcode.MUX, a, b, qint=q, cond=c, shift=1)``."""
        return cls(int(id0), int(id1), int(opcode), encode_data(opcode, **fields), qint, latency, cost)

    def with_fields(self, **fields: Any) -> Op:
        """The same op with some data fields replaced (e.g. ``op.with_fields(cond=new_index)``)."""
        return self._replace(data=encode_data(self.opcode, **{**self.fields, **fields}))

    @staticmethod
    def pack(lo: int, hi: int) -> int:
        """``data`` from its signed low and high 32-bit halves (the spec's ``lo`` and ``hi``)."""
        for name, half in (("lo", lo), ("hi", hi)):
            if not INT32_MIN <= half <= INT32_MAX:
                raise ValueError(f"data {name}={half} does not fit a signed 32-bit half")
        return _signed64((int(hi) << _HI_BIT) | ((int(lo) & ((1 << _HALF_BITS) - 1)) << _LO_BIT))

    # ---- decoding ---------------------------------------------------------------------------------
    @property
    def info(self) -> OpcodeInfo:
        """The opcode's table row (operands, static negations, field layout); ValueError if unknown."""
        return opcode_info(self.opcode)

    @property
    def family(self) -> Opcode:
        """The opcode without its negation: SUB -> ADD, NEG_RELU -> RELU, NEG_MUX -> MUX, ..."""
        return opcode_info(self.opcode).family

    def field(self, name: str) -> int:
        """The named field of ``data`` (AttributeError if this opcode has none of that name)."""
        spec = _SPECS.get((self.opcode, name))
        if spec is None:
            raise _no_field(self.opcode, name)
        return _decode(self.data, spec)

    @property
    def fields(self) -> dict[str, int]:
        """Every data field of this op, by name."""
        return {name: spec.decode(self.data) for name, spec in opcode_info(self.opcode).fields.items()}

    shift = property(lambda self: self.field("shift"), doc="b is read as ``b * 2**shift`` (ADD, SUB, MUX, BIT_BINARY).")
    cond = property(lambda self: self.field("cond"), doc="Index of the op whose msb selects ``a`` (MUX, NEG_MUX).")
    table = property(lambda self: self.field("table"), doc="Index of the lookup table (LOOKUP).")
    table_offset = property(
        lambda self: self.field("table_offset"), doc="LOOKUP reads entry ``a - a_min - table_offset`` of its table."
    )
    constant = property(
        lambda self: self.field("constant"), doc="The constant, in steps of the op's type (ADD_CONST, CONST)."
    )

    @property
    def bit_op(self) -> BitUnary | BitBinary:
        """The sub-operation of BIT_UNARY / NEG_BIT_UNARY (``BitUnary``) or BIT_BINARY (``BitBinary``);
        ValueError naming an unknown value."""
        v = self.field("bit_op")
        kind = BitBinary if self.family == Opcode.BIT_BINARY else BitUnary
        try:
            return kind(v)
        except ValueError:
            names = ", ".join(f"{m.name}={m.value}" for m in kind)
            raise ValueError(f"{self.info.name} sub-operation {v} is not one of {names}") from None

    def _negated(self, name: str) -> bool:
        """The opcode negates the operand always (``OpcodeInfo.neg_a``/``neg_b``) or by its data flag."""
        if getattr(opcode_info(self.opcode), name):
            return True
        spec = _SPECS.get((self.opcode, name))
        return spec is not None and bool(_decode(self.data, spec))

    neg_a = property(
        lambda self: self._negated("neg_a"),
        doc="Is operand a read negated (NEG_RELU, NEG_QUANTIZE, NEG_BIT_UNARY, BIT_BINARY's flag)?",
    )
    neg_b = property(
        lambda self: self._negated("neg_b"), doc="Is operand b read negated (SUB, NEG_MUX, BIT_BINARY's flag)?"
    )

    @property
    def input_index(self) -> int:
        """The program input an INPUT op reads."""
        if self.opcode != Opcode.INPUT:
            raise AttributeError(f"a {opcode_info(self.opcode).name} op reads no program input")
        return self.id0

    @property
    def lo(self) -> int:
        """The spec's raw low half of ``data`` (prefer the named fields)."""
        return _half(self.data, _LO_BIT)

    @property
    def hi(self) -> int:
        """The spec's raw high half of ``data`` (prefer the named fields)."""
        return _half(self.data, _HI_BIT)

    @property
    def kif(self) -> tuple[int, int, int]:
        return kif_of(self.qint)

    @property
    def width(self) -> int:
        """Bits of the op's value (0: it can only be 0)."""
        return width_of(kif_of(self.qint))


def operands(op: Op) -> tuple[int, ...]:
    """The earlier ops that ``op`` reads, in the order a, b, cond (a mux also reads its condition)."""
    info = opcode_info(op.opcode)
    out: tuple[int, ...] = ()
    if info.reads_a:
        out += (op.id0,)
    if info.reads_b:
        out += (op.id1,)
    if info.reads_cond:
        out += (_decode(op.data, _SPECS[op.opcode, "cond"]),)
    return out
