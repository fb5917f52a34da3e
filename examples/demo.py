"""da4ml demo: the whole flow in one command (`make demo`).

1. Trace a small quantized MLP (8-bit inputs, 6-bit weights, relu and a tanh lookup table) with numpy code
   on symbolic fixed-point arrays; constant-matrix products go to the CMVM optimizer.
2. Write the pipelined Verilog project (HDL, manifest, DAIS binary, constraints, cocotb testbench).
3. Run the testbench on Icarus Verilog and on Verilator: every output lane is compared on every clock
   with the bit-exact DAIS interpreter.
4. Print a short report.

Each long step says what it is doing while it runs; the simulators' own output goes to log files in the
project (named in the report), not to the console.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from da4ml.verif import available_simulators, run

from da4ml.codegen import RTLModel
from da4ml.ir import Opcode
from da4ml.progress import phase
from da4ml.trace import FixedVariableArrayInput, comb_trace, ops


def mlp(x, rng: np.random.Generator):
    """8 -> 16 -> 8 -> 4 with relu activations and a tanh head, every value quantized explicitly."""
    w1 = rng.integers(-32, 32, size=(8, 16)) / 16  # 6-bit weights
    w2 = rng.integers(-32, 32, size=(16, 8)) / 16
    w3 = rng.integers(-32, 32, size=(8, 4)) / 16
    h = ops.relu(x @ w1, i=4, f=2)  # 6-bit unsigned activations
    h = ops.relu(h @ w2, i=4, f=2)
    y = ops.quantize(h @ w3, 1, 3, 2, overflow_mode="SAT")  # saturate to a signed 6-bit value
    return ops.quantize(np.tanh(y), 1, 0, 6)  # a lookup table; the quantization folds into it


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="out/demo", help="project directory (default: out/demo)")
    parser.add_argument("--n-samples", type=int, default=5000, help="samples checked per simulator")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--latency-cutoff", type=float, default=3, help="adder levels per pipeline stage")
    args = parser.parse_args(argv)

    with phase("tracing and optimizing the MLP"):
        x = FixedVariableArrayInput((8,)).quantize(1, 3, 4)  # signed 8-bit inputs: 3 integer, 4 fraction bits
        y = mlp(x, np.random.default_rng(args.seed))
        comb = comb_trace(x, y)
    n_tables = sum(op.opcode == Opcode.LOOKUP for op in comb.ops)

    out = Path(args.out)
    with phase(f"writing the project {out}"):
        model = RTLModel(comb, "demo_mlp", out, latency_cutoff=args.latency_cutoff, print_latency=False)
        model.write()
    manifest = model.manifest

    results = []
    for sim in available_simulators():
        result = run(out, sim, seed=args.seed, n_samples=args.n_samples)
        results.append(result)
        if not result.passed:
            print(result.summary(), file=sys.stderr)

    print()
    print("da4ml demo report")
    print(f"  network      : 8 -> 16 -> 8 -> 4 MLP, relu, tanh lookup ({n_tables} table lookups)")
    print(
        f"  program      : {len(comb.ops)} DAIS ops, cost {comb.cost:g} LUTs (estimate), "
        f"latency {max(comb.latency):g} adder levels"
    )
    print(
        f"  RTL          : pipelined at {args.latency_cutoff:g} levels/stage: {manifest.latency_cycles} cycles, "
        f"II={manifest.ii}"
    )
    for r in results:
        status = "PASS" if r.passed else "FAIL"
        checked = r.stats.get("n_checked", 0)
        print(f"  {r.sim:<12} : {status}, {checked} samples checked lane by lane, every clock (seed {r.seed})")
        print(f"  {'':<12}   build {r.build_s:.1f} s, simulation {r.test_s:.1f} s; log {r.logs[-1] if r.logs else '-'}")
    print(f"  project      : {out.resolve()}  (HDL in src/, testbench in tb/, `make -C {out} sim SIM=...`)")
    if not results:
        print("error: no simulator found (run `make demo`, which installs them)", file=sys.stderr)
        return 1
    return 0 if all(r.passed for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
