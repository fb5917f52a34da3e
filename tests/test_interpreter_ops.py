"""Every DAIS opcode against the exact reference evaluator (tests/dais_words.py), seeded random programs."""

from __future__ import annotations

import dais_words as dw
import numpy as np
import pytest
from dais_random import Builder, kif_of_range, random_inputs, random_kif, result_kif
from dais_words import Op, Prog

from da4ml._core import dais

SEEDS = range(16)
N_SAMPLES = 300  # more than one block


def run_both(p: Prog, x: np.ndarray, n_threads: int = 1) -> tuple[np.ndarray, np.ndarray]:
    ours = dais.Interpreter(dw.encode(p)).predict(x, n_threads=n_threads)
    return ours, dw.evaluate_batch(p, x)


def assert_matches(p: Prog, rng: np.random.Generator, n: int = N_SAMPLES) -> None:
    x = random_inputs(p, rng, n)
    ours, ref = run_both(p, x)
    bad = np.argwhere(ours != ref)
    if len(bad):
        s, j = bad[0]
        o = p.out_idxs[j]
        raise AssertionError(
            f"{len(bad)} mismatches; first: sample {s} output {j} (op {o}: {p.ops[o] if o >= 0 else None}): "
            f"ours {ours[s, j]!r} reference {ref[s, j]!r}; x={x[s].tolist()}"
        )


def inputs(rng: np.random.Generator, n: int, wmax: int = 6, signed: bool | None = None) -> Builder:
    return Builder(rng, [random_kif(rng, wmax, signed) for _ in range(n)])


@pytest.mark.parametrize("seed", SEEDS)
def test_input(seed: int) -> None:
    rng = np.random.default_rng(seed)
    b = inputs(rng, 6, wmax=12)
    assert_matches(b.build(list(range(6))), rng)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("opcode", [dw.ADD, dw.SUB])
def test_add_sub(seed: int, opcode: int) -> None:
    rng = np.random.default_rng(seed)
    b = inputs(rng, 4)
    for _ in range(6):
        a, c = (int(v) for v in rng.integers(0, 4, 2))
        A, B = b.kif(a), b.kif(c)
        lo = int(rng.integers(-4, 5))
        F = max(A[2], B[2] - lo)
        f_t = F + int(rng.integers(-3, 3))  # drop or add fractional bits after the exact sum
        b.add(Op(opcode, a, c, lo, result_kif(opcode, lo, f_t, A, B)))
    assert_matches(b.build(), rng)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("opcode", [dw.RELU, dw.NEG_RELU, dw.QUANT, dw.NEG_QUANT])
def test_relu_quantize(seed: int, opcode: int) -> None:
    rng = np.random.default_rng(seed)
    b = inputs(rng, 4, wmax=8)
    for _ in range(8):
        a = int(rng.integers(0, 4))
        A = b.kif(a)
        k = 1 if opcode in (dw.QUANT, dw.NEG_QUANT) and rng.integers(0, 3) else 0
        w = int(rng.integers(k, 8))
        f = A[2] + int(rng.integers(-4, 5))  # drops and adds fractional bits
        b.add(Op(opcode, a, -1, 0, (k, w - k - f, f)))
    assert_matches(b.build(), rng)


def test_relu_of_negative_fraction() -> None:
    """relu(-0.25) with fractional bits kept or dropped is 0, never -1 (the sign is tested before the drop)."""
    p = Prog(
        1,
        [
            Op(dw.INPUT, 0, -1, 0, (1, 2, 2)),
            Op(dw.RELU, 0, -1, 0, (0, 2, 0)),
            Op(dw.RELU, 0, -1, 0, (0, 2, 3)),
            Op(dw.NEG_RELU, 0, -1, 0, (0, 2, 1)),
        ],
        [1, 2, 3],
    )
    x = np.array([[-0.25], [0.75], [-3.5], [3.75]])
    ours, ref = run_both(p, x)
    np.testing.assert_array_equal(ours, ref)
    np.testing.assert_array_equal(ours, [[0, 0, 0.0], [0, 0.75, 0], [0, 0, 3.5], [3, 3.75, 0]])


