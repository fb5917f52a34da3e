"""The 3-layer MLP the benchmarks trace with both tools (8-bit inputs, weights and activations).

Public API names only (api.md), so the very same source runs against the published package in its own venv.
"""

MODEL_SRC = r"""
import time
import numpy as np

def weights(width, seed):
    rng = np.random.default_rng(seed)
    ws = [rng.integers(-128, 128, (width, width)) / 64.0 for _ in range(3)]
    bs = [rng.integers(-128, 128, (width,)) / 16.0 for _ in range(3)]
    return ws, bs

def model(x, ws, bs, ops):
    for j, (w, b) in enumerate(zip(ws, bs)):
        x = x @ w + b
        if j < 2:
            x = ops.relu(x, i=4, f=4)         # 8-bit unsigned activations
        else:
            x = ops.quantize(x, 1, 7, 0)      # 8-bit signed output
    return x

def run(width, seed, FixedVariableArray, comb_trace, ops):
    ws, bs = weights(width, seed)
    t0 = time.perf_counter()
    x = FixedVariableArray.from_kif(np.ones(width, dtype=np.int64), 3, 4)   # 8-bit signed inputs
    y = model(x, ws, bs, ops)
    t1 = time.perf_counter()
    comb = comb_trace(x, y)
    t2 = time.perf_counter()
    X = np.random.default_rng(seed + 1).integers(-128, 128, (8, width)) / 16.0
    return {"width": width, "trace_s": t1 - t0, "emit_s": t2 - t1, "total_s": t2 - t0,
            "n_ops": len(comb.ops), "cost": float(comb.cost), "latency": float(max(comb.latency)),
            "binary": [int(v) for v in np.asarray(comb.to_binary(), dtype=np.int64)],
            "probe": [[float(v) for v in r] for r in np.asarray(comb.predict(X) if hasattr(comb, "predict") and _HAS_PREDICT else [comb(r) for r in X])]}
"""


def traced_mlp(width: int, seed: int = 0):
    """The MLP of MODEL_SRC traced and optimized by this package (a CombLogic)."""
    import numpy as np

    from da4ml.trace import FixedVariableArray, comb_trace, ops

    scope: dict = {"_HAS_PREDICT": True}
    exec(MODEL_SRC, scope)  # noqa: S102 (our own model source, shared with the published-da4ml venv)
    ws, bs = scope["weights"](width, seed)
    x = FixedVariableArray.from_kif(np.ones(width, dtype=np.int64), 3, 4)
    return comb_trace(x, scope["model"](x, ws, bs, ops))
