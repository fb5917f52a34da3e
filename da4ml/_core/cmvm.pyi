"""Stubs of da4ml._core.cmvm (native/bindings/cmvm.cpp)."""

from typing import Any

import numpy as np
import numpy.typing as npt

def solve(
    kernel: npt.NDArray[np.float64],
    method0: str,
    method1: str,
    hard_dc: int,
    decompose_dc: int,
    qintervals: npt.NDArray[np.int64],
    latencies: npt.NDArray[np.float64],
    adder_size: int,
    carry_size: int,
    search_all_decompose_dc: bool,
    n_threads: int = 0,
    search_budget: float = 0.0,
    seed: int = 0,
) -> dict[str, Any]:
    """Returns {'stages': [stage dict], 'n_adders', 'cost', 'latency', 'trial', 'n_trials', 'work',
    'trials' (per trial: (name, n_adders, cost, latency, work, kept)), 'depth_lower_bound', 'depth_limit'};
    a stage dict holds n_in, n_out, per-op arrays opcode (int32), id0, id1 (int32), data (int64), qint (n_ops,
    3: min, max, step, float64), qint_bounds (n_ops, 3: the exact lo, hi, f as int64: values lo..hi in steps of
    2**-f), latency, cost (float64), and inp_shifts, out_idxs, out_shifts (int32), out_negs (int8).
    ``qintervals`` rows are exact (lo, hi, f) too."""

def solve_exact(
    kernel: npt.NDArray[np.float64],
    qintervals: npt.NDArray[np.int64],
    latencies: npt.NDArray[np.float64],
    adder_size: int,
    carry_size: int,
    max_nodes: int,
    n_threads: int = 0,
) -> dict[str, Any]:
    """Returns the solve dict's 'stages', 'n_adders', 'cost', 'latency', 'trial' and 'heuristic_adders',
    'lower_bound', 'optimal', 'nodes'."""

def csd_decompose(
    kernel: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.int32], npt.NDArray[np.int32]]: ...
def kernel_decompose(
    kernel: npt.NDArray[np.float64], dc: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]: ...
def adder_cost(width: int, adder_size: int) -> float: ...
def adder_latency(width: int, carry_size: int) -> float: ...
