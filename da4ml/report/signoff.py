"""Sign-off status of a project: the JUnit ``results.xml`` files its cocotb testbench wrote
(``sim_build/<sim>[_waves]/results.xml``, with the properties da4ml.verif adds: sim, seed, n_samples)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from .errors import ReportError

__all__ = ["SignOff", "SimResult", "parse_junit", "read_signoff"]


@dataclass(frozen=True)
class SimResult:
    sim: str
    passed: bool
    tests: int
    failed: int  # failures + errors
    seed: str
    n_samples: int | None
    path: Path


@dataclass(frozen=True)
class SignOff:
    results: tuple[SimResult, ...]  # the newest results.xml of each simulator, by simulator name

    @property
    def status(self) -> str:
        if not self.results:
            return "not run"
        return "PASS" if all(r.passed for r in self.results) else "FAIL"

    @property
    def simulators(self) -> str:
        """``icarus+verilator`` (the simulators that passed), or the failing ones marked ``!``."""
        return "+".join(r.sim if r.passed else f"{r.sim}!" for r in self.results)

    @property
    def samples(self) -> int | None:
        counts = [r.n_samples for r in self.results if r.n_samples is not None]
        return min(counts) if counts else None

    @property
    def seeds(self) -> str:
        return ",".join(sorted({r.seed for r in self.results if r.seed}))


def parse_junit(path: Path, default_sim: str) -> SimResult:
    """One results.xml; ReportError when it is not a JUnit document."""
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as e:
        raise ReportError(f"{path}: not a readable JUnit XML file ({e})") from None
    if root.tag not in ("testsuites", "testsuite"):
        raise ReportError(f"{path}: root element <{root.tag}>, expected <testsuites> or <testsuite> (JUnit)")
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    props = {p.get("name"): p.get("value", "") for s in suites for p in s.iter("property")}
    cases = [c for s in suites for c in s.iter("testcase")]
    failed = sum(1 for c in cases if c.find("failure") is not None or c.find("error") is not None)
    # a results file written when the run could not start holds an <error> and possibly no testcase
    failed += sum(1 for s in suites for e in s.findall("error"))
    n = props.get("n_samples", "")
    return SimResult(
        sim=props.get("sim") or default_sim,
        passed=bool(cases) and failed == 0,
        tests=len(cases),
        failed=failed,
        seed=props.get("seed", ""),
        n_samples=int(n) if n.isdigit() else None,
        path=path,
    )


def read_signoff(project_dir: Path, warn) -> SignOff:
    """The newest results.xml per simulator under ``sim_build/``; unreadable files are warned about."""
    newest: dict[str, tuple[float, SimResult]] = {}
    for path in sorted(project_dir.glob("sim_build/*/results.xml")):
        try:
            res = parse_junit(path, path.parent.name.removesuffix("_waves"))
        except ReportError as e:
            warn(str(e))
            continue
        mtime = path.stat().st_mtime
        if res.sim not in newest or mtime > newest[res.sim][0]:
            newest[res.sim] = (mtime, res)
    return SignOff(tuple(newest[s][1] for s in sorted(newest)))
