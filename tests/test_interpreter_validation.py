"""Every validation rule of dais.md ("A reader validates everything before running"): DAISError naming the op
(index and opcode) and the problem."""

from __future__ import annotations

import re
import resource

import dais_words as dw
import numpy as np
import pytest
from dais_words import Op, Prog

from da4ml._core import dais

S8 = (1, 7, 0)  # an 8-bit signed type


def base_ops() -> list[Op]:
    return [Op(dw.INPUT, 0, -1, 0, S8), Op(dw.INPUT, 1, -1, 0, S8)]


def prog(*ops: Op, outs: list[int] | None = None, version: int = 1, tables: list[list[int]] | None = None) -> Prog:
    all_ops = base_ops() + list(ops)
    return Prog(2, all_ops, outs if outs is not None else [len(all_ops) - 1], tables=tables or [], version=version)


def rejects(words: np.ndarray | bytes, *patterns: str) -> str:
    """Both validate() and Interpreter() refuse the binary with a message matching every pattern."""
    with pytest.raises(dais.DAISError) as err:
        dais.validate(words)
    message = str(err.value)
    for pattern in patterns:
        assert re.search(pattern, message), f"{pattern!r} not in {message!r}"
    with pytest.raises(dais.DAISError, match=re.escape(message)):
        dais.Interpreter(words)
    return message


def test_error_is_value_error() -> None:
    assert issubclass(dais.DAISError, ValueError)


def test_valid_program_passes() -> None:
    dais.validate(dw.encode(prog(Op(dw.ADD, 0, 1, 0, (1, 8, 0)))))


# ---- header and length --------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", [-1, 2, 7, 2**31 - 1])
def test_spec_version(version: int) -> None:
    w = dw.encode(prog(Op(dw.ADD, 0, 1, 0, (1, 8, 0))))
    w[0] = version
    rejects(w, rf"spec_version={version}", "not supported", "0 to 1")


@pytest.mark.parametrize("opcode", [dw.BIT_UNARY, dw.NEG_BIT_UNARY, dw.BIT_BINARY])
def test_bit_ops_refused_in_version_0(opcode: int) -> None:
    op = Op(opcode, 0, 1 if opcode == dw.BIT_BINARY else -1, 0, S8)
    rejects(dw.encode(prog(op, version=0)), rf"^op 2 \({dw_name(opcode)}\)", "spec version >= 1", "version 0")


def dw_name(opcode: int) -> str:
    return {value: name for name, value, _ in dais.opcodes()}[opcode]


def test_trailing_words() -> None:
    w = dw.encode(prog(Op(dw.ADD, 0, 1, 0, (1, 8, 0))))
    rejects(np.append(w, 0).astype(np.int32), "1 trailing words")


@pytest.mark.parametrize("cut", [1, 5, 8, 30])
def test_truncated(cut: int) -> None:
    w = dw.encode(prog(Op(dw.ADD, 0, 1, 0, (1, 8, 0))))
    rejects(w[: len(w) - cut], "too short")


def test_header_only_too_short() -> None:
    rejects(np.array([1, 0, 0], dtype=np.int32), "too short", "header")


@pytest.mark.parametrize("field", [2, 3, 4, 5])
def test_negative_counts(field: int) -> None:
    w = dw.encode(prog(Op(dw.ADD, 0, 1, 0, (1, 8, 0))))
    w[field] = -1
    rejects(w, "negative")


@pytest.mark.parametrize("field", [2, 3, 4, 5])
def test_hostile_counts_do_not_allocate(field: int) -> None:
    """A header claiming 2**31-1 of anything is refused against the length before any allocation."""
    w = dw.encode(prog(Op(dw.ADD, 0, 1, 0, (1, 8, 0))))
    w[field] = 2**31 - 1
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rejects(w, "too short")
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100_000  # KiB


def test_hostile_table_size() -> None:
    p = prog(Op(dw.LOOKUP, 0, -1, dw.pack(0, -128), S8), tables=[list(range(-128, 128))])
    w = dw.encode(p)
    w[-257] = 2**31 - 1
    rejects(w, "too short", "lookup tables")


def test_negative_table_size() -> None:
    p = prog(Op(dw.LOOKUP, 0, -1, dw.pack(0, -128), S8), tables=[list(range(-128, 128))])
    w = dw.encode(p)
    w[-257] = -5
    rejects(w, "table 0", "negative")


def test_bytes_not_whole_words() -> None:
    rejects(dw.encode(prog(Op(dw.ADD, 0, 1, 0, (1, 8, 0)))).tobytes()[:-1], "not a whole number of 4-byte words")


def test_bytes_accepted() -> None:
    dais.validate(dw.encode(prog(Op(dw.ADD, 0, 1, 0, (1, 8, 0)))).tobytes())


def test_non_integer_words_refused() -> None:
    with pytest.raises(TypeError, match="integer"):
        dais.validate(np.zeros(10))


def test_int64_words_out_of_int32_range() -> None:
    w = dw.encode(prog(Op(dw.ADD, 0, 1, 0, (1, 8, 0)))).astype(np.int64)
    dais.validate(w)
    w[0] = 2**40
    rejects(w, "word 0", "does not fit in int32")


