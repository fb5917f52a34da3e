"""The Python face of the CMVM optimizer: turns the native result into DAIS ``CombLogic`` stages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._core import cmvm as _native
from ..ir import CombLogic, Op, Pipeline, QInterval
from .validate import check_budget, check_int, check_kernel, check_latencies, check_method, check_qintervals


def _stage(d: dict[str, Any], adder_size: int, carry_size: int) -> CombLogic:
    # Plain Python lists first (``tolist``: one conversion per array instead of one numpy scalar per field),
    # and the named tuples built with ``tuple.__new__`` (same objects, no argument parsing): this loop is
    # most of the Python time of a small solve.  Intervals come as exact integer bounds (lo, hi, f).
    new = tuple.__new__
    qint = QInterval.from_bounds
    ops = [
        new(Op, (a, b, c, dt, qint(*q), la, co))
        for a, b, c, dt, q, la, co in zip(
            d["id0"].tolist(),
            d["id1"].tolist(),
            d["opcode"].tolist(),
            d["data"].tolist(),
            d["qint_bounds"].tolist(),
            d["latency"].tolist(),
            d["cost"].tolist(),
        )
    ]
    return CombLogic(
        shape=(int(d["n_in"]), int(d["n_out"])),
        inp_shifts=d["inp_shifts"].tolist(),
        out_idxs=d["out_idxs"].tolist(),
        out_shifts=d["out_shifts"].tolist(),
        out_negs=[bool(v) for v in d["out_negs"].tolist()],
        ops=ops,
        carry_size=int(carry_size),
        adder_size=int(adder_size),
    )


def solve_raw(
    kernel: Any,
    method0: str = "wmc",
    method1: str = "auto",
    hard_dc: int = -1,
    decompose_dc: int = -2,
    qintervals: Sequence[Any] | np.ndarray | None = None,
    latencies: Sequence[float] | np.ndarray | None = None,
    adder_size: int = -1,
    carry_size: int = -1,
    search_all_decompose_dc: bool = True,
    n_threads: int = 0,
    search_budget: float = 0.0,
    seed: int = 0,
) -> dict[str, Any]:
    """``solve`` without building the IR: the native result dict (stages as arrays, figures, the trial
    kept, every trial's figures and work, and the depth bound)."""
    w = check_kernel(kernel)
    n_in = w.shape[0]
    m0 = check_method("method0", method0, allow_auto=False)
    m1 = check_method("method1", method1, allow_auto=True)
    hard_dc = check_int("hard_dc", hard_dc, -1)
    decompose_dc = check_int("decompose_dc", decompose_dc, -2)
    adder_size = check_int("adder_size", adder_size, -1)
    carry_size = check_int("carry_size", carry_size, -1)
    n_threads = check_int("n_threads", n_threads, 0)
    search_budget = check_budget(search_budget)
    seed = check_int("seed", seed, 0)
    if seed >= 2**64:
        raise ValueError(f"seed={seed} must be below 2**64")
    q = check_qintervals(qintervals, n_in)
    lat = check_latencies(latencies, n_in)
    try:
        return _native.solve(
            w,
            m0,
            m1,
            hard_dc,
            decompose_dc,
            q,
            lat,
            adder_size,
            carry_size,
            bool(search_all_decompose_dc),
            n_threads,
            search_budget,
            seed,
        )
    except OverflowError as err:
        raise ValueError(
            f"{err}: the kernel and input types together need intermediates wider than 62 bits; narrow the "
            "input types or the kernel's dynamic range"
        ) from None


def solve(
    kernel: Any,
    method0: str = "wmc",
    method1: str = "auto",
    hard_dc: int = -1,
    decompose_dc: int = -2,
    qintervals: Sequence[Any] | np.ndarray | None = None,
    latencies: Sequence[float] | np.ndarray | None = None,
    adder_size: int = -1,
    carry_size: int = -1,
    search_all_decompose_dc: bool = True,
    n_threads: int = 0,
    search_budget: float = 0.0,
    seed: int = 0,
) -> Pipeline:
    """Optimize ``x @ kernel`` into shift-and-add DAIS stages.

    ``kernel`` (n_in, n_out): exact fixed-point numbers.  ``method0``/``method1``: pattern selection of
    the (first / second) stage, ``'wmc'`` (weighted by width) or ``'mc'`` (count); ``method1='auto'``
    uses ``method0``.  Of the search trials, ``method0='wmc'`` keeps the cheapest (summed adder widths, then
    fewest adders), ``'mc'`` the one with the fewest adders (then the cheapest).  ``hard_dc``: depth limit in adder levels above the minimum (``-1`` none).
    ``decompose_dc``: stage-1 decomposition depth (``-2`` auto, ``-1`` unlimited, ``0`` none, ``d``: each
    column rebuilt from at most ``2**d`` tree vectors).  ``search_all_decompose_dc``: try several depths
    and keep the cheapest.  ``qintervals``: per input ``(min, max, step)`` (default signed 8-bit
    integers; an interval not containing 0 is widened to contain it, so the program also holds the unit
    impulses that rebuild its kernel); ``latencies``: per input arrival time.  ``search_budget``: extra search
    after the default trials (more decompositions and pattern orders of equal merit, tie-broken by hashes of
    ``seed``; on small kernels also the exact minimum-adder search), in budget seconds of deterministic work
    units (about one second of one core each, independent of the machine's load and of the threads); the result
    is never worse than with ``0`` (the default, which ignores ``seed``) and never worse with a larger budget.
    Returns a ``Pipeline`` of one or two stages whose ``kernel`` equals ``kernel`` exactly.
    """
    raw = solve_raw(
        kernel,
        method0,
        method1,
        hard_dc,
        decompose_dc,
        qintervals,
        latencies,
        adder_size,
        carry_size,
        search_all_decompose_dc,
        n_threads,
        search_budget,
        seed,
    )
    pipe = Pipeline([_stage(s, adder_size, carry_size) for s in raw["stages"]])
    for k, stage in enumerate(pipe.solutions):
        try:
            stage.validate()
        except ValueError as err:  # a DAIS reader would refuse it: say so here, not at the first predict
            raise ValueError(
                f"solve(): stage {k} of the optimized program is not a valid DAIS program ({err}). The kernel's "
                "entries and the input types together need intermediates wider than the interpreter's int64: "
                "quantize the kernel to short binary fractions (0.1 as float64 has 55 significant bits; e.g. "
                "np.round(kernel * 2**8) / 2**8) or narrow qintervals"
            ) from None
    return pipe


@dataclass(frozen=True)
class ExactSolution:
    """What ``solve_exact`` found: the program with the fewest adders, and whether that is proven minimal."""

    pipeline: Pipeline  # x @ kernel exactly
    n_adders: int
    lower_bound: int  # proven: no program (in the search space) has fewer adders
    optimal: bool  # the search finished: n_adders == lower_bound
    heuristic_adders: int  # of the heuristic program (``solve(..., method0='mc')``), the search's upper bound
    nodes: int  # search nodes visited


def solve_exact(
    kernel: Any,
    qintervals: Sequence[Any] | np.ndarray | None = None,
    latencies: Sequence[float] | np.ndarray | None = None,
    adder_size: int = -1,
    carry_size: int = -1,
    max_nodes: int = 2_000_000,
    n_threads: int = 0,
) -> ExactSolution:
    """The fewest adders for ``x @ kernel`` on small kernels (at most 16 rows): the heuristic program
    (``method0='mc'``, no delay constraint) bounds an exhaustive iterative-deepening search over adder graphs
    (not restricted to CSD digits; intermediates up to twice the widest entry's magnitude), which stops after
    ``max_nodes`` search nodes (``0``: no limit).  When it finishes, ``optimal`` is true and no program has
    fewer adders; otherwise ``lower_bound`` says how many are needed at least.  Deterministic."""
    w = check_kernel(kernel)
    n_in = w.shape[0]
    if n_in > 16:
        raise ValueError(f"kernel has {n_in} rows; solve_exact takes at most 16 (use solve for larger kernels)")
    adder_size = check_int("adder_size", adder_size, -1)
    carry_size = check_int("carry_size", carry_size, -1)
    max_nodes = check_int("max_nodes", max_nodes, 0)
    n_threads = check_int("n_threads", n_threads, 0)
    q = check_qintervals(qintervals, n_in)
    lat = check_latencies(latencies, n_in)
    try:
        raw = _native.solve_exact(w, q, lat, adder_size, carry_size, max_nodes, n_threads)
    except OverflowError as err:
        raise ValueError(f"{err}: narrow the input types or the kernel's dynamic range") from None
    pipe = Pipeline([_stage(s, adder_size, carry_size) for s in raw["stages"]])
    return ExactSolution(
        pipe,
        int(raw["n_adders"]),
        int(raw["lower_bound"]),
        bool(raw["optimal"]),
        int(raw["heuristic_adders"]),
        int(raw["nodes"]),
    )


def kernel_decompose(kernel: Any, dc: int = -1) -> tuple[np.ndarray, np.ndarray]:
    """The stage-1 factors ``(W1, W2)`` of the minimum-spanning-tree decomposition, ``W1 @ W2 == kernel``
    exactly (``dc`` as ``decompose_dc``: ``-1`` unlimited, ``0`` none)."""
    w = check_kernel(kernel)
    dc = check_int("dc", dc, -2)
    return _native.kernel_decompose(w, -1 if dc == -2 else dc)


def csd_decompose(kernel: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSD digits ``csd[i, j, b]`` in {-1, 0, 1} (no two adjacent non-zeros) with row and column shifts:
    ``kernel[i, j] == sum_b csd[i, j, b] * 2**(shift0[i] + shift1[j] + b)``."""
    w = check_kernel(kernel)
    return _native.csd_decompose(w)
