"""Interpreter throughput: samples/s and op-evaluations/s for 1 thread and all threads.

usage: python bench/interpreter.py [--ops 10000] [--samples 100000] [--repeats 5] [--compare]
--compare also runs the published da4ml 0.6.0 interpreter (its own venv, black box) on the same binary.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _random_program import random_inputs, random_program

from da4ml._core import dais

# Runs in the published da4ml's venv.  0.6.0 has no CombLogic.load_binary: the binary is decoded into its public
# NamedTuples (CombLogic, Op, QInterval; tables as LookupTable of the integer entries) and its to_binary() must give
# back the very same words, so its predict() runs exactly our binary.
PUBLISHED_RUNNER = """
import json, sys, time
import numpy as np
from da4ml.types import CombLogic, Op, QInterval
from da4ml.trace.fixed_variable import LookupTable
path, data_path, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
w = np.fromfile(path, dtype=np.int32)
n_in, n_out, n_ops, n_tab = (int(v) for v in w[2:6])
p = 6
def take(n):
    global p
    p += n
    return [int(v) for v in w[p - n:p]]
inp_shifts, out_idxs, out_shifts, out_negs = take(n_in), take(n_out), take(n_out), take(n_out)
ops = []
for _ in range(n_ops):
    opc, id0, id1, lo, hi, k, i, f = take(8)
    ops.append(Op(id0, id1, opc, (hi << 32) | (lo & 0xFFFFFFFF), QInterval(-k * 2.0**i, 2.0**i - 2.0**-f, 2.0**-f), 0.0, 0.0))
tables = tuple(LookupTable(np.array(take(s), dtype=np.float64)) for s in take(n_tab))
comb = CombLogic((n_in, n_out), inp_shifts, out_idxs, out_shifts, [bool(v) for v in out_negs], ops, -1, -1,
                 tables or None)
assert np.array_equal(np.asarray(comb.to_binary()), w), "published to_binary() does not reproduce the benchmark binary"
x = np.load(data_path)
out = {}
for n_threads in json.loads(sys.argv[4]):
    comb.predict(x[:1000], n_threads=n_threads)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter(); y = comb.predict(x, n_threads=n_threads); times.append(time.perf_counter() - t0)
    out[n_threads] = times
np.save(data_path + ".out.npy", y)
print(json.dumps(out))
"""


def time_ours(interp: dais.Interpreter, x: np.ndarray, n_threads: int, repeats: int) -> tuple[float, np.ndarray]:
    interp.predict(x[:1000], n_threads=n_threads)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        y = interp.predict(x, n_threads=n_threads)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), y


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ops", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--compare", action="store_true", help="also run published da4ml 0.6.0")
    args = parser.parse_args()

    words = random_program(args.ops, seed=args.seed)
    interp = dais.Interpreter(words)
    x = random_inputs(args.samples, interp.n_in, seed=args.seed)
    n_all = os.cpu_count() or 1
    counts = sorted({1, n_all})
    print(
        f"program: {interp.n_ops} ops, {interp.n_in} inputs, {interp.n_out} outputs, {interp.n_slots} slots; "
        f"{args.samples} samples; median of {args.repeats}"
    )
    ours = {}
    for n in counts:
        ours[n], y = time_ours(interp, x, n, args.repeats)
    theirs = {}
    if args.compare:
        sys.path.insert(0, str(Path(__file__).parent))
        from _venv import published_python

        with tempfile.TemporaryDirectory() as tmp:
            bin_path, data_path = Path(tmp) / "prog.bin", Path(tmp) / "x.npy"
            words.tofile(bin_path)
            np.save(data_path, x)
            res = subprocess.run(
                [
                    published_python("0.6.0"),
                    "-I",
                    "-c",
                    PUBLISHED_RUNNER,
                    bin_path,
                    data_path,
                    str(args.repeats),
                    json.dumps(counts),
                ],
                capture_output=True,
                check=False,
                text=True,
            )
            if res.returncode != 0:
                sys.exit(f"published da4ml 0.6.0 runner failed:\n{res.stderr}")
            theirs = {int(k): statistics.median(v) for k, v in json.loads(res.stdout.strip().splitlines()[-1]).items()}
            y_theirs = np.load(str(data_path) + ".out.npy")
            print(f"outputs identical to published 0.6.0: {np.array_equal(y, y_theirs)}")
    print(
        f"{'threads':>8} {'ours samples/s':>15} {'ours op-evals/s':>16}"
        + (f" {'0.6.0 op-evals/s':>17} {'ratio':>6}" if theirs else "")
    )
    for n in counts:
        rate = args.samples / ours[n]
        line = f"{n:>8} {rate:>15.3e} {rate * interp.n_ops:>16.3e}"
        if theirs:
            their_rate = args.samples / theirs[n] * interp.n_ops
            line += f" {their_rate:>17.3e} {rate * interp.n_ops / their_rate:>6.2f}"
        print(line)


if __name__ == "__main__":
    main()
