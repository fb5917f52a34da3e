"""Samples verified per second by the da4ml.verif testbench, per simulator and layer width.

    python bench/sim.py [--widths 16 64] [--sims icarus verilator] [--n-samples 20000] [--project DIR ...]

Until da4ml.codegen lands, the designs are fixture layers of the same port widths as a 16x16 / 64x64
layer of 8-bit inputs (tests/hdl_fixtures.make_ring_layer: 8-bit input lanes, 10-bit output lanes,
2 pipeline stages). Pass --project to bench any project directory instead.

Reported per run:
  total/s = n_samples / wall time of the simulation step (simulator start-up, cocotb, golden model,
            stimulus packing and the clocked loop: everything except the HDL build)
  tb/s    = n_samples / (golden model + stimulus/packing + clocked loop): the testbench's own throughput,
            cocotb and interpreter overhead included, simulator start-up excluded
  loop/s  = n_samples / time of the clocked drive-read-compare loop alone
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--widths", type=int, nargs="+", default=[16, 64])
    ap.add_argument("--sims", nargs="+", default=None, help="default: every simulator found")
    ap.add_argument("--n-samples", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--project", nargs="*", default=[], help="bench these project directories instead")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "sim.json"))
    a = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)

    from da4ml.verif import available_simulators, run

    sims = a.sims or available_simulators()
    rows = []
    with tempfile.TemporaryDirectory(prefix="da4ml-bench-sim-") as tmp:
        if a.project:
            projects = [(Path(p).name, Path(p)) for p in a.project]
        else:
            from hdl_fixtures import make_ring_layer

            projects = [(f"layer{n}x{n} (fixture)", make_ring_layer(Path(tmp) / f"ring{n}", n)) for n in a.widths]
        for name, prj in projects:
            for sim in sims:
                res = run(prj, sim, seed=a.seed, n_samples=a.n_samples, build_dir=Path(tmp) / "build" / prj.name / sim)
                if not res.passed:
                    print(res.summary(), file=sys.stderr)
                    return 1
                st = res.stats
                row = {
                    "design": name,
                    "sim": sim,
                    "n_samples": a.n_samples,
                    "build_s": round(res.build_s, 2),
                    "sim_s": round(res.test_s, 3),
                    "prep_s": st["prep_s"],
                    "loop_s": st["loop_s"],
                    "total_per_s": round(a.n_samples / res.test_s),
                    "tb_per_s": round(a.n_samples / (st["prep_s"] + st["loop_s"])),
                    "loop_per_s": round(st["samples_per_s_loop"]),
                    "golden": st["golden"],
                }
                rows.append(row)
                print(
                    f"{name:<22} {sim:<10} {a.n_samples:>7} samples  build {row['build_s']:>6.2f} s  "
                    f"sim {row['sim_s']:>7.3f} s  total {row['total_per_s']:>7}/s  tb {row['tb_per_s']:>7}/s  "
                    f"loop {row['loop_per_s']:>7}/s",
                    flush=True,
                )
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(rows, indent=2) + "\n")
    print(f"written {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
