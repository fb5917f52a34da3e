"""CombLogic / Pipeline: binary layout and round trips, JSON, accounting, validation, evaluation."""

from fractions import Fraction

import numpy as np
import pytest
from ir_programs import affine_program, lookup_program

from da4ml.ir import CombLogic, Op, Opcode, Pipeline, QInterval
from da4ml.types import CombLogic as PublicCombLogic


def test_public_names():
    assert PublicCombLogic is CombLogic
    assert Opcode.INPUT == -1 and Opcode.ADD == 0 and Opcode.BIT_BINARY == 10


def test_binary_word_layout():
    comb = lookup_program()
    w = comb.to_binary()
    assert w.dtype == np.dtype("<i4")
    assert list(w[:6]) == [1, 0, 1, 2, 3, 1]  # version 1, firmware, n_in, n_out, n_ops, n_tables
    assert list(w[6:13]) == [0, 1, 2, 0, 0, 0, 0]  # inp_shifts, out_idxs, out_shifts, out_negs
    const_record = w[13 + 2 * 8 : 13 + 3 * 8]
    # data = 2**40 + 5: the LOW half comes first
    assert list(const_record[:5]) == [5, -1, -1, 5, 2**8]
    assert list(w[13 + 3 * 8 :]) == [8] + list(comb.lookup_tables[0])


def test_binary_round_trip_is_byte_identical(tmp_path):
    for comb in (affine_program(), lookup_program()):
        path = tmp_path / "p.bin"
        comb.save_binary(path)
        loaded = CombLogic.load_binary(path)
        assert loaded.to_binary().tobytes() == path.read_bytes()
        assert CombLogic.from_binary(path.read_bytes()).to_binary().tobytes() == comb.to_binary().tobytes()
        # the binary keeps types, not exact intervals: each op's type is the minimal one of its interval
        assert [op.kif for op in loaded.ops] == [op.kif for op in comb.ops]
        x = _random_inputs(comb, 200, seed=3)
        assert np.array_equal(loaded.predict(x), comb.predict(x))


def test_json_round_trip_keeps_everything(tmp_path):
    for comb in (affine_program(), lookup_program()):
        comb.save(tmp_path / "p.json")
        assert CombLogic.load(tmp_path / "p.json") == comb
    pipe = Pipeline([affine_program(), _identity(3)])
    pipe.save(tmp_path / "pipe.json")
    assert Pipeline.load(tmp_path / "pipe.json") == pipe


def test_accounting():
    comb = affine_program()
    assert comb.cost == 21.0
    assert comb.latency == (1.0, 1.0)
    assert comb.out_latency == [1.0, 1.0, 0.0]
    assert comb.inp_qint == [QInterval(-128.0, 127.0, 1.0), QInterval(-32.0, 31.75, 0.25)]
    assert comb.out_qint[1] == QInterval(-79.5, 79.875, 0.125)
    k, i, f = comb.inp_kifs
    assert list(k) == [1, 1] and list(i) == [7, 5] and list(f) == [0, 2]


def _random_inputs(comb, n, seed):
    rng = np.random.default_rng(seed)
    cols = []
    for q in comb.inp_qint:
        lo, hi = int(q.min / q.step), int(q.max / q.step)
        cols.append(rng.integers(lo, hi + 1, size=n) * q.step)
    return np.stack(cols, axis=1)


def test_predict_matches_exact_arithmetic():
    comb = affine_program()
    x = _random_inputs(comb, 500, seed=7)
    y = comb.predict(x)
    for row, out in zip(x, y):
        x0, x1 = Fraction(row[0]), Fraction(row[1])
        assert Fraction(out[0]) == x0 + 2 * x1
        assert Fraction(out[1]) == -(x0 - x1) / 2
        assert out[2] == 0
    assert np.array_equal(comb.predict(x[0]), y[0])  # one sample in, one sample out


def test_predict_lookup_and_high_constant():
    comb = lookup_program()
    x = np.arange(-4, 4, dtype=np.float64)[:, None]
    y = comb.predict(x)
    assert list(y[:, 0]) == [(v * v - 3) / 4 for v in range(-4, 4)]
    assert np.all(y[:, 1] == 2.0**40 + 5)


def test_kernel_of_linear_program():
    comb = affine_program()
    assert np.array_equal(comb.kernel, np.array([[1.0, -0.5, 0.0], [2.0, 0.5, 0.0]]))
    with pytest.raises(ValueError, match="linear programs only.*LOOKUP"):
        _ = lookup_program().kernel


def _identity(n):
    ops = [Op(j, -1, Opcode.INPUT, 0, QInterval(-256.0, 256.0, 0.125), 0.0, 0.0) for j in range(n)]
    return CombLogic((n, n), [0] * n, list(range(n)), [0] * n, [False] * n, ops)


def test_pipeline_chains_stages():
    first = affine_program()
    pipe = Pipeline([first, _identity(3)])
    x = _random_inputs(first, 100, seed=5)
    assert np.array_equal(pipe.predict(x), _identity(3).predict(first.predict(x)))
    assert pipe.shape == (2, 3)
    assert pipe.cost == first.cost
    assert pipe.reg_bits == sum(max(k + i + f, 0) for k, i, f in zip(*first.out_kifs))
    with pytest.raises(ValueError, match="stage 0 has 3 outputs but stage 1 has 2 inputs"):
        Pipeline([first, _identity(2)])


def test_validation_names_the_problem():
    comb = affine_program()
    with pytest.raises(ValueError, match="out_shifts has 2 entries"):
        comb._replace(out_shifts=[0, 0]).validate()
    bad_ops = list(comb.ops)
    bad_ops[2] = bad_ops[2]._replace(opcode=42)
    with pytest.raises(ValueError, match="op 2: unknown opcode 42"):
        comb._replace(ops=bad_ops).validate()
    bad_ops = list(comb.ops)
    bad_ops[3] = bad_ops[3]._replace(id1=3)  # reads itself
    with pytest.raises(ValueError, match="op 3"):
        comb._replace(ops=bad_ops).validate()
    bad_ops = list(comb.ops)
    bad_ops[3] = bad_ops[3]._replace(qint=QInterval(0.0, 1.0, 0.3))
    with pytest.raises(ValueError, match="op 3 \\(SUB\\).*power of two"):
        comb._replace(ops=bad_ops).validate()


def test_malformed_binary_is_refused():
    words = affine_program().to_binary()
    with pytest.raises(ValueError):
        CombLogic.from_binary(words[:-1])
    with pytest.raises(ValueError, match="multiple of 4"):
        CombLogic.from_binary(words.tobytes()[:-2])
    bad = words.copy()
    bad[0] = 7
    with pytest.raises(ValueError, match="version"):
        CombLogic.from_binary(bad)


def test_equality_ignores_container_types():
    comb = affine_program()
    same = comb._replace(inp_shifts=tuple(comb.inp_shifts), ops=tuple(comb.ops))
    assert comb == same
    assert comb != comb._replace(out_negs=[False, False, False])