# ---- ops ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("opcode", [11, -4, 100, -(2**31)])
def test_unknown_opcode(opcode: int) -> None:
    rejects(dw.encode(prog(Op(opcode, 0, 1, 0, S8))), rf"^op 2 \(opcode {opcode}\)", f"unknown opcode {opcode}")


def test_operand_not_earlier() -> None:
    rejects(
        dw.encode(prog(Op(dw.ADD, 0, 2, 0, (1, 8, 0)))),
        r"^op 2 \(ADD\): operand id1=2 is not an earlier op \(must be -1 <= id < 2\)",
    )


@pytest.mark.parametrize("bad", [-2, 99, -(2**31), 2**31 - 1])
def test_operand_out_of_range(bad: int) -> None:
    rejects(dw.encode(prog(Op(dw.SUB, bad, 1, 0, (1, 8, 0)))), r"^op 2 \(SUB\): operand id0=", "not an earlier op")


@pytest.mark.parametrize(
    "op",
    [
        Op(dw.ADD, 0, -1, 0, S8),
        Op(dw.MUL, -1, 1, 0, S8),
        Op(dw.RELU, -1, -1, 0, S8),
        Op(dw.BIT_BINARY, 0, -1, 0, S8),
        Op(dw.MUX, 0, -1, 0, S8),
        Op(dw.LOOKUP, -1, -1, 0, S8),
    ],
)
def test_required_operand_missing(op: Op) -> None:
    rejects(dw.encode(prog(op)), rf"^op 2 \({dw_name(op.opcode)}\)", "is required but is -1")


@pytest.mark.parametrize("cond", [2, 3, -1])
def test_mux_condition(cond: int) -> None:
    rejects(dw.encode(prog(Op(dw.MUX, 0, 1, dw.pack(cond, 0), S8))), r"^op 2 \(MUX\)", f"condition index lo={cond}")


@pytest.mark.parametrize("index", [2, -1, 2**31 - 1])
def test_input_index(index: int) -> None:
    p = Prog(2, [Op(dw.INPUT, index, -1, 0, S8)], [0])
    rejects(dw.encode(p), r"^op 0 \(INPUT\)", f"input index id0={index}", "n_in=2")


@pytest.mark.parametrize("o", [3, -2, 2**31 - 1])
def test_output_index(o: int) -> None:
    rejects(dw.encode(prog(Op(dw.ADD, 0, 1, 0, (1, 8, 0)), outs=[o])), f"output 0: out_idxs={o}", "n_ops=3")


@pytest.mark.parametrize("k", [-1, 2, 255])
def test_signed_flag(k: int) -> None:
    rejects(dw.encode(prog(Op(dw.ADD, 0, 1, 0, (k, 8, 0)))), r"^op 2 \(ADD\)", f"signed flag k={k}")


def test_type_too_wide() -> None:
    rejects(dw.encode(prog(Op(dw.QUANT, 0, -1, 0, (1, 60, 2)))), r"^op 2 \(QUANTIZE\)", "63 bits wide", "at most 62")


def test_type_width_overflowing_int32() -> None:
    rejects(dw.encode(prog(Op(dw.QUANT, 0, -1, 0, (1, 2**31 - 1, 2**31 - 1)))), r"^op 2 \(QUANTIZE\)", "at most 62")


def test_aligned_intermediate_too_wide() -> None:
    # b * 2**60 aligned to a's step: 8 + 60 bits
    rejects(dw.encode(prog(Op(dw.ADD, 0, 1, 60, (1, 61, 0)))), r"^op 2 \(ADD\)", "aligned", "at most 62")


def test_sum_too_wide() -> None:
    wide = (1, 61, 0)
    p = Prog(2, [Op(dw.INPUT, 0, -1, 0, wide), Op(dw.INPUT, 1, -1, 0, wide), Op(dw.ADD, 0, 1, 0, (1, 61, 0))], [2])
    rejects(dw.encode(p), r"^op 2 \(ADD\)", "exact sum needs 63 bits")


def test_product_too_wide() -> None:
    wide = (1, 31, 0)
    p = Prog(2, [Op(dw.INPUT, 0, -1, 0, wide), Op(dw.INPUT, 1, -1, 0, wide), Op(dw.MUL, 0, 1, 0, (1, 61, 0))], [2])
    rejects(dw.encode(p), r"^op 2 \(MUL\)", "exact product needs 64 bits")


def test_add_const_too_wide() -> None:
    rejects(
        dw.encode(prog(Op(dw.ADD_CONST, 0, -1, 2**62, (1, 61, 0)))),
        r"^op 2 \(ADD_CONST\)",
        "needs 63 bits",
        "at most 62",
    )


def test_bit_binary_alignment_too_wide() -> None:
    rejects(dw.encode(prog(Op(dw.BIT_BINARY, 0, 1, dw.pack(58, 0), S8))), r"^op 2 \(BIT_BINARY\)", "aligned")


def test_const_outside_type() -> None:
    rejects(dw.encode(prog(Op(dw.CONST, -1, -1, 128, S8))), r"^op 2 \(CONST\)", "data=128 is outside", r"\[-128, 127\]")


