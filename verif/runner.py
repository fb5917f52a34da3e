"""The one generic flow: build + run a project's cocotb testbench on any simulator that has a profile.

Built on cocotb_tools.runner (cocotb 2.1); what differs between simulators lives in verif/simulators.py.
Used by `python -m da4ml.verif run`, the per-design Makefile, the top-level `make sim DESIGN=...` and the
pytest HDL regression alike.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import json
import logging
import math
import os
import re
import resource
import secrets
import shlex
import sys
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import progress
from ..project import Header, Manifest
from ..project.templates import render
from ..toolchain import ToolError, default_simulator
from .config import DEFAULT_N_SAMPLES, TbConfig
from .simulators import Simulator, get_simulator
from .writer import tb_module_name

log = logging.getLogger("da4ml.verif")

TIMESCALE = ("1ns", "1ps")
ENTRY_MODULE = "da4ml.verif.entry"  # used when the project has no tb/ (env DA4ML_VERIF_PROJECT names it)
SHARDS_ENV = "DA4ML_VERIF_SHARDS"  # the default number of simulator processes of a run (`make regression SHARDS=`)

# The batch wrapper (one cocotb wake-up per K cycles) in each HDL a project can be written in; a language
# without one is checked one sample per wake-up.
BATCH_WRAPPERS = {"verilog": "verif:batch_wrapper.v.j2"}
MAX_BATCH = 64  # samples per wake-up
MAX_BATCH_BITS = 1 << 16  # and at most this many bits in the wrapper's batch vectors


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
    build_cpu_s: float = 0.0  # CPU time of the build's processes (compilers): on a loaded machine < build_s
    test_s: float = 0.0
    shards: int = 1
    logs: list[Path] = field(default_factory=list)  # the build log and the simulator logs

    def summary(self) -> str:
        status = "PASS" if self.passed else "FAIL"
        checked = self.stats.get("n_checked", 0)
        lines = [
            (
                f"da4ml.verif {status}: {self.top} ({self.project_dir}) on {self.sim}, "
                f"{checked}/{self.n_samples} samples checked, seed {self.seed}"
            ),
            f"  results.xml : {self.results_xml}",
            f"  logs        : {', '.join(str(p) for p in self.logs) or '-'}",
            f"  waveform    : {self.waves_path if self.waves_path else 'not recorded (--waves / WAVES=1)'}",
            f"  reproduce   : {self.repro}",
        ]
        if self.report:
            lines.append(self.report)
        if self.error:
            lines.append(f"  error       : {self.error}")
        return "\n".join(lines)


def repro_command(project_dir: Path, sim: str, seed: int, n_samples: int, max_mismatches: int, shard: str = "") -> str:
    args = [sys.executable, "-m", "da4ml.verif", "run", str(project_dir), "--sim", sim, "--seed", str(seed)]
    args += ["--n-samples", str(n_samples)]
    if max_mismatches != 1:
        args += ["--max-mismatches", str(max_mismatches)]
    if shard:
        args += ["--shard", shard]
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


def _children_cpu() -> float:
    """CPU seconds of this process's finished child processes (user + system)."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def _tail(path: Path, n: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return ""


def batch_size(m: Manifest, n_samples: int) -> int:
    """Samples per cocotb wake-up through the batch wrapper: a power of two, at most MAX_BATCH, the batch
    vectors at most MAX_BATCH_BITS wide, no more than the run needs; 0 when the language has no wrapper."""
    if m.language not in BATCH_WRAPPERS:
        return 0
    widest = max(m.input_port.width, m.output_port.width)
    need = n_samples + m.latency_cycles
    k = 2
    while k < MAX_BATCH and 2 * k * widest <= MAX_BATCH_BITS and k < need:
        k *= 2
    return k


def wrapper_name(m: Manifest) -> str:
    return f"{m.top}_da4ml_batch"


def _balanced_concat(items: list[str]) -> str:
    """``{items[0], items[1], ...}`` nested as a balanced tree (MSB first): a simulator that builds a
    concatenation pairwise copies each bit log2(n) times instead of up to n times."""
    if len(items) == 1:
        return items[0]
    half = len(items) // 2
    return "{" + _balanced_concat(items[:half]) + ", " + _balanced_concat(items[half:]) + "}"


