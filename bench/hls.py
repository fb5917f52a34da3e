"""HLS C++ flow next to the RTL flow: generation and compile time for a 16x16 layer and the MLP of bench/_mlp.py.

    python bench/hls.py [--mlp-widths 16] [--repeats 3] [--samples 20000] [--ccache]

HLS: ``HLSModel.write()`` (lowering + templates + files), ``compile()`` (g++ on the C-simulation bridge, one
translation unit holding the top) and ``predict`` throughput. RTL: ``RTLModel.write()`` (HDL, manifest,
testbench) and ``compile()`` (Verilator + C++ build of the batch model), combinational. Each repeat builds in
a fresh directory; ccache is off for Verilator unless --ccache (repeats of one design would otherwise hit it).
Wall times are medians over the repeats; "cpu" is the compiler processes' CPU time (user + sys), which a
loaded machine inflates less than wall time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import numpy as np
from _mlp import traced_mlp

from da4ml.codegen import HLSModel, RTLModel
from da4ml.trace import FixedVariableArray, comb_trace


def layer16(seed: int = 0):
    """x @ W for a 16x16 matrix of 8-bit signed weights on 8-bit signed inputs (CMVM-optimized)."""
    rng = np.random.default_rng(seed)
    w = rng.integers(-128, 128, (16, 16)).astype(np.float32)
    x = FixedVariableArray.from_kif(np.ones(16, dtype=np.int64), 7, 0)
    return comb_trace(x, x @ w)


def _timed(fn) -> tuple[float, float]:
    """(wall s, CPU s of child processes) of ``fn()``."""
    c0 = os.times()
    t0 = time.perf_counter()
    fn()
    wall = time.perf_counter() - t0
    c1 = os.times()
    return wall, (c1.children_user - c0.children_user) + (c1.children_system - c0.children_system)


def bench(name: str, comb, repeats: int, samples: int) -> dict[str, float]:
    rng = np.random.default_rng(1)
    k, i, f = (np.asarray(v, dtype=np.int64) for v in comb.inp_kifs)
    lo, hi = np.where(k == 1, -(2 ** (i + f)), 0), 2 ** (i + f)  # every value of each input's type
    x = np.ldexp(rng.integers(lo, hi, (samples, comb.shape[0])).astype(np.float64), -f)
    want = comb.predict(x)
    rows: dict[str, list[float]] = {}

    def add(key: str, v: float) -> None:
        rows.setdefault(key, []).append(v)

    for _ in range(repeats):
        with tempfile.TemporaryDirectory(prefix="da4ml-bench-hls-") as tmp:
            hls = HLSModel(comb, name, Path(tmp) / "hls", print_latency=False)
            add("hls_write", _timed(hls.write)[0])
            wall, cpu = _timed(hls.compile)
            add("hls_cc", wall)
            add("hls_cc_cpu", cpu)
            t0 = time.perf_counter()
            got = hls.predict(x, n_threads=1)
            add("hls_sps", samples / (time.perf_counter() - t0))
            assert np.array_equal(got, want), f"{name}: HLS C-simulation disagrees with the interpreter"
            rtl = RTLModel(comb, name, Path(tmp) / "rtl", print_latency=False)
            add("rtl_write", _timed(rtl.write)[0])
            wall, cpu = _timed(rtl.compile)
            add("rtl_cc", wall)
            add("rtl_cc_cpu", cpu)
            assert np.array_equal(rtl.predict(x[:2000]), want[:2000]), f"{name}: RTL disagrees with the interpreter"
    return {key: statistics.median(v) for key, v in rows.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mlp-widths", type=int, nargs="+", default=[16])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--samples", type=int, default=20000)
    ap.add_argument("--ccache", action="store_true", help="let Verilator use ccache (off: every build is cold)")
    args = ap.parse_args()
    if not args.ccache:
        os.environ["OBJCACHE"] = ""  # da4ml.toolchain adds ccache only when OBJCACHE is unset
    designs = [("layer16x16", layer16())] + [(f"mlp{w}", traced_mlp(w)) for w in args.mlp_widths]
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; medians of {args.repeats} runs")
    head = ("design", "ops", "HLS write s", "g++ s", "g++ cpu s", "C-sim samples/s", "RTL write s", "Verilator s",
            "Verilator cpu s")  # fmt: skip
    print(" ".join(f"{h:>15}" for h in head))
    for name, comb in designs:
        r = bench(name, comb, args.repeats, args.samples)
        vals = (name, len(comb.ops), f"{r['hls_write']:.3f}", f"{r['hls_cc']:.1f}", f"{r['hls_cc_cpu']:.1f}",
                f"{r['hls_sps']:.0f}", f"{r['rtl_write']:.3f}", f"{r['rtl_cc']:.1f}", f"{r['rtl_cc_cpu']:.1f}")  # fmt: skip
        print(" ".join(f"{v:>15}" for v in vals))


if __name__ == "__main__":
    main()
