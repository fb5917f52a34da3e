"""``da4ml convert MODEL OUTDIR``: a saved Keras model to a complete project with its testbench, optionally
signed off at once.

The phases, each shown on stderr by ``da4ml.progress`` (live on a terminal, plain lines in a log; phases under
two seconds leave no line) and timed in the summary: loading the model, tracing it on symbolic fixed-point arrays
(``da4ml.converter.trace_model``; constant-matrix products are optimized as they are traced), optimizing the
program (``comb_trace``: one DAIS program; pipelining into register stages), writing the project
(``RTLModel.write``: HDL, manifest, DAIS binary, constraints, synthesis scripts, cocotb testbench) and, with
``--sim``, simulating it (``da4ml.verif.run``: every output lane against the interpreter on every clock).
Every option is checked before anything slow runs; a bad one exits with status 2 and a message naming the
value, the constraint and the fix.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import progress
from .codegen.names import check_identifier
from .project import MANIFEST_NAME
from .toolchain import SIM_EXTRA, SIMULATORS, ToolError, find_simulator

MODEL_SUFFIXES = (".keras",)
FLAVORS = ("verilog",)  # the back ends `convert` offers (RTLModel's flavors that are implemented)
SIM_CHOICES = (*SIMULATORS, "all", "none")
DEFAULT_LATENCY_CUTOFF = 5.0
DEFAULT_SEED = 2026
KERAS_EXTRA = "pip install 'da4ml[keras]'"


class UsageError(ValueError):
    """A bad argument: the message names the value, the constraint and the fix (exit status 2)."""


class ConvertError(RuntimeError):
    """The model could not be converted (exit status 1): the message says which step failed and why."""


@dataclass(frozen=True)
class ConvertOptions:
    model: Path
    outdir: Path
    name: str
    latency_cutoff: float = DEFAULT_LATENCY_CUTOFF
    flavor: str = "verilog"
    clock_period: float = 5.0
    part: str = "xcvu13p-flga2577-2-e"
    sims: tuple[str, ...] = ()
    n_samples: int = 2000
    seed: int = DEFAULT_SEED
    verbose: bool = False


@dataclass
class ConvertResult:
    options: ConvertOptions
    comb: Any  # da4ml.ir.CombLogic
    rtl: Any  # da4ml.codegen.RTLModel
    project: Path
    sim_results: list = field(default_factory=list)  # da4ml.verif.RunResult per simulator
    sim_logs: list = field(default_factory=list)  # the simulator output of each run
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.sim_results)


# ---- options ----------------------------------------------------------------------------------------------
def default_name(model: Path) -> str:
    """A module name from the model's file name: ``my-model.keras`` -> ``my_model``."""
    name = re.sub(r"[^A-Za-z0-9_]", "_", model.stem).strip("_") or "model"
    if not name[0].isalpha():
        name = "m_" + name
    return name[:64]


def _positive(flag: str, value: float, unit: str, fix: str) -> float:
    if not (math.isfinite(value) and value > 0):
        raise UsageError(f"{flag} {value:g}: must be a positive number of {unit}; {fix}")
    return float(value)


def _sims(values: Sequence[str] | None) -> tuple[str, ...]:
    """``--sim`` (repeatable, or comma-separated): the simulators to sign off on, in order, no repeats."""
    picked: list[str] = []
    for v in values or ():
        for s in v.split(","):
            s = s.strip().lower()
            if s not in SIM_CHOICES:
                raise UsageError(f"--sim {s!r}: not one of {', '.join(SIM_CHOICES)}")
            for name in SIMULATORS if s == "all" else () if s == "none" else (s,):
                if name not in picked:
                    picked.append(name)
    if "none" in {s.strip().lower() for v in values or () for s in v.split(",")} and picked:
        raise UsageError(f"--sim none together with --sim {','.join(picked)}: pick one")
    return tuple(picked)


