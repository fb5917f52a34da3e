"""HGQ2 models through the converter: types, cost, latency, time, and exactness against model.predict.

    python bench/convert.py                   # ours
    python bench/convert.py --compare         # also da4ml 0.6.0 + hgq2 0.2.0 (their own venv, black box)
    python bench/convert.py --models mlp leaky --repeats 5

The models (bench/_hgq_models.py: MLP, Conv1D + EinsumDense, Conv2D + max pool, Dense + Keras LeakyReLU) are
built from a fixed seed, calibrated with hgq.utils.trace_minmax and saved once as .keras files; each tool
loads the same files in its own interpreter and runs the same driver below through its public API
(``trace_model`` then ``comb_trace``). "trace s" is the median wall time of that over --repeats runs (model
loading and imports not counted; the machine is shared, so times are noisy). "exact" is the share of output
values on 1000 seeded probe inputs where the program's ``predict`` equals ``model.predict`` bit for bit.
"types" are the inputs' and outputs' (k, i, f); "same types" says whether both tools give identical arrays.
"cost 1-model" re-costs both programs from their DAIS binaries under one model (ours), as bench/trace.py does.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

# Runs in each tool's interpreter (ours: this venv; theirs: the published venv) on the same saved models.
DRIVER = r"""
import json, os, sys, time
os.environ.setdefault("KERAS_BACKEND", "jax")
import numpy as np
import keras
import hgq  # registers HGQ2's layers
from da4ml.converter import trace_model
from da4ml.trace import comb_trace

jobs, repeats = json.loads(sys.argv[1]), int(sys.argv[2])
out = {}
for name, path, probe in jobs:
    model = keras.saving.load_model(path, compile=False)
    x = np.load(probe)
    ref = np.asarray(model.predict(x, verbose=0, batch_size=len(x))).reshape(len(x), -1)
    try:
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            inp, o = trace_model(model)
            comb = comb_trace(inp, o)
            times.append(time.perf_counter() - t0)
    except Exception as e:
        out[name] = {"error": f"{type(e).__name__}: {e}"[:300]}
        continue
    y = np.asarray(comb.predict(x.reshape(len(x), -1)))
    out[name] = {
        "times": times,
        "n_ops": len(comb.ops),
        "cost": float(comb.cost),
        "latency": float(max(comb.latency)),
        "inp_kifs": [np.asarray(a).tolist() for a in comb.inp_kifs],
        "out_kifs": [np.asarray(a).tolist() for a in comb.out_kifs],
        "exact": float(np.mean(y == ref)),
        "binary": np.asarray(comb.to_binary()).astype(int).tolist(),
    }
print(json.dumps(out))
"""

PUBLISHED = ("0.6.0", ("hgq2==0.2.0", "keras==3.15.1", "jax==0.10.2"))


def run_driver(python: str, jobs: list, repeats: int) -> dict:
    r = subprocess.run(
        [python, "-c", DRIVER, json.dumps(jobs), str(repeats)],
        capture_output=True,
        text=True,
        check=False,
        cwd="/tmp",  # never pick up this checkout's da4ml by accident
        env={**os.environ, "PYTHONPATH": "", "KERAS_BACKEND": "jax"},
    )
    if r.returncode:
        raise SystemExit(f"driver failed ({python}, cwd /tmp):\n{r.stderr[-3000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def types(kifs: list) -> str:
    count = Counter(zip(*kifs))
    text = " ".join(f"{n}x({k},{i},{f})" for (k, i, f), n in count.most_common(2))
    return text + (f" +{len(count) - 2}" if len(count) > 2 else "")


def median(v: list[float]) -> float:
    s = sorted(v)
    return (s[(len(s) - 1) // 2] + s[len(s) // 2]) / 2


def main() -> None:
    import numpy as np
    from _hgq_models import MODELS, save_all

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", nargs="+", choices=list(MODELS), default=list(MODELS))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--compare", action="store_true", help="run da4ml 0.6.0 + hgq2 0.2.0 side by side")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="da4ml-bench-convert-") as tmp:
        saved = save_all(tmp, args.models)
        jobs = []
        for name, (path, probe) in saved.items():
            probe_path = Path(tmp) / f"{name}.probe.npy"
            np.save(probe_path, probe)
            jobs.append((name, str(path), str(probe_path)))
        ours = run_driver(sys.executable, jobs, args.repeats)
        theirs = None
        if args.compare:
            from _venv import published_python

            theirs = run_driver(str(published_python(PUBLISHED[0], PUBLISHED[1])), jobs, args.repeats)

    print_table(list(saved), ours, theirs)


def print_table(names: list[str], ours: dict, theirs: dict | None) -> None:
    """One row per model: ours, then (with --compare) theirs and the ratios ours/theirs."""
    from _one_model import one_model_cost

    def cols(r: dict) -> str:
        if "error" in r:
            return f"{'FAILED: ' + r['error'][:60]:<82}"
        return (
            f"{types(r['inp_kifs']):<22} {types(r['out_kifs']):<22} {r['n_ops']:>5} {r['cost']:>7.0f} "
            f"{r['latency']:>5.0f} {median(r['times']):>7.3f} {r['exact']:>6.1%}"
        )

    head = f"{'in types':<22} {'out types':<22} {'ops':>5} {'cost':>7} {'lat':>5} {'trace s':>7} {'exact':>6}"
    print(
        f"{'model':<12} {head}"
        + (f" | {head} | {'cost':>5} {'1-model':>7} {'time':>5} {'same types':>10}" if theirs else "")
    )
    if theirs:
        print(f"{'':<12} {'ours':<{len(head)}} | {'da4ml 0.6.0 + hgq2 0.2.0':<{len(head)}} | ours/theirs")
    for name in names:
        a = ours[name]
        line = f"{name:<12} {cols(a)}"
        if theirs:
            b = theirs[name]
            line += f" | {cols(b)} | "
            if "error" in a or "error" in b:
                line += f"{'-':>5} {'-':>7} {'-':>5} {'-':>10}"
            else:
                one = one_model_cost(a["binary"]) / one_model_cost(b["binary"])
                same = a["inp_kifs"] == b["inp_kifs"] and a["out_kifs"] == b["out_kifs"]
                line += (
                    f"{a['cost'] / b['cost']:>5.2f} {one:>7.3f} {median(a['times']) / median(b['times']):>5.2f} "
                    f"{'yes' if same else 'NO':>10}"
                )
        print(line)


if __name__ == "__main__":
    main()
