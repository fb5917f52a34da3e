"""Time to write a complete project (HDL, manifest, binaries, testbench) with RTLModel.write().

    python bench/codegen.py [--widths 16 32 64] [--cutoffs -1 4]

The programs are the 3-layer MLPs of bench/_mlp.py (traced and optimized once, outside the timing).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _mlp import traced_mlp

from da4ml.codegen import RTLModel


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--widths", type=int, nargs="+", default=[16, 32, 64])
    ap.add_argument("--cutoffs", type=float, nargs="+", default=[-1, 4])
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    print(f"{'design':>10} {'ops':>7} {'cutoff':>7} {'write s (median)':>17}")
    for width in args.widths:
        comb = traced_mlp(width)
        for cutoff in args.cutoffs:
            times = []
            for _ in range(args.repeats):
                with tempfile.TemporaryDirectory() as tmp:
                    t0 = time.perf_counter()
                    RTLModel(comb, f"mlp{width}", Path(tmp) / "prj", latency_cutoff=cutoff, print_latency=False).write()
                    times.append(time.perf_counter() - t0)
            print(f"{'mlp' + str(width):>10} {len(comb.ops):>7} {cutoff:>7g} {statistics.median(times):>17.3f}")


if __name__ == "__main__":
    main()
