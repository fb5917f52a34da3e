"""The one simulator abstraction: build + run a project's cocotb testbench on Icarus or Verilator.

Built on cocotb_tools.runner (cocotb 2.1). Used by `python -m da4ml.verif run`, the per-design Makefile,
the top-level `make sim DESIGN=...` and the pytest HDL regression alike.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import shlex
import shutil
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..toolchain import SimEnv, check_verilator_fst, find_simulator, require_cocotb
from .config import DEFAULT_N_SAMPLES, TbConfig
from .manifest import Manifest, load_manifest
from .writer import tb_module_name

log = logging.getLogger("da4ml.verif")

TIMESCALE = ("1ns", "1ps")
ENTRY_MODULE = "da4ml.verif.entry"  # used when the project has no tb/ (env DA4ML_VERIF_PROJECT names it)


@dataclass
class RunResult:
    passed: bool
    sim: str
    seed: int
    n_samples: int
    project_dir: Path
    build_dir: Path
    results_xml: Path
    waves_path: Path | None
    repro: str
    top: str = ""
    report: str = ""  # mismatch report ('' when passed)
    stats: dict[str, Any] = field(default_factory=dict)  # written by the testbench
    error: str = ""  # build / simulator / harness failure, when no report explains the failure
    build_s: float = 0.0
    test_s: float = 0.0

    def summary(self) -> str:
        status = "PASS" if self.passed else "FAIL"
        checked = self.stats.get("n_checked", 0)
        lines = [
            (
                f"da4ml.verif {status}: {self.top} ({self.project_dir}) on {self.sim}, "
                f"{checked}/{self.n_samples} samples checked, seed {self.seed}"
            ),
            f"  results.xml : {self.results_xml}",
            f"  waveform    : {self.waves_path if self.waves_path else 'not recorded (--waves / WAVES=1)'}",
            f"  reproduce   : {self.repro}",
        ]
        if self.report:
            lines.append(self.report)
        if self.error:
            lines.append(f"  error       : {self.error}")
        return "\n".join(lines)


def repro_command(project_dir: Path, sim: str, seed: int, n_samples: int, max_mismatches: int) -> str:
    args = [sys.executable, "-m", "da4ml.verif", "run", str(project_dir), "--sim", sim, "--seed", str(seed)]
    args += ["--n-samples", str(n_samples)]
    if max_mismatches != 1:
        args += ["--max-mismatches", str(max_mismatches)]
    return shlex.join([*args, "--waves"])


@contextlib.contextmanager
def _patched_env(sim_env: SimEnv, waves: bool, extra_sys_path: list[str]) -> Iterator[None]:
    """Apply the simulator's PATH/VERILATOR_ROOT and WAVES for the duration of build+test, then restore."""
    old_env = dict(os.environ)
    old_path = list(sys.path)
    try:
        os.environ.clear()
        os.environ.update(sim_env.apply(old_env))
        os.environ["WAVES"] = "1" if waves else "0"  # cocotb_tools reads WAVES; keep it consistent with `waves`
        if sim_env.sim == "verilator" and "OBJCACHE" not in old_env and shutil.which("ccache"):
            os.environ["OBJCACHE"] = "ccache"  # Verilator's runtime objects are identical in every build
        os.environ.pop("COCOTB_TEST_FILTER", None)
        sys.path[:0] = extra_sys_path  # cocotb_tools passes sys.path to the simulator as PYTHONPATH
        yield
    finally:
        os.environ.clear()
        os.environ.update(old_env)
        sys.path[:] = old_path


def _test_module(m: Manifest) -> tuple[str, list[str], dict[str, str]]:
    tb = m.project_dir / "tb" / f"{tb_module_name(m.top)}.py"
    if tb.is_file():
        return tb.stem, [str(tb.parent)], {}
    return ENTRY_MODULE, [], {"DA4ML_VERIF_PROJECT": str(m.project_dir)}


def _add_junit_properties(results_xml: Path, props: dict[str, str]) -> None:
    """Write the seed (and run settings) into the JUnit file: a <properties> block on every testsuite."""
    tree = ET.parse(results_xml)
    root = tree.getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    for suite in suites:
        block = suite.find("properties")
        if block is None:
            block = ET.Element("properties")
            suite.insert(0, block)
        for k, v in props.items():
            ET.SubElement(block, "property", name=k, value=v)
    tree.write(results_xml, encoding="utf-8", xml_declaration=True)


def write_failure_xml(results_xml: Path, name: str, message: str) -> None:
    suites = ET.Element("testsuites", name="da4ml.verif")
    suite = ET.SubElement(suites, "testsuite", name=name, tests="1", failures="0", errors="1")
    case = ET.SubElement(suite, "testcase", name=name, classname="da4ml.verif")
    ET.SubElement(case, "error", message=message[:500]).text = message
    results_xml.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(suites).write(results_xml, encoding="utf-8", xml_declaration=True)


