"""The wheel is complete: built (warnings as errors) and installed into a fresh venv, it imports, runs the
interpreter and carries the Verilog templates and the verification kit."""

import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

CHECK = r"""
import importlib.resources as res, numpy as np, da4ml
from da4ml.types import CombLogic, Op, Opcode, QInterval
assert "site-packages" in da4ml.__file__, da4ml.__file__
ops = [Op(0, -1, Opcode.INPUT, 0, QInterval(-8.0, 7.0, 1.0), 0.0, 0.0),
       Op(0, 0, Opcode.ADD, 0, QInterval(-16.0, 14.0, 2.0), 1.0, 4.0)]
comb = CombLogic((1, 1), [0], [1], [0], [False], ops)
assert comb.predict(np.array([[3.0], [-8.0]])).tolist() == [[6.0], [-16.0]]
root = res.files("da4ml")
templates = [p.name for p in (root / "rtl_templates").iterdir()]
assert any(name.endswith(".v.j2") for name in templates), templates
assert (root / "verif" / "__init__.py").is_file()
import da4ml.verif
print("wheel ok", sorted(templates))
"""


@pytest.mark.slow
def test_wheel_installs_into_fresh_venv(tmp_path):
    dist = tmp_path / "dist"
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(dist),
            "-Ccmake.define.DA4ML_WERROR=ON",
            f"-Cbuild-dir={tmp_path / 'build'}",
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert build.returncode == 0, f"wheel build failed (warnings are errors here):\n{build.stdout}\n{build.stderr}"
    (wheel,) = dist.glob("da4ml-*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    install = subprocess.run(
        [str(py), "-m", "pip", "install", "-q", str(wheel)], capture_output=True, text=True, check=False
    )
    assert install.returncode == 0, install.stderr
    run = subprocess.run([str(py), "-c", CHECK], capture_output=True, text=True, cwd=tmp_path, check=False)
    assert run.returncode == 0, run.stderr
    assert "wheel ok" in run.stdout
