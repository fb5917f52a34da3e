"""`comb(x, quantize=, debug=)` and `to_pipeline(retiming=)` do what they say (no argument is dropped).

Truth: exact integer arithmetic for the values, the C++ interpreter for what the program's types allow."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from da4ml.ir import BitBinary, CombLogic, Op, Opcode, QInterval, qint_of
from da4ml.ir.evaluate import ProgramValueError
from da4ml.ir.staging import split_stages
from da4ml.trace import FixedVariableArray, comb_trace, to_pipeline


def _two_reads() -> CombLogic:
    """Input 0 read at (1, 3, 2) (its input type: the first INPUT op) and again at the finer (1, 3, 4)."""
    ops = [
        Op(0, -1, Opcode.INPUT, 0, qint_of(1, 3, 2), 0.0, 0.0),
        Op(0, -1, Opcode.INPUT, 0, qint_of(1, 3, 4), 0.0, 0.0),
    ]
    return CombLogic((1, 2), [0], [0, 1], [0, 0], [False, False], ops)


def test_quantize_quantizes_the_inputs_to_their_types_first():
    comb = _two_reads()
    assert [int(v[0]) for v in comb.inp_kifs] == [1, 3, 2]
    x = 0.4  # floor(0.4 * 4) / 4 = 0.25; floor(0.4 * 16) / 16 = 0.375
    assert list(comb([x])) == [0.25, 0.375] == list(comb.predict(np.array([[x]]))[0])
    assert list(comb([x], quantize=True)) == [0.25, 0.25]  # the second INPUT reads the quantized 0.25
    # wrap as well as floor: 9.7 wraps into [-8, 8) as 9.5 - 16
    assert list(comb([9.7], quantize=True)) == [float(Fraction(-26, 4))] * 2


def test_quantize_on_symbols_gives_back_the_program():
    x = FixedVariableArray.from_kif(np.array([1, 0]), np.array([2, 3]), np.array([3, 1]))
    comb = comb_trace(x, (x[0] * 3 + x[1]).quantize(1, 4, 2, "SAT", "RND"))
    y = x.as_new()
    assert comb_trace(y, comb(y, quantize=True, debug=True)) == comb


def _narrow_or() -> CombLogic:
    """a | b of two 4-bit unsigned inputs, declared (0, 3, 0): wrong for every a or b >= 8."""
    ops = [
        Op(0, -1, Opcode.INPUT, 0, qint_of(0, 4, 0), 0.0, 0.0),
        Op(1, -1, Opcode.INPUT, 0, qint_of(0, 4, 0), 0.0, 0.0),
        Op.build(Opcode.BIT_BINARY, 0, 1, qint=QInterval(0, 7, 1), bit_op=BitBinary.OR),
    ]
    return CombLogic((2, 1), [0, 0], [2], [0], [False], ops)


def test_debug_names_the_op_that_leaves_its_type():
    comb = _narrow_or()
    assert comb([3, 4], debug=True)[0] == 7  # a value inside the declared type passes
    with pytest.raises(ProgramValueError, match=r"op 2 \(BIT_BINARY\): value 12 outside its declared interval"):
        comb([8, 4], debug=True)
    with pytest.raises(ValueError):  # the interpreter agrees that the program is wrong for this input
        comb.predict(np.array([[8.0, 4.0]]))
    x = FixedVariableArray.from_kif(np.array([0, 0]), np.array([4, 4]), np.array([0, 0]))
    comb(x)  # without debug the replay trusts the program
    with pytest.raises(ProgramValueError, match=r"op 2 \(BIT_BINARY\): its replayed value can take \[0, 15\]"):
        comb(x, debug=True)


def test_debug_passes_correct_programs():
    x = FixedVariableArray.from_kif(np.array([1, 1, 0]), np.array([3, 2, 2]), np.array([2, 2, 0]))
    y = np.maximum(x[0], x[1]) - (x[2] | x[1].quantize(0, 2, 0)) + abs(x[0] * x[2])
    comb = comb_trace(x, y)
    rng = np.random.default_rng(0)
    for v in rng.integers(-32, 32, (30, 3)) / 4:
        assert np.array_equal(comb(v, debug=True), comb.predict(v[None])[0])
    z = x.as_new()
    assert comb_trace(z, comb(z, quantize=True, debug=True)) == comb


def test_retiming_false_is_refused_by_name():
    x = FixedVariableArray.from_kif(np.array([1, 1]), np.array([3, 3]), np.array([0, 0]))
    comb = comb_trace(x, (x[0] + x[1]) * 3)
    assert len(to_pipeline(comb, 1.0, retiming=True)) == len(split_stages(comb, 1.0)) > 1
    for fn in (to_pipeline, split_stages):
        with pytest.raises(ValueError, match="retiming=False is not supported"):
            fn(comb, 1.0, retiming=False)