class _CommandCapture(logging.Handler):
    """Collects the commands cocotb_tools runs ("Running command ..."), to name them in error messages."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        msg = record.getMessage()
        if msg.startswith("Running command "):
            self.lines.append(msg[len("Running command ") :])


@contextlib.contextmanager
def _command_log(sim: str) -> Iterator[list[str]]:
    logger = logging.getLogger({"icarus": "Icarus", "verilator": "Verilator"}.get(sim, sim))
    handler = _CommandCapture()
    logger.addHandler(handler)
    try:
        yield handler.lines
    finally:
        logger.removeHandler(handler)


def _results(results_xml: Path) -> tuple[int, int]:
    from cocotb_tools.check_results import get_results

    return get_results(results_xml)


def _tail(path: Path, n: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return ""


def run(
    project_dir: str | Path,
    sim: str | None = None,
    *,
    seed: int | None = None,
    n_samples: int = DEFAULT_N_SAMPLES,
    waves: bool = False,
    max_mismatches: int = 1,
    build_dir: str | Path | None = None,
    results_xml: str | Path | None = None,
) -> RunResult:
    """Build the project's HDL and run the generic testbench on `sim`; never raises for a failing design.

    Raises ManifestError / ToolError (before simulating) when the project or the simulator is unusable.
    """
    require_cocotb()  # a clear ToolError naming the `sim` extra, not a ModuleNotFoundError
    from cocotb_tools.runner import get_runner

    from ..toolchain import default_simulator

    m = load_manifest(project_dir)
    sim = sim or default_simulator()
    sim_env = find_simulator(sim)
    if n_samples < 1:
        raise ValueError(f"n_samples={n_samples} must be >= 1")
    if max_mismatches < 1:
        raise ValueError(f"max_mismatches={max_mismatches} must be >= 1")
    if seed is None:
        seed = secrets.randbelow(2**31)
    bdir = Path(build_dir).resolve() if build_dir else m.project_dir / "sim_build" / (sim + ("_waves" if waves else ""))
    bdir.mkdir(parents=True, exist_ok=True)
    rxml = Path(results_xml).resolve() if results_xml else bdir / "results.xml"
    waves_path = bdir / f"{m.top}.fst" if waves else None
    report_path = bdir / "da4ml_verif_report.json"
    repro = repro_command(m.project_dir, sim, seed, n_samples, max_mismatches)
    for p in (rxml, report_path):
        p.unlink(missing_ok=True)
    cfg = TbConfig(
        seed=seed,
        n_samples=n_samples,
        max_mismatches=max_mismatches,
        sim=sim,
        waves_path=str(waves_path or ""),
        repro=repro,
        report_path=str(report_path),
    )
    module, sys_path, module_env = _test_module(m)
    result = RunResult(False, sim, seed, n_samples, m.project_dir, bdir, rxml, waves_path, repro, m.top)
    log.info("da4ml.verif: %s on %s (%s), seed %d, %d samples", m.top, sim, sim_env.description, seed, n_samples)

    build_args: list[str] = []
    test_args: list[str] = []
    plusargs: list[str] = []
    if sim == "verilator":
        if waves:
            check_verilator_fst()
        build_args = ["-Wno-fatal"] + (["--trace-fst"] if waves else [])
        if waves_path:
            test_args = ["--trace-file", str(waves_path)]
    elif waves_path:
        plusargs = [f"+dumpfile_path={waves_path}"]

    with _patched_env(sim_env, waves, sys_path), _command_log(sim) as commands:
        runner = get_runner(sim)
        build_log = bdir / "build.log"
        t0 = time.perf_counter()
        try:
            runner.build(
                sources=[str(p) for p in m.hdl_files],
                hdl_toplevel=m.top,
                build_dir=bdir,
                timescale=TIMESCALE,
                waves=waves,
                build_args=build_args,
                always=True,
                log_file=build_log,
            )
        except (RuntimeError, SystemExit, OSError) as e:
            cmd = commands[-1] if commands else "(no command ran)"
            result.error = (
                f"{sim} build of {m.top} failed ({e})\n  command: {cmd}\n  working directory: {bdir}\n"
                f"  log: {build_log}\n{_tail(build_log)}"
            )
            write_failure_xml(rxml, m.top, result.error)
            return result
        result.build_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        exit_code = 0
        try:
            runner.test(
                test_module=module,
                hdl_toplevel=m.top,
                hdl_toplevel_lang="verilog",
                build_dir=bdir,
                test_dir=bdir,
                results_xml=str(rxml),
                seed=seed,
                extra_env={**cfg.to_env(), **module_env},
                waves=waves,
                test_args=test_args,
                plusargs=plusargs,
                timescale=TIMESCALE,
            )
        except SystemExit as e:  # cocotb_tools exits on simulator failure (and, under pytest, on test failure)
            exit_code = e.code if isinstance(e.code, int) else 1
        except RuntimeError as e:
            exit_code = 1
            result.error = f"simulator failed to run: {e}"
        result.test_s = time.perf_counter() - t0

    if report_path.is_file():
        result.stats = json.loads(report_path.read_text())
        result.report = result.stats.get("report", "")
    if not rxml.is_file():
        result.error = (
            result.error or f"the simulator produced no results file (exit code {exit_code}); see the log above"
        )
        write_failure_xml(rxml, m.top, result.error)
        return result
    n_tests, n_failed = _results(rxml)
    _add_junit_properties(
        rxml, {"seed": str(seed), "sim": sim, "n_samples": str(n_samples), "design": m.top, "reproduce": repro}
    )
    result.passed = n_tests >= 1 and n_failed == 0 and exit_code == 0 and not result.error and bool(result.stats)
    if not result.passed and not result.report and not result.error:
        result.error = f"{n_failed} of {n_tests} cocotb tests failed (exit code {exit_code}) without a mismatch report; see the log above"
    return result