def check_options(args: argparse.Namespace) -> ConvertOptions:
    """Every argument checked before anything slow (loading Keras, tracing) runs."""
    model = Path(args.model)
    if not model.exists():
        raise UsageError(f"MODEL {model}: no such file; pass a model saved with model.save('name.keras')")
    if model.is_dir():
        raise UsageError(f"MODEL {model} is a directory; pass the .keras file saved with model.save('name.keras')")
    if model.suffix.lower() not in MODEL_SUFFIXES:
        raise UsageError(
            f"MODEL {model}: a {model.suffix or 'suffix-less'} file is not a saved Keras 3 model; save the model "
            "with model.save('name.keras') and pass that file"
        )
    outdir = Path(args.outdir)
    if outdir.exists() and not outdir.is_dir():
        raise UsageError(f"OUTDIR {outdir} exists and is not a directory; choose a new or empty directory")
    if outdir.is_dir() and any(outdir.iterdir()) and not (outdir / MANIFEST_NAME).is_file():
        raise UsageError(
            f"OUTDIR {outdir} is a non-empty directory that is not a da4ml project (no {MANIFEST_NAME}); it would "
            "be replaced: choose a new or empty directory"
        )
    name = args.name if args.name is not None else default_name(model)
    try:
        check_identifier(name)
    except ValueError as e:
        raise UsageError(f"--name: {e}") from None
    cutoff = float(args.latency_cutoff)
    if not math.isfinite(cutoff) or (cutoff <= 0 and cutoff != -1):
        raise UsageError(
            f"--latency-cutoff {cutoff:g}: give the adder levels per pipeline stage (a number > 0), or -1 for "
            "one combinational block"
        )
    if args.flavor not in FLAVORS:
        raise UsageError(
            f"--flavor {args.flavor!r}: convert writes {', '.join(FLAVORS)} (the VHDL back end is not there yet)"
        )
    clock = _positive("--clock-period", args.clock_period, "ns", "e.g. --clock-period 5 for 200 MHz")
    part = args.part.strip()
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", part):
        raise UsageError(
            f"--part {args.part!r}: not an FPGA part name (letters, digits, '-', '_', '.'), e.g. xcvu13p-flga2577-2-e"
        )
    sims = _sims(args.sim)
    if not sims:
        for flag, value in (("--n-samples", args.n_samples), ("--seed", args.seed)):
            if value is not None:
                raise UsageError(f"{flag} {value}: only used when simulating; add --sim icarus|verilator|all")
    n_samples = 2000 if args.n_samples is None else args.n_samples
    if n_samples < 1:
        raise UsageError(f"--n-samples {n_samples}: must be >= 1 (the samples each simulator checks)")
    if sims and importlib.util.find_spec("cocotb") is None:
        raise UsageError(f"--sim {','.join(sims)}: cocotb is not installed; {SIM_EXTRA}, or drop --sim")
    for sim in sims:
        try:
            find_simulator(sim)
        except ToolError as e:
            raise UsageError(f"--sim {sim}: {e}") from None
    return ConvertOptions(
        model=model,
        outdir=outdir,
        name=name,
        latency_cutoff=cutoff,
        flavor=args.flavor,
        clock_period=clock,
        part=part,
        sims=sims,
        n_samples=n_samples,
        seed=DEFAULT_SEED if args.seed is None else args.seed,
        verbose=args.verbose,
    )


# ---- the flow ---------------------------------------------------------------------------------------------
def load_keras_model(path: Path) -> Any:
    """A saved Keras 3 model, with HGQ2's layers registered when hgq2 is installed (Keras on JAX unless
    KERAS_BACKEND says otherwise)."""
    os.environ.setdefault("KERAS_BACKEND", "jax")
    try:
        import keras
    except ImportError as e:
        raise UsageError(f"loading {path} needs Keras ({e}); install the extra: {KERAS_EXTRA}") from None
    if importlib.util.find_spec("hgq") is not None:
        import hgq  # noqa: F401  (registers HGQ2's layers and quantizers with Keras)
    try:
        return keras.saving.load_model(path, compile=False)
    except Exception as e:  # noqa: BLE001  (Keras raises many kinds; each means "cannot load this file")
        raise UsageError(
            f"MODEL {path}: Keras cannot load it ({type(e).__name__}: {e}); a model with custom layers needs the "
            "package that defines them installed (HGQ2: pip install hgq2)"
        ) from None


