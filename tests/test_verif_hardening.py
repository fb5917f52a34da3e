"""The testbench and the project Makefile refuse a broken project or knob before building (exit 2, with the
reason), find a Python that has da4ml, keep a plain run's results from a waveform run's, honour or refuse
simulator overrides, and print a mismatch once, expected and actual in the same radix."""

from __future__ import annotations

import builtins
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from codegen_programs import prog_mlp
from da4ml.verif import run
from da4ml.verif.cli import main
from da4ml.verif.report import Mismatch, format_report
from da4ml.verif.writer import PYTHON_RECORD

from da4ml.codegen import RTLModel
from da4ml.project import Lane, Manifest, ManifestError, Port
from da4ml.toolchain import ToolError, find_icarus, find_verilator

DATA = Path(__file__).parent / "data" / "hdl"


def _project(tmp_path: Path, name: str = "prj", **kw) -> Path:
    return RTLModel(prog_mlp(), name, tmp_path / name, print_latency=False, **kw).write()


def _no_build(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to find a simulator (the step before building) fails the test."""

    def refuse(*a, **k):
        raise AssertionError("the run went on to the simulator: the project should have been refused first")

    monkeypatch.setattr("da4ml.verif.runner.get_simulator", refuse)


# --- 12: a broken project or knob is refused before building, exit 2 with the reason --------------------


def _truncate(p: Path) -> None:
    p.write_bytes(p.read_bytes()[:-4])


def _other_program(p: Path) -> None:
    shutil.copy(DATA / "addsub_comb" / "model.dais", p)


@pytest.mark.parametrize(
    "damage, message",
    [(_truncate, "does not match the DAIS binaries"), (_other_program, "does not match the DAIS binaries")],
)
def test_corrupt_or_wrong_program_is_refused_before_building(tmp_path, monkeypatch, capsys, damage, message):
    prj = _project(tmp_path)
    damage(prj / "model.dais")
    _no_build(monkeypatch)
    with pytest.raises(ManifestError, match=message):
        run(prj, "icarus", seed=1, n_samples=10)
    assert main(["run", str(prj), "--sim", "icarus", "--seed", "1"]) == 2
    err = capsys.readouterr().err
    assert "model.dais" in err and "regenerate the project" in err


@pytest.mark.parametrize(
    "damage, message",
    [
        (_truncate, r"model\.dais: not a valid DAIS program"),
        (_other_program, r"the program has 2 inputs, manifest.json lists \d+ inputs"),
    ],
)
def test_bad_program_without_a_hash_is_named(tmp_path, monkeypatch, damage, message):
    """A manifest without a program hash (hand-written): the program itself is still checked."""
    prj = _project(tmp_path)
    man = json.loads((prj / "manifest.json").read_text())
    (prj / "manifest.json").write_text(json.dumps({**man, "program_sha256": ""}))
    assert Manifest.load(prj).n_in != 2
    damage(prj / "model.dais")
    _no_build(monkeypatch)
    with pytest.raises(ManifestError, match=message):
        run(prj, "icarus", seed=1, n_samples=10)


@pytest.mark.parametrize("seed", [-1, 2**32, 2**40])
def test_bad_seed_exits_2_before_building(tmp_path, monkeypatch, capsys, seed):
    prj = _project(tmp_path)
    monkeypatch.setattr("da4ml.verif.runner.make_runner", None, raising=False)
    assert main(["run", str(prj), "--seed", str(seed)]) == 2
    assert f"seed={seed} must be an integer in 0 .. {2**32 - 1}" in capsys.readouterr().err


def test_non_integer_env_knob_is_a_usage_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SEED", "abc")
    with pytest.raises(SystemExit) as e:
        main(["run", str(_project(tmp_path))])
    assert e.value.code == 2 and "SEED='abc' must be an integer" in capsys.readouterr().err


# --- 13: the project Makefile's Python -------------------------------------------------------------------


def _clean_env(**extra: str) -> dict[str, str]:
    """A shell without the venv: no VIRTUAL_ENV, a PATH whose python3 (if any) has no da4ml."""
    return {"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", "/root"), **extra}


def _system_python_has_da4ml() -> bool:
    for name in ("python3", "python"):
        exe = shutil.which(name, path="/usr/bin:/bin")
        cmd = [exe or "", "-c", "import da4ml"]
        if exe and subprocess.run(cmd, env=_clean_env(), cwd="/", capture_output=True, check=False).returncode == 0:
            return True
    return False


needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="make not installed")


@needs_make
def test_makefile_uses_the_interpreter_that_wrote_the_project(tmp_path):
    if _system_python_has_da4ml():
        pytest.skip("the system Python has da4ml: cannot tell the choices apart")
    prj = _project(tmp_path)
    assert (prj / PYTHON_RECORD).read_text() == sys.executable + "\n"
    proc = subprocess.run(
        ["make", "-C", str(prj), "python"], env=_clean_env(), capture_output=True, check=False, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert f"python: {sys.executable} (the first of {sys.executable}" in proc.stdout
    assert (
        f"PYTHON={sys.executable}"
        in subprocess.run(
            ["make", "-s", "-C", str(prj), "help"], env=_clean_env(), capture_output=True, check=False, text=True
        ).stdout
    )


@needs_make
def test_makefile_without_a_python_with_da4ml_says_so(tmp_path):
    if _system_python_has_da4ml():
        pytest.skip("the system Python has da4ml")
    prj = _project(tmp_path)
    (prj / PYTHON_RECORD).write_text("/nonexistent/python\n")  # the venv that wrote it is gone
    proc = subprocess.run(
        ["make", "-C", str(prj), "lint"], env=_clean_env(), capture_output=True, check=False, text=True
    )
    assert proc.returncode != 0
    assert "error: no Python with da4ml found (tried /nonexistent/python python3 python)" in proc.stderr
    assert "PYTHON=" in proc.stderr


@needs_make
def test_makefile_finds_the_active_venv_and_honours_python(tmp_path):
    prj = _project(tmp_path)
    (prj / PYTHON_RECORD).unlink()
    venv = Path(sys.executable).parent.parent
    proc = subprocess.run(
        ["make", "-C", str(prj), "python"],
        env=_clean_env(VIRTUAL_ENV=str(venv)),
        capture_output=True,
        check=False,
        text=True,
    )
    assert f"python: {venv}/bin/python (the first of" in proc.stdout, proc.stdout + proc.stderr
    proc = subprocess.run(
        ["make", "-C", str(prj), "python", f"PYTHON={sys.executable}"],
        env=_clean_env(),
        capture_output=True,
        check=False,
        text=True,
    )
    assert f"python: {sys.executable} (PYTHON from the command line)" in proc.stdout


# --- 14: results.xml of a waveform run, simulator overrides, the mismatch report --------------------------


def test_failing_waves_run_keeps_the_plain_runs_results(tmp_path, capsys):
    prj = _project(tmp_path)
    plain = prj / "sim_build" / "icarus" / "results.xml"
    plain.parent.mkdir(parents=True)
    plain.write_text("<testsuites><testsuite name='passing' tests='1' failures='0'/></testsuites>")
    before = plain.read_bytes()
    assert main(["run", str(prj), "--sim", "icarus", "--waves", "--n-samples", "0"]) == 2
    assert plain.read_bytes() == before, "the waveform run's failure overwrote the plain run's results.xml"
    waves = prj / "sim_build" / "icarus_waves" / "results.xml"
    assert waves.is_file() and "n_samples=0" in waves.read_text()
    assert str(waves) in capsys.readouterr().err


def test_bogus_iverilog_is_refused(monkeypatch):
    monkeypatch.setenv("IVERILOG", "/bogus")
    with pytest.raises(ToolError, match=r"\$IVERILOG='/bogus' is not an executable"):
        find_icarus()


def test_iverilog_without_vvp_is_refused(tmp_path, monkeypatch):
    exe = tmp_path / "iverilog"
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    monkeypatch.setenv("IVERILOG", str(exe))
    with pytest.raises(ToolError, match=rf"no vvp next to it in {tmp_path}"):
        find_icarus()


def _wrappers(folder: Path, names: dict[str, str]) -> None:
    for name, tool in names.items():
        (folder / name).write_text(f'#!/bin/sh\nexec {shutil.which(tool)} "$@"\n')
        (folder / name).chmod(0o755)


@pytest.mark.skipif(shutil.which("iverilog") is None, reason="Icarus not installed")
def test_iverilog_override_of_another_name_is_refused(tmp_path, monkeypatch):
    """cocotb runs `iverilog` by name: an IVERILOG called otherwise would be ignored for PATH's iverilog."""
    _wrappers(tmp_path, {"my-iverilog": "iverilog", "vvp": "vvp"})
    monkeypatch.setenv("IVERILOG", str(tmp_path / "my-iverilog"))
    with pytest.raises(ToolError, match=rf"runs `iverilog` and `vvp` from {tmp_path}, where no iverilog is"):
        find_icarus()


@pytest.mark.skipif(shutil.which("iverilog") is None, reason="Icarus not installed")
def test_iverilog_override_is_the_one_used(tmp_path, monkeypatch):
    _wrappers(tmp_path, {"iverilog": "iverilog", "vvp": "vvp"})
    monkeypatch.setenv("IVERILOG", str(tmp_path / "iverilog"))
    env = find_icarus()
    assert env.executable == str(tmp_path / "iverilog") and env.path_prepend == (str(tmp_path),)


def test_bogus_verilator_root_is_refused_even_with_a_verilator_on_path(tmp_path, monkeypatch):
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "verilator").write_text("#!/bin/sh\necho 'Verilator 5.040 2025-08-30 rev v5.040'\n")
    (fake / "verilator").chmod(0o755)
    monkeypatch.setenv("VERILATOR_ROOT", "/bogus")
    monkeypatch.setenv("PATH", f"{fake}:/usr/bin:/bin")
    with pytest.raises(ToolError, match=r"VERILATOR_ROOT=/bogus has no bin/verilator"):
        find_verilator()


