"""python -m da4ml.verif run|lint <project dir> ...

`run` shows what it is doing (the build, then samples checked with the rate and an ETA) and prints a short
summary; the simulator's own output goes to sim.log in the build directory (--verbose shows it too)."""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence

from ..project import Manifest, ManifestError
from ..toolchain import SIMULATORS, ToolError, find_verilator
from .config import DEFAULT_N_SAMPLES


def _env_int(name: str, default: int | None) -> int | None:
    v = os.environ.get(name, "")
    if not v:
        return default
    try:
        return int(v)
    except ValueError:
        raise SystemExit(f"error: {name}={v!r} must be an integer") from None


def _env_bool(name: str) -> bool:
    return os.environ.get(name, "").lower() in ("1", "yes", "true", "on")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m da4ml.verif", description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="build and simulate a project directory against its DAIS program")
    r.add_argument("project_dir")
    r.add_argument("--sim", choices=SIMULATORS, default=os.environ.get("SIM") or None, help="default: $SIM or auto")
    r.add_argument("--seed", type=int, default=_env_int("SEED", None), help="default: $SEED or random (printed)")
    r.add_argument(
        "--n-samples", type=int, default=_env_int("N_SAMPLES", DEFAULT_N_SAMPLES), help="default: $N_SAMPLES or 2000"
    )
    r.add_argument("--waves", action="store_true", default=_env_bool("WAVES"), help="record FST (default: $WAVES)")
    r.add_argument(
        "--max-mismatches",
        type=int,
        default=_env_int("MAX_MISMATCHES", 1),
        help="collect up to N mismatches, then summarize (default: $MAX_MISMATCHES or 1: stop at the first)",
    )
    r.add_argument(
        "--shards",
        type=int,
        default=_env_int("SHARDS", None),
        help="split the samples across N simulator processes side by side (default: $SHARDS or 1)",
    )
    r.add_argument("--shard", default=None, help="run only shard K/N of a split run (what a reproduce command does)")
    r.add_argument(
        "--batch",
        type=int,
        default=None,
        help="samples per cocotb wake-up through the batch wrapper (default: chosen; 0: no wrapper)",
    )
    r.add_argument("--verbose", action="store_true", help="show the simulator's output (always in the log file)")
    r.add_argument("--build-dir", default=None, help="default: <project>/sim_build/<sim>[_waves]")
    r.add_argument("--results-xml", default=None, help="default: <build dir>/results.xml")
    r.add_argument("--view", action="store_true", help="open the waveform afterwards ($WAVE_VIEWER, surfer, gtkwave)")
    li = sub.add_parser("lint", help="verilator --lint-only -Wall on the project's HDL files")
    li.add_argument("project_dir")
    return p


def _view(path: str) -> None:
    viewer = os.environ.get("WAVE_VIEWER") or shutil.which("surfer") or shutil.which("gtkwave")
    if not viewer:
        print(f"waveform: {path} (no viewer found: set WAVE_VIEWER or install surfer/gtkwave)")
        return
    subprocess.run([viewer, path], check=False)


def _run(a: argparse.Namespace) -> int:
    from .runner import run

    res = run(
        a.project_dir,
        a.sim,
        seed=a.seed,
        n_samples=a.n_samples,
        waves=a.waves or a.view,
        max_mismatches=a.max_mismatches,
        build_dir=a.build_dir,
        results_xml=a.results_xml,
        shards=a.shards,
        shard=a.shard,
        batch=a.batch,
        verbose=a.verbose,
    )
    print(res.summary(), flush=True)
    if a.view and res.waves_path and res.waves_path.is_file():
        _view(str(res.waves_path))
    return 0 if res.passed else 1


def _lint(a: argparse.Namespace) -> int:
    m = Manifest.load(a.project_dir)
    if m.language != "verilog":
        raise ValueError(f"{m.project_dir}: lint knows Verilog projects only, this one is {m.language}")
    sim_env = find_verilator()
    cmd = [sim_env.executable, "--lint-only", "-Wall", "--top-module", m.top, *map(str, m.source_paths)]
    env = sim_env.environ()
    print(f"$ {' '.join(cmd)}   (cwd {m.project_dir})", flush=True)
    rc = subprocess.run(cmd, cwd=m.project_dir, env=env, check=False).returncode
    if rc:
        print(f"lint FAILED (exit {rc}): {' '.join(cmd)} in {m.project_dir}", file=sys.stderr)
    return rc


def _error_results(a: argparse.Namespace, message: str) -> None:
    """JUnit results.xml always: also when the run cannot start (bad project, missing simulator)."""
    from pathlib import Path

    from .runner import write_failure_xml

    if a.results_xml:
        path = Path(a.results_xml)
    elif Path(a.project_dir).is_dir():
        path = Path(a.project_dir) / "sim_build" / (a.sim or "no_simulator") / "results.xml"
    else:
        return
    write_failure_xml(path.resolve(), Path(a.project_dir).name, message)
    print(f"results.xml: {path.resolve()}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    a = _parser().parse_args(argv)
    try:
        return _run(a) if a.cmd == "run" else _lint(a)
    except (ManifestError, ToolError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        if a.cmd == "run":
            _error_results(a, str(e))
        return 2
