"""Interpreter throughput: samples/s and op-evaluations/s for 1 thread and all threads.

usage: python bench/interpreter.py [--ops 10000] [--samples 100000] [--repeats 5] [--compare]
--compare also runs the published da4ml 0.6.0 interpreter (its own venv, black box) on the same binary.
"per CPU-second" divides by the CPU time of all threads: on a busy shared machine it shows the rate per core
the interpreter reaches when it gets the core (wall-clock rates then understate it).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time

import numpy as np
from _published import run_published
from _random_program import random_inputs, random_program

from da4ml._core import dais


def time_ours(interp: dais.Interpreter, x: np.ndarray, n_threads: int, repeats: int) -> tuple[float, float, np.ndarray]:
    """Median wall time and median CPU time (all threads) of predict, and its outputs.  On a shared machine the
    CPU time shows the speed the interpreter would reach with the cores to itself."""
    interp.predict(x[:1000], n_threads=n_threads)
    walls, cpus = [], []
    for _ in range(repeats):
        r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
        y = interp.predict(x, n_threads=n_threads)
        walls.append(time.perf_counter() - t0)
        r1 = resource.getrusage(resource.RUSAGE_SELF)
        cpus.append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
    return statistics.median(walls), statistics.median(cpus), y


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
    ours, cpu = {}, {}
    for n in counts:
        ours[n], cpu[n], y = time_ours(interp, x, n, args.repeats)
    theirs = {}
    if args.compare:
        times, y_theirs = run_published(words, x, counts, args.repeats)
        theirs = {n: statistics.median(t) for n, t in times.items()}
        print(f"outputs identical to published 0.6.0: {np.array_equal(y, y_theirs)}")
    print(
        f"{'threads':>8} {'ours samples/s':>15} {'ours op-evals/s':>16} {'per CPU-second':>15}"
        + (f" {'0.6.0 op-evals/s':>17} {'ratio':>6}" if theirs else "")
    )
    for n in counts:
        rate = args.samples / ours[n]
        line = f"{n:>8} {rate:>15.3e} {rate * interp.n_ops:>16.3e} {args.samples * interp.n_ops / cpu[n]:>15.3e}"
        if theirs:
            their_rate = args.samples / theirs[n] * interp.n_ops
            line += f" {their_rate:>17.3e} {rate * interp.n_ops / their_rate:>6.2f}"
        print(line)


if __name__ == "__main__":
    main()
