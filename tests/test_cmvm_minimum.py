"""The exact minimum-adder search (da4ml.cmvm.solve_exact): its programs are exact, and its minimum equals
that of a plain breadth-first enumeration of every adder graph (an independent brute force, written here
without any of the search's pruning) on tiny kernels."""

from __future__ import annotations

import numpy as np
import pytest
from cmvm_exact import exact_kernel, exact_ranges, grid_inputs, reference, run_pipeline

from da4ml.cmvm import solve, solve_exact

QINTS = [(-128.0, 127.0, 1.0), (0.0, 15.0, 1.0), (-2.0, 1.75, 0.25)]


def _normalize(v: tuple[int, ...]) -> tuple[int, ...] | None:
    """Odd, first non-zero coefficient positive (None for zero)."""
    if not any(v):
        return None
    while all(c % 2 == 0 for c in v):
        v = tuple(c // 2 for c in v)
    first = next(c for c in v if c)
    return v if first > 0 else tuple(-c for c in v)


def _targets(w: np.ndarray) -> tuple[int, set[tuple[int, ...]]]:
    """Bit length of the widest integer entry and the columns (as normalized integer vectors) needing adders."""
    m = w.astype(np.int64)
    bits = max(1, max(int(abs(int(v))).bit_length() for v in m.flat))
    targets = set()
    for j in range(m.shape[1]):
        t = _normalize(tuple(int(v) for v in m[:, j]))
        if t is not None and not (sum(c != 0 for c in t) == 1 and max(t) == 1):
            targets.add(t)
    return bits, targets


def brute_force_minimum(w: np.ndarray, max_adders: int) -> int | None:
    """Fewest adders (<= max_adders, else None) by enumerating every set of nodes one adder at a time: a node is
    norm(2**a * u + s * 2**b * v) of two nodes, min(a, b) == 0, a, b <= bits + 1, coefficients of non-target
    nodes at most 2**(bits + 1) (the search space of solve_exact).  w: integer entries, no common power of two
    in any row."""
    n = w.shape[0]
    bits, targets = _targets(w)
    shift, bound = bits + 1, 2 ** (bits + 1)
    level = {frozenset(tuple(int(i == k) for i in range(n)) for k in range(n))}
    for k in range(max_adders + 1):
        if any(targets <= s for s in level):
            return k
        if k == max_adders:
            return None
        nxt = set()
        for s in level:
            nodes = sorted(s)
            for i, u in enumerate(nodes):
                for v in nodes[i:]:
                    for sh in range(-shift, shift + 1):
                        a, b = max(-sh, 0), max(sh, 0)
                        for sg in (1, -1):
                            x = _normalize(tuple((cu << a) + sg * (cv << b) for cu, cv in zip(u, v)))
                            if x is None or x in s:
                                continue
                            if x not in targets and max(abs(c) for c in x) > bound:
                                continue
                            nxt.add(s | {x})
        level = nxt
    return None


def _tiny(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n_in, n_out = [(1, 2), (1, 3), (2, 1), (2, 2), (1, 4), (2, 2)][seed % 6]
    bits = int(rng.integers(2, 5)) if n_in == 1 else int(rng.integers(2, 4))
    half = 2 ** (bits - 1)
    while True:
        w = rng.integers(-half, half + 1, size=(n_in, n_out)).astype(np.float64)
        # rows without a common power of two (the brute force works on the kernel as given)
        if all(np.any(row.astype(np.int64) % 2) for row in w):
            return w


@pytest.mark.parametrize("seed", range(36))
def test_minimum_matches_brute_force(seed):
    w = _tiny(seed)
    res = solve_exact(w, max_nodes=0)
    assert res.optimal and res.n_adders == res.lower_bound <= res.heuristic_adders
    assert np.array_equal(exact_kernel(res.pipeline, w.shape[0]), w)
    limit = 3 if w.shape[0] == 1 else 2
    brute = brute_force_minimum(w, limit)
    if brute is None:
        assert res.n_adders > limit, f"brute force found no program with <= {limit} adders"
    else:
        assert res.n_adders == brute


def _adders(pipe) -> int:
    return sum(1 for st in pipe for op in st.ops if op.opcode in (0, 1))


@pytest.mark.parametrize("seed", range(24))
def test_exact_programs_are_exact(seed):
    rng = np.random.default_rng(100 + seed)
    n_in, n_out = int(rng.integers(1, 5)), int(rng.integers(1, 5))
    bits = int(rng.integers(2, 5))
    w = rng.integers(-(2 ** (bits - 1)), 2 ** (bits - 1) + 1, size=(n_in, n_out)).astype(np.float64)
    if seed % 3 == 1:
        w = w * 2.0 ** rng.integers(-3, 2, size=(n_in, 1))  # fractional rows
    qints = [QINTS[int(k)] for k in rng.integers(0, len(QINTS), n_in)]
    res = solve_exact(w, qintervals=qints, max_nodes=200_000)
    assert _adders(res.pipeline) == res.n_adders <= res.heuristic_adders
    assert res.lower_bound <= res.n_adders
    assert res.optimal == (res.lower_bound == res.n_adders)
    assert np.array_equal(exact_kernel(res.pipeline, n_in), w)
    for x in grid_inputs(qints, rng, 6):
        assert run_pipeline(res.pipeline, x) == reference(w, x)
    for stage in res.pipeline:  # every op's interval is its exact range
        for op, (lo, hi) in zip(stage.ops, exact_ranges(stage)):
            if op.opcode in (0, 1):
                assert (float(lo), float(hi)) == (op.qint[0], op.qint[1])


def test_heuristic_is_the_bound_and_search_can_improve_it():
    # A single column: the heuristic (CSD sharing) needs 3 adders for 105x, 2 suffice (105 = 7 * 15).
    w = np.array([[105.0]])
    res = solve_exact(w)
    assert res.heuristic_adders == _adders(solve(w, method0="mc"))
    assert res.heuristic_adders == 3
    assert res.optimal and res.n_adders == 2 == brute_force_minimum(w, 2)


def test_node_budget_gives_a_bound():
    w = np.array([[3.0, -2.0, 1.0], [1.0, 3.0, -3.0], [-1.0, 2.0, 3.0]])
    full = solve_exact(w, max_nodes=0)
    assert full.optimal and full.nodes > 4
    cut = solve_exact(w, max_nodes=3)
    assert cut.lower_bound <= full.n_adders <= cut.n_adders
    assert cut.nodes <= 4
    assert solve_exact(w, max_nodes=3) == cut  # deterministic


def test_bad_input():
    with pytest.raises(ValueError, match="17 rows"):
        solve_exact(np.ones((17, 2)))
    with pytest.raises(ValueError, match="max_nodes"):
        solve_exact(np.ones((2, 2)), max_nodes=-1)
    with pytest.raises(ValueError, match="24 bits"):
        solve_exact(np.array([[2.0**30 + 1]]))
