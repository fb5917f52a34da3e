"""The ``da4ml`` command line."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from .ir import CombLogic, Opcode


def _inspect(args: argparse.Namespace) -> int:
    for path in args.files:
        try:
            comb = CombLogic.load(path) if Path(path).suffix == ".json" else CombLogic.load_binary(path)
        except (OSError, ValueError) as err:
            print(f"{path}: {err}", file=sys.stderr)
            return 1
        counts = Counter(Opcode(op.opcode).name for op in comb.ops)
        print(
            f"{path}: {comb.shape[0]} inputs, {comb.shape[1]} outputs, {len(comb.ops)} ops, "
            f"{len(comb.lookup_tables)} tables, cost {comb.cost:g}, latency {comb.latency}"
        )
        print("  " + ", ".join(f"{name} {n}" for name, n in sorted(counts.items())))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="da4ml", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("inspect", help="summarize DAIS programs (binary, or JSON by .json suffix)")
    p.add_argument("files", nargs="+")
    p.set_defaults(run=_inspect)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
