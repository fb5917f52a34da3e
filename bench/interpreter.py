"""Interpreter throughput: samples/s and op-evaluations/s for 1 thread and all threads.

usage: python bench/interpreter.py [--ops 10000] [--samples 100000] [--repeats 5] [--compare]
--compare also runs the published da4ml 0.6.0 interpreter (its own venv, black box) on the same binary.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np
from _published import run_published
from _random_program import random_inputs, random_program

from da4ml._core import dais


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
        times, y_theirs = run_published(words, x, counts, args.repeats)
        theirs = {n: statistics.median(t) for n, t in times.items()}
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
