"""CMVM benchmark (shared/spec/cmvm.md): the paper protocol and the NN-like protocol, optionally side by side
with the published da4ml 0.6.0 run as a black box from its own virtual environment.

    python bench/cmvm.py                          # both protocols, ours only
    python bench/cmvm.py --trials 20 --compare    # fewer paper trials, with da4ml 0.6.0 and ratios
    python bench/cmvm.py --protocol nn --sizes 8 16 32 --compare
    python bench/cmvm.py --protocol paper --method0 mc --compare   # adder-count selection in both tools
    python bench/cmvm.py --protocol nn --sizes 8 16 --nn-trials 30 --repeats 5 --compare   # small-kernel timing
    python bench/cmvm.py --protocol paper --sizes 16 --trials 20 --budget 0 0.01 0.1 1 10   # anytime search
    python bench/cmvm.py --optimality --compare   # heuristics against the exact minimum on small kernels

Per setting: mean adders, mean summed adder bits (sum of the adders' output widths), mean depth (adder
levels on the critical path) and mean solve time, as wall time and as process CPU time (all threads; less
sensitive to other load on a shared machine).  Kernels come from fixed seeds, so both tools see the
very same matrices.

--budget B...: ours with each search budget (budget seconds of deterministic work, see da4ml.cmvm.solve)
instead of the default, one row per budget, and the published tool's default once with --compare.
--optimality: small random kernels (<= 4x4, few digits) solved exactly (da4ml.cmvm.solve_exact) and the
gap of each heuristic's adder count to the optimum: ours (wmc, the default; mc), and da4ml 0.6.0 with
--compare.
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


def run_ours(kernels: np.ndarray, hard_dc: int, method0: str, budget: float = 0.0, seed: int = 0) -> list[dict]:
    from da4ml.cmvm import solve

    solve(kernels[0], hard_dc=hard_dc, method0=method0)  # warm-up
    out = []
    for w in kernels:
        t0, c0 = time.perf_counter(), time.process_time()
        pipe = solve(w, hard_dc=hard_dc, method0=method0, search_budget=budget, seed=seed)
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


OPTIMALITY_SHAPES = ((1, 4, 6), (2, 2, 5), (2, 3, 3), (3, 3, 3), (2, 4, 3), (3, 4, 3), (4, 4, 2))  # (n_in, n_out, bits)


def small_kernels(n_in: int, n_out: int, bits: int, count: int) -> np.ndarray:
    """Random integer kernels with entries in [-2**(bits-1), 2**(bits-1)], no zero column."""
    rng = np.random.default_rng([2, n_in, n_out, bits])
    half = 2 ** (bits - 1)
    out = []
    while len(out) < count:
        w = rng.integers(-half, half + 1, size=(n_in, n_out)).astype(np.float64)
        if np.all(np.any(w != 0, axis=0)):
            out.append(w)
    return np.stack(out)


def optimality(args) -> None:
    """The gap between heuristic adder counts and the exact minimum on small random kernels."""
    from da4ml.cmvm import csd_decompose, solve_exact, solve_raw

    head = f"{'kernels':16s} {'digits':>6s} {'optimum':>8s} {'proven':>7s} {'exact/s':>8s} | ours wmc    gap | ours mc    gap"
    print(head + (" | 0.6.0      gap" if args.compare else ""))
    report = []
    for n_in, n_out, bits in OPTIMALITY_SHAPES:
        ks = small_kernels(n_in, n_out, bits, args.optimality_trials)
        digits = np.mean([np.abs(csd_decompose(w)[0]).sum() for w in ks])
        t0 = time.perf_counter()
        exact = [solve_exact(w, max_nodes=args.max_nodes) for w in ks]
        dt = (time.perf_counter() - t0) / len(ks)
        best = np.array([e.n_adders for e in exact], dtype=float)
        rows = {"ours wmc": [solve_raw(w)["n_adders"] for w in ks], "ours mc": [e.heuristic_adders for e in exact]}
        if args.compare:
            rows["0.6.0"] = [r["adders"] for r in run_reference(ks, -1, "wmc")]
        proven = np.mean([e.optimal for e in exact])
        label = f"{n_in}x{n_out} {bits}-bit x{len(ks)}"
        line = f"{label:16s} {digits:6.1f} {best.mean():8.2f} {100 * proven:6.0f}% {dt:8.3f}"
        entry = {"shape": [n_in, n_out, bits], "kernels": len(ks), "optimum": best.mean(), "proven": proven}
        for name, adders in rows.items():
            a = np.array(adders, dtype=float)
            gap = a.sum() / best.sum() - 1
            line += f" | {a.mean():6.2f} {100 * gap:5.1f}%"
            entry[name] = {"adders": a.mean(), "gap": gap, "optimal_share": float(np.mean(a == best))}
        print(line, flush=True)
        report.append(entry)
    print("gap: summed adders over the summed optimum (best found where not proven), minus 1")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))


def budget_rows(s: Setting, ks: np.ndarray, args) -> list[dict]:
    """One line per search budget for setting s (and the published tool's default with --compare)."""
    rows = []
    for b in args.budget:
        runs = [run_ours(ks, s.hard_dc, args.method0, b, args.seed) for _ in range(max(1, args.repeats))]
        m = summarize(runs)
        print(f"{s.label:30s} {f'budget {b:g} s':>14s} {fmt(m)}", flush=True)
        rows.append({"setting": s.__dict__, "budget": b, "seed": args.seed, "trials": len(ks), "ours": m})
    if args.compare:
        ref = summarize([run_reference(ks, s.hard_dc, args.method0) for _ in range(max(1, args.repeats))])
        print(f"{s.label:30s} {'da4ml 0.6.0':>14s} {fmt(ref)}", flush=True)
        rows.append({"setting": s.__dict__, "da4ml_0_6_0": ref})
    return rows


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
    ap.add_argument("--budget", type=float, nargs="*", help="search budgets (budget seconds): one row each")
    ap.add_argument("--seed", type=int, default=0, help="seed of the budget's extra search")
    ap.add_argument("--optimality", action="store_true", help="heuristics against the exact minimum, small kernels")
    ap.add_argument("--optimality-trials", type=int, default=20, help="kernels per small shape")
    ap.add_argument("--max-nodes", type=int, default=2_000_000, help="exact search nodes per kernel (0: no limit)")
    ap.add_argument("--json", type=Path, help="write all figures to this file")
    args = ap.parse_args(argv)
    if args.optimality:
        optimality(args)
        return

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
    if args.budget:
        head = f"{'setting':30s} {'search':>14s} {'adders':>8s} {cols}"
    elif args.compare:
        head += f" | {'0.6.0 add':>9s} {cols} | ratio: add  bits  wall   cpu"
    print(head)
    report = []
    for s, trials in settings:
        ks = kernels_for(s, trials)
        if args.budget:
            report += budget_rows(s, ks, args)
            continue
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
