"""Constant-matrix products: the one place the tracer hands `x @ kernel` to the CMVM optimizer.

`_cmvm_route(x, kernel)` collects the problem (input intervals and latencies, and the solver options of the
inputs' configuration), takes out constant inputs and `offload_fn` entries, calls the optimizer
(`da4ml.cmvm.solve`), and replays the returned Pipeline on the symbolic inputs.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from da4ml import progress
from da4ml.cmvm import solve
from da4ml.ir import HWConfig, QInterval

from ._arith import add_const, const_factor, mul, node_view, sum_values
from ._config import DEFAULT_HWCONF, common_config
from ._errors import TraceError
from ._types import to_frac
from ._value import require_type
from .fixed_variable import FixedVariable
from .fixed_variable_array import FixedVariableArray
from .replay import replay_pipeline

# The optimizer (module attribute, so that tests can spy on what the tracer asks of it).
SOLVER = solve

_SOLVER_KEYS = ("method0", "method1", "hard_dc", "decompose_dc", "search_all_decompose_dc", "n_threads")
_SOLVER_KEYS += ("search_budget", "seed")  # the optimizer's anytime search (solver_options_t)
_CACHE: OrderedDict = OrderedDict()
_CACHE_SIZE = 256


def _mul_offloaded(x: FixedVariable, c: Fraction) -> FixedVariable:
    """x * c as one DAIS multiplier (MUL with a CONST operand), e.g. for a DSP."""
    return mul(x, node_view(x._c(c))) if x.const is None else x._c(x.const * c)


def _solve_cached(kernel: np.ndarray, qints: list, lats: list, hw: HWConfig, opts: dict):
    key = (
        kernel.shape,
        kernel.tobytes(),
        tuple(qints),
        tuple(lats),
        hw.adder_size,
        hw.carry_size,
        tuple(sorted(opts.items())),
    )
    hit = _CACHE.get(key)
    if hit is not None:
        _CACHE.move_to_end(key)
        return hit
    k32 = kernel.astype(np.float32)
    kern = k32 if np.array_equal(k32.astype(np.float64), kernel) else kernel
    with progress.phase(f"CMVM: optimizing a {kern.shape[0]}x{kern.shape[1]} constant matrix"):  # quiet if < 2 s
        pipe = SOLVER(
            kern, qintervals=qints, latencies=lats, adder_size=hw.adder_size, carry_size=hw.carry_size, **opts
        )
    _CACHE[key] = pipe
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return pipe


def _cmvm_route(x: Sequence[FixedVariable], kernel) -> list[FixedVariable]:
    """y = x @ kernel (x: n_in symbolic values, kernel: (n_in, n_out) constants) through the CMVM optimizer."""
    xs = list(x)
    K = np.asarray(kernel, dtype=np.float64)
    if K.ndim != 2 or K.shape[0] != len(xs):
        raise ValueError(f"constant matrix of shape {K.shape} does not match {len(xs)} symbolic inputs")
    if not np.all(np.isfinite(K)):
        raise TraceError("the constant matrix has non-finite entries")
    # every entry at its exact factor (a decimal float64 entry such as 0.3 at float32 precision, as in mul_const)
    factors = {w: float(const_factor(w)) for w in np.unique(K).tolist()}
    if any(w != v for w, v in factors.items()):
        K = np.vectorize(factors.__getitem__, otypes=[np.float64])(K)
    n_out = K.shape[1]
    config = None
    for v in xs:
        require_type(v)
        config = common_config(config, v.config, "a constant-matrix product")
    opts = dict((config.solver_options if config is not None else None) or {})
    offload_fn = opts.pop("offload_fn", None)
    hw = config.hwconf if config is not None else DEFAULT_HWCONF
    # the adder model comes from the values' HWConfig unless solver_options name it explicitly
    a_sz, c_sz = opts.pop("adder_size", None), opts.pop("carry_size", None)
    if a_sz is not None or c_sz is not None:
        hw = HWConfig(
            hw.adder_size if a_sz is None else int(a_sz),
            hw.carry_size if c_sz is None else int(c_sz),
            hw.latency_cutoff,
        )
    unknown = sorted(set(opts) - set(_SOLVER_KEYS))
    if unknown:
        raise TraceError(
            f"solver_options {unknown} are not CMVM options: use {list(_SOLVER_KEYS) + ['adder_size', 'carry_size', 'offload_fn']}"
        )
    extra: list[list[FixedVariable]] = [[] for _ in range(n_out)]
    const = [Fraction(0)] * n_out
    K = K.copy()
    if offload_fn is not None:
        mask = np.asarray(
            offload_fn(K.copy(), FixedVariableArray._wrap(np.array(xs + [], dtype=object).reshape(-1))), dtype=bool
        )
        mask = np.broadcast_to(mask, K.shape)
        for j, c in zip(*np.nonzero(mask & (K != 0))):
            extra[c].append(_mul_offloaded(xs[j], to_frac(K[j, c])))
            K[j, c] = 0.0
    active = []
    for j, v in enumerate(xs):
        if v.const is not None:
            for c in range(n_out):
                if K[j, c] != 0:
                    const[c] += v.const * to_frac(K[j, c])
        elif np.any(K[j] != 0):
            active.append(j)
    ys: list[FixedVariable | None] = [None] * n_out
    if active:
        Ka = np.ascontiguousarray(K[active])
        cols = [c for c in range(n_out) if np.any(Ka[:, c] != 0)]
        if cols:
            xa = [xs[j] for j in active]
            qints = [QInterval(v.low, v.high, v.step) for v in xa]  # exact
            lats = [float(v.latency) for v in xa]
            pipe = _solve_cached(np.ascontiguousarray(Ka[:, cols]), qints, lats, hw, opts)
            res = replay_pipeline(pipe, xa)
            for c, y in zip(cols, res):
                ys[c] = y
    out = []
    for c in range(n_out):
        items = ([ys[c]] if ys[c] is not None else []) + extra[c]
        y = sum_values(items) if items else FixedVariable(const=0)
        out.append(add_const(y, const[c]) if const[c] else y)
    return out