def write_wrapper(m: Manifest, build_dir: Path, k: int) -> Path:
    """The batch wrapper of ``m`` for batches of ``k`` (simulation only; in the build directory)."""
    name = wrapper_name(m)
    header = Header("da4ml.verif", m.program_sha256, m.options_sha256, (f"batch wrapper of {m.top}, {k} samples",))
    text = render(
        BATCH_WRAPPERS[m.language],
        header=header,
        name=name,
        top=m.top,
        k=k,
        idx_bits=max(int(math.log2(k)), 1),
        wi=m.input_port.width,
        wo=m.output_port.width,
        inp=m.input_port.name,
        out=m.output_port.name,
        clock=m.clock,
        reset=m.reset,
        captures=_balanced_concat(["y", *(f"out_mem[{j}]" for j in range(k - 2, -1, -1))]),
    )
    path = build_dir / f"{name}.v"
    if not path.is_file() or path.read_text() != text:
        path.write_text(text)
    return path


def parse_shard(shard: str) -> tuple[int, int]:
    """``"k/N"`` -> (k, N) with 0 <= k < N; ValueError naming the value otherwise."""
    mt = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", shard or "")
    if not mt or not 0 <= int(mt.group(1)) < int(mt.group(2)):
        raise ValueError(f"shard {shard!r} must be 'k/N' with 0 <= k < N (shard k of a run split N ways)")
    return int(mt.group(1)), int(mt.group(2))


def shard_ranges(n_samples: int, shards: int) -> list[tuple[int, int]]:
    """Samples ``start .. stop - 1`` of each of ``shards`` simulator processes (contiguous, sizes within one)."""
    bounds = [n_samples * j // shards for j in range(shards + 1)]
    return list(itertools.pairwise(bounds))


def _default_shards() -> int:
    raw = os.environ.get(SHARDS_ENV, "") or "1"
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"${SHARDS_ENV}={raw!r} must be an integer >= 1") from None


@dataclass
class _Shard:
    """One simulator process of a run: samples start .. stop - 1."""

    index: int
    start: int
    stop: int
    label: str  # "k/N" when the run is split, else ""
    test_dir: Path
    results_xml: Path
    report_path: Path
    progress_path: Path
    log: Path
    waves: Path | None
    exit_code: int = 0
    error: str = ""

    def checked(self) -> int:
        try:
            return int(json.loads(self.progress_path.read_text())["checked"])
        except (OSError, ValueError, KeyError):
            return 0


def _merge_junit(shards: list[_Shard], target: Path) -> None:
    """One results.xml of every shard's test suites (a shard without one gets an error case)."""
    root = ET.Element("testsuites", name="da4ml.verif")
    for sh in shards:
        if sh.results_xml.is_file():
            got = ET.parse(sh.results_xml).getroot()
            suites = [got] if got.tag == "testsuite" else got.findall("testsuite")
            for suite in suites:
                if sh.label:
                    suite.set("name", f"{suite.get('name', 'shard')} [shard {sh.label}]")
                root.append(suite)
        else:
            suite = ET.SubElement(root, "testsuite", name=f"shard {sh.label}", tests="1", failures="0", errors="1")
            case = ET.SubElement(suite, "testcase", name=f"shard {sh.label}", classname="da4ml.verif")
            msg = sh.error or f"shard {sh.label} produced no results (exit code {sh.exit_code}); see {sh.log}"
            ET.SubElement(case, "error", message=msg[:500]).text = msg
    target.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(target, encoding="utf-8", xml_declaration=True)