@pytest.mark.parametrize("seed", SEEDS)
def test_add_const(seed: int) -> None:
    rng = np.random.default_rng(seed)
    b = inputs(rng, 3)
    for _ in range(6):
        a = int(rng.integers(0, 3))
        A = b.kif(a)
        f_t = A[2] + int(rng.integers(-2, 3))
        big = int(rng.integers(0, 2))  # constants that need the high data word
        data = int(rng.integers(-(2**45), 2**45)) if big else int(rng.integers(-100, 100))
        b.add(Op(dw.ADD_CONST, a, -1, data, result_kif(dw.ADD_CONST, data, f_t, A)))
    assert_matches(b.build(), rng)


@pytest.mark.parametrize("seed", SEEDS)
def test_const(seed: int) -> None:
    rng = np.random.default_rng(seed)
    b = inputs(rng, 1)
    for data in [0, 1, -1, 2**31, -(2**31) - 1, 2**40 + 3, -(2**61), 2**61 - 1, int(rng.integers(-(2**50), 2**50))]:
        b.add(Op(dw.CONST, -1, -1, data, kif_of_range(min(data, 0), max(data, 0), int(rng.integers(-3, 4)))))
    assert_matches(b.build(), rng, n=20)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("opcode", [dw.MUX, dw.NEG_MUX])
def test_mux(seed: int, opcode: int) -> None:
    rng = np.random.default_rng(seed)
    b = inputs(rng, 5)
    for _ in range(6):
        a, c, cond = (int(v) for v in rng.integers(0, 5, 3))
        hi = int(rng.integers(-3, 4))  # b * 2**hi
        k = int(rng.integers(0, 2))
        w = int(rng.integers(k, 10))
        f = max(b.kif(a)[2], b.kif(c)[2] - hi) + int(rng.integers(-2, 2))
        b.add(Op(opcode, a, c, dw.pack(cond, hi), (k, w - k - f, f)))
    assert_matches(b.build(), rng)


@pytest.mark.parametrize("seed", SEEDS)
def test_mul(seed: int) -> None:
    rng = np.random.default_rng(seed)
    b = inputs(rng, 4)
    for _ in range(6):
        a, c = (int(v) for v in rng.integers(0, 4, 2))
        A, B = b.kif(a), b.kif(c)
        f_t = A[2] + B[2] - int(rng.integers(0, 2) * rng.integers(-2, 3))
        b.add(Op(dw.MUL, a, c, 0, result_kif(dw.MUL, 0, f_t, A, B)))
    assert_matches(b.build(), rng)


@pytest.mark.parametrize("seed", SEEDS)
def test_lookup(seed: int) -> None:
    rng = np.random.default_rng(seed)
    b = inputs(rng, 3, wmax=7)
    for _ in range(5):
        a = int(rng.integers(0, 3))
        lo_a, hi_a = dw.type_range(b.kif(a))
        pad = int(rng.integers(0, 4))
        hi = -int(rng.integers(0, pad + 1))  # index = a - a_min - hi, inside a table with `pad` spare entries
        T = random_kif(rng, 10)
        t_lo, t_hi = dw.type_range(T)
        b.tables.append([int(v) for v in rng.integers(t_lo, t_hi + 1, hi_a - lo_a + 1 + pad)])
        b.add(Op(dw.LOOKUP, a, -1, dw.pack(len(b.tables) - 1, hi), T))
    assert_matches(b.build(), rng)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("opcode", [dw.BIT_UNARY, dw.NEG_BIT_UNARY])
def test_bit_unary(seed: int, opcode: int) -> None:
    rng = np.random.default_rng(seed)
    b = inputs(rng, 4)
    for sub in [dw.NOT, dw.ANY, dw.ALL] * 2:
        a = int(rng.integers(0, 4))
        A = b.kif(a)
        T = result_kif(opcode, sub, A[2], A) if sub == dw.NOT else (0, 1, 0)
        b.add(Op(opcode, a, -1, sub, T))
    assert_matches(b.build(), rng)


