"""The ``da4ml`` command line."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from .cli_convert import add_parser as add_convert_parser
from .ir import CombLogic, Opcode, Pipeline, json_io
from .trace._cost import estimate_ops


def _load_program(path: str) -> tuple[CombLogic | Pipeline, str]:
    """The program in a file and where its figures come from: JSON (a CombLogic or a Pipeline, by its
    ``format``) keeps the tracer's cost and latency; a DAIS binary stores neither, so the cost model estimates
    them from the op types (as ``da4ml report`` does)."""
    raw = Path(path).read_bytes()
    if Path(path).suffix == ".json" or raw.lstrip()[:1] == b"{":
        obj = json_io.loads(raw)
        if obj.get("format") == "da4ml.Pipeline":
            return Pipeline.from_json_dict(obj), "saved"
        return CombLogic.from_json_dict(obj), "saved"
    return estimate_ops(CombLogic.from_binary(raw)), "estimated by the cost model"


def _inspect(args: argparse.Namespace) -> int:
    """One summary per file; a file that cannot be read gets one line on stderr and the next file is read
    (exit 1 if any failed)."""
    failed = 0
    for path in args.files:
        try:
            prog, source = _load_program(path)
        except (OSError, ValueError) as err:
            print(f"{path}: error: {err}", file=sys.stderr)
            failed += 1
            continue
        stages = list(prog) if isinstance(prog, Pipeline) else [prog]
        kind = f"{len(stages)}-stage pipeline, " if isinstance(prog, Pipeline) else ""
        lo, hi = prog.latency
        print(
            f"{path}: {kind}{prog.shape[0]} inputs, {prog.shape[1]} outputs, {sum(len(s.ops) for s in stages)} ops, "
            f"{sum(len(s.lookup_tables) for s in stages)} tables, cost {prog.cost:g} LUTs, latency {lo:g}..{hi:g} "
            f"({source})"
        )
        counts = Counter(Opcode(op.opcode).name for s in stages for op in s.ops)
        print("  " + ", ".join(f"{name} {n}" for name, n in sorted(counts.items())))
    return 1 if failed else 0


def _report(args: argparse.Namespace) -> int:
    from .report import read_projects, render_text, sort_rows, terminal_table
    from .report.render import FORMATS

    warnings: list[str] = []
    fmt = None
    if args.output:
        fmt = Path(args.output).suffix.lstrip(".").lower()
        if fmt not in FORMATS:
            print(
                f"error: -o {args.output}: the suffix says the format; use one of "
                + ", ".join(f".{f}" for f in FORMATS),
                file=sys.stderr,
            )
            return 2
    rows = read_projects(args.projects, warnings.append)
    try:
        rows = sort_rows(rows, args.sort)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)
    if fmt is None:
        if rows:
            sys.stdout.write(terminal_table(rows))
    else:
        out = Path(args.output)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(render_text(rows, fmt, warnings), encoding="utf-8")
        print(f"{out}: {len(rows)} project(s), {fmt}")
    if not rows:
        print("error: no project could be read", file=sys.stderr)
        return 1
    return 0


def _synth(args: argparse.Namespace) -> int:
    from .project import ManifestError
    from .report import ReportError, run_synth
    from .toolchain import ToolError

    status = 0
    for prj in args.projects:
        try:
            res = run_synth(prj)
        except (ToolError, ReportError, ManifestError) as e:
            print(f"error: {prj}: {e}", file=sys.stderr)
            status = 1
            continue
        sizes = " ".join(f"{k}={n}" for k, n in res.lut_by_size.items() if n)
        print(
            f"{prj}: {res.top} ({res.family}): LUT {res.lut} ({sizes}), CARRY {res.carry}, "
            f"FF {res.ff}, longest path {res.path_lut_levels} LUT levels ({res.path_cells} cells)"
        )
        print(f"  result: {Path(prj) / 'synth' / 'yosys_result.json'}  ({res.yosys.split(' (')[0]})")
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="da4ml", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    add_convert_parser(sub)
    p = sub.add_parser("inspect", help="summarize DAIS programs (binary, or JSON by .json suffix)")
    p.add_argument("files", nargs="+")
    p.set_defaults(run=_inspect)
    p = sub.add_parser(
        "report",
        help="resources, latency, timing and sign-off of generated projects (ours and the published da4ml's)",
    )
    p.add_argument("projects", nargs="+", metavar="PROJECT")
    p.add_argument("-o", "--output", help="write FILE.{json,csv,tsv,md,html} instead of the terminal table")
    p.add_argument("--sort", help="sort by this column (e.g. cost, yosys_lut; --sort=-cost for descending)")
    p.set_defaults(run=_report)
    p = sub.add_parser("synth", help="run a project's Yosys script; writes PROJECT/synth/yosys_result.json")
    p.add_argument("projects", nargs="+", metavar="PROJECT")
    p.set_defaults(run=_synth)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
