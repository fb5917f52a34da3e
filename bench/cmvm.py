"""CMVM benchmark (shared/spec/cmvm.md): the paper protocol and the NN-like protocol, optionally side by side
with the published da4ml 0.6.0 run as a black box from its own virtual environment.

    python bench/cmvm.py                          # both protocols, ours only
    python bench/cmvm.py --trials 20 --compare    # fewer paper trials, with da4ml 0.6.0 and ratios
    python bench/cmvm.py --protocol nn --sizes 8 16 32 --compare
    python bench/cmvm.py --protocol paper --method0 mc --compare   # adder-count selection in both tools
    python bench/cmvm.py --protocol nn --sizes 8 16 --nn-trials 30 --repeats 5 --compare   # small-kernel timing

Per setting: mean adders, mean summed adder bits (sum of the adders' output widths), mean depth (adder
levels on the critical path) and mean solve time, as wall time and as process CPU time (all threads; less
sensitive to other load on a shared machine).  Kernels come from fixed seeds, so both tools see the
very same matrices.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from _venv import published_python  # bench/_venv.py: the shared venvs of published releases

HERE = Path(__file__).resolve().parent
REF_WORKER = HERE / "cmvm_reference_worker.py"
HARD_DCS = (-1, 2, 0)


@dataclass(frozen=True)
class Setting:
    protocol: str  # "paper" or "nn"
    n: int
    bits: int
    hard_dc: int

    @property
    def label(self) -> str:
        b = f" b={self.bits}" if self.protocol == "nn" else ""
        return f"{self.protocol:5s} N={self.n:<3d}{b:5s} hard_dc={self.hard_dc:>2d}"


def kernels_for(s: Setting, trials: int) -> np.ndarray:
    """The benchmark matrices of a setting (independent of hard_dc, so every delay sees the same ones)."""
    rng = np.random.default_rng([0 if s.protocol == "paper" else 1, s.n, s.bits])
    if s.protocol == "paper":
        return rng.integers(129, 256, size=(trials, s.n, s.n)).astype(np.float64)
    u = rng.uniform(size=(trials, s.n, s.n))
    return np.round(u * 2.0**s.bits - 2.0 ** (s.bits - 1))


def width(qint) -> int:
    lo, hi, step = (float(v) for v in qint)
    a, b = round(lo / step), round(hi / step)
    if a == 0 and b == 0:
        return 0
    return 1 + max(-a - 1, b).bit_length() if a < 0 else b.bit_length()


def run_ours(kernels: np.ndarray, hard_dc: int, method0: str) -> list[dict]:
    from da4ml.cmvm import solve

    solve(kernels[0], hard_dc=hard_dc, method0=method0)  # warm-up
    out = []
    for w in kernels:
        t0, c0 = time.perf_counter(), time.process_time()
        pipe = solve(w, hard_dc=hard_dc, method0=method0)
        dt, dc = time.perf_counter() - t0, time.process_time() - c0
        adders = bits = 0
        for stage in pipe:
            for op in stage.ops:
                if op.opcode in (0, 1):
                    adders += 1
                    bits += width(op.qint)
        if not np.array_equal(_kernel_of(pipe, w.shape[0]), w):
            raise AssertionError(f"our program does not reproduce the kernel (hard_dc={hard_dc})")
        out.append({"adders": adders, "bits": bits, "depth": float(pipe.latency[1]), "time": dt, "cpu": dc})
    return out


def _kernel_of(pipe, n_in: int) -> np.ndarray:
    """Exact matrix of the program (float evaluation of shift-adds on unit inputs; exact for these sizes)."""
    from da4ml.ir import Opcode

    x = np.eye(n_in)
    for stage in pipe:
        buf = []
        for op in stage.ops:
            if op.opcode == Opcode.INPUT:
                buf.append(x[:, op.id0] * 2.0 ** stage.inp_shifts[op.id0])
            else:
                b = buf[op.id1] * 2.0**op.shift
                buf.append(buf[op.id0] - b if op.neg_b else buf[op.id0] + b)
        cols = [
            np.zeros(n_in) if o < 0 else (-1.0 if neg else 1.0) * buf[o] * 2.0**s
            for o, s, neg in zip(stage.out_idxs, stage.out_shifts, stage.out_negs)
        ]
        x = np.stack(cols, axis=1)
    return x


def run_reference(kernels: np.ndarray, hard_dc: int, method0: str) -> list[dict]:
    py = published_python("0.6.0")
    with tempfile.TemporaryDirectory() as tmp:
        job, result = Path(tmp) / "job.npz", Path(tmp) / "result.json"
        np.savez(job, kernels=kernels, hard_dcs=np.full(len(kernels), hard_dc), method0=np.array(method0))
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        cmd = [str(py), str(REF_WORKER), str(job), str(result)]
        res = subprocess.run(cmd, check=False, cwd=tmp, env=env, capture_output=True, text=True)
        if res.returncode:
            raise RuntimeError(f"reference run failed: {' '.join(cmd)} (cwd {tmp})\n{res.stderr[-3000:]}")
        return json.loads(result.read_text())


def summarize(runs: list[list[dict]]) -> dict:
    """Means over the kernels; times: the median over repeated runs of the per-run mean (the programs, and so
    adders/bits/depth, are the same in every run)."""
    first = runs[0]
    out = {k: float(np.mean([r[k] for r in first])) for k in ("adders", "bits", "depth")}
    for k in ("time", "cpu"):
        out[k] = float(np.median([np.mean([r[k] for r in rows]) for rows in runs]))
    return out


def fmt(m: dict) -> str:
    return f"{m['adders']:8.1f} {m['bits']:9.1f} {m['depth']:6.2f} {1e3 * m['time']:9.2f} {1e3 * m['cpu']:9.2f}"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--protocol", choices=["paper", "nn", "both"], default="both")
    ap.add_argument("--trials", type=int, default=100, help="kernels per paper-protocol setting (>= 100 per spec)")
    ap.add_argument("--nn-trials", type=int, default=5, help="kernels per NN-like setting")
    ap.add_argument("--sizes", type=int, nargs="*", help="restrict N")
    ap.add_argument("--hard-dc", type=int, nargs="*", default=list(HARD_DCS))
    ap.add_argument("--method0", choices=["wmc", "mc"], default="wmc", help="selection method (both tools)")
    ap.add_argument("--compare", action="store_true", help="also run da4ml 0.6.0 (black box) and print ratios")
    ap.add_argument(
        "--repeats",
        type=int,
        default=1,
        help="runs per setting (ours and theirs alternately); times are the median of the runs' means",
    )
    ap.add_argument("--json", type=Path, help="write all figures to this file")
    args = ap.parse_args(argv)

    settings: list[tuple[Setting, int]] = []
    if args.protocol in ("paper", "both"):
        for n in (2, 4, 8, 12, 16):
            settings += [(Setting("paper", n, 8, h), args.trials) for h in args.hard_dc]
    if args.protocol in ("nn", "both"):
        for n in (8, 16, 32, 64):
            for b in (4, 8):
                settings += [(Setting("nn", n, b, h), args.nn_trials) for h in args.hard_dc]
    if args.sizes:
        settings = [(s, t) for s, t in settings if s.n in args.sizes]

    cols = f"{'bits':>9s} {'depth':>6s} {'wall/ms':>9s} {'cpu/ms':>9s}"
    head = f"{'setting':30s} {'adders':>8s} {cols}"
    if args.compare:
        head += f" | {'0.6.0 add':>9s} {cols} | ratio: add  bits  wall   cpu"
    print(head)
    report = []
    for s, trials in settings:
        ks = kernels_for(s, trials)
        our_runs, ref_runs = [], []
        for _ in range(max(1, args.repeats)):
            our_runs.append(run_ours(ks, s.hard_dc, args.method0))
            if args.compare:
                ref_runs.append(run_reference(ks, s.hard_dc, args.method0))
        ours = summarize(our_runs)
        line = f"{s.label:30s} {fmt(ours)}"
        entry = {
            "setting": s.__dict__,
            "method0": args.method0,
            "trials": trials,
            "repeats": args.repeats,
            "ours": ours,
        }
        if args.compare:
            ref = summarize(ref_runs)
            r = {k: ours[k] / ref[k] if ref[k] else float("nan") for k in ("adders", "bits", "time", "cpu")}
            line += f" | {fmt(ref)} | {r['adders']:5.3f} {r['bits']:5.3f} {r['time']:5.3f} {r['cpu']:5.3f}"
            entry["da4ml_0_6_0"], entry["ratio"] = ref, r
        print(line, flush=True)
        report.append(entry)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