def _merge_stats(per_shard: list[dict[str, Any]]) -> dict[str, Any]:
    """The run's statistics from its shards': counts add up, the first mismatch is the earliest sample's."""
    if len(per_shard) == 1:
        return per_shard[0]
    out = dict(per_shard[0])
    checked = sum(st["n_checked"] for st in per_shard)
    loop_s = max(st["loop_s"] for st in per_shard)  # the shards run side by side
    bad = [st for st in per_shard if st.get("first_mismatch")]
    first = min(bad, key=lambda st: st["first_mismatch"]["sample"]) if bad else None
    out.update(
        start=min(st["start"] for st in per_shard),
        stop=max(st["stop"] for st in per_shard),
        shard="",
        n_checked=checked,
        prep_s=max(st["prep_s"] for st in per_shard),
        loop_s=loop_s,
        loop_cpu_s=sum(st["loop_cpu_s"] for st in per_shard),
        samples_per_s_loop=round(checked / loop_s, 1) if loop_s > 0 else None,
        n_mismatches=sum(st["n_mismatches"] for st in per_shard),
        first_mismatch=first["first_mismatch"] if first else None,
        report=first["report"] if first else "",
        shards=[
            {k: st[k] for k in ("shard", "start", "stop", "n_checked", "n_mismatches", "loop_s")} for st in per_shard
        ],
    )
    return out


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
    shards: int | None = None,
    shard: str | None = None,
    batch: int | None = None,
    verbose: bool = False,
) -> RunResult:
    """Build the project's HDL and run the generic testbench on `sim`; never raises for a failing design.

    - ``shards``: split the samples across that many simulator processes, side by side (default
      ``$DA4ML_VERIF_SHARDS`` or 1); each checks a contiguous range of the same samples a single process
      would check (the stimulus depends on the seed and the sample index only). The JUnit files are merged,
      the report is the first mismatch's (the lowest sample), its reproduce command runs that shard alone.
    - ``shard="k/N"``: run only shard k of N (what a reproduce command does).
    - ``batch``: samples per cocotb wake-up through the batch wrapper (None: chosen by `batch_size`; 0: no
      wrapper, one write and one read per clock).
    - ``verbose``: the simulator's output on stdout too (it always goes to a log file in the build directory).

    Raises ManifestError / ToolError / ValueError (before simulating) when the project, the simulator or an
    argument is unusable.
    """
    m = Manifest.load(project_dir)
    name = sim or default_simulator()
    profile = get_simulator(name)
    if n_samples < 1:
        raise ValueError(f"n_samples={n_samples} must be >= 1")
    if max_mismatches < 1:
        raise ValueError(f"max_mismatches={max_mismatches} must be >= 1")
    n_shards = _default_shards() if shards is None else shards
    if not (isinstance(n_shards, int) and n_shards >= 1):
        raise ValueError(f"shards={n_shards!r} must be an integer >= 1")
    only = parse_shard(shard) if shard else None
    if only is not None:
        n_shards = only[1]
    n_shards = min(n_shards, n_samples)
    k_batch = batch_size(m, n_samples) if batch is None else batch
    if k_batch and (m.language not in BATCH_WRAPPERS or k_batch < 2 or k_batch & (k_batch - 1)):
        raise ValueError(
            f"batch={k_batch} must be 0 (no wrapper) or a power of two >= 2 for a "
            f"{'/'.join(BATCH_WRAPPERS)} project (this one is {m.language})"
        )
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
    rxml.unlink(missing_ok=True)
    ranges = shard_ranges(n_samples, n_shards)
    picked = [only[0]] if only is not None else list(range(n_shards))
    runs: list[_Shard] = []
    for j in picked:
        label = f"{j}/{n_shards}" if n_shards > 1 else ""
        tdir = bdir if len(picked) == 1 else bdir / f"shard{j}"
        tdir.mkdir(parents=True, exist_ok=True)
        sh = _Shard(
            j,
            *ranges[j],
            label,
            tdir,
            rxml if len(picked) == 1 else tdir / "results.xml",
            tdir / "da4ml_verif_report.json",
            tdir / "da4ml_verif_progress.json",
            tdir / "sim.log",
            profile.waves_file(tdir, m.top) if waves else None,
        )
        for p in (sh.results_xml, sh.report_path, sh.progress_path):
            p.unlink(missing_ok=True)
        runs.append(sh)
    repro = repro_command(m.project_dir, name, seed, n_samples, max_mismatches, runs[0].label if only else "")
    module, python_path, module_env = _test_module(m)
    toplevel = wrapper_name(m) if k_batch else m.top
    sources = [str(p) for p in m.source_paths]
    if k_batch:
        sources.append(str(write_wrapper(m, bdir, k_batch)))
        ports = ["clk", "go", *([m.reset] if m.reset else []), "batch_inp", "batch_out"]
    else:
        ports = [m.input_port.name, m.output_port.name, *(p for p in (m.clock, m.reset) if p)]
    sources += [str(p) for p in profile.extra_sources(bdir, toplevel, ports)]
    result = RunResult(False, name, seed, n_samples, m.project_dir, bdir, rxml, runs[0].waves, repro, m.top)
    result.shards = n_shards
    log.info(
        "da4ml.verif: %s on %s (%s), seed %d, %d samples%s",
        m.top,
        name,
        profile.description,
        seed,
        n_samples,
        f", {n_shards} processes" if n_shards > 1 else "",
    )

    def make(sh: _Shard):
        cfg = TbConfig(
            seed=seed,
            n_samples=n_samples,
            max_mismatches=max_mismatches,
            sim=name,
            waves_path=str(sh.waves or ""),
            repro=repro_command(m.project_dir, name, seed, n_samples, max_mismatches, sh.label),
            report_path=str(sh.report_path),
            start=sh.start,
            stop=sh.stop,
            shard=sh.label,
            batch=k_batch,
            progress_path=str(sh.progress_path),
        )
        fixed = {
            "WAVES": "1" if waves else "0",
            "COCOTB_RANDOM_SEED": str(seed),
            # no pytest assertion rewriting of every module the testbench imports (it recompiles them at each
            # start: about half of the simulator's start-up); the testbench's failures carry their own report
            "COCOTB_REWRITE_ASSERTION_FILES": "",
            **cfg.to_env(),
            **module_env,
        }
        return make_runner(profile, functools.partial(_environment, profile, fixed, python_path), waves)

    builder = make(runs[0])
    builder.log.propagate = verbose  # the commands it runs are in the logs (and in any error message)
    build_log = bdir / "build.log"
    result.logs = [build_log, *(sh.log for sh in runs)]
    with _command_log(builder.log) as commands:
        t0, c0 = time.perf_counter(), _children_cpu()
        try:
            with progress.phase(f"{name}: building {m.top}"):
                builder.build(
                    sources=sources,
                    hdl_toplevel=toplevel,
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
        result.build_s, result.build_cpu_s = time.perf_counter() - t0, _children_cpu() - c0

    def simulate(sh: _Shard) -> None:
        runner = builder if sh is runs[0] else make(sh)
        try:
            runner.test(
                test_module=module,
                hdl_toplevel=toplevel,
                hdl_toplevel_lang=m.language,
                build_dir=bdir,
                test_dir=sh.test_dir,
                results_xml=str(sh.results_xml),
                seed=seed,
                waves=waves,
                test_args=profile.test_args(sh.waves),
                plusargs=profile.plusargs(sh.waves),
                timescale=TIMESCALE,
                log_file=None if verbose else sh.log,
            )
        except SystemExit as e:  # cocotb_tools exits on simulator failure (and, under pytest, on test failure)
            sh.exit_code = e.code if isinstance(e.code, int) else 1
        except (RuntimeError, OSError) as e:
            sh.exit_code = 1
            sh.error = f"simulator failed to run: {e}"

    t0 = time.perf_counter()
    total = sum(sh.stop - sh.start for sh in runs)
    what = f"{name}: checking {m.top}" + (f" in {len(runs)} processes" if len(runs) > 1 else "")
    with progress.counter(what, total) as count:
        threads = [threading.Thread(target=simulate, args=(sh,), daemon=True) for sh in runs]
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads):
            for t in threads:
                t.join(timeout=0.25)
                count.update(sum(sh.checked() for sh in runs))
        count.update(sum(sh.checked() for sh in runs))
    result.test_s = time.perf_counter() - t0

    reported = [(sh, json.loads(sh.report_path.read_text())) for sh in runs if sh.report_path.is_file()]
    per_shard = [st for _, st in reported]
    if per_shard:
        result.stats = _merge_stats(per_shard)
        result.report = result.stats.get("report", "")
        first = result.stats.get("first_mismatch")
        if first and len(runs) > 1:  # the shard with the first mismatch, alone
            sh, st = next((sh, st) for sh, st in reported if st.get("first_mismatch") == first)
            result.repro, result.waves_path = st.get("repro", result.repro), sh.waves
    errors = [sh.error for sh in runs if sh.error]
    result.error = "; ".join(errors)
    missing = [sh for sh in runs if not sh.results_xml.is_file()]
    if len(runs) > 1:
        _merge_junit(runs, rxml)
    if missing and len(runs) == 1:
        sh = missing[0]
        result.error = result.error or (
            f"the simulator produced no results file (exit code {sh.exit_code}); see {sh.log}\n{_tail(sh.log)}"
        )
        write_failure_xml(rxml, m.top, result.error)
        return result
    if missing:
        result.error = result.error or "shards " + ", ".join(sh.label for sh in missing) + " produced no results"
    n_tests, n_failed = get_results(rxml)
    props = {"seed": str(seed), "sim": name, "n_samples": str(n_samples), "design": m.top, "reproduce": repro}
    if n_shards > 1:
        props["shards"] = str(n_shards)
    _add_junit_properties(rxml, props)
    exit_code = max((sh.exit_code for sh in runs), default=0)
    complete = len(per_shard) == len(runs)
    result.passed = n_tests >= 1 and n_failed == 0 and exit_code == 0 and not result.error and complete
    if not result.passed and not result.report and not result.error:
        result.error = (
            f"{n_failed} of {n_tests} cocotb tests failed (exit code {exit_code}) without a mismatch report; "
            f"see {', '.join(str(sh.log) for sh in runs)}\n{_tail(runs[0].log)}"
        )
    return result
