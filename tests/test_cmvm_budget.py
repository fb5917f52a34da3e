"""The anytime search (solve(..., search_budget=, seed=)): never worse than the default, never worse with a
larger budget, exact, and reproducible: the same programs for a given kernel, budget and seed, whatever the
thread count."""

from __future__ import annotations

import numpy as np
import pytest
from cmvm_exact import exact_kernel, grid_inputs, reference, run_pipeline

from da4ml.cmvm import solve, solve_raw


def _kernels():
    rng = np.random.default_rng(17)
    yield "paper8", rng.integers(129, 256, size=(8, 8)).astype(np.float64)
    yield "nn8", np.round(rng.uniform(size=(8, 8)) * 256 - 128)
    yield "small", rng.integers(-4, 5, size=(3, 3)).astype(np.float64)
    yield "fractional", rng.integers(-20, 21, size=(5, 4)) * 2.0 ** rng.integers(-3, 2, size=(5, 1))


KERNELS = dict(_kernels())


def _key(raw: dict, method0: str) -> tuple:
    """The quantity the search minimizes (solve's kept-trial order)."""
    if method0 == "mc":
        return (raw["n_adders"], raw["cost"], raw["latency"])
    return (raw["cost"], raw["n_adders"], raw["latency"])


@pytest.mark.parametrize("name", sorted(KERNELS))
@pytest.mark.parametrize("method0", ["wmc", "mc"])
@pytest.mark.parametrize("hard_dc", [-1, 1])
def test_budget_never_worse_and_monotone(name, method0, hard_dc):
    w = KERNELS[name]
    keys = [_key(solve_raw(w, method0=method0, hard_dc=hard_dc, search_budget=b), method0) for b in (0, 0.002, 0.01)]
    assert keys[1] <= keys[0] and keys[2] <= keys[1], keys


@pytest.mark.parametrize("name", sorted(KERNELS))
def test_budget_programs_are_exact(name):
    w = KERNELS[name]
    rng = np.random.default_rng(3)
    qints = [(-128.0, 127.0, 1.0)] * w.shape[0]
    pipe = solve(w, search_budget=0.01, seed=5)
    assert np.array_equal(exact_kernel(pipe, w.shape[0]), w)
    for x in grid_inputs(qints, rng, 4):
        assert run_pipeline(pipe, x) == reference(w, x)


def test_reproducible_whatever_the_threads():
    w = KERNELS["paper8"]
    a = solve(w, search_budget=0.01, seed=7, n_threads=1)
    b = solve(w, search_budget=0.01, seed=7, n_threads=2)
    c = solve(w, search_budget=0.01, seed=7)
    assert a == b == c
    ra, rb = (
        solve_raw(w, search_budget=0.01, seed=7, n_threads=1),
        solve_raw(w, search_budget=0.01, seed=7, n_threads=2),
    )
    assert ra["trials"] == rb["trials"] and ra["work"] == rb["work"]


def test_budget_runs_more_trials_and_counts_their_work():
    w = KERNELS["paper8"]
    r0, r1 = solve_raw(w), solve_raw(w, search_budget=0.01)
    assert r1["n_trials"] > r0["n_trials"] and len(r1["trials"]) > len(r0["trials"])
    assert r1["work"] >= r0["work"] + 0.01 * 5e7  # the budget is spent (whole batches: at least)
    assert sum(t[5] for t in r1["trials"]) == 1  # exactly one kept
    # the default's trials come first, with the very same programs' figures
    assert [t[:5] for t in r1["trials"][: len(r0["trials"])]] == [t[:5] for t in r0["trials"]]


def test_default_ignores_the_seed():
    w = KERNELS["nn8"]
    assert solve(w, seed=1) == solve(w, seed=2) == solve(w)


def test_small_kernels_get_the_exact_search():
    # 105 = 7 * 15: the heuristic needs 3 adders, the exact search (run by a budget on small kernels) 2.
    w = np.array([[105.0]])
    assert solve_raw(w, method0="mc")["n_adders"] == 3
    r = solve_raw(w, method0="mc", search_budget=0.01)
    assert r["n_adders"] == 2 and r["trial"] == "exact"
    assert np.array_equal(exact_kernel(solve(w, method0="mc", search_budget=0.01), 1), w)


@pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf"), True, "1", None])
def test_bad_budget(bad):
    with pytest.raises(ValueError, match="search_budget"):
        solve(np.array([[3.0]]), search_budget=bad)


@pytest.mark.parametrize("bad", [-1, 2**64, 1.5])
def test_bad_seed(bad):
    with pytest.raises(ValueError, match="seed"):
        solve(np.array([[3.0]]), seed=bad)


def test_tracer_forwards_the_budget(monkeypatch):
    from da4ml.trace import FixedVariableArray, cmvm_route

    seen = {}

    def spy(kernel, **kw):
        seen.update(kw)
        return solve(kernel, **kw)

    monkeypatch.setattr(cmvm_route, "SOLVER", spy)
    monkeypatch.setattr(cmvm_route, "_CACHE", type(cmvm_route._CACHE)())
    W = np.array([[3.0, 1.0], [5.0, -2.0]])
    x = FixedVariableArray.from_kif([1, 1], 3, 0, solver_options={"search_budget": 0.001, "seed": 4})
    _ = x @ W
    assert seen["search_budget"] == 0.001 and seen["seed"] == 4
