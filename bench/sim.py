"""Sign-off speed: designs written by RTLModel, verified by the da4ml.verif testbench on every simulator.

    python bench/sim.py [--designs bound,bare,layer16,layer64,demo,mlp64] [--sims icarus verilator predict]
                        [--n-samples N] [--repeats R] [--keep DIR] [--retrace] [--fixture]

Designs (bench/_designs.py): ``bare`` y = x on 16 8-bit lanes (no logic) checked by the bare cocotb loop, one
write and one read of the ports per clock (the testbench's direct loop, ``run(batch=0)``): what any cocotb
testbench of a clocked design pays; ``bound`` the same design through the default (batched) testbench: its
own cost per sample, the bound every other row is measured against; ``layer16`` / ``layer64`` an n x n layer x @ W of 8-bit
weights on 8-bit inputs, ``demo`` the MLP of examples/demo.py, ``mlp64`` a 64 -> 64 -> 64 -> 32 MLP in the
style of bench/_mlp.py; pipelined at 2 adder levels per stage (the demo: 3). ``--fixture`` adds the
hand-written 16-lane fixture layer of tests/hdl_fixtures.py (the figure this benchmark used to print) as a
labelled reference line.

"Simulators": every simulator of da4ml.verif (Icarus, Verilator; GHDL once its profile exists, on the VHDL
flavor of the same design) and ``predict``: RTLModel.compile() + predict(), the Verilated batch model.

Columns:
  build s    the HDL build, wall time (iverilog / verilate + C++ compile; predict: compile())
  cpu s      the build's CPU time (its compilers, all jobs): what it costs on an idle machine, roughly
  samples    samples checked (predict: samples run)
  sim s      wall time of the simulation step: simulator start-up, cocotb, golden model, the clocked loop
  start s    of which start-up (everything but the loop)
  loop/s     samples per second of the clocked drive-read-compare loop (the steady state; median of --repeats)
  cpu/s      the same per CPU second of the simulator process (predict: the model's and the packing's): the figure
             the machine's load hides least
  total/s    samples / sim s
  x bound    cpu/s of the bound / cpu/s of the design: how much the design itself costs per sample

The traced programs are cached under --keep (tracing the 64-wide designs takes a minute): --retrace redoes them.
The machine is shared: the load average is printed before and after; figures are medians of --repeats runs.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from _designs import demo, identity, layer, mlp  # bench/_designs.py

from da4ml.codegen import RTLModel
from da4ml.ir import CombLogic

ROOT = Path(__file__).resolve().parent.parent

DESIGNS = {
    "bound": lambda: identity(16),
    "bare": lambda: identity(16),
    "layer16": lambda: layer(16),
    "layer64": lambda: layer(64),
    "demo": demo,
    "mlp64": lambda: mlp((64, 64, 64, 32)),
}
JOBS = os.cpu_count() or 1
DEFAULT_SAMPLES = {"icarus": 2000, "verilator": 50000, "ghdl": 2000, "predict": 200000}

# Printed, never asserted (bench/README: targets live in benchmarks, not in timed tests).
TARGETS = [
    ("layer16", "icarus", "loop", 2000, "16x16 layer on Icarus >= 2,000 samples/s"),
    ("layer16", "verilator", "loop", 60000, "16x16 layer on Verilator >= 60k samples/s"),
    ("layer64", "icarus", "loop", 300, "64x64 layer on Icarus >= 300 samples/s"),
    ("mlp64", "icarus", "signoff2000", 180, "MLP signed off for 2000 samples on Icarus in < 3 min (build + sim)"),
    ("mlp64", "verilator", "build", 60, "MLP Verilator testbench build <= 60 s"),
    ("mlp64", "predict", "build", 60, "MLP compile() <= 60 s"),
    ("mlp64", "predict", "loop", 50000, "MLP RTL predict >= 50k samples/s"),
]


def program(name: str, cache: Path, retrace: bool) -> tuple[CombLogic, float]:
    path, meta = cache / f"{name}.dais", cache / f"{name}.json"
    if not retrace and path.is_file() and meta.is_file():
        return CombLogic.load_binary(path), json.loads(meta.read_text())["latency_cutoff"]
    t0 = time.perf_counter()
    print(f"  tracing {name} ...", end="", flush=True)
    comb, cutoff = DESIGNS[name]()
    print(f" {len(comb.ops)} ops in {time.perf_counter() - t0:.1f} s", flush=True)
    cache.mkdir(parents=True, exist_ok=True)
    comb.save_binary(path)
    meta.write_text(json.dumps({"latency_cutoff": cutoff}))
    return comb, cutoff


def flavor_of(sim: str) -> str:
    from da4ml.verif.simulators import PROFILES

    return "verilog" if sim == "predict" else PROFILES[sim].languages[0]


def sim_rows(name: str, prj: Path, sim: str, n: int, repeats: int, build_root: Path, seed: int) -> dict:
    batch = 0 if name == "bare" else None  # bare: one write and one read per clock, no batch wrapper
    from da4ml.verif import run

    loops, cpus, tests, starts, build = [], [], [], [], None
    for r in range(repeats):
        res = run(prj, sim, seed=seed + r, n_samples=n, build_dir=build_root / name / sim, batch=batch)
        if not res.passed:
            print(res.summary(), file=sys.stderr)
            raise SystemExit(f"{name} failed on {sim}")
        st = res.stats
        build = build or (res.build_s, res.build_cpu_s)  # the first build (later ones are cache hits)
        loops.append(st["n_checked"] / st["loop_s"])
        cpus.append(st["n_checked"] / max(st["loop_cpu_s"], 1e-9))
        tests.append(res.test_s)
        starts.append(res.test_s - st["loop_s"])
    return {
        "build_s": build[0],
        "build_cpu_s": build[1],
        "n": n,
        "sim_s": statistics.median(tests),
        "start_s": statistics.median(starts),
        "loop": statistics.median(loops),
        "cpu": statistics.median(cpus),
        "total": n / statistics.median(tests),
    }


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def predict_rows(model: RTLModel, comb: CombLogic, n: int, repeats: int, seed: int) -> dict:
    t0, c0 = time.perf_counter(), _children_cpu()
    model.compile()
    build_s, build_cpu_s = time.perf_counter() - t0, _children_cpu() - c0
    rng = np.random.default_rng(seed)
    lo, hi, f = (np.asarray(v) for v in zip(*(q.bounds for q in comb.inp_qint)))
    x = rng.integers(lo, hi, size=(n, len(lo)), endpoint=True) * 2.0 ** -f.astype(np.float64)
    times, cpus = [], []
    for _ in range(repeats):  # CPU: the model's process and this one's (packing the ports)
        t1, c1 = time.perf_counter(), _children_cpu() + time.process_time()
        y = model.predict(x)
        times.append(time.perf_counter() - t1)
        cpus.append(_children_cpu() + time.process_time() - c1)
    if not np.array_equal(y, comb.predict(x)):
        raise SystemExit(f"{model.prj_name}: RTL predict differs from the interpreter")
    t, c = statistics.median(times), statistics.median(cpus)
    return {
        "build_s": build_s,
        "build_cpu_s": build_cpu_s,
        "n": n,
        "sim_s": t,
        "start_s": 0.0,
        "loop": n / t,
        "cpu": n / max(c, 1e-9),
        "total": n / t,
    }


def fixture_row(tmp: Path) -> tuple[str, Path]:
    sys.path.insert(0, str(ROOT / "tests"))
    from hdl_fixtures import make_ring_layer

    return "fixture16 (reference)", make_ring_layer(tmp / "ring16", 16)


HEADER = (
    f"{'design':<22} {'ops':>6} {'sim':<10} {'build s':>8} {'cpu s':>7} {'samples':>8} {'sim s':>7} {'start s':>7} "
    f"{'loop/s':>9} {'cpu/s':>9} {'total/s':>9} {'x bound':>8}"
)


def fmt(row: dict, bound: dict[str, float]) -> str:
    b = bound.get(row["sim"])
    ratio = f"{b / row['cpu']:.2f}" if b and row["design"] != "bound" else "-"
    return (
        f"{row['design']:<22} {row['ops']:>6} {row['sim']:<10} {row['build_s']:>8.1f} {row['build_cpu_s']:>7.1f} "
        f"{row['n']:>8} {row['sim_s']:>7.2f} {row['start_s']:>7.2f} {row['loop']:>9.0f} {row['cpu']:>9.0f} "
        f"{row['total']:>9.0f} {ratio:>8}"
    )


def check_targets(rows: list[dict]) -> None:
    print("\ntargets (this machine, medians; never asserted in tests). wall: as measured under this run's load;")
    print("cpu: per CPU second of the processes (what an idle core gives; a parallel build's CPU time is spread")
    print("over its jobs, so 'cpu / jobs' estimates its wall time on an idle machine):")
    by = {(r["design"], r["sim"]): r for r in rows}
    for design, sim, what, goal, text in TARGETS:
        r = by.get((design, sim))
        if r is None:
            print(f"  {text}: not measured")
            continue
        if what == "loop":
            wall, cpu = r["loop"], r["cpu"]
            shown = f"wall {wall:.0f}/s {_ok(wall >= goal)}, cpu {cpu:.0f}/s {_ok(cpu >= goal)}"
        elif what == "build":
            wall, cpu = r["build_s"], r["build_cpu_s"] / JOBS
            shown = f"wall {wall:.1f} s {_ok(wall <= goal)}, cpu/{JOBS} jobs {cpu:.1f} s {_ok(cpu <= goal)}"
        else:  # signoff2000: build + start-up + 2000 samples at the loop rate
            wall = r["build_s"] + r["start_s"] + 2000 / r["loop"]
            cpu = r["build_cpu_s"] + r["start_s"] * r["loop"] / max(r["cpu"], 1e-9) + 2000 / r["cpu"]
            shown = f"wall {wall:.0f} s {_ok(wall <= goal)}, cpu {cpu:.0f} s {_ok(cpu <= goal)}"
        print(f"  {text}: {shown}")


def _ok(ok: bool) -> str:
    return "OK" if ok else "MISSED"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--designs", default=",".join(DESIGNS), help=f"comma-separated, of {', '.join(DESIGNS)}")
    ap.add_argument("--sims", nargs="+", default=None, help="default: every simulator found, and predict")
    ap.add_argument("--n-samples", type=int, default=None, help=f"default per simulator: {DEFAULT_SAMPLES}")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", type=Path, default=ROOT / "bench" / "results" / "sim", help="projects and programs")
    ap.add_argument("--retrace", action="store_true", help="trace the designs again (else: cached programs)")
    ap.add_argument("--fixture", action="store_true", help="add the hand-written fixture layer (reference line)")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "sim.json")
    a = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    from da4ml.verif import available_simulators

    names = [d for d in a.designs.split(",") if d]
    unknown = sorted(set(names) - set(DESIGNS))
    if unknown:
        raise SystemExit(f"--designs: unknown {unknown}; use {', '.join(DESIGNS)}")
    if "bound" in names:
        names.remove("bound")
    names.insert(0, "bound")  # measured first, in the same run: the ratios need it
    if "bare" in names:  # beside it
        names.remove("bare")
        names.insert(1, "bare")
    sims = a.sims or [*available_simulators(), "predict"]
    keep = a.keep.resolve()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; simulators: {', '.join(sims)}")
    rows: list[dict] = []
    bound: dict[str, float] = {}
    print(HEADER, flush=True)
    projects = []
    if a.fixture:
        projects.append((*fixture_row(keep / "fixture"), None, None))
    for name in names:
        projects.append((name, None, *program(name, keep / "programs", a.retrace)))
    for name, fixture_prj, comb, cutoff in projects:
        for sim in sims:
            if (fixture_prj is not None or name == "bare") and sim == "predict":
                continue
            n = a.n_samples or DEFAULT_SAMPLES.get(sim, 2000)
            if fixture_prj is not None:
                prj, n_ops = fixture_prj, 0
            else:
                flavor = flavor_of(sim)
                try:
                    model = RTLModel(
                        comb, name, keep / flavor / name, flavor=flavor, latency_cutoff=cutoff, print_latency=False
                    )
                except NotImplementedError as e:
                    print(f"{name:<22} {len(comb.ops):>6} {sim:<10} skipped: {e}", flush=True)
                    continue
                prj, n_ops = model.write(), len(comb.ops)
            if sim == "predict":
                row = predict_rows(model, comb, n, a.repeats, a.seed)
            else:
                row = sim_rows(name.split(" ")[0], prj, sim, n, a.repeats, keep / "build", a.seed)
            row.update(design=name, sim=sim, ops=n_ops)
            if name == "bound":
                bound[sim] = row["cpu"]
            rows.append(row)
            print(fmt(row, bound), flush=True)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    check_targets(rows)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(rows, indent=2) + "\n")
    print(f"written {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