def test_const_high_word_valid() -> None:
    dais.validate(dw.encode(prog(Op(dw.CONST, -1, -1, -(2**40), (1, 40, 0)))))


@pytest.mark.parametrize("table", [1, -1, 5])
def test_lookup_table_index(table: int) -> None:
    p = prog(Op(dw.LOOKUP, 0, -1, dw.pack(table, -128), S8), tables=[list(range(-128, 128))])
    rejects(dw.encode(p), r"^op 2 \(LOOKUP\)", f"table index lo={table}", "the binary has 1")


@pytest.mark.parametrize(("size", "hi"), [(255, -128), (256, -127), (256, 1), (300, -(2**31))])
def test_lookup_outside_table(size: int, hi: int) -> None:
    p = prog(Op(dw.LOOKUP, 0, -1, dw.pack(0, hi), S8), tables=[[0] * size])
    rejects(dw.encode(p), r"^op 2 \(LOOKUP\)", "lookup index", f"table 0 has {size} entries")


def test_lookup_index_with_offset_valid() -> None:
    # index = a - a_min - hi with hi = -3: [3, 258] inside a table of 259 entries
    dais.validate(dw.encode(prog(Op(dw.LOOKUP, 0, -1, dw.pack(0, -3), S8), tables=[[0] * 259])))


def test_lookup_entries_outside_type() -> None:
    p = prog(Op(dw.LOOKUP, 0, -1, dw.pack(0, 0), (0, 4, 0)), tables=[[3] * 255 + [16]])
    rejects(dw.encode(p), r"^op 2 \(LOOKUP\)", r"table 0 holds values in \[3, 16\]", r"\[0, 15\]")


@pytest.mark.parametrize("lo", [3, -1])
def test_bit_unary_operation(lo: int) -> None:
    rejects(dw.encode(prog(Op(dw.BIT_UNARY, 0, -1, lo, S8))), r"^op 2 \(BIT_UNARY\)", f"bit operation lo={lo}")


@pytest.mark.parametrize("hi", [3 << 24, -1 << 24, 1 << 10])
def test_bit_binary_operation(hi: int) -> None:
    rejects(dw.encode(prog(Op(dw.BIT_BINARY, 0, 1, dw.pack(0, hi), S8))), r"^op 2 \(BIT_BINARY\)", "hi")


# ---- run time ----------------------------------------------------------------------------------------------


def test_run_time_range_violation_names_op_and_sample() -> None:
    """A no-wrap op whose declared type cannot hold its result (malformed program): refused at run time."""
    p = prog(Op(dw.ADD, 0, 1, 0, (1, 4, 0)))  # two 8-bit values summed into a 5-bit type
    interp = dais.Interpreter(dw.encode(p))
    assert interp.predict(np.array([[3.0, 4.0]])).tolist() == [[7.0]]
    x = np.zeros((600, 2))
    x[517] = [100, 27]
    with pytest.raises(dais.DAISError, match=r"op 2 \(ADD\): at sample 517 the result 127 does not fit"):
        interp.predict(x, n_threads=2)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_input(bad: float) -> None:
    interp = dais.Interpreter(dw.encode(prog(Op(dw.ADD, 0, 1, 0, (1, 8, 0)))))
    x = np.zeros((300, 2))
    x[271, 1] = bad
    with pytest.raises(ValueError, match=rf"input x\[271, 1\] is {bad}: inputs must be finite"):
        interp.predict(x)


def test_non_finite_in_unused_column_is_ignored() -> None:
    p = Prog(2, [Op(dw.INPUT, 0, -1, 0, S8)], [0])
    assert dais.Interpreter(dw.encode(p)).predict(np.array([[1.0, np.nan]])).tolist() == [[1.0]]


@pytest.mark.parametrize("shape", [(3,), (4, 3), (2, 2, 2), ()])
def test_wrong_input_shape(shape: tuple[int, ...]) -> None:
    interp = dais.Interpreter(dw.encode(prog(Op(dw.ADD, 0, 1, 0, (1, 8, 0)))))
    with pytest.raises(ValueError, match=r"but this program takes \(batch, 2\) or \(2,\)"):
        interp.predict(np.zeros(shape))


@pytest.mark.parametrize("n_threads", [1, 2, 3, 8])
def test_run_time_error_is_the_first_sample_whatever_the_threads(n_threads: int) -> None:
    p = prog(Op(dw.ADD, 0, 1, 0, (1, 4, 0)))
    x = np.zeros((5000, 2))
    x[[4999, 3001, 1200, 900], 0] = 100  # in different blocks
    x[2000, 1] = np.nan  # a later non-finite input does not win either
    with pytest.raises(dais.DAISError, match=r"op 2 \(ADD\): at sample 900 "):
        dais.Interpreter(dw.encode(p)).predict(x, n_threads=n_threads)
    x[800, 1] = np.inf
    with pytest.raises(ValueError, match=r"input x\[800, 1\] is inf"):
        dais.Interpreter(dw.encode(p)).predict(x, n_threads=n_threads)