def test_missing_dependency_of_cocotb_is_named(monkeypatch):
    """cocotb is installed, a module its runner imports is not: name that module, not 'cocotb'."""
    from da4ml.verif import runner

    real_import = builtins.__import__

    def fake_import(name, globals=None, locals=None, fromlist=(), level=0):
        if name == "find_libpython":
            raise ModuleNotFoundError("No module named 'find_libpython'", name="find_libpython")
        return real_import(name, globals, locals, fromlist, level)

    for mod in [m for m in sys.modules if m.startswith(("cocotb_tools", "da4ml.verif._cocotb"))]:
        monkeypatch.delitem(sys.modules, mod)
    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(ToolError) as e:
        runner._load_cocotb()
    msg = str(e.value)
    assert "find_libpython" in msg and "cocotb is not installed" not in msg


def test_missing_cocotb_is_named(monkeypatch):
    from da4ml.verif import runner

    for mod in [m for m in sys.modules if m.startswith(("cocotb", "da4ml.verif._cocotb"))]:
        monkeypatch.delitem(sys.modules, mod)
    monkeypatch.setitem(sys.modules, "cocotb_tools", None)
    monkeypatch.setitem(sys.modules, "cocotb", None)
    with pytest.raises(ToolError, match=r"cocotb is not installed .*pip install 'da4ml\[sim\]'"):
        runner._load_cocotb()


