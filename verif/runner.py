"""The one generic flow: build + run a project's cocotb testbench on any simulator that has a profile.

Built on cocotb_tools.runner (cocotb 2.1); what differs between simulators lives in verif/simulators.py.
Used by `python -m da4ml.verif run`, the per-design Makefile, the top-level `make sim DESIGN=...` and the
pytest HDL regression alike.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import secrets
import shlex
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..project import Manifest
from ..toolchain import ToolError, default_simulator
from .config import DEFAULT_N_SAMPLES, TbConfig
from .simulators import Simulator, get_simulator
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
def _command_log(logger: logging.Logger) -> Iterator[list[str]]:
    handler = _CommandCapture()
    logger.addHandler(handler)
    try:
        yield handler.lines
    finally:
        logger.removeHandler(handler)


def _environment(sim: Simulator, fixed: dict[str, str], python_path: list[str], base: dict[str, str]) -> dict[str, str]:
    """The environment of the simulator's processes: the profile's on top of cocotb's, then this run's
    settings; the test module's folder first on PYTHONPATH; no inherited test filter."""
    env = sim.environment(base)
    env.update(fixed)
    env["PYTHONPATH"] = os.pathsep.join([*python_path, env.get("PYTHONPATH", "")])
    env.pop("COCOTB_TEST_FILTER", None)
    return env


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
    m = Manifest.load(project_dir)
    name = sim or default_simulator()
    profile = get_simulator(name)
    if n_samples < 1:
        raise ValueError(f"n_samples={n_samples} must be >= 1")
    if max_mismatches < 1:
        raise ValueError(f"max_mismatches={max_mismatches} must be >= 1")
    profile.check(m, waves)
    try:
        from ._cocotb import get_results, make_runner  # cocotb is the optional `sim` extra
    except ImportError as e:
        raise ToolError(f"cocotb is not installed ({e}); install the simulation extra: pip install 'da4ml[sim]'") from e
    if seed is None:
        seed = secrets.randbelow(2**31)
    bdir = (
        Path(build_dir).resolve() if build_dir else m.project_dir / "sim_build" / (name + ("_waves" if waves else ""))
    )
    bdir.mkdir(parents=True, exist_ok=True)
    rxml = Path(results_xml).resolve() if results_xml else bdir / "results.xml"
    waves_path = profile.waves_file(bdir, m.top) if waves else None
    report_path = bdir / "da4ml_verif_report.json"
    repro = repro_command(m.project_dir, name, seed, n_samples, max_mismatches)
    for p in (rxml, report_path):
        p.unlink(missing_ok=True)
    cfg = TbConfig(
        seed=seed,
        n_samples=n_samples,
        max_mismatches=max_mismatches,
        sim=name,
        waves_path=str(waves_path or ""),
        repro=repro,
        report_path=str(report_path),
    )
    module, python_path, module_env = _test_module(m)
    fixed = {"WAVES": "1" if waves else "0", "COCOTB_RANDOM_SEED": str(seed), **cfg.to_env(), **module_env}
    runner = make_runner(profile, functools.partial(_environment, profile, fixed, python_path), waves)
    result = RunResult(False, name, seed, n_samples, m.project_dir, bdir, rxml, waves_path, repro, m.top)
    log.info("da4ml.verif: %s on %s (%s), seed %d, %d samples", m.top, name, profile.description, seed, n_samples)

    with _command_log(runner.log) as commands:
        build_log = bdir / "build.log"
        t0 = time.perf_counter()
        try:
            runner.build(
                sources=[str(p) for p in m.source_paths],
                hdl_toplevel=m.top,
                build_dir=bdir,
                timescale=TIMESCALE,
                waves=waves,
                build_args=profile.build_args(waves),
                always=True,
                log_file=build_log,
            )
        except (RuntimeError, SystemExit, OSError) as e:
            cmd = commands[-1] if commands else "(no command ran)"
            result.error = (
                f"{name} build of {m.top} failed ({e})\n  command: {cmd}\n  working directory: {bdir}\n"
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
                hdl_toplevel_lang=m.language,
                build_dir=bdir,
                test_dir=bdir,
                results_xml=str(rxml),
                seed=seed,
                waves=waves,
                test_args=profile.test_args(waves_path),
                plusargs=profile.plusargs(waves_path),
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
    n_tests, n_failed = get_results(rxml)
    _add_junit_properties(
        rxml, {"seed": str(seed), "sim": name, "n_samples": str(n_samples), "design": m.top, "reproduce": repro}
    )
    result.passed = n_tests >= 1 and n_failed == 0 and exit_code == 0 and not result.error and bool(result.stats)
    if not result.passed and not result.report and not result.error:
        result.error = f"{n_failed} of {n_tests} cocotb tests failed (exit code {exit_code}) without a mismatch report; see the log above"
    return result
