"""The wheel is complete: built once (warnings as errors) and installed into a fresh venv, da4ml runs from
it, renders Verilog from the templates it carries (byte-identical to the source tree) and writes the
testbench from the verification kit it carries, and an HTML report from the report template it carries."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow

PROGRAM = r"""
from da4ml.ir import CombLogic, Op, Opcode, QInterval
ops = [
    Op(0, -1, Opcode.INPUT, 0, QInterval(-8.0, 7.75, 0.25), 0.0, 0.0),
    Op(1, -1, Opcode.INPUT, 0, QInterval(0.0, 15.0, 1.0), 0.0, 0.0),
    Op(0, 1, Opcode.SUB, Op.pack(1, 0), QInterval(-38.0, 7.75, 0.25), 1.0, 9.0),
]
comb = CombLogic((2, 1), [0, 0], [2], [0], [False], ops)
"""

RENDER = r"""
import hashlib, json, sys
from da4ml.codegen import RTLModel
out = {}
for cutoff in (-1, 1):
    files, _ = RTLModel(comb, "wheel_top", sys.argv[1], latency_cutoff=cutoff, print_latency=False).render()
    out[str(cutoff)] = {k: hashlib.sha256(v).hexdigest() for k, v in sorted(files.items())}
print(json.dumps(out, sort_keys=True))
"""

CHECKS = r"""
import sys
from pathlib import Path
import numpy as np, da4ml
from da4ml.codegen import RTLModel
site = Path(sys.argv[2]).resolve()
assert Path(da4ml.__file__).resolve().is_relative_to(site), da4ml.__file__
assert comb.predict(np.array([[3.0, 2.0], [-8.0, 15.0]])).tolist() == [[-1.0], [-38.0]]
prj = RTLModel(comb, "wheel_prj", sys.argv[1], latency_cutoff=1, print_latency=False).write()
assert (Path(prj) / "tb").is_dir() and (Path(prj) / "Makefile").is_file(), "no testbench from the wheel"
from da4ml.report import read_project, render_text
html = render_text([read_project(prj, print)], "html")  # the report template the wheel carries
assert html.count('<svg xmlns="http://www.w3.org/2000/svg"') == 3 and ">wheel_prj</td>" in html, html[:500]
print("wheel ok")
"""


@pytest.fixture(scope="module")
def wheel_python(tmp_path_factory) -> tuple[Path, Path]:
    """(python, site-packages) of a fresh venv holding da4ml only from the wheel; numpy and jinja2 come
    from this interpreter through a .pth line, so no network is needed."""
    tmp = tmp_path_factory.mktemp("wheel")
    dist = tmp / "dist"
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(dist),
         "-Ccmake.define.DA4ML_WERROR=ON", f"-Cbuild-dir={tmp / 'build'}", str(ROOT)],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert build.returncode == 0, f"wheel build failed (warnings are errors here):\n{build.stdout}\n{build.stderr}"
    (wheel,) = dist.glob("da4ml-*.whl")
    env_dir = tmp / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = env_dir / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
    )  # fmt: skip
    deps = tmp / "deps"
    deps.mkdir()
    here = Path(sysconfig.get_paths()["purelib"])
    for name in ("numpy", "numpy.libs", "jinja2", "markupsafe"):
        if (here / name).exists():
            (deps / name).symlink_to(here / name)
    (site / "zz_test_deps.pth").write_text(f"{deps}\n")
    inst = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--target", str(site), str(wheel)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert inst.returncode == 0, inst.stdout[-3000:] + inst.stderr[-3000:]
    return py, site


def _run(py: Path, code: str, *args: str, cwd: Path) -> str:
    run = subprocess.run([str(py), "-c", PROGRAM + code, *args], capture_output=True, text=True, cwd=cwd, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout


def test_wheel_carries_everything(wheel_python, tmp_path):
    py, site = wheel_python
    for part in ("rtl_templates/comb_module.v.j2", "verif/__init__.py", "_core/dais.pyi"):
        assert (site / "da4ml" / part).is_file(), f"{part} is missing from the wheel"
    assert "wheel ok" in _run(py, CHECKS, str(tmp_path / "prj"), str(site), cwd=tmp_path)
    # the wheel registers ExampleModel's tracer plugin (entry point dais_tracer.plugins: da4ml)
    plugin = "from da4ml.converter import find_plugin\nfrom da4ml.converter.example import ExampleModel\n"
    plugin += "print(find_plugin(ExampleModel()).__name__)\n"
    assert "ExamplePlugin" in _run(py, plugin, cwd=tmp_path)


def test_templates_render_from_wheel_as_from_source(wheel_python, tmp_path):
    py, _ = wheel_python
    from_wheel = json.loads(_run(py, RENDER, str(tmp_path / "a"), cwd=tmp_path).strip().splitlines()[-1])
    namespace: dict = {}
    exec(PROGRAM, namespace)  # noqa: S102  (the same program, rendered from the source tree)
    from da4ml.codegen import RTLModel

    here = {}
    for cutoff in (-1, 1):
        model = RTLModel(namespace["comb"], "wheel_top", tmp_path / "b", latency_cutoff=cutoff, print_latency=False)
        files, _ = model.render()
        here[str(cutoff)] = {k: hashlib.sha256(v).hexdigest() for k, v in sorted(files.items())}
    assert from_wheel == here
