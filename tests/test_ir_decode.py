"""The decode layer (da4ml.ir.op) against the spec's layout of ``data``, and the rule that it is the only Python
code knowing that layout.

Truth: shared/spec/dais.md's table (``lo`` = low 32 bits, ``hi`` = high 32 bits, both signed; BIT_BINARY's hi:
bit 0 negates a, bit 1 negates b, ``hi >> 24`` the operation), and the C++ reader, which refuses ops missing an
operand the table says they read."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

import da4ml
from da4ml._core import dais
from da4ml.ir import (
    MAX_VALUE_BITS,
    BitBinary,
    BitUnary,
    CombLogic,
    Op,
    Opcode,
    QInterval,
    encode_data,
    opcode_info,
    operands,
)
from da4ml.ir.opcodes import OPCODE_INFO

ROOT = Path(da4ml.__file__).resolve().parent.parent
Q = QInterval(-8, 7, 1)


def _spec_halves(data: int) -> tuple[int, int]:
    """dais.md: lo and hi are the low and high 32 bits of the signed 64-bit data, each read as signed int32."""
    u = data % 2**64
    lo, hi = u % 2**32, u // 2**32
    return (lo - 2**32 if lo >= 2**31 else lo), (hi - 2**32 if hi >= 2**31 else hi)


def test_tables_come_from_the_native_core():
    assert {int(c) for c in Opcode} == set(OPCODE_INFO) == {v for _, v, _ in dais.opcodes()}
    assert MAX_VALUE_BITS == dais.MAX_VALUE_BITS == 62
    assert [(m.name, m.value) for m in BitUnary] == [("NOT", 0), ("ANY", 1), ("ALL", 2)]
    assert [(m.name, m.value) for m in BitBinary] == [("AND", 0), ("OR", 1), ("XOR", 2)]
    fam = {c.name: opcode_info(c).family.name for c in Opcode}
    assert fam["SUB"] == "ADD" and fam["NEG_MUX"] == "MUX" and fam["NEG_BIT_UNARY"] == "BIT_UNARY"


@pytest.mark.parametrize("seed", range(20))
def test_fields_sit_where_the_spec_puts_them(seed):
    rng = np.random.default_rng(seed)

    def i32() -> int:
        return int(rng.integers(-(2**31), 2**31))

    shift, cond, table, offset, const = i32(), i32(), i32(), i32(), int(rng.integers(-(2**63), 2**63))
    for code in (Opcode.ADD, Opcode.SUB):
        assert _spec_halves(encode_data(code, shift=shift)) == (shift, 0)
    for code in (Opcode.MUX, Opcode.NEG_MUX):
        op = Op.build(code, 0, 1, qint=Q, cond=cond, shift=shift)
        assert _spec_halves(op.data) == (cond, shift) == (op.cond, op.shift) == (op.lo, op.hi)
    op = Op.build(Opcode.LOOKUP, 0, qint=Q, table=table, table_offset=offset)
    assert _spec_halves(op.data) == (table, offset) == (op.table, op.table_offset)
    for code in (Opcode.ADD_CONST, Opcode.CONST):
        assert Op.build(code, qint=Q, constant=const).data == const == Op.build(code, qint=Q, constant=const).constant
    for sub in BitUnary:
        op = Op.build(Opcode.NEG_BIT_UNARY, 0, qint=Q, bit_op=sub)
        assert _spec_halves(op.data) == (int(sub), 0) and op.bit_op is sub and op.neg_a
    for kind in BitBinary:
        na, nb = bool(rng.integers(2)), bool(rng.integers(2))
        op = Op.build(Opcode.BIT_BINARY, 0, 1, qint=Q, shift=shift, neg_a=na, neg_b=nb, bit_op=kind)
        lo, hi = _spec_halves(op.data)
        assert (lo, hi & 1, (hi >> 1) & 1, hi >> 24) == (shift, na, nb, int(kind))
        assert (op.shift, op.neg_a, op.neg_b, op.bit_op) == (shift, na, nb, kind)
        assert op.with_fields(neg_b=not nb).fields == {**op.fields, "neg_b": int(not nb)}


def test_static_negations_and_operands():
    assert Op.build(Opcode.SUB, 3, 4, qint=Q).neg_b and not Op.build(Opcode.ADD, 3, 4, qint=Q).neg_b
    assert Op.build(Opcode.NEG_RELU, 3, qint=Q).neg_a and not Op.build(Opcode.RELU, 3, qint=Q).neg_a
    assert operands(Op.build(Opcode.NEG_MUX, 3, 4, qint=Q, cond=2)) == (3, 4, 2)
    assert operands(Op.build(Opcode.LOOKUP, 5, qint=Q)) == (5,)
    assert operands(Op.build(Opcode.INPUT, 7, qint=Q)) == () and Op.build(Opcode.INPUT, 7, qint=Q).input_index == 7
    assert operands(Op.build(Opcode.CONST, qint=Q)) == ()


@pytest.mark.parametrize("code", sorted(OPCODE_INFO))
def test_the_reader_requires_the_operands_the_table_lists(code):
    """Every operand the table says an op reads is required by the C++ reader (and nothing else is)."""
    info = opcode_info(code)
    if info.opcode == Opcode.INPUT:
        return
    inputs = [Op.build(Opcode.INPUT, j, qint=QInterval(0, 7, 1)) for j in range(2)]
    fields = {"cond": 0} if info.reads_cond else {"table": 0} if info.family == Opcode.LOOKUP else {}
    qint = QInterval(0, 1, 1) if info.family in (Opcode.BIT_UNARY, Opcode.LOOKUP) else QInterval(0, 127, 1)
    full = Op.build(code, 0 if info.reads_a else -1, 1 if info.reads_b else -1, qint=qint, **fields)
    tables = ((0,) * 8,) if info.family == Opcode.LOOKUP else ()
    prog = CombLogic((2, 1), [0, 0], [2], [0], [False], [*inputs, full], lookup_tables=tables)
    prog.validate()
    for name in ("id0", "id1"):
        if getattr(info, "reads_a" if name == "id0" else "reads_b"):
            broken = prog._replace(ops=[*inputs, full._replace(**{name: -1})])
            with pytest.raises(ValueError, match=f"operand {name} is required"):
                broken.validate()


def test_field_errors_name_the_field():
    with pytest.raises(ValueError, match="ADD has no field 'table'"):
        encode_data(Opcode.ADD, table=1)
    with pytest.raises(ValueError, match="field shift=4294967296 does not fit its 32 bits"):
        encode_data(Opcode.MUX, shift=2**32)
    with pytest.raises(AttributeError, match="a LOOKUP op has no data field 'shift'"):
        _ = Op.build(Opcode.LOOKUP, 0, qint=Q).shift
    assert not hasattr(Op.build(Opcode.ADD, 0, 1, qint=Q), "table")
    with pytest.raises(ValueError, match="BIT_UNARY sub-operation 7 is not one of NOT=0, ANY=1, ALL=2"):
        _ = Op(0, -1, Opcode.BIT_UNARY, 7, Q, 0.0, 0.0).bit_op
    with pytest.raises(ValueError, match="unknown opcode 42"):
        _ = Op(0, -1, 42, 0, Q, 0.0, 0.0).family


# -- the decode layer is the only Python code that knows how data is packed --------------------------------

DECODE_LAYER = {"da4ml/ir/op.py"}
HALVES_USERS = {"da4ml/ir/binary.py"}  # the binary format stores data as its two spec halves (op.lo, op.hi)
PACKING_CONSTANTS = {24, 32, 0xFFFFFFFF, 0x80000000, 0xFFFFFFFFFFFFFFFF, 0x00FFFFFC, 2**31, 2**32}


def packing_knowledge(source: str, allow_halves: bool = False) -> list[str]:
    """Places in `source` that decode or encode data by hand: shifts by 24/32, masks of 32-bit halves, the
    raw halves ``.lo`` / ``.hi`` / ``Op.pack``, and a hard-coded 62-bit width limit."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.LShift, ast.RShift, ast.BitAnd, ast.BitOr)):
            for side in (node.left, node.right):
                if isinstance(side, ast.Constant) and type(side.value) is int and side.value in PACKING_CONSTANTS:
                    found.append(f"line {node.lineno}: {ast.unparse(node)}")
        if isinstance(node, ast.Compare) and any(
            isinstance(c, ast.Constant) and type(c.value) is int and c.value == 62 for c in node.comparators
        ):
            found.append(f"line {node.lineno}: {ast.unparse(node)} (use MAX_VALUE_BITS)")
        if isinstance(node, ast.Attribute) and node.attr in ("lo", "hi", "pack") and not allow_halves:
            found.append(f"line {node.lineno}: .{node.attr}")
        if isinstance(node, ast.Name) and node.id in ("_lo_hi", "_pack"):
            found.append(f"line {node.lineno}: {node.id}")
    return found


def test_the_checker_finds_hand_decoding():
    assert packing_knowledge("lo, hi = data & 0xFFFFFFFF, data >> 32")
    assert packing_knowledge("kind = op.hi >> 24")
    assert packing_knowledge("if w > 62: pass")
    assert not packing_knowledge("s = op.shift; k = op.bit_op; ok = w > MAX_VALUE_BITS")


def test_no_module_decodes_data_by_hand():
    files = sorted(p for root in ("da4ml", "verif") for p in (ROOT / root).rglob("*.py"))
    assert len(files) > 40
    bad = {}
    for path in files:
        rel = path.relative_to(ROOT).as_posix()
        if rel in DECODE_LAYER:
            continue
        hits = packing_knowledge(path.read_text(), allow_halves=rel in HALVES_USERS)
        if hits:
            bad[rel] = hits
    assert not bad, f"data decoded outside da4ml/ir/op.py: {bad}"