def _types(kifs) -> str:
    """``16 x (1,3,4)`` or ``8 x (0,4,2), 2 x (1,2,3), ...``: the (k, i, f) types and how many have each."""
    k, i, f = kifs
    count = Counter(zip(k.tolist(), i.tolist(), f.tolist()))
    parts = [f"{n} x ({a},{b},{c})" for (a, b, c), n in count.most_common(3)]
    if len(count) > 3:
        parts.append(f"{len(count) - 3} more type{'s' if len(count) > 4 else ''}")
    return ", ".join(parts)


@contextmanager
def _stdout_to(path: Path) -> Iterator[None]:
    """File descriptor 1 (the simulator subprocesses' and cocotb's output) into ``path`` for the block."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(path, "wb") as fh:
            os.dup2(fh.fileno(), 1)
            try:
                yield
            finally:
                sys.stdout.flush()
                os.dup2(saved, 1)
    finally:
        os.close(saved)


class _Phases:
    """Each phase shown by da4ml.progress (unless quiet) and timed for the summary."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str, what: str) -> Iterator[None]:
        t0 = time.perf_counter()
        with nullcontext() if self.quiet else progress.phase(f"{name} {what}"):
            yield
        self.seconds[name] = time.perf_counter() - t0


def convert(opts: ConvertOptions, quiet: bool = True) -> ConvertResult:
    """The whole flow; raises UsageError for a model that cannot be loaded, ConvertError for one that cannot be
    traced. ``quiet=False`` shows each phase on stderr (da4ml.progress)."""
    from .codegen import RTLModel
    from .trace import comb_trace

    phase = _Phases(quiet)
    with phase("loading", str(opts.model)):
        model = load_keras_model(opts.model)
    with phase("tracing", f"{getattr(model, 'name', 'the model')!r} ({len(getattr(model, 'layers', ()))} layers)"):
        try:
            from .converter import trace_model
        except ImportError as e:
            raise UsageError(f"the converter cannot be imported ({e}); install the extra: {KERAS_EXTRA}") from None
        try:
            inputs, outputs = trace_model(model, verbose=opts.verbose)
        except Exception as e:  # an unsupported layer, a missing input shape, ...: said as such
            if opts.verbose:
                raise
            raise ConvertError(
                f"tracing {opts.model} failed: {type(e).__name__}: {e}\n  (--verbose shows each layer as it is traced "
                "and the traceback)"
            ) from e
    with phase("optimizing", "into one DAIS program and its pipeline stages"):
        comb = comb_trace(inputs, outputs)
        rtl = RTLModel(
            comb,
            opts.name,
            opts.outdir,
            flavor=opts.flavor,
            latency_cutoff=opts.latency_cutoff,
            print_latency=False,
            part_name=opts.part,
            clock_period=opts.clock_period,
        )
    with phase("writing", str(opts.outdir)):
        project = rtl.write()
    result = ConvertResult(opts, comb, rtl, project)
    if opts.sims:
        from .verif import run

        for sim in opts.sims:
            log = project / "sim_build" / f"{sim}.log"
            # the simulator's own output goes to a log, not the terminal
            with phase(f"simulating on {sim}", f"({opts.n_samples} samples, seed {opts.seed})"), _stdout_to(log):
                result.sim_results.append(run(project, sim, seed=opts.seed, n_samples=opts.n_samples))
            result.sim_logs.append(log)
    result.seconds = dict(phase.seconds)
    return result