@pytest.mark.parametrize("seed", SEEDS)
def test_bit_binary(seed: int) -> None:
    rng = np.random.default_rng(seed)
    b = inputs(rng, 4)
    for _ in range(6):
        a, c = (int(v) for v in rng.integers(0, 4, 2))
        A, B = b.kif(a), b.kif(c)
        lo = int(rng.integers(-3, 4))  # alignment both directions
        which = int(rng.integers(0, 3))
        negs = int(rng.integers(0, 4))
        hi = (which << 24) | negs
        F = max(A[2], B[2] - lo)
        b.add(Op(dw.BIT_BINARY, a, c, dw.pack(lo, hi), result_kif(dw.BIT_BINARY, dw.pack(lo, hi), F, A, B)))
    assert_matches(b.build(), rng)


def test_bit_not_signed_and_unsigned() -> None:
    p = Prog(
        2,
        [
            Op(dw.INPUT, 0, -1, 0, (1, 3, 0)),
            Op(dw.INPUT, 1, -1, 0, (0, 3, 0)),
            Op(dw.BIT_UNARY, 0, -1, dw.NOT, (1, 3, 0)),
            Op(dw.BIT_UNARY, 1, -1, dw.NOT, (0, 3, 0)),
            Op(dw.NEG_BIT_UNARY, 1, -1, dw.NOT, (0, 3, 0)),
        ],
        [2, 3, 4],
    )
    ours, ref = run_both(p, np.array([[5.0, 5.0], [-8.0, 0.0]]))
    np.testing.assert_array_equal(ours, ref)
    np.testing.assert_array_equal(ours, [[-6, 2, 4], [7, 7, 7]])


@pytest.mark.parametrize("seed", range(10))
def test_mixed_chain_v0(seed: int) -> None:
    """A spec-version-0 program chaining the version-0 opcodes through each other's types."""
    rng = np.random.default_rng(seed)
    b = inputs(rng, 3)
    b.version = 0
    q, r = (1, 3, 1), (0, 3, 1)
    a = b.add(Op(dw.QUANT, 0, -1, 0, q))
    c = b.add(Op(dw.RELU, 1, -1, 0, r))
    s = b.add(Op(dw.SUB, a, c, 1, result_kif(dw.SUB, 1, 1, q, r)))
    m = b.add(Op(dw.NEG_MUX, s, a, dw.pack(2, 1), (1, 6, 1)))
    k = b.add(Op(dw.ADD_CONST, a, -1, -(2**33), result_kif(dw.ADD_CONST, -(2**33), 1, q)))
    p = b.add(Op(dw.MUL, a, c, 0, result_kif(dw.MUL, 0, 2, q, r)))
    b.tables.append([int(v) for v in rng.integers(-100, 100, 32)])
    b.add(Op(dw.LOOKUP, a, -1, 0, (1, 7, 0)))
    b.add(Op(dw.CONST, -1, -1, 3, (0, 2, 0)))
    b.add(Op(dw.NEG_QUANT, m, -1, 0, (1, 4, 0)))
    assert k and p
    assert_matches(b.build(), rng)


def test_wide_values_near_62_bits() -> None:
    """Values up to 62 bits stay exact in the interpreter (outputs are then rounded to double once)."""
    big = (1, 55, 5)
    p = Prog(
        2,
        [
            Op(dw.INPUT, 0, -1, 0, big),
            Op(dw.INPUT, 1, -1, 0, big),
            Op(dw.ADD, 0, 1, 0, (1, 56, 5)),
            Op(dw.SUB, 0, 1, 0, (1, 56, 5)),
            Op(dw.ADD_CONST, 0, -1, 2**59, (1, 56, 5)),
            Op(dw.QUANT, 2, -1, 0, (1, 56, -3)),
        ],
        [2, 3, 4, 5],
    )
    rng = np.random.default_rng(7)
    x = rng.uniform(-(2.0**55), 2.0**55, (200, 2))
    ours, ref = run_both(p, x)
    np.testing.assert_array_equal(ours, ref)


