"""The HDL flows on a new user's machine: no `python` command on PATH (Debian without python-is-python3, only
python3 or the venv's interpreter), and a base install without the `sim` extra, which must get a clear
message naming `pip install 'da4ml[sim]'` and a non-zero exit instead of a traceback."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from codegen_programs import prog_add_sub, random_inputs
from da4ml.verif import run

from da4ml.codegen import RTLModel
from da4ml.toolchain import SIM_EXTRA, _make_overrides, find_simulator

DATA = Path(__file__).parent / "data" / "hdl"


def path_without_python(tmp_path: Path) -> str:
    """This process's PATH with every `python` command taken out: a directory that has one is replaced by a
    directory of links to all of its other entries."""
    dirs = []
    for n, d in enumerate(p for p in os.environ.get("PATH", "").split(os.pathsep) if p):
        if not os.path.lexists(os.path.join(d, "python")):
            dirs.append(d)
            continue
        links = tmp_path / "path" / str(n)
        links.mkdir(parents=True)
        for entry in os.scandir(d):
            if entry.name != "python":
                (links / entry.name).symlink_to(entry.path)
        dirs.append(str(links))
    path = os.pathsep.join(dirs)
    assert shutil.which("python", path=path) is None
    assert all(shutil.which(tool, path=path) for tool in ("make", "c++", "perl")), path
    return path


def one_file_build(build_dir: Path) -> bool:
    """Verilator compiled the model as one file, made by verilated.mk's $(PYTHON3) verilator_includer."""
    return any(build_dir.rglob("*__ALL.cpp"))


@pytest.mark.simulator
def test_verilator_builds_and_simulates_without_python_on_path(
    verilator_sim: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", path_without_python(tmp_path))
    # the cocotb runner (da4ml.verif.run, used by the CLI, `make sim` and the HDL regression)
    res = run(DATA / "addsub_comb", verilator_sim, seed=3, n_samples=300, build_dir=tmp_path / "build")
    assert res.passed, res.summary()
    assert res.stats["n_checked"] == 300
    assert one_file_build(tmp_path / "build"), "a small design must take the one-file build (the step that runs python)"
    # codegen's RTLModel.compile() (verilator --build of a C++ harness)
    comb = prog_add_sub()
    model = RTLModel(comb, "tiny", tmp_path / "tiny", print_latency=False)
    model.write()
    model.compile()
    assert one_file_build(tmp_path / "tiny")
    x = random_inputs(comb, 500, seed=4)
    assert np.array_equal(model.predict(x), comb.predict(x))


@pytest.mark.simulator
def test_design_makefile_sim_without_python_on_path(hdl_sim: str, tmp_path: Path) -> None:
    """The per-design Makefile -> CLI -> runner path; the simulator version that da4ml names (and
    `make simulators` prints) is the one cocotb reports."""
    prj = tmp_path / "addsub_comb"
    shutil.copytree(DATA / "addsub_comb", prj, ignore=shutil.ignore_patterns("sim_build"))
    env = {**os.environ, "PATH": path_without_python(tmp_path)}
    args = [f"PYTHON={sys.executable}", f"SIM={hdl_sim}", "SEED=5", "N_SAMPLES=200"]
    proc = subprocess.run(["make", "-C", str(prj), "sim", *args], capture_output=True, text=True, env=env, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert f"da4ml.verif PASS: addsub_comb ({prj}) on {hdl_sim}, 200/200 samples checked, seed 5" in proc.stdout
    if hdl_sim == "verilator":
        assert one_file_build(prj / "sim_build" / "verilator")
    mt = re.search(r"Running on (.+?) version (.+)$", proc.stdout, re.MULTILINE)  # cocotb's line
    assert mt, proc.stdout[-3000:]
    product, version = mt.group(1), mt.group(2).strip()
    assert find_simulator(hdl_sim).description.replace(" version ", " ").startswith(f"{product} {version} (")


def test_make_overrides_quote_the_interpreter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """PYTHON3 reaches a make recipe as one word even when the interpreter's path has spaces or a `$`."""
    odd = tmp_path / "a dir with spaces $HOME"
    odd.mkdir()
    (odd / "python3").symlink_to(sys.executable)
    (tmp_path / "Makefile").write_text("all:\n\t@$(PYTHON3) -c 'print(6 * 7)'\n")
    monkeypatch.setattr(sys, "executable", str(odd / "python3"))
    monkeypatch.setenv("MAKEFLAGS", "")
    env = {**os.environ, **_make_overrides(None)}
    proc = subprocess.run(["make", "-s"], cwd=tmp_path, capture_output=True, text=True, env=env, check=False)
    assert proc.returncode == 0 and proc.stdout.strip() == "42", proc.stdout + proc.stderr


NO_COCOTB = '''"""Test hook: cocotb looks uninstalled, as after `pip install da4ml` without extras."""
import sys


class _NotInstalled:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("cocotb", "cocotb_tools"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, _NotInstalled())
'''


@pytest.fixture
def env_without_cocotb(tmp_path: Path) -> dict[str, str]:
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(NO_COCOTB)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(hook), os.environ.get("PYTHONPATH")]))}
    check = subprocess.run(
        [sys.executable, "-c", "import cocotb_tools"], capture_output=True, text=True, env=env, check=False
    )
    assert check.returncode != 0 and "No module named 'cocotb_tools'" in check.stderr, "the hook is not active"
    return env


def _assert_clear_failure(proc: subprocess.CompletedProcess) -> None:
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out
    assert "cocotb is not installed (No module named 'cocotb_tools'); " in out, out
    assert f"install the simulation extra: {SIM_EXTRA}" in out and "pip install 'da4ml[sim]'" in out, out
    assert "Traceback" not in out, out


def test_verif_run_without_sim_extra(env_without_cocotb: dict[str, str], tmp_path: Path) -> None:
    prj = tmp_path / "addsub_comb"
    shutil.copytree(DATA / "addsub_comb", prj, ignore=shutil.ignore_patterns("sim_build"))
    cmd = [sys.executable, "-m", "da4ml.verif", "run", str(prj), "--sim", "icarus"]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env_without_cocotb, check=False)
    _assert_clear_failure(proc)
    assert proc.returncode == 2
    assert "pip install" in (prj / "sim_build" / "icarus" / "results.xml").read_text()  # JUnit results always


def test_design_makefile_without_sim_extra(env_without_cocotb: dict[str, str], tmp_path: Path) -> None:
    prj = tmp_path / "addsub_comb"
    shutil.copytree(DATA / "addsub_comb", prj, ignore=shutil.ignore_patterns("sim_build"))
    cmd = ["make", "-C", str(prj), "sim", f"PYTHON={sys.executable}"]
    _assert_clear_failure(subprocess.run(cmd, capture_output=True, text=True, env=env_without_cocotb, check=False))
