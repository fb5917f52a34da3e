"""Trace + optimize time of a 3-layer MLP (8-bit weights and activations) at widths 16, 32, 64.

    python bench/trace.py                 # ours
    python bench/trace.py --compare       # also da4ml 0.6.0 (bench/.venvs/da4ml-0.6.0, public API, black box)

The model is defined once below as plain numpy code on `ops`; the --compare side runs the same source
text against the published package in its own interpreter, on the same seeded weights.  "trace+emit" is
tracing (including the constant-matrix products, optimized by da4ml.cmvm.solve) plus comb_trace; outputs
are compared on 8 probe inputs.

Each tool reports `cost` under its own cost model, and the two models differ (e.g. in what adding a constant
costs), so "cost 1-model" re-costs both programs, read back from their DAIS binaries, with one model (ours,
da4ml.trace._cost.estimate_ops, per op from its exact type): that ratio compares the programs themselves.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _mlp import MODEL_SRC
from _one_model import one_model_cost

THEIR_DRIVER = r"""
import json, sys
_HAS_PREDICT = True
from da4ml.trace import FixedVariableArray, comb_trace
from da4ml.trace import ops
exec(MODEL_SRC)
out = [run(w, 0, FixedVariableArray, comb_trace, ops) for w in json.loads(sys.argv[1])]
print(json.dumps(out))
"""


def ours(widths):
    sys.path.insert(0, str(HERE.parent))
    from da4ml.trace import FixedVariableArray, comb_trace, ops

    g = {"_HAS_PREDICT": True}
    exec(MODEL_SRC, g)  # noqa: S102  (the one model source both packages run)
    return [g["run"](w, 0, FixedVariableArray, comb_trace, ops) for w in widths]


def theirs(widths):
    from _venv import published_python  # the shared black-box venv helper (creates it on first use)

    py = published_python("0.6.0")
    code = f"MODEL_SRC = {MODEL_SRC!r}\n" + THEIR_DRIVER
    r = subprocess.run(
        [str(py), "-c", code, json.dumps(widths)],
        capture_output=True,
        text=True,
        check=False,
        cwd="/tmp",
        env={**os.environ, "PYTHONPATH": ""},
    )
    if r.returncode:
        raise SystemExit(f"da4ml 0.6.0 run failed (cwd /tmp, {py}):\n{r.stderr[-3000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--widths", type=int, nargs="+", default=[16, 32, 64])
    ap.add_argument("--compare", action="store_true", help="run da4ml 0.6.0 side by side")
    args = ap.parse_args()
    a = ours(args.widths)
    b = theirs(args.widths) if args.compare else None
    hdr = f"{'width':>5} {'trace+emit s':>12} {'ops':>6} {'cost':>8} {'latency':>7}"
    if b:
        hdr += f" | {'0.6.0 s':>8} {'ops':>6} {'cost':>8} {'latency':>7} | {'time':>6} {'cost':>6} {'cost 1-model':>12} {'same':>4}"
    print(hdr)
    for j, r in enumerate(a):
        line = f"{r['width']:>5} {r['total_s']:>12.3f} {r['n_ops']:>6} {r['cost']:>8.0f} {r['latency']:>7.1f}"
        if b:
            s = b[j]
            same = "yes" if r["probe"] == s["probe"] else "NO"
            one = one_model_cost(r["binary"]) / one_model_cost(s["binary"])
            line += f" | {s['total_s']:>8.3f} {s['n_ops']:>6} {s['cost']:>8.0f} {s['latency']:>7.1f} | {r['total_s'] / s['total_s']:>6.2f} {r['cost'] / s['cost']:>6.2f} {one:>12.3f} {same:>4}"
        print(line)
    if b:
        print('ratios are ours/theirs; "same" = identical outputs on 8 probe inputs')


if __name__ == "__main__":
    main()