def test_output_shifts_negation_and_unused() -> None:
    p = Prog(1, [Op(dw.INPUT, 0, -1, 0, (1, 4, 2))], [0, 0, -1, 0], out_shifts=[0, 3, 5, -2], out_negs=[0, 1, 1, 1])
    ours, ref = run_both(p, np.array([[1.25], [-7.5], [0.0]]))
    np.testing.assert_array_equal(ours, ref)
    np.testing.assert_array_equal(ours[:, 2], 0.0)
    assert not (np.signbit(ours) & (ours == 0)).any(), "no negative zeros"
    np.testing.assert_array_equal(ours[0], [1.25, -10.0, 0.0, -0.3125])


def random_mixed_program(seed: int) -> Prog:
    rng = np.random.default_rng(seed)
    b = inputs(rng, 6)
    for _ in range(40):
        a, c = (int(v) for v in rng.integers(0, len(b.ops), 2))
        A, B = b.kif(a), b.kif(c)
        kind = int(rng.integers(0, 3))
        if kind == 0 and max(A[0] + A[1] + A[2], B[0] + B[1] + B[2]) < 20:
            F = max(A[2], B[2])
            lo_a, hi_a = dw.type_range(A)
            lo_b, hi_b = dw.type_range(B)
            r = [x << (F - A[2]) for x in (lo_a, hi_a)], [y << (F - B[2]) for y in (lo_b, hi_b)]
            b.add(Op(dw.ADD, a, c, 0, kif_of_range(r[0][0] + r[1][0], r[0][1] + r[1][1], F)))
        elif kind == 1:
            b.add(Op(dw.QUANT, a, -1, 0, random_kif(rng, 8, wmin=1)))
        else:
            b.add(Op(dw.MUX, a, c, dw.pack(int(rng.integers(0, len(b.ops))), 0), random_kif(rng, 8, wmin=1)))
    return b.build()


@pytest.mark.parametrize("n", [0, 1, 7, 255, 256, 257, 1001])
def test_batch_sizes_and_threads(n: int) -> None:
    p = random_mixed_program(3)
    rng = np.random.default_rng(n)
    x = random_inputs(p, rng, n)
    interp = dais.Interpreter(dw.encode(p))
    one = interp.predict(x, n_threads=1)
    assert one.shape == (n, p.n_out) and one.dtype == np.float64
    np.testing.assert_array_equal(one, dw.evaluate_batch(p, x) if n else np.empty((0, p.n_out)))
    for threads in (0, 2, 3, 8):
        many = interp.predict(x, n_threads=threads)
        assert many.tobytes() == one.tobytes(), f"n_threads={threads} differs from 1 thread"


def test_single_sample_shape_and_dtype_conversion() -> None:
    p = random_mixed_program(4)
    rng = np.random.default_rng(0)
    x = random_inputs(p, rng, 1, special=False)
    interp = dais.Interpreter(dw.encode(p))
    np.testing.assert_array_equal(interp.predict(x[0]), interp.predict(x))
    assert interp.predict(x[0]).shape == (1, p.n_out)
    np.testing.assert_array_equal(
        interp.predict(x.astype(np.float32).astype(np.float64)), interp.predict(x.astype(np.float32))
    )
    np.testing.assert_array_equal(
        interp.predict(np.asfortranarray(np.repeat(x, 3, 0))), interp.predict(np.repeat(x, 3, 0))
    )


def test_properties_and_table() -> None:
    p = random_mixed_program(5)
    interp = dais.Interpreter(dw.encode(p).tobytes())
    assert (interp.n_in, interp.n_out, interp.n_ops, interp.spec_version) == (p.n_in, p.n_out, len(p.ops), 1)
    table = dais.opcodes()
    assert ("LOOKUP", 8, 0) in table and ("BIT_BINARY", 10, 1) in table and len(table) == 16
    assert dais.MAX_VALUE_BITS == 62 and dais.WORDS_PER_OP == 8
    assert (dais.SPEC_VERSION_MIN_READ, dais.SPEC_VERSION_MAX_READ, dais.SPEC_VERSION_WRITTEN) == (0, 1, 1)
