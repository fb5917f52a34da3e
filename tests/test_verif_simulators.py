"""Simulator profiles: each builds the arguments and environment it should; the generic flow runs each one
without touching this process's environment."""

from __future__ import annotations

import ast
import dataclasses
import os
import shutil
import sys
from pathlib import Path

import pytest
from codegen_support import needs_verilator
from da4ml.verif import load_manifest, run
from da4ml.verif.simulators import PROFILES, Icarus, Verilator, get_simulator

from da4ml.toolchain import SimEnv, ToolError, verilator_build

DATA = Path(__file__).parent / "data" / "hdl"
VERIF = Path(__file__).resolve().parents[1] / "verif"


def test_icarus_profile(tmp_path: Path) -> None:
    p = Icarus(SimEnv("icarus", ("/opt/iv/bin",), {}, "Icarus (test)", "/opt/iv/bin/iverilog"))
    waves = p.waves_file(tmp_path, "top")
    assert waves == tmp_path / "top.fst"
    assert p.build_args(False) == p.build_args(True) == []
    assert p.test_args(waves) == [] and p.plusargs(None) == []
    assert p.plusargs(waves) == [f"+dumpfile_path={waves}"]
    assert p.environment({"PATH": "/usr/bin", "X": "1"}) == {"PATH": f"/opt/iv/bin{os.pathsep}/usr/bin", "X": "1"}
    assert p.executable == "/opt/iv/bin/iverilog" and p.languages == ("verilog",)


def test_verilator_profile(tmp_path: Path) -> None:
    tool = SimEnv(
        "verilator", ("/opt/v/bin",), {"VERILATOR_ROOT": "/opt/v"}, "Verilator (test)", "/opt/v/bin/verilator"
    )
    p = Verilator(tool, ["-Wno-fatal", "-j", "2"])
    waves = p.waves_file(tmp_path, "t")
    assert waves == tmp_path / "t.fst"
    assert p.build_args(False) == ["-Wno-fatal", "-j", "2"]
    assert p.build_args(True) == ["-Wno-fatal", "-j", "2", "--trace-fst"]
    assert p.test_args(waves) == ["--trace-file", str(waves)] and p.test_args(None) == []
    assert p.plusargs(waves) == []
    base = {"PATH": "/usr/bin"}
    assert p.environment(base) == {"PATH": f"/opt/v/bin{os.pathsep}/usr/bin", "VERILATOR_ROOT": "/opt/v"}
    assert base == {"PATH": "/usr/bin"}, "the profile builds a new environment"


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_a_profile_refuses_a_language_it_does_not_simulate(name: str) -> None:
    m = dataclasses.replace(load_manifest(DATA / "addsub_comb"), language="vhdl")
    p = PROFILES[name](SimEnv(name))
    with pytest.raises(ToolError, match=rf"{name} simulates verilog, this project is vhdl; pick another simulator"):
        p.check(m, waves=False)
    p.check(load_manifest(DATA / "addsub_comb"), waves=False)  # the control: a Verilog project is accepted


def test_unknown_simulator() -> None:
    with pytest.raises(ToolError, match=r"simulator 'ghdl' is not supported; use one of icarus, verilator"):
        get_simulator("ghdl")


@needs_verilator
def test_one_verilator_set_up_for_the_model_and_the_testbench(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OBJCACHE", raising=False)
    tool, flags = verilator_build(3)
    assert flags == ["-Wno-fatal", "-j", "3"]
    assert (tool.env.get("OBJCACHE") == "ccache") == (shutil.which("ccache", path=tool.environ()["PATH"]) is not None)
    profile = Verilator.find()
    assert profile.build_args(False) == verilator_build()[1] and profile.tool == verilator_build()[0]
    monkeypatch.setenv("OBJCACHE", "")  # the user's choice wins
    assert "OBJCACHE" not in verilator_build()[0].env
    with pytest.raises(ValueError, match=r"jobs=0 must be an integer >= 1"):
        verilator_build(0)


def test_the_generic_flow_never_names_a_simulator() -> None:
    for module in ("runner.py", "_cocotb.py"):
        tree = ast.parse((VERIF / module).read_text())
        names = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and n.value in PROFILES]
        assert names == [], f"verif/{module} names simulators {names}: that belongs in verif/simulators.py"


@pytest.mark.simulator
def test_a_run_leaves_this_process_alone(hdl_sim: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One real run per simulator through the shared flow: the simulator gets the profile's environment
    (its executable although PATH points elsewhere, the run's `waves`, no inherited test filter), while this
    process's os.environ and sys.path stay as they are, during the run and after."""
    fake = tmp_path / "fake_bin"  # first on PATH: a `verilator` that fails; the profile knows the real one
    fake.mkdir()
    (fake / "verilator").write_text("#!/bin/sh\necho 'not this verilator' >&2\nexit 99\n")
    (fake / "verilator").chmod(0o755)
    monkeypatch.setenv("PATH", os.pathsep.join((str(fake), os.environ.get("PATH", ""))))
    monkeypatch.setenv("WAVES", "1")  # the run says waves=False
    monkeypatch.setenv("COCOTB_TEST_FILTER", "no_such_test")
    env_before, path_before = dict(os.environ), list(sys.path)
    seen: list[tuple[bool, bool]] = []
    profile = PROFILES[hdl_sim]
    environment = profile.environment

    def spy(self, base):
        seen.append((dict(os.environ) == env_before, sys.path == path_before))
        return environment(self, base)

    monkeypatch.setattr(profile, "environment", spy)
    res = run(DATA / "addsub_pipe", hdl_sim, seed=3, n_samples=300, build_dir=tmp_path / "b")
    assert res.passed, res.summary()
    assert res.stats["n_checked"] == 300
    assert len(seen) >= 2 and all(a and b for a, b in seen), "os.environ / sys.path changed during the run"
    assert dict(os.environ) == env_before and sys.path == path_before
    assert res.waves_path is None and not [*(tmp_path / "b").glob("*.fst"), *(tmp_path / "b").glob("*.vcd")]