def _report(actual_bits: str) -> str:
    lanes = (Lane(0, 0, 8, 1, 7, 0), Lane(1, 8, 4, 0, 4, 0))
    m = Manifest(
        top="t",
        language="verilog",
        latency_cycles=0,
        clock=None,
        clock_period_ns=5.0,
        input_port=Port("model_inp", 8, (Lane(0, 0, 8, 1, 7, 0),)),
        output_port=Port("model_out", 12, lanes),
        dais=("model.dais",),
        sources=("src/t.v",),
        program_sha256="",
        options_sha256="",
    )
    exp = 0x5A3
    return format_report(
        m,
        [Mismatch(0, 0, 5.0, actual_bits)],
        {0: np.array([3])},
        {0: exp},
        n_checked=1,
        seed=1,
        sim="icarus",
        waves_path="",
        repro="r",
        max_mismatches=1,
    )


def test_report_prints_expected_and_actual_in_the_same_radix():
    rep = _report(format(0x5A4, "012b"))
    assert "expected word  : 0x5a3" in rep and "actual word    : 0x5a4" in rep
    assert "expected     : 0xa3 (int -93" in rep and "actual       : 0xa4 (int -92" in rep
    xz = _report("0101" + "1010010X")
    assert "expected word  : 0b010110100011" in xz and "actual word    : 0b01011010010X (X/Z bits)" in xz
    assert "expected     : 0b10100011 (int -93" in xz and "actual       : 0b1010010X (X/Z bits)" in xz


@pytest.mark.simulator
def test_mismatch_report_is_printed_once(one_hdl_sim, tmp_path):
    prj = tmp_path / "addsub_comb"
    shutil.copytree(DATA / "addsub_comb", prj, ignore=shutil.ignore_patterns("sim_build"))
    src = prj / "src" / "addsub_comb.v"
    src.write_text(src.read_text().replace("y0 + 8'd3", "y0 + 8'd2"))
    cmd = [sys.executable, "-m", "da4ml.verif", "run", str(prj), "--sim", one_hdl_sim, "--seed", "7"]
    proc = subprocess.run([*cmd, "--n-samples", "20"], capture_output=True, check=False, text=True)
    assert proc.returncode == 1
    out = proc.stdout + proc.stderr
    assert out.count("OUTPUT MISMATCH in addsub_comb") == 1, out[-4000:]
    assert out.count("expected word  :") == 1