def summary(res: ConvertResult) -> str:
    o, comb, rtl = res.options, res.comb, res.rtl
    m = rtl.manifest
    kind = (
        f"pipelined at {o.latency_cutoff:g} adder levels/stage: {m.latency_cycles} cycles, II={m.ii}"
        if rtl.design.pipelined
        else "combinational (0 cycles)"
    )
    n_in, n_out = comb.shape
    lines = [
        f"da4ml convert: {o.model} -> {res.project}",
        (
            f"  program    : {len(comb.ops)} DAIS ops, cost {comb.cost:g} LUTs (estimate), "
            f"latency {max(comb.latency):g} adder levels"
        ),
        f"  inputs     : {n_in}: {_types(comb.inp_kifs)}  (k, i, f)",
        f"  outputs    : {n_out}: {_types(comb.out_kifs)}",
        f"  RTL        : {o.flavor} top {o.name!r}, {kind}; clock {o.clock_period:g} ns, part {o.part}",
    ]
    for r, log in zip(res.sim_results, res.sim_logs):
        status = "PASS" if r.passed else "FAIL"
        lines.append(
            f"  {r.sim:<10} : {status}, {r.stats.get('n_checked', 0)} of {r.n_samples} samples checked lane by lane, "
            f"every clock (seed {r.seed}; log {log})"
        )
    lines.append(
        f"  files      : {res.project}  (HDL in src/, testbench in tb/, {MANIFEST_NAME}; "
        f"`make -C {o.outdir} sim SIM=icarus|verilator`)"
    )
    if res.seconds:
        lines.append("  time       : " + ", ".join(f"{k} {v:.2f} s" for k, v in res.seconds.items()))
    return "\n".join(lines)


# ---- command line -----------------------------------------------------------------------------------------
def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "convert",
        help="a saved Keras (HGQ2) model to a complete project with its testbench, optionally signed off",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("model", metavar="MODEL", help="the model, saved with model.save('name.keras')")
    p.add_argument("outdir", metavar="OUTDIR", help="the project directory (new, empty, or a da4ml project to replace)")
    p.add_argument(
        "--latency-cutoff",
        type=float,
        default=DEFAULT_LATENCY_CUTOFF,
        metavar="N",
        help=f"adder levels per pipeline stage (default {DEFAULT_LATENCY_CUTOFF:g}; -1: one combinational block)",
    )
    p.add_argument("--flavor", default="verilog", help="HDL to write (default and only one so far: verilog)")
    p.add_argument("--clock-period", type=float, default=5.0, metavar="NS", help="target clock period (default 5 ns)")
    p.add_argument(
        "--part", default="xcvu13p-flga2577-2-e", metavar="P", help="FPGA part (default xcvu13p-flga2577-2-e)"
    )
    p.add_argument(
        "--sim",
        action="append",
        metavar="SIM",
        help="sign off on icarus, verilator, all (both) or none (default); repeatable or comma-separated",
    )
    p.add_argument("--n-samples", type=int, default=None, metavar="N", help="samples per simulator (default 2000)")
    p.add_argument("--seed", type=int, default=None, help=f"stimulus seed (default {DEFAULT_SEED})")
    p.add_argument("--name", default=None, help="top module name (default: from MODEL's file name)")
    p.add_argument("-v", "--verbose", action="store_true", help="print each layer as it is traced")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress lines (the summary is still printed)")
    p.set_defaults(run=run_command)


def run_command(args: argparse.Namespace) -> int:
    try:
        opts = check_options(args)
    except UsageError as e:
        print(f"da4ml convert: error: {e}", file=sys.stderr)
        return 2
    try:
        if args.quiet:
            os.environ["DA4ML_PROGRESS"] = "0"  # also the simulators' own progress (da4ml.verif)
        res = convert(opts, quiet=args.quiet)
    except UsageError as e:
        print(f"da4ml convert: error: {e}", file=sys.stderr)
        return 2
    except (ConvertError, ToolError) as e:
        print(f"da4ml convert: error: {e}", file=sys.stderr)
        return 1
    print(summary(res), flush=True)
    for r in res.sim_results:
        if not r.passed:
            print(r.summary(), file=sys.stderr)
    return 0 if res.passed else 1
